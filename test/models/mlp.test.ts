// Two-layer MLPs: activations, losses, reductions, methods and steps, scales, float32, dropout.
import { checkGradients } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { type Built, type Options, cases, fail, noisy, of, pass } from '../support/harness.js'
import { makeMlp, type MlpBug, type MlpParams, type MlpSpec } from './mlp.js'
import { firstDifference, rng, snapshot } from './util.js'

const ALL_MLP = ['W1', 'b1', 'W2', 'b2']
const FIRST_LAYER = ['W1', 'b1']
const mlp = (spec: MlpSpec, bug: MlpBug = 'none', options?: Options) => (): Built => of(makeMlp(spec), bug, options)
const offsetMlp = (offset: number, bug: MlpBug = 'none') => (): Built => {
  const m = makeMlp({ act: 'tanh' })
  return { at: m.params, loss: (p: MlpParams) => m.loss(p) + offset, grad: (p: MlpParams) => m.grad(p, bug) }
}
const dropMlp = (rand: () => number, bug: MlpBug = 'none', options?: Options) => (): Built => of(makeMlp({ act: 'tanh', H: 6, dropout: { p: 0.5, rand } }), bug, options)

describe('MLP', () => cases([
  pass('mlp tanh, softmax CE, batch mean', mlp({ act: 'tanh' })),
  pass('mlp sigmoid, softmax CE, batch mean', mlp({ act: 'sigmoid' })),
  pass('mlp ReLU, softmax CE, batch mean', mlp({ act: 'relu' })),
  pass('mlp leaky ReLU, softmax CE, batch mean', mlp({ act: 'leaky' })),
  pass('mlp GELU, softmax CE, batch mean', mlp({ act: 'gelu' })),
  pass('mlp tanh, MSE, batch sum', mlp({ act: 'tanh', loss: 'mse', reduce: 'sum' })),
  pass('mlp GELU, MSE, batch mean', mlp({ act: 'gelu', loss: 'mse' })),
  pass('mlp ReLU, MSE, batch sum, L2', mlp({ act: 'relu', loss: 'mse', reduce: 'sum', l2: 0.05 })),
  pass('mlp sigmoid, CE, L2 1e-2', mlp({ act: 'sigmoid', l2: 1e-2 })),
  pass('mlp tanh saturated (gain 4)', mlp({ act: 'tanh', gain: 4 })),
  pass('mlp sigmoid saturated (gain 6), MSE', mlp({ act: 'sigmoid', gain: 6, loss: 'mse' })),
  pass('mlp wide GELU (B 16, D 12, H 10, C 5)', mlp({ act: 'gelu', B: 16, D: 12, H: 10, C: 5 })),
  pass('mlp ReLU, richardson method', mlp({ act: 'relu' }, 'none', { method: 'richardson' })),
  pass('mlp tanh, forward method', mlp({ act: 'tanh' }, 'none', { method: 'forward' })),
  fail('mlp tanh, forward method: dW2 off by 1%', mlp({ act: 'tanh' }, 'W2x1.01', { method: 'forward' }), ['W2']),
  pass('mlp GELU, fixed step 1e-4', mlp({ act: 'gelu' }, 'none', { step: 1e-4 })),
  pass('mlp tanh, fixed step 1e-2', mlp({ act: 'tanh' }, 'none', { step: 1e-2 })),
  fail('mlp tanh, fixed step 1e-2: dW2 off by 1%', mlp({ act: 'tanh' }, 'W2x1.01', { step: 1e-2 }), ['W2']),
  pass('float32 mlp tanh, forward method', mlp({ act: 'tanh', precision: 'float32' }, 'none', { method: 'forward' })),
  pass('float32 mlp GELU, richardson method', mlp({ act: 'gelu', precision: 'float32' }, 'none', { method: 'richardson' })),
  fail('mlp tanh: gradient of the batch sum, loss is the mean', mlp({ act: 'tanh' }, 'batchSum'), ALL_MLP, { hint: 'factor' }),
  fail('mlp tanh: db2 misses 1/batch', mlp({ act: 'tanh' }, 'b2NoMean'), ['b2'], { hint: 'factor' }),
  fail('mlp tanh: db1 from the first sample only', mlp({ act: 'tanh' }, 'b1FirstSample'), ['b1']),
  fail('mlp tanh: db2 summed over the wrong axis', mlp({ act: 'tanh' }, 'b2rowSum'), ['b2']),
  fail('mlp tanh: dW1 transposed (non-square, flat layout)', mlp({ act: 'tanh' }, 'W1T'), ['W1'], { hint: 'transposed' }),
  fail('mlp ReLU: dW1 transposed (non-square, flat layout)', mlp({ act: 'relu', H: 3, D: 6 }, 'W1T'), ['W1'], { hint: 'transposed' }),
  fail('mlp tanh: dW2 transposed (square 4×4)', mlp({ act: 'tanh', C: 4, H: 4 }, 'W2T'), ['W2'], { hint: 'transposed' }),
  fail('mlp GELU: dW2 sign flipped', mlp({ act: 'gelu' }, 'W2sign'), ['W2'], { hint: 'factor' }),
  fail('mlp ReLU: dW2 sign flipped', mlp({ act: 'relu' }, 'W2sign'), ['W2'], { hint: 'factor' }),
  fail('mlp tanh: L2 term missing from dW1', mlp({ act: 'tanh', l2: 0.05 }, 'noL2W1'), ['W1'], { hint: 'l2' }),
  fail('mlp ReLU MSE: L2 term missing from dW1 (λ 1e-3)', mlp({ act: 'relu', loss: 'mse', l2: 1e-3 }, 'noL2W1'), ['W1']),
  fail('mlp tanh: one coordinate of dW1 off by 5%', mlp({ act: 'tanh' }, 'coord'), ['W1'], { hint: 'single', path: 'W1[1,2]' }),
  fail('mlp tanh: one coordinate of dW1 off by 1e-5', mlp({ act: 'tanh' }, 'coordTiny'), ['W1'], { path: 'W1[1,2]' }),
  fail('mlp sigmoid: dW2 off by 1%', mlp({ act: 'sigmoid' }, 'W2x1.01'), ['W2'], { hint: 'factor' }),
  fail('mlp GELU: dW2 off by 1%', mlp({ act: 'gelu', loss: 'mse' }, 'W2x1.01'), ['W2'], { hint: 'factor' }),
  fail('mlp leaky: db1 ×2', mlp({ act: 'leaky' }, 'b1x2'), ['b1'], { hint: 'factor' }),
  fail('mlp ReLU: db1 ×2', mlp({ act: 'relu' }, 'b1x2'), ['b1'], { hint: 'factor' }),
  fail('mlp tanh: db1 all zero', mlp({ act: 'tanh' }, 'b1zero'), ['b1'], { hint: 'zero' }),
  fail("mlp tanh: tanh' = 1 − t", mlp({ act: 'tanh' }, 'actDeriv'), FIRST_LAYER),
  fail("mlp sigmoid: sigmoid' = s", mlp({ act: 'sigmoid' }, 'actDeriv'), FIRST_LAYER),
  fail('mlp ReLU: ReLU mask forgotten', mlp({ act: 'relu' }, 'actDeriv'), FIRST_LAYER),
  fail("mlp leaky: leak slope forgotten in the backward", mlp({ act: 'leaky', gain: 2 }, 'actDeriv'), FIRST_LAYER),
  fail("mlp GELU: GELU' missing its second term", mlp({ act: 'gelu' }, 'actDeriv'), FIRST_LAYER),
  fail('mlp tanh MSE: d(z−t)² taken as (z−t)', mlp({ act: 'tanh', loss: 'mse' }, 'mseNo2'), ALL_MLP, { hint: 'factor' }),
  fail('mlp wide GELU: dW2 off by 1%', mlp({ act: 'gelu', B: 16, D: 12, H: 10, C: 5 }, 'W2x1.01'), ['W2']),
  pass('float64 ReLU MLP, random init (seed 1; its float32 twin is in regressions.test.ts)', () => of(makeMlp({ act: 'relu', seed: 1, B: 16, D: 6, H: 8, C: 3 }))),
]))

describe('scales of the loss and the parameters', () => cases([
  pass('mlp loss ×1e12', mlp({ act: 'tanh', scale: 1e12 })),
  fail('mlp loss ×1e12: db1 ×2', mlp({ act: 'tanh', scale: 1e12 }, 'b1x2'), ['b1']),
  pass('mlp loss ×1e-12', mlp({ act: 'gelu', scale: 1e-12, loss: 'mse' })),
  fail('mlp loss ×1e-12: dW2 sign', mlp({ act: 'gelu', scale: 1e-12, loss: 'mse' }, 'W2sign'), ['W2']),
  pass('mlp W1 at 1e-8 (inputs at 1e8)', mlp({ act: 'tanh', paramScale: 1e-8 })),
  fail('mlp W1 at 1e-8: dW2 off by 1%', mlp({ act: 'tanh', paramScale: 1e-8 }, 'W2x1.01'), ['W2']),
  fail('mlp W1 at 1e-8: dW1 transposed', mlp({ act: 'tanh', paramScale: 1e-8 }, 'W1T'), ['W1']),
  pass('mlp W1 at 1e6 (inputs at 1e-6)', mlp({ act: 'sigmoid', paramScale: 1e6 })),
  fail('mlp W1 at 1e6: db1 ×2', mlp({ act: 'sigmoid', paramScale: 1e6 }, 'b1x2'), ['b1']),
  fail('mlp W1 at 1e6: one coordinate of dW1 off by 5%', mlp({ act: 'sigmoid', paramScale: 1e6 }, 'coord'), ['W1']),
  pass('loss + 1e6 constant', offsetMlp(1e6)),
  fail('loss + 1e6 constant: dW2 off by 1%', offsetMlp(1e6, 'W2x1.01'), ['W2']),
  pass('loss + 1e9 constant', offsetMlp(1e9)),
  fail('loss + 1e9 constant: db1 ×2', offsetMlp(1e9, 'b1x2'), ['b1']),
]))

describe('float32', () => cases([
  pass('float32 mlp tanh CE', mlp({ act: 'tanh', precision: 'float32' })),
  pass('float32 mlp ReLU CE', mlp({ act: 'relu', precision: 'float32' })),
  pass('float32 mlp GELU MSE', mlp({ act: 'gelu', precision: 'float32', loss: 'mse' })),
  pass('float32 mlp sigmoid MSE sum', mlp({ act: 'sigmoid', precision: 'float32', loss: 'mse', reduce: 'sum' })),
  pass('float32 mlp wide tanh (B 16, D 12, H 10, C 5)', mlp({ act: 'tanh', precision: 'float32', B: 16, D: 12, H: 10, C: 5 })),
  fail('float32 mlp tanh: db1 ×2', mlp({ act: 'tanh', precision: 'float32' }, 'b1x2'), ['b1']),
  fail('float32 mlp tanh: dW1 transposed', mlp({ act: 'tanh', precision: 'float32' }, 'W1T'), ['W1']),
  fail('float32 mlp tanh: dW2 transposed (square)', mlp({ act: 'tanh', precision: 'float32', C: 4, H: 4 }, 'W2T'), ['W2']),
  fail('float32 mlp GELU: dW2 sign', mlp({ act: 'gelu', precision: 'float32' }, 'W2sign'), ['W2']),
  fail('float32 mlp sigmoid: dW2 off by 1%', mlp({ act: 'sigmoid', precision: 'float32', loss: 'mse' }, 'W2x1.01'), ['W2']),
  fail('float32 mlp tanh: missing 1/batch on db2', mlp({ act: 'tanh', precision: 'float32' }, 'b2NoMean'), ['b2']),
  pass('float64 params, loss in float32: GELU MSE', mlp({ act: 'gelu', precision: 'internal', loss: 'mse' })),
  pass('float64 params, loss in float32: wide tanh', mlp({ act: 'tanh', precision: 'internal', B: 16, D: 12, H: 10, C: 5 })),
  fail('float64 params, loss in float32: db1 ×2', mlp({ act: 'tanh', precision: 'internal' }, 'b1x2'), ['b1']),
  fail('float64 params, loss in float32: dW2 transposed', mlp({ act: 'tanh', precision: 'internal', C: 4, H: 4 }, 'W2T'), ['W2']),
  fail('float32 wide ReLU: dW2 off by 5%', () => {
    const m = makeMlp({ act: 'relu', precision: 'float32', B: 32, D: 12, H: 16, C: 4 })
    return { at: m.params, loss: m.loss, grad: (p: MlpParams) => {
      const g = m.grad(p) as { W2: { data: Float32Array } }
      g.W2.data.forEach((v, i) => (g.W2.data[i] = 1.05 * v))
      return g
    } }
  }, ['W2']),
  pass('float32 W1 at 1e-8', mlp({ act: 'tanh', precision: 'float32', paramScale: 1e-8 })),
  fail('float32 W1 at 1e-8: db1 ×2', mlp({ act: 'tanh', precision: 'float32', paramScale: 1e-8 }, 'b1x2'), ['b1']),
  pass('float32 loss ×1e12', mlp({ act: 'gelu', precision: 'float32', scale: 1e12 })),
]))

describe('dropout and other nondeterminism', () => cases([
  noisy('dropout with Math.random, correct gradient', dropMlp(Math.random)),
  noisy('dropout with Math.random, db1 ×2', dropMlp(Math.random, 'b1x2')),
  noisy('dropout with a stateful RNG, never reset', dropMlp(rng(5))),
  pass('dropout, beforeEvaluation resets a fresh RNG', () => {
    const r = rng(5)
    return dropMlp(r, 'none', { beforeEvaluation: () => r.reset() })()
  }),
  fail('dropout, beforeEvaluation resets the RNG, db1 ×2', () => {
    const r = rng(5)
    return dropMlp(r, 'b1x2', { beforeEvaluation: () => r.reset() })()
  }, ['b1']),
  pass('a sum in random order (harmless nondeterminism)', () => {
    const m = makeMlp({ act: 'tanh', loss: 'mse' })
    const lossShuffled = (p: MlpParams): number => {
      // the same loss plus terms that cancel exactly in exact arithmetic, summed in a random order
      const terms = [m.loss(p), 1e-3, -1e-3, 0.1, -0.1].sort(() => Math.random() - 0.5)
      return terms.reduce((s, v) => s + v, 0)
    }
    return { at: m.params, loss: lossShuffled, grad: (p: MlpParams) => m.grad(p) }
  }, { deterministic: 'any' }),
]))

it('restores `at` when the loss throws midway', () => {
  const m = makeMlp({ act: 'tanh' })
  const before = snapshot(m.params)
  let calls = 0
  const loss = (p: MlpParams): number => {
    if (++calls === 20) throw new Error('boom')
    return m.loss(p)
  }
  expect(() => checkGradients(loss, (p: MlpParams) => m.grad(p), { at: m.params })).toThrow('boom')
  expect(firstDifference(m.params, before)).toBeUndefined()
})

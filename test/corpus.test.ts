// A corpus of realistic hand-written gradients, correct and buggy, run through the engine as a new
// user would (defaults only, unless a case is about an option). Every case also checks that `at` is
// bit-for-bit what it was before the check.
import { checkGradients } from 'gradcheck'
import { describe, expect, it } from 'vitest'
import { type Built, type Case, type Options, fail, of, pass, run } from './support/corpus.js'
import { createCnn, makeBatch, loss as cnnLoss, backward as cnnBackward, backwardWithBug as cnnBackwardWithBug, type CnnParams } from '../examples/cnn/cnn.js'
import { makeAttention, type AttnBug } from './corpus/attention.js'
import { makeAutoencoder, makeLogistic, makeNestedLinear, TinyNet, type AeBug, type LinBug, type LogBug } from './corpus/forms.js'
import { makeClamp, makeHinge, makeLasso, makeMaxPool, makeReluKinks, type ClampBug, type HingeBug, type L1Bug, type PoolBug, type ReluBug } from './corpus/kinks.js'
import { makeMlp, type MlpBug, type MlpParams, type MlpSpec } from './corpus/mlp.js'
import { makeNorm, type NormBug, type NormKind } from './corpus/norm.js'
import {
  makeDecay, makeExpBig, makeGravity, makeLogSmall, makeLse, makeRc, makeSprings,
  type DecayBug, type ExpBug, type GravBug, type LseBug, type RcBug, type SpringBug,
} from './corpus/physics.js'
import {
  float32Readback, makeEmbedding, makeFixedPoint, makePackedDecay, makePackedRc, makeVariances, seedWithEqualMasks,
  type DeqBug, type EmbBug, type PackedBug, type VarBug,
} from './corpus/extra.js'
import { firstDifference, rng, snapshot } from './corpus/util.js'


const ALL_MLP = ['W1', 'b1', 'W2', 'b2']
const FIRST_LAYER = ['W1', 'b1']
const mlp = (spec: MlpSpec, bug: MlpBug = 'none', options?: Options) => (): Built => of(makeMlp(spec), bug, options)

// ------------------------------------------------------------------ MLPs
const mlpCases: Case[] = [
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
]

// ------------------------------------------------------------------ scales of the loss and the parameters
const scaleCases: Case[] = [
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
]

// ------------------------------------------------------------------ float32
const f32Cases: Case[] = [
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
]

// ------------------------------------------------------------------ normalisation, attention, logsumexp, exp/log
const norm = (kind: NormKind, bug: NormBug = 'none') => (): Built => of(makeNorm(kind), bug)
const attn = (bug: AttnBug = 'none') => (): Built => of(makeAttention(), bug)
const layerCases: Case[] = [
  pass('LayerNorm', norm('layer')),
  fail('LayerNorm: mean term of dx̂ dropped', norm('layer', 'noMean'), ['W']),
  fail('LayerNorm: variance term of dx̂ dropped', norm('layer', 'noVar'), ['W']),
  fail('LayerNorm: ε left out of σ in the backward', norm('layer', 'noEps'), ['W']),
  fail('LayerNorm: dγ without x̂', norm('layer', 'gammaNoX'), ['gamma']),
  fail('LayerNorm: dβ divided by the batch again', norm('layer', 'betaMean'), ['beta'], { hint: 'factor' }),
  pass('BatchNorm', norm('batch')),
  fail('BatchNorm: mean term of dx̂ dropped', norm('batch', 'noMean'), ['W']),
  fail('BatchNorm: variance term of dx̂ dropped', norm('batch', 'noVar'), ['W']),
  fail('BatchNorm: ε left out of σ in the backward', norm('batch', 'noEps'), ['W']),
  pass('attention', attn()),
  fail('attention: softmax Jacobian without the −a·(a·g) term', attn('softmaxDiag'), ['Wq', 'Wk']),
  fail('attention: 1/√d forgotten in the backward', attn('noScale'), ['Wq', 'Wk'], { hint: 'factor' }),
  fail('attention: dV = A·dO instead of Aᵀ·dO', attn('dVnoTranspose'), ['Wv']),
  pass('logsumexp at ±1000', () => of(makeLse(), 'none' as LseBug)),
  fail('logsumexp: softmax not normalised', () => of(makeLse(), 'unnormalised' as LseBug), ['a']),
  fail('logsumexp: factor 2 of the second term missing', () => of(makeLse(), 'bMissing2' as LseBug), ['b'], { hint: 'factor' }),
  pass('exp at arguments ~40 (loss ~1e18)', () => of(makeExpBig(), 'none' as ExpBug)),
  fail('exp ~40: dw off by 0.1%', () => of(makeExpBig(), 'tenthPct' as ExpBug), ['w']),
  fail('exp ~40: dc sign', () => of(makeExpBig(), 'sign' as ExpBug), ['c']),
  pass('log at arguments ~1e-6', () => of(makeLogSmall(), 'none' as ExpBug)),
  fail('log ~1e-6: dv sign of the log term', () => of(makeLogSmall(), 'sign' as ExpBug), ['v']),
  fail('log ~1e-6: dc off by 0.1%', () => of(makeLogSmall(), 'tenthPct' as ExpBug), ['c']),
]

// ------------------------------------------------------------------ physics
const physicsCases: Case[] = [
  pass('spring chain energy', () => of(makeSprings(), 'none' as SpringBug)),
  fail('springs: force applied to one end only', () => of(makeSprings(), 'oneEnd' as SpringBug), ['pos']),
  fail('springs: dE/dk without the ½', () => of(makeSprings(), 'kNoHalf' as SpringBug), ['k'], { hint: 'factor' }),
  fail('springs: direction not normalised', () => of(makeSprings(), 'unitDir' as SpringBug), ['pos']),
  pass('decay, τ = 1e-3 (stiff)', () => of(makeDecay(), 'none' as DecayBug)),
  fail('decay τ = 1e-3: dτ sign', () => of(makeDecay(), 'tauSign' as DecayBug), ['tau']),
  fail('decay τ = 1e-3: dτ with τ instead of τ²', () => of(makeDecay(), 'tauNoSquare' as DecayBug), ['tau']),
  fail('decay τ = 1e-3: dτ halved', () => of(makeDecay(), 'tauHalf' as DecayBug), ['tau']),
  pass('decay, τ = 1e-7', () => of(makeDecay(1e-7), 'none' as DecayBug)),
  fail('decay τ = 1e-7: dτ halved', () => of(makeDecay(1e-7), 'tauHalf' as DecayBug), ['tau']),
  pass('RC circuit, C ~ 1e-8 F, R ~ 1e3 Ω', () => of(makeRc(), 'none' as RcBug)),
  fail('RC: dC sign', () => of(makeRc(), 'Csign' as RcBug), ['C']),
  fail('RC: dC off by 0.5%', () => of(makeRc(), 'C0.5pct' as RcBug), ['C']),
  fail('RC: dR missing a factor R', () => of(makeRc(), 'RmissingSquare' as RcBug), ['R']),
  pass('gravity, positions ~1e7 m, masses ~1e24 kg (loss ~1e37)', () => of(makeGravity(), 'none' as GravBug)),
  fail("gravity: Newton's third law forgotten", () => of(makeGravity(), 'noThirdLaw' as GravBug), ['pos']),
  fail('gravity: dm double-counts the pairs', () => of(makeGravity(), 'massDouble' as GravBug), ['mass'], { hint: 'factor' }),
  fail('gravity: force with r² instead of r³', () => of(makeGravity(), 'r2' as GravBug), ['pos']),
]

// ------------------------------------------------------------------ kinks
const relu = (bug: ReluBug, precision: 'float64' | 'float32' = 'float64') => (): Built => of(makeReluKinks(precision), bug)
const kinkCases: Case[] = [
  pass("ReLU at exactly 0, relu'(0) = 0", relu('none')),
  pass("ReLU at exactly 0, relu'(0) = ½", relu('atZeroHalf')),
  pass("ReLU at exactly 0, relu'(0) = 1", relu('atZeroOne')),
  fail("ReLU at exactly 0, relu'(0) = −1 (outside the slopes)", relu('atZeroMinus'), FIRST_LAYER),
  fail('ReLU at exactly 0, mask forgotten', relu('noMask'), FIRST_LAYER),
  pass("float32 ReLU at exactly 0, relu'(0) = 0", relu('none', 'float32')),
  fail("float32 ReLU at exactly 0, relu'(0) = −1", relu('atZeroMinus', 'float32'), FIRST_LAYER),
  pass('max-pool ties, first argmax', () => of(makeMaxPool(), 'none' as PoolBug)),
  pass('max-pool ties, split evenly', () => of(makeMaxPool(), 'split' as PoolBug)),
  pass('max-pool ties, last argmax', () => of(makeMaxPool(), 'last' as PoolBug)),
  fail('max-pool routed to the argmin', () => of(makeMaxPool(), 'argmin' as PoolBug), ['x']),
  pass('hinge loss, points exactly on the margin (inactive)', () => of(makeHinge(), 'none' as HingeBug)),
  pass('hinge loss, points exactly on the margin (active)', () => of(makeHinge(), 'atMarginActive' as HingeBug)),
  fail('hinge loss at the margin, wrong sign', () => of(makeHinge(), 'atMarginWrongSign' as HingeBug), ['w', 'b']),
  fail('hinge loss, mean forgotten', () => of(makeHinge(), 'noMean' as HingeBug), ['w', 'b']),
  pass('lasso, weights exactly 0, sign(0) = 0', () => of(makeLasso(), 'none' as L1Bug)),
  pass('lasso, weights exactly 0, sign(0) = 1', () => of(makeLasso(), 'signOfZeroOne' as L1Bug)),
  fail('lasso: at 0 both branches add λ (outside the slopes)', () => of(makeLasso(), 'bothBranches' as L1Bug), ['w']),
  fail('lasso: λ forgotten', () => of(makeLasso(), 'noLambda' as L1Bug), ['w']),
  pass('clamp exactly at its bounds (exclusive)', () => of(makeClamp(), 'none' as ClampBug)),
  pass('clamp exactly at its bounds (inclusive)', () => of(makeClamp(), 'inclusive' as ClampBug)),
  fail('clamp: straight-through gradient outside the range', () => of(makeClamp(), 'straightThrough' as ClampBug), ['w']),
  fail('clamp: wrong sign at the bounds', () => of(makeClamp(), 'boundSign' as ClampBug), ['w']),
]

// ------------------------------------------------------------------ the example CNN (raw pixels, ReLU at 0, max-pool)
const cnn = (dtype: 'float64' | 'float32', withBug: boolean) => (): Built => {
  const params = createCnn({ dtype })
  const batch = makeBatch()
  return { at: params, loss: (p: CnnParams) => cnnLoss(p, batch), grad: (p: CnnParams) => (withBug ? cnnBackwardWithBug : cnnBackward)(p, batch) }
}
const cnnCases: Case[] = [
  pass('example CNN float64', cnn('float64', false)),
  pass('example CNN float32', cnn('float32', false)),
  fail('example CNN float64, off-by-one row', cnn('float64', true), ['conv1.weight']),
  fail('example CNN float32, off-by-one row', cnn('float32', true), ['conv1.weight']),
]

// ------------------------------------------------------------------ parameter forms
const formCases: Case[] = [
  pass('nested number[][]', () => of(makeNestedLinear(), 'none' as LinBug)),
  fail('nested number[][]: db misses 1/N', () => of(makeNestedLinear(), 'bNoMean' as LinBug), ['b'], { hint: 'factor' }),
  fail('nested number[][]: rows of dW swapped', () => of(makeNestedLinear(), 'WTransposedRows' as LinBug), ['W']),
  pass('nested objects', () => of(makeAutoencoder(), 'none' as AeBug)),
  fail('nested objects: decoder.bias ×2', () => of(makeAutoencoder(), 'decBiasX2' as AeBug), ['decoder.bias'], { hint: 'factor' }),
  fail("nested objects: tanh' forgotten in encoder.weight", () => of(makeAutoencoder(), 'encWeightNoTanhDeriv' as AeBug), ['encoder.weight']),
  pass('list of tensors', () => of(makeLogistic(), 'none' as LogBug)),
  fail('list of tensors: [1] sign', () => of(makeLogistic(), 'bSign' as LogBug), ['[1]']),
  fail('list of tensors: [0] misses 1/N', () => of(makeLogistic(), 'wNoMean' as LogBug), ['[0]']),
  pass('{data, shape} (mlp)', mlp({ act: 'tanh' })),
  pass('stateful closure: () => net.loss(), () => net.backward()', () => {
    const net = new TinyNet()
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }),
  fail('stateful closure: hidden.bias gradient missing', () => {
    const net = new TinyNet(41, 'hiddenBiasMissing')
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }, ['hidden.bias'], { hint: 'zero' }),
  fail('stateful closure: out.weight ×2', () => {
    const net = new TinyNet(41, 'outWeightX2')
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }, ['out.weight']),
  pass('stateful closure, gradient passed as a value', () => {
    const net = new TinyNet()
    return { at: net.params, loss: () => net.loss(), grad: net.backward() }
  }),
  pass('async loss and gradient', () => {
    const m = makeMlp({ act: 'gelu' })
    return { at: m.params, loss: async (p: MlpParams) => m.loss(p), grad: async (p: MlpParams) => m.grad(p) }
  }),
  fail('async loss: dW2 sign', () => {
    const m = makeMlp({ act: 'gelu' })
    return { at: m.params, loss: async (p: MlpParams) => m.loss(p), grad: (p: MlpParams) => m.grad(p, 'W2sign') }
  }, ['W2']),
  pass('scalar parameters in an object ({tau, amp, offset})', () => of(makeDecay(), 'none' as DecayBug)),
  pass('a bare number as `at`', () => ({ at: 0.7, loss: (x: number) => Math.sin(x) * Math.exp(x), grad: (x: number) => (Math.cos(x) + Math.sin(x)) * Math.exp(x) })),
  fail('a bare number as `at`: cos for sin', () => ({ at: 0.7, loss: (x: number) => Math.sin(x) * Math.exp(x), grad: (x: number) => Math.cos(x) * Math.exp(x) }), ['at']),
  pass('a bare Float64Array as `at`', () => ({ at: Float64Array.from([0.3, -1.2, 2]), loss: (w: Float64Array) => w.reduce((s, v) => s + Math.cosh(v), 0), grad: (w: Float64Array) => w.map(Math.sinh) })),
  pass('sync loss, async gradient', () => {
    const m = makeMlp({ act: 'sigmoid' })
    return { at: m.params, loss: m.loss, grad: async (p: MlpParams) => m.grad(p) }
  }),
  pass('stateful net whose loss() clears the gradient buffer backward() returned', () => {
    const m = makeMlp({ act: 'tanh' })
    let buffer: Record<string, unknown> = {}
    const net = {
      params: m.params,
      loss: () => {
        for (const v of Object.values(buffer)) {
          const t = v as { data?: Float64Array } & Float64Array
          ;(t.data ?? t).fill(0) // a zero_grad() inside the forward pass
        }
        return m.loss(m.params)
      },
      backward: () => (buffer = m.grad(m.params)),
    }
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }),
  pass('params holding −0', () => {
    const m = makeMlp({ act: 'tanh' })
    m.params.b1[0] = -0
    m.params.b2[1] = -0
    return of(m, 'none' as MlpBug)
  }),
]

// ------------------------------------------------------------------ dropout and other nondeterminism
const dropMlp = (rand: () => number, bug: MlpBug = 'none', options?: Options) => (): Built => of(makeMlp({ act: 'tanh', H: 6, dropout: { p: 0.5, rand } }), bug, options)
const dropoutCases: Case[] = [
  fail('dropout with Math.random, correct gradient', dropMlp(Math.random), undefined, { deterministic: false, hint: 'nondeterministic' }),
  fail('dropout with Math.random, db1 ×2', dropMlp(Math.random, 'b1x2'), undefined, { deterministic: false, hint: 'nondeterministic' }),
  fail('dropout with a stateful RNG, never reset', dropMlp(rng(5)), undefined, { deterministic: false, hint: 'nondeterministic' }),
  pass('dropout, beforeEvaluation resets a fresh RNG', () => {
    const r = rng(5)
    return dropMlp(r, 'none', { beforeEvaluation: () => r.reset() })()
  }),
  fail('dropout, beforeEvaluation resets the RNG, db1 ×2', () => {
    const r = rng(5)
    return dropMlp(r, 'b1x2', { beforeEvaluation: () => r.reset() })()
  }, ['b1']),
  fail('stateful closure with dropout on', () => {
    const net = new TinyNet(41, 'none', { p: 0.3, rand: Math.random })
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }, undefined, { deterministic: false, hint: 'nondeterministic' }),
  pass('a sum in random order (harmless nondeterminism)', () => {
    const m = makeMlp({ act: 'tanh', loss: 'mse' })
    const lossShuffled = (p: MlpParams): number => {
      // the same loss plus terms that cancel exactly in exact arithmetic, summed in a random order
      const terms = [m.loss(p), 1e-3, -1e-3, 0.1, -0.1].sort(() => Math.random() - 0.5)
      return terms.reduce((s, v) => s + v, 0)
    }
    return { at: m.params, loss: lossShuffled, grad: (p: MlpParams) => m.grad(p) }
  }, { deterministic: 'any' }),
]

// ------------------------------------------------------------------ harder realistic cases
const reluNear = (offset: number, bug: ReluBug = 'none') => (): Built => {
  const m = makeReluKinks()
  m.params.b1[0] = offset // z1[0,0] = offset: a kink within the step, not at x
  return of(m, bug)
}
const offsetMlp = (offset: number, bug: MlpBug = 'none') => (): Built => {
  const m = makeMlp({ act: 'tanh' })
  return { at: m.params, loss: (p: MlpParams) => m.loss(p) + offset, grad: (p: MlpParams) => m.grad(p, bug) }
}
const readback = (spec: MlpSpec, bug: MlpBug = 'none') => (): Built => {
  const m = makeMlp(spec)
  return { at: m.params, loss: float32Readback(m.loss), grad: (p: MlpParams) => m.grad(p, bug) }
}
const hardCases: Case[] = [
  pass('ReLU pre-activation 3e-7 above the kink', reluNear(3e-7)),
  pass('ReLU pre-activation 3e-7 below the kink', reluNear(-3e-7)),
  fail('ReLU 3e-7 above the kink, mask forgotten', reluNear(3e-7, 'noMask'), FIRST_LAYER),
  pass('loss + 1e6 constant', offsetMlp(1e6)),
  fail('loss + 1e6 constant: dW2 off by 1%', offsetMlp(1e6, 'W2x1.01'), ['W2']),
  pass('loss + 1e9 constant', offsetMlp(1e9)),
  fail('loss + 1e9 constant: db1 ×2', offsetMlp(1e9, 'b1x2'), ['b1']),
  fail('[C, R, V0] packed: dC sign', () => of(makePackedRc(), 'Csign' as PackedBug), ['theta']),
  fail('[C, R, V0] packed: dC off by 1%', () => of(makePackedRc(), 'C1pct' as PackedBug), ['theta']),
  pass('[τ, amp, offset] packed in one Float64Array', () => of(makePackedDecay(), 'none' as PackedBug)),
  fail('[τ, amp, offset] packed: dτ off by 1%', () => of(makePackedDecay(), 'C1pct' as PackedBug), ['theta']),
  pass('variances, one of them 1e-8 (sqrt/log near the domain edge)', () => of(makeVariances(), 'none' as VarBug)),
  fail('fixed-point solver: Jacobian not transposed', () => of(makeFixedPoint(), 'noTranspose' as DeqBug), ['W', 'b']),
  fail('fixed-point solver: db off by 1%', () => of(makeFixedPoint(), 'b1pct' as DeqBug), ['b']),
  pass('fixed-point solver (tol 1e-15), implicit gradient', () => of(makeFixedPoint(1e-15), 'none' as DeqBug)),
  fail('fixed-point solver (tol 1e-15): db off by 1%', () => of(makeFixedPoint(1e-15), 'b1pct' as DeqBug), ['b']),
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

  pass('embedding table 60×30 (sampled)', () => of(makeEmbedding(), 'none' as EmbBug)),
  fail('embedding table: last row never updated', () => of(makeEmbedding(), 'lastRowMissing' as EmbBug), ['E']),
  fail("embedding table: one entry ×1.5, sample: 'all'", () => of(makeEmbedding(), 'oneEntry' as EmbBug, { sample: 'all' }), ['E'], { hint: 'single', path: 'E[0,3]' }),
  pass("ReLU at exactly 0, kinks: 'skip'", () => of(makeReluKinks(), 'none' as ReluBug, { kinks: 'skip' })),
  fail("ReLU at exactly 0, kinks: 'fail'", () => of(makeReluKinks(), 'none' as ReluBug, { kinks: 'fail' }), FIRST_LAYER),
]

describe('gradcheck corpus', () => {
  describe('MLP', () => it.each(mlpCases)('$name', run))
  describe('scales', () => it.each(scaleCases)('$name', run))
  describe('float32', () => it.each(f32Cases)('$name', run))
  describe('normalisation, attention, exp/log', () => it.each(layerCases)('$name', run))
  describe('physics', () => it.each(physicsCases)('$name', run))
  describe('kinks', () => it.each(kinkCases)('$name', run))
  describe('example CNN', () => it.each(cnnCases)('$name', run))
  describe('parameter forms', () => it.each(formCases)('$name', run))
  describe('nondeterminism', () => it.each(dropoutCases)('$name', run))
  describe('harder cases', () => it.each(hardCases)('$name', run))

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
})

// ------------------------------------------------------------------ hard cases
// Each case below is verified correct (or correctly buggy) by an independent 4th-order difference
// or by the same model in another form. Each was once misjudged by the engine; the comment says how,
// and what fixed it. The two still skipped are limits the engine keeps on purpose.
describe('hard cases', () => {
  // FIXED (the sweep audits its own gaps: one that grows as the step shrinks is noise, and sets a noise floor): float64 params but a loss computed in float32 (every op rounded) false-alarms.
  // The noise probe moves each coordinate by ~1e-7·scale/√n, below float32 resolution, so the probe
  // values are (nearly) identical, the noise is taken as u64·|f| and steps of ~7e-6 are used; the
  // difference then "grows as the step shrinks: round-off" and is still called a bug.
  it.each([
    pass('float64 params, loss in float32: tanh CE', mlp({ act: 'tanh', precision: 'internal' })),
    pass('float64 params, loss in float32: ReLU CE', mlp({ act: 'relu', precision: 'internal' })),
  ])('$name', run)

  // FIXED (a loss whose every value is a float32 is checked in float32): a float64 model whose scalar loss is read back as float32 (TF.js `data()`). The
  // probe's moves change the loss by less than a float32 ulp, so the noise is taken as 1.3e-16; the
  // quantisation steps then look like kinks at "≈4e-7 from x" (38 of 39 weights), the one-sided
  // slopes span [0, 2g], and db1 ×2 is accepted as a subgradient, while W2[0,2] is called a bug.
  it.each([
    pass('float64 model, loss read back as float32', readback({ act: 'tanh' })),
    fail('float64 model, loss read back as float32: db1 ×2', readback({ act: 'tanh' }, 'b1x2'), ['b1']),
  ])('$name', run)

  // FIXED (kink evidence needs a gap of constant sign, above its noise, at two steps): float32 ReLU nets with many
  // pre-activations within the step of 0. W1[6,4]: analytic −0.03718, D(h) → analytic as the step
  // shrinks (3.1e-3, 5.8e-4, 8.0e-5: "falls like h²: truncation"), yet the verdict is "bug" because
  // the extrapolated numeric (−0.03415) is taken across levels that straddle different kinks.
  it.each([
    pass('float32 wide ReLU (B 32, D 12, H 16): many pre-activations within the step of 0', mlp({ act: 'relu', precision: 'float32', B: 32, D: 12, H: 16, C: 4 })),
    pass('float32 wide leaky ReLU', mlp({ act: 'leaky', precision: 'float32', B: 32, D: 12, H: 16, C: 4 })),
  ])('$name', run)

  // FIXED (the hook also runs before the gradient call): `beforeEvaluation` was called before every loss call but not before the gradient
  // call, so a backward pass that runs its own forward (dropout) draws a different mask than every
  // loss call whenever the RNG was used before the check: 57 of 57 weights "disagree".
  it('dropout, beforeEvaluation resets an RNG that was used before the check', () =>
    run(pass('dropout, beforeEvaluation resets an RNG that was used before the check', () => {
      const r = rng(5)
      for (let i = 0; i < 10; i++) r() // e.g. a warm-up forward pass, or the same RNG drew the init
      return dropMlp(r, 'none', { beforeEvaluation: () => r.reset() })()
    })))

  // FIXED (one more call at `at` after all the others): nondeterminism was only looked for in the first two calls. When they happen to
  // draw the same dropout mask, the noise probe sees the later masks as noise ±0.14 on a loss of 0.98,
  // every tolerance exceeds the gradient itself, and the fast path says "ok": ✓ all 30 agree, even
  // with db1 ×2.
  it.each([
    fail('rare dropout (p 0.1): the first two calls happen to draw the same mask', () => {
      const seed = seedWithEqualMasks(2 * 3, 0.1, 1)
      return of(makeMlp({ act: 'tanh', B: 2, H: 3, dropout: { p: 0.1, rand: rng(seed) } }), 'none' as MlpBug)
    }, undefined, { deterministic: false, hint: 'nondeterministic' }),
    fail('rare dropout (p 0.1), first two masks equal: db1 ×2', () => {
      const seed = seedWithEqualMasks(2 * 3, 0.1, 1)
      return of(makeMlp({ act: 'tanh', B: 2, H: 3, dropout: { p: 0.1, rand: rng(seed) } }), 'b1x2' as MlpBug)
    }, undefined, { deterministic: false, hint: 'nondeterministic' }),
  ])('$name', run)

  // FIXED (a first difference only clears a weight when its round-off is small beside the derivative; the sweep climbs to larger steps): a loss with a large constant (+1e9) hides a 1% bug (engine.ts of 06:27 also hid
  // db1 ×2). The step uses r = ε/|f| with |f| = 1e9, not the change of f along the coordinate, so
  // h ≈ 7e-6·L and the difference carries noise ≈ 3e-2 on gradients ≈ 0.3; the fast path accepts
  // |a − n| ≤ 4·err (tolerance 0.6 > |a|) with no "weak → inconclusive" check.
  it.each([
    fail('loss + 1e9 constant: dW2 off by 1%', offsetMlp(1e9, 'W2x1.01'), ['W2']),
  ])('$name', run)

  // FIXED (a coordinate's scale narrows to |f/a|, and its gradient scale is the tensor's max |a|·L over its own L): physical parameters of different units packed in one vector. Steps and the noise
  // probe scale with the tensor's RMS (≈ 640), not the coordinate: C = 1.2e-8 gets a step of 2.2 and a
  // probe move of 3.7e-5, so the probe reports noise 78 on a loss of 0.56 and C is called a bug.
  it.each([
    pass('[C, R, V0] packed in one Float64Array', () => of(makePackedRc(), 'none' as PackedBug)),
    fail('[C, R, V0] packed: dR off by 1% (alone, with no false alarm on C)', () => {
      const m = makePackedRc()
      return { at: m.params, loss: m.loss, grad: (p: typeof m.params) => {
        const g = m.grad(p)
        g.theta[1]! *= 1.01
        return g
      } }
    }, ['theta'], { path: 'theta[1]' }),
  ])('$name', run)

  // FIXED (as above: the coordinate's scale comes from |f/a|): a coordinate near the edge of its domain (a variance of 1e-8 next to variances ≈ 1)
  // gets a step of ≈ 6e-6 from the tensor's RMS, sqrt of a negative number makes every level NaN, and
  // the verdict is "inconclusive" — the check passes ("✓ all 8 agree") with the sign of dv[0] flipped.
  it.each([
    fail('variances: dv[0] halved', () => of(makeVariances(), 'halfFirst' as VarBug), ['v']),
    fail('variances: dv[0] sign', () => of(makeVariances(), 'sign' as VarBug), ['v']),
  ])('$name', run)

  // KEPT (debatable): an iterative solver stopped at a tolerance. The loss is the truncated
  // iteration, whose exact derivative differs from the implicit-function gradient by ~1e-7 relative
  // (tol 1e-9) or ~1e-4 (tol 1e-6); the engine calls that a bug. At tol 1e-15 the same gradient passes.
  it.skip.each([
    pass('fixed-point solver (tol 1e-9), implicit gradient', () => of(makeFixedPoint(), 'none' as DeqBug)),
    pass('fixed-point solver (tol 1e-6), implicit gradient', () => of(makeFixedPoint(1e-6), 'none' as DeqBug)),
  ])('$name', run)

  // KEPT (by design of `sample`): a tensor above 512 entries is sampled, so a bug in one
  // entry of a 60×30 table is missed 72% of the time (here: E[0,3] is not drawn with seed 1849).
  it.skip('embedding table: one entry ×1.5', () => run(fail('embedding table: one entry ×1.5', () => of(makeEmbedding(), 'oneEntry' as EmbBug), ['E'])))
})

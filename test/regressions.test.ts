// Cases the engine once misjudged, one line each: what the case guards, and the outcome it must keep.
// The models live in test/models/; the harness (test/support/harness.ts) checks, for a 'fail' case,
// that every failing entry is in a guilty tensor with verdict 'bug'.
import { describe } from 'vitest'
import { type Built, type Options, cases, fail, noisy, of, pass } from './support/harness.js'
import { makeMlp, seedWithEqualMasks, type MlpBug, type MlpParams, type MlpSpec } from './models/mlp.js'
import { float32Readback } from './models/forms.js'
import { makePackedRc, type PackedBug } from './models/physics.js'
import { makeFourier, makeUnnormalised, makeVariances, type FourierBug, type VarBug } from './models/scales.js'
import { makePiecewise, makeReluKinks, type PieceKind } from './models/kinks.js'
import { makeParallelEnergy } from './models/reductions.js'
import { rng } from './models/util.js'

const mlp = (spec: MlpSpec, bug: MlpBug = 'none') => (): Built => of(makeMlp(spec), bug)
const readback = (spec: MlpSpec, bug: MlpBug = 'none') => (): Built => {
  const m = makeMlp(spec)
  return { at: m.params, loss: float32Readback(m.loss), grad: (p: MlpParams) => m.grad(p, bug) }
}
const offsetMlp = (offset: number, bug: MlpBug = 'none') => (): Built => {
  const m = makeMlp({ act: 'tanh' })
  return { at: m.params, loss: (p: MlpParams) => m.loss(p) + offset, grad: (p: MlpParams) => m.grad(p, bug) }
}
const dropMlp = (rand: () => number, bug: MlpBug = 'none', options?: Options) => (): Built => of(makeMlp({ act: 'tanh', H: 6, dropout: { p: 0.5, rand } }), bug, options)
const rareDropout = (bug: MlpBug) => (): Built => of(makeMlp({ act: 'tanh', B: 2, H: 3, dropout: { p: 0.1, rand: rng(seedWithEqualMasks(2 * 3, 0.1, 1)) } }), bug)
const piece = (kind: PieceKind, seed: number) => (): Built => of(makePiecewise(kind, 'float32', seed))
const r32 = Math.fround
/** Loss |x₀| + sin(x₁) + x₂² with d/dx₁ off by ×(1 + δ): x₀ at the kink (0) or away from it (0.5). */
const smoothPlusKink = (precision: 'float64' | 'float32', x0: number, delta: number) => (): Built => {
  const r = precision === 'float64' ? (x: number) => x : r32
  return {
    at: precision === 'float64' ? Float64Array.from([x0, 0.7, 1.3]) : Float32Array.from([x0, 0.7, 1.3]),
    loss: (w: Float64Array | Float32Array) => r(r(Math.abs(w[0]!)) + r(r(Math.sin(w[1]!)) + r(w[2]! * w[2]!))),
    grad: (w: Float64Array | Float32Array) => [Math.sign(w[0]!), Math.cos(w[1]!) * (1 + delta), 2 * w[2]!],
  }
}

describe('regressions: cases once misjudged', () => cases([
  // a loss computed in float32 from float64 params: no false alarm from round-off that grows as the step shrinks
  pass('float64 params, loss in float32: tanh CE', mlp({ act: 'tanh', precision: 'internal' })),
  pass('float64 params, loss in float32: ReLU CE', mlp({ act: 'relu', precision: 'internal' })),
  // a float64 loss read back as float32: checked in float32, quantisation steps are not kinks
  pass('float64 model, loss read back as float32', readback({ act: 'tanh' })),
  fail('float64 model, loss read back as float32: db1 ×2', readback({ act: 'tanh' }, 'b1x2'), ['b1']),
  // float32 ReLU nets with many pre-activations within the step of 0: no extrapolation across kinks
  pass('float32 wide ReLU (B 32, D 12, H 16): many pre-activations within the step of 0', mlp({ act: 'relu', precision: 'float32', B: 32, D: 12, H: 16, C: 4 })),
  pass('float32 wide leaky ReLU', mlp({ act: 'leaky', precision: 'float32', B: 32, D: 12, H: 16, C: 4 })),
  pass('float32 ReLU MLP, random init (seed 1)', mlp({ act: 'relu', precision: 'float32', seed: 1, B: 16, D: 6, H: 8, C: 3 })),
  pass('L1 regression, float32, random data (seed 3)', piece('l1', 3)),
  pass('hinge, float32, random data (seed 7)', piece('hinge', 7)),
  pass('max of two linear maps, float32, random data (seed 2)', piece('max', 2)),
  pass('|a|·b, float32, random data (seed 12)', piece('absAct', 12)),
  pass('float32 ReLU, a pre-activation 1e-3 from the kink', () => {
    const m = makeReluKinks('float32')
    m.params.b1[0] = 1e-3
    return of(m)
  }),
  // beforeEvaluation also runs before the gradient call (an RNG used before the check)
  pass('dropout, beforeEvaluation resets an RNG that was used before the check', () => {
    const r = rng(5)
    for (let i = 0; i < 10; i++) r() // e.g. a warm-up forward pass, or the same RNG drew the init
    return dropMlp(r, 'none', { beforeEvaluation: () => r.reset() })()
  }),
  // nondeterminism is looked for beyond the first two calls (which here draw the same dropout mask)
  noisy('rare dropout (p 0.1): the first two calls happen to draw the same mask', rareDropout('none')),
  noisy('rare dropout (p 0.1), first two masks equal: db1 ×2', rareDropout('b1x2')),
  // a large constant in the loss does not hide a 1% bug
  fail('loss + 1e9 constant: dW2 off by 1%', offsetMlp(1e9, 'W2x1.01'), ['W2']),
  // a coordinate's scale is its own, not its tensor's: mixed units in one vector, a variance near 0
  pass('[C, R, V0] packed in one Float64Array', () => of(makePackedRc(), 'none' as PackedBug)),
  fail('[C, R, V0] packed: dR off by 1% (alone, with no false alarm on C)', () => {
    const m = makePackedRc()
    return { at: m.params, loss: m.loss, grad: (p: typeof m.params) => {
      const g = m.grad(p)
      g.theta[1]! *= 1.01
      return g
    } }
  }, ['theta'], { path: 'theta[1]' }),
  fail('variances: dv[0] halved', () => of(makeVariances(), 'halfFirst' as VarBug), ['v']),
  fail('variances: dv[0] sign', () => of(makeVariances(), 'sign' as VarBug), ['v']),
  // the sweep descends below h/4 for a function finer than the coordinate's scale
  pass('NeRF positional encoding, 10 octaves, float32', () => of(makeFourier(10), 'none' as FourierBug)),
  // a small entry's tolerance is not floored by its tensor's largest gradient
  fail('float32 unnormalised features: remainder loop adds the small feature twice', () => of(makeUnnormalised('float32', 'lastFeatureTwice')), ['w'], { path: 'w[4]' }),
  // calls that differ by less than √u of the loss are round-off of a reordered sum, not nondeterminism
  pass('float64 energy summed in a random order (cancelling terms)', () => of(makeParallelEnergy()), { deterministic: 'any' }),
  // a coordinate far below its tensor's RMS gets its own step: a ×2 gradient of x₁³ is a bug
  fail('float64: a ×2 gradient of x₁³ at [1, 1e-6]', () => ({ at: Float64Array.from([1, 1e-6]), loss: (w: Float64Array) => w[1]! * w[1]! * w[1]!, grad: (w: Float64Array) => [0, 2 * 3 * w[1]! * w[1]!] }), ['at'], { path: 'at[1]' }),
  fail('float32: a ×2 gradient of x₁³ at [1, 1e-3]', () => ({ at: Float32Array.from([1, 1e-3]), loss: (w: Float32Array) => r32(r32(w[1]! * w[1]!) * w[1]!), grad: (w: Float32Array) => [0, 2 * 3 * w[1]! * w[1]!] }), ['at'], { path: 'at[1]' }),
  fail('(control) float32: the same coordinate alone', () => ({ at: Float32Array.from([1e-3]), loss: (w: Float32Array) => r32(r32(w[0]! * w[0]!) * w[0]!), grad: (w: Float32Array) => [2 * 3 * w[0]! * w[0]!] }), ['at'], { path: 'at[0]' }),
  // a derivative below the resolution of a loss that is 0 at every step is not judged a bug
  pass('float64: analytic 5e-324 where the loss is 0 at every step', () => ({ at: Float64Array.from([0]), loss: (w: Float64Array) => Number.MIN_VALUE * w[0]!, grad: () => [Number.MIN_VALUE] })),
  pass('float32: analytic 2⁻¹⁴⁹ where the loss is 0 at every step', () => ({ at: Float32Array.from([0]), loss: (w: Float32Array) => r32(2 ** -149 * w[0]!), grad: () => [2 ** -149] })),
  // a kink crossed by the noise probe does not loosen the tolerance of the other coordinates
  fail('(control) float64: sin(x₁)′ ×(1 + 1e-4), no coordinate at a kink', smoothPlusKink('float64', 0.5, 1e-4), ['at'], { path: 'at[1]' }),
  fail('float64: sin(x₁)′ ×(1 + 1e-4), x₀ on the kink of |x₀|', smoothPlusKink('float64', 0, 1e-4), ['at'], { path: 'at[1]' }),
  fail('(control) float32: sin(x₁)′ ×1.05, no coordinate at a kink', smoothPlusKink('float32', 0.5, 0.05), ['at'], { path: 'at[1]' }),
  fail('float32: sin(x₁)′ ×1.05, x₀ on the kink of |x₀|', smoothPlusKink('float32', 0, 0.05), ['at'], { path: 'at[1]' }),
  // the same at the kink itself: 5% outside the one-sided slopes of |x| is a bug
  fail('float32: |x| at 0 with analytic 1.05', () => ({ at: Float32Array.from([0]), loss: (w: Float32Array) => Math.abs(w[0]!), grad: () => [1.05] }), ['at']),
]))


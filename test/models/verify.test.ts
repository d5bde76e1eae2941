// The correct models are correct: an independent check of every smooth model's gradient.
import { describe, expect, it } from 'vitest'
import { makeAvgPoolNet, makeConv, makeTransposedConv, DIL, GRP, S2 } from './conv.js'
import { makeBigramLm } from './embedding.js'
import { makeCausalAttention } from './attention.js'
import { makeAtOptimum, makeBigBatch, makeFourier, makeSoftRaster, makeUnnormalised } from './scales.js'
import { makeCosine, makeFocal, makeGaussianNll, makeKl, makePoisson } from './losses.js'
import { makeEcefPoseGraph, makeEpochFit, makeFrenkelKontorova, makeHeat, makeOscillation, makePendulum, makeSoftenedNbody, makeStiffSprings } from './physics.js'
import { makeF32StorageF64Loss, makeFrozen, makeTemperature } from './forms.js'
import { makeParallelEnergy } from './reductions.js'
import { makeMlp } from './mlp.js'
import { makeGru, makeLstm, makeRnn } from './recurrent.js'
import { verify } from './util.js'

// A 5-point stencil at steps h and h/2, Richardson-combined (error O(h⁶)), in float64, on the smooth
// models (kinked ones at their exact kinks are judged by the one-sided slopes in the model suites).
describe('the correct models, verified independently', () => {
  const rel = (h: number) => (_: string, x: number) => h * Math.max(1, Math.abs(x))
  const models: [string, () => { worst: number; where: string }, number][] = [
    ['RNN', () => verify(makeRnn(), rel(1e-3)), 1e-8],
    ['LSTM', () => verify(makeLstm(), rel(1e-3), 1e-3), 1e-8],
    ['GRU', () => verify(makeGru(), rel(1e-3)), 1e-8],
    ['conv stride 2', () => verify(makeConv(S2), rel(1e-3), 1e-3), 1e-8],
    ['conv dilation', () => verify(makeConv(DIL), rel(1e-3)), 1e-8],
    ['conv groups', () => verify(makeConv(GRP), rel(1e-3)), 1e-8],
    ['transposed conv', () => verify(makeTransposedConv(), rel(1e-3)), 1e-8],
    ['avg-pool net', () => verify(makeAvgPoolNet(), rel(1e-3)), 1e-8],
    ['bigram LM', () => verify(makeBigramLm(), rel(1e-3)), 1e-8],
    ['tied bigram LM', () => verify(makeBigramLm(true), rel(1e-3)), 1e-8],
    ['causal attention', () => verify(makeCausalAttention(), rel(1e-3)), 1e-8],
    ['focal', () => verify(makeFocal(), rel(1e-3)), 1e-8],
    ['KL forward', () => verify(makeKl('forward'), rel(1e-3)), 1e-8],
    ['KL reverse', () => verify(makeKl('reverse'), rel(1e-3)), 1e-8],
    ['Poisson', () => verify(makePoisson(), rel(1e-3)), 1e-7],
    ['Gaussian NLL', () => verify(makeGaussianNll(), rel(1e-3)), 1e-8],
    ['cosine', () => verify(makeCosine(), rel(1e-3)), 1e-8],
    ['pendulum', () => verify(makePendulum(), rel(1e-3)), 1e-8],
    ['heat', () => verify(makeHeat(), rel(1e-3)), 1e-8],
    ['stiff springs', () => verify(makeStiffSprings(), (n, x) => (n.startsWith('k') ? 1e-3 * x : 1e-6)), 1e-7],
    ['N-body', () => verify(makeSoftenedNbody(), rel(1e-4)), 1e-8],
    ['oscillation', () => verify(makeOscillation(), () => 1e-7), 1e-7],
    ['ECEF pose graph', () => verify(makeEcefPoseGraph(), () => 1e-3), 1e-6],
    ['UNIX-time fit', () => verify(makeEpochFit(), (n) => (n === 't0' ? 100 : 1e-3)), 1e-8],
    ['big batch sum', () => verify(makeBigBatch('sum'), rel(1e-3)), 1e-8],
    ['frozen', () => verify(makeFrozen(), rel(1e-3), 1e-3), 1e-8],
    ['Frenkel–Kontorova', () => verify(makeFrenkelKontorova({ precision: 'float64' }), () => 1e-4), 1e-8],
    ['soft raster', () => verify(makeSoftRaster('float64'), () => 1e-4), 1e-8],
    ['Fourier features, 10 octaves (float64)', () => verify(makeFourier(10, 'float64'), () => 1e-6), 1e-7],
    ['sin(1e4·x) + ½x², x in (0, 100)', () => verify(makeOscillation('float64', { span: 100 }), () => 1e-7), 1e-7],
    ['sin(100·x) + ½x², x in (0, 10) (float64 twin)', () => verify(makeOscillation('float64', { w: 100, span: 10 }), () => 1e-5), 1e-8],
    ['unnormalised features (float64 twin)', () => verify(makeUnnormalised('float64'), rel(1e-3)), 1e-8],
    ['Float32Array storage, float64 loss (checked on a float64 copy)', () => {
      const m = makeF32StorageF64Loss()
      return verify({ params: { w: Float64Array.from(m.params.w), b: Float64Array.from(m.params.b) }, loss: m.loss, grad: (p) => m.grad(p) }, rel(1e-3))
    }, 1e-8],
    ['parallel energy (ordered sum)', () => { const m = makeParallelEnergy(); return verify({ params: m.params, loss: m.lossOrdered, grad: m.grad }, rel(1e-3)) }, 1e-7],
    ['least squares at its optimum (the gradient is round-off)', () => {
      const g = makeAtOptimum().grad(makeAtOptimum().params).w
      return { worst: Math.max(...Array.from(g, Math.abs)), where: 'largest |gradient| at the optimum' }
    }, 1e-12],
    ['ReLU MLP seed 1 (float64 twin of a regression case; steps 1e-5 stay off the kinks)', () => verify(makeMlp({ act: 'relu', seed: 1, B: 16, D: 6, H: 8, C: 3 }), () => 1e-5, 1e-3), 1e-7],
    ['temperature', () => verify({ params: { T: 0.07 }, loss: (p: { T: number }) => makeTemperature().loss(p.T), grad: (p: { T: number }) => ({ T: makeTemperature().grad(p.T) }) }, () => 1e-5), 1e-8],
  ]
  it.each(models)('%s', (_, check, tol) => {
    const { worst, where } = check()
    expect(worst, where).toBeLessThan(tol)
  })
})

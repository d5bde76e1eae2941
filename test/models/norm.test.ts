// Normalisation layers: LayerNorm and BatchNorm (float64), float32 LayerNorm, float32 BatchNorm2d.
import { describe } from 'vitest'
import { type Built, cases, fail, of, pass } from '../support/harness.js'
import { makeBatchNorm2dF32, makeLayerNormF32, makeNorm, type Bn2dBug, type LnBug, type NormBug, type NormKind } from './norm.js'

const norm = (kind: NormKind, bug: NormBug = 'none') => (): Built => of(makeNorm(kind), bug)
const ln = (bug: LnBug = 'none', act = 1) => (): Built => of(makeLayerNormF32(act), bug)

describe('LayerNorm and BatchNorm', () => cases([
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
]))

describe('float32 LayerNorm and BatchNorm2d', () => cases([
  pass('float32 LayerNorm with affine γ, β (Float32Array, {data, shape})', ln()),
  fail('float32 LayerNorm: mean term of dx̂ dropped', ln('dxNoMean'), ['W']),
  fail('float32 LayerNorm: dγ without x̂', ln('gammaNoXhat'), ['gamma']),
  fail('float32 LayerNorm: dβ multiplied by γ', ln('betaTimesGamma'), ['beta']),
  pass('float32 LayerNorm on small activations (σ² ~ 1e-4, ε = 1e-5)', ln('none', 0.02)),
  fail('float32 LayerNorm, small activations: backward uses √σ² + ε for √(σ² + ε)', ln('epsOutsideSqrt', 0.02), ['W']),
  pass('float32 BatchNorm2d in training mode (batch statistics over N, H, W) after a 1×1 conv', () => of(makeBatchNorm2dF32(), 'none' as Bn2dBug)),
  fail('float32 BatchNorm2d: unbiased variance (M − 1) in the backward', () => of(makeBatchNorm2dF32(), 'unbiasedVarInBackward' as Bn2dBug), ['conv']),
  fail('float32 BatchNorm2d: dγ from one pixel per sample, not summed over H, W', () => of(makeBatchNorm2dF32(), 'gammaNoSpatialSum' as Bn2dBug), ['gamma']),
  fail('float32 BatchNorm2d: mean term taken per sample instead of over the batch', () => of(makeBatchNorm2dF32(), 'meanTermPerSample' as Bn2dBug), ['conv']),
]))

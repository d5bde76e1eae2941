// Hand-derived losses: Huber / smooth L1, multiclass hinge, focal, KL both ways, Poisson NLL, Gaussian
// NLL with a learned variance, cosine embedding, pinball, linear interpolation in a table.
import { describe } from 'vitest'
import { cases, fail, of, pass } from '../support/harness.js'
import {
  makeCosine, makeFocal, makeGaussianNll, makeHuber, makeKl, makeLerpTable, makeMulticlassHinge, makePinball, makePoisson,
  type CosBug, type FocalBug, type GaussBug, type HuberBug, type KlBug, type LerpBug, type McHingeBug, type PinballBug, type PoissonBug,
} from './losses.js'

describe('losses', () => cases([
  pass('Huber δ = 0.5, residuals exactly at ±δ', () => of(makeHuber('huber'), 'none' as HuberBug)),
  fail('Huber: linear branch slope 1 instead of δ', () => of(makeHuber('huber'), 'linearBranchNoDelta' as HuberBug), ['w', 'b']),
  fail('Huber: L1 gradient everywhere', () => of(makeHuber('huber'), 'l1Everywhere' as HuberBug), ['w', 'b']),
  fail('Huber: clipped at 2δ', () => of(makeHuber('huber'), 'boundaryOffByDelta' as HuberBug), ['w', 'b']),
  pass('smooth L1 β = 0.5, residuals exactly at ±β', () => of(makeHuber('smoothl1'), 'none' as HuberBug)),
  fail('smooth L1: quadratic branch gradient r instead of r/β', () => of(makeHuber('smoothl1'), 'smoothNoBeta' as HuberBug), ['w', 'b']),
  pass('multiclass hinge, some margins exactly 0', () => of(makeMulticlassHinge(), 'none' as McHingeBug), { kinks: true }),
  fail('multiclass hinge: true-class score gradient missing', () => of(makeMulticlassHinge(), 'trueClassNotCounted' as McHingeBug), ['W']),
  fail('multiclass hinge: sign of the wrong-class term', () => of(makeMulticlassHinge(), 'marginSign' as McHingeBug), ['W']),
  pass('focal loss γ = 2, α = 0.25', () => of(makeFocal(), 'none' as FocalBug)),
  fail('focal loss: (1 − p_t)^γ treated as a constant', () => of(makeFocal(), 'modulatorConstant' as FocalBug), ['w', 'b']),
  fail('focal loss: α used for both classes', () => of(makeFocal(), 'alphaOnBothClasses' as FocalBug), ['w', 'b']),
  fail('focal loss: γ(1−p)^γ for γ(1−p)^(γ−1)', () => of(makeFocal(), 'gammaMinusOneMissing' as FocalBug), ['w', 'b']),
  pass('KL(p ‖ softmax(Wx))', () => of(makeKl('forward'), 'none' as KlBug)),
  fail('KL(p ‖ q): sign flipped (p − q)', () => of(makeKl('forward'), 'forwardSign' as KlBug), ['W'], { hint: 'factor' }),
  pass('KL(softmax(Wx) ‖ p) (reverse)', () => of(makeKl('reverse'), 'none' as KlBug)),
  fail('reverse KL: gradient of the forward KL used', () => of(makeKl('reverse'), 'reverseUsesForward' as KlBug), ['W']),
  fail('reverse KL: −KL term of the softmax Jacobian dropped', () => of(makeKl('reverse'), 'reverseNoKlTerm' as KlBug), ['W']),
  pass('Poisson NLL, λ = softplus(z) ≈ 6e-6', () => of(makePoisson(), 'none' as PoissonBug)),
  fail('Poisson NLL: the 1e-8 of log(λ + ε) dropped in the backward', () => of(makePoisson(), 'epsDropped' as PoissonBug), ['w', 'b']),
  fail('Poisson NLL: d/dλ of y·log λ taken as log λ', () => of(makePoisson(), 'logDerivWrong' as PoissonBug), ['w', 'b']),
  fail("Poisson NLL: softplus' taken as exp", () => of(makePoisson(), 'softplusDerivExp' as PoissonBug), ['w', 'b']),
  pass('Gaussian NLL with a learned variance (nested objects, [1] biases)', () => of(makeGaussianNll(), 'none' as GaussBug)),
  fail('Gaussian NLL: ½ missing in ∂/∂v', () => of(makeGaussianNll(), 'varHalfMissing' as GaussBug), ['logvar.w', 'logvar.b']),
  fail('Gaussian NLL: ∂/∂μ not divided by v', () => of(makeGaussianNll(), 'muNotScaledByVar' as GaussBug), ['mean.w', 'mean.b']),
  fail('Gaussian NLL: (y − μ)²/v for (y − μ)²/v² in ∂/∂v', () => of(makeGaussianNll(), 'varSquareMissing' as GaussBug), ['logvar.w', 'logvar.b']),
  pass('cosine embedding loss', () => of(makeCosine(), 'none' as CosBug)),
  fail('cosine: projection term −cos·u/|u|² dropped', () => of(makeCosine(), 'noProjection' as CosBug), ['W']),
  fail('cosine: projection term on one side only', () => of(makeCosine(), 'normOnlyOnOne' as CosBug), ['W']),
  pass('pinball loss τ = 0.8, two residuals exactly 0', () => of(makePinball(), 'none' as PinballBug), { kinks: true }),
  fail('pinball loss: τ and 1 − τ swapped', () => of(makePinball(), 'tauSwapped' as PinballBug), ['w', 'b']),
  fail('pinball loss: at r = 0 a value outside [−τ, 1 − τ]', () => of(makePinball(), 'zeroResidualBoth' as PinballBug), ['w', 'b']),
  pass('linear interpolation table, queries exactly on nodes', () => of(makeLerpTable(), 'none' as LerpBug), { kinks: true }),
  fail('linear interpolation: slope of the next cell', () => of(makeLerpTable(), 'cellOffByOne' as LerpBug), ['queries']),
  fail('linear interpolation: the two weights swapped', () => of(makeLerpTable(), 'weightsSwapped' as LerpBug), ['table']),
]))

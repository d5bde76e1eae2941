// A second corpus of realistic hand-written gradients, correct and buggy, in scenarios the first
// corpus (test/corpus.test.ts) does not cover: recurrent nets through time, strided/dilated/grouped/
// transposed convolutions, pooling, language models, causal attention with a −∞ mask, float32
// LayerNorm, robust and probabilistic losses, simulations (RK4, stencils, stiff springs, N-body),
// far-from-origin coordinates, big and tiny scales, frozen tensors, float32 pipelines, dropout.
// Every case also checks that `at` is restored bit for bit (Object.is per element).
import { describe, expect, it } from 'vitest'
import { type Built, type Case, type Model, type Options, fail, of, pass, run } from './support/corpus.js'
import { rng, verify, type Rng } from './corpus2/common.js'
import { makeAvgPoolNet, makeConv, makeF32MaxPool, makeTransposedConv, type AvgBug, type ConvBug, type ConvSpec, type F32PoolBug, type TconvBug } from './corpus2/conv.js'
import {
  makeBatchNorm2dF32, makeF32StorageF64Loss, makeFourier, makeFrenkelKontorova, makeSoftRaster,
  type Bn2dBug, type FkBug, type FourierBug, type RasterBug,
} from './corpus2/fine.js'
import {
  makeAtOptimum, makeBigBatch, makeFrozen, makeParallelEnergy, makeRandomOrderF32, makeScaledLogisticF32, makeTemperature, makeTfLike, makeUnnormalised,
  type BatchBug, type FrozenBug, type ScaledBug, type TempBug, type TfBug,
} from './corpus2/forms.js'
import {
  makeCosine, makeFocal, makeGaussianNll, makeHuber, makeKl, makeLerpTable, makeMulticlassHinge, makePinball, makePoisson,
  type CosBug, type FocalBug, type GaussBug, type HuberBug, type KlBug, type LerpBug, type McHingeBug, type PinballBug, type PoissonBug,
} from './corpus2/losses.js'
import {
  makeEcefPoseGraph, makeEpochFit, makeHeat, makeOscillation, makePendulum, makeSoftenedNbody, makeStiffSprings,
  type EcefBug, type EpochBug, type HeatBug, type OscBug, type PendulumBug, type SoftBug, type StiffBug,
} from './corpus2/physics.js'
import { makeMlp } from './corpus/mlp.js'
import { makeReluKinks } from './corpus/kinks.js'
import { makePiecewise, type PieceBug, type PieceKind } from './corpus2/kinks32.js'
import { makeGru, makeLstm, makeRnn, type GruBug, type LstmBug, type RnnBug } from './corpus2/rnn.js'
import { makeBigramLm, makeCausalAttention, makeLayerNormF32, type CausalBug, type LmBug, type LnBug } from './corpus2/seq.js'


// ------------------------------------------------------------------ recurrent nets through time
const rnn = (bug: RnnBug = 'none') => (): Built => of(makeRnn(), bug)
const lstm = (bug: LstmBug = 'none', float32Loss = false) => (): Built => of(makeLstm({ float32Loss }), bug)
const gru = (bug: GruBug = 'none') => (): Built => of(makeGru(), bug)
const RNN_IN = ['Wx', 'Wh', 'b', 'h0']
const GRU_ALL = ['[0].W', '[0].U', '[0].b', '[1].W', '[1].U', '[1].b', '[2].W', '[2].U', '[2].b']
const recurrentCases: Case[] = [
  pass('RNN (number[][] params, learned h0), BPTT over 5 steps', rnn()),
  fail('RNN: recurrent term dh_{t+1} dropped from dh_t', rnn('noRecurrent'), RNN_IN),
  fail('RNN: dWh accumulates h_t instead of h_{t−1}', rnn('wrongTimeIndex'), ['Wh']),
  fail('RNN: dh_{t−1} = Wh·dz instead of Whᵀ·dz', rnn('WhNoTranspose'), RNN_IN),
  fail('RNN: gradient of h0 never filled in', rnn('h0Missing'), ['h0'], { hint: 'zero' }),
  fail('RNN: only the last step’s loss backpropagated', rnn('lastStepOnly'), ['Wx', 'Wh', 'b', 'Wo', 'h0']),
  pass('LSTM (fused [4H, D+H] weight), BPTT over 4 steps', lstm()),
  fail('LSTM: cell-state gradient not carried to the previous step', lstm('noCellCarry'), ['W', 'b']),
  fail('LSTM: forget-gate gradient uses c_t instead of c_{t−1}', lstm('forgetWithCt'), ['W', 'b']),
  fail("LSTM: tanh'(c_t) forgotten in dc", lstm('tanhCNotDerived'), ['W', 'b']),
  fail("LSTM: output gate's σ' is σ", lstm('outputGateSigmoid'), ['W', 'b']),
  fail('LSTM: dh_{t−1} read from the input columns of W', lstm('dhNextFromInputPart'), ['W', 'b']),
  pass('LSTM, float32 forward read back with new Float32Array([x])[0], float64 backward', lstm('none', true)),
  fail('LSTM float32 forward: cell-state carry dropped', lstm('noCellCarry', true), ['W', 'b']),
  pass('GRU (a list of per-gate objects), BPTT over 4 steps', gru()),
  fail('GRU: ∂h/∂z sign flipped (n − h for h − n)', gru('zSign'), ['[1].W', '[1].U', '[1].b']),
  fail('GRU: reset gate forgotten in dUn', gru('resetForgotten'), ['[2].U']),
  fail('GRU: direct path z·dh to h_{t−1} dropped', gru('noDirectPath'), GRU_ALL),
]

// ------------------------------------------------------------------ convolutions and pooling
const conv = (spec: ConvSpec, bug: ConvBug = 'none') => (): Built => of(makeConv(spec), bug)
const S2: ConvSpec = { stride: 2, pad: 1, Hin: 7 }
const DIL: ConvSpec = { dilation: 2, pad: 2, Hin: 6 }
const GRP: ConvSpec = { groups: 2, Cin: 4, Cout: 4, Hin: 5, pad: 1 }
const ONE: ConvSpec = { K: 1, Cin: 3, Cout: 2, Hin: 4 }
const convCases: Case[] = [
  pass('conv 3×3 stride 2, pad 1 (input is a parameter)', conv(S2)),
  fail('conv stride 2: dX scattered as if stride 1', conv(S2, 'dxStride1'), ['x']),
  fail('conv stride 2: dX ignores the padding offset', conv(S2, 'dxNoPad'), ['x']),
  fail('conv stride 2: dW kernel flipped (correlation vs convolution)', conv(S2, 'dwFlipped'), ['weight']),
  pass('conv 3×3 dilation 2, pad 2', conv(DIL)),
  fail('conv dilation 2: dW gathered without the dilation', conv(DIL, 'dwNoDilation'), ['weight']),
  pass('grouped conv (groups 2, 4→4 channels)', conv(GRP)),
  fail('grouped conv: dW reads the input channel of group 0', conv(GRP, 'dwGroupChannel'), ['weight']),
  pass('1×1 conv (3→2 channels)', conv(ONE)),
  fail('1×1 conv: db from the first pixel only', conv(ONE, 'dbFirstPixel'), ['bias']),
  pass('transposed conv 1D (stride 2, pad 1, K 4, 2 channels)', () => of(makeTransposedConv(), 'none' as TconvBug)),
  fail('transposed conv: dX with the kernel flipped', () => of(makeTransposedConv(), 'dxFlipped' as TconvBug), ['x']),
  fail('transposed conv: dW as if stride 1', () => of(makeTransposedConv(), 'dwNoStride' as TconvBug), ['w']),
  fail('transposed conv: dW reads channel 0 for every channel', () => of(makeTransposedConv(), 'dwFirstChannel' as TconvBug), ['w']),
  pass('conv → tanh → avg-pool 2×2 → dense → softmax CE', () => of(makeAvgPoolNet(), 'none' as AvgBug)),
  fail('avg-pool backward without the ¼', () => of(makeAvgPoolNet(), 'poolNoQuarter' as AvgBug), ['conv.w', 'conv.b'], { hint: 'factor' }),
  fail('avg-pool backward routed to the top-left pixel only (like max-pool)', () => of(makeAvgPoolNet(), 'poolTopLeftOnly' as AvgBug), ['conv.w', 'conv.b']),
  fail('dense bias: every class gets the sum over classes', () => of(makeAvgPoolNet(), 'denseBiasSummedClasses' as AvgBug), ['fc.b']),
  pass('float32 max-pool, every window an exact tie, first argmax', () => of(makeF32MaxPool(), 'none' as F32PoolBug), { kinks: true }),
  pass('float32 max-pool ties, split evenly', () => of(makeF32MaxPool(), 'tieSplit' as F32PoolBug)),
  pass('float32 max-pool ties, last argmax', () => of(makeF32MaxPool(), 'tieLast' as F32PoolBug)),
  fail('float32 max-pool ties: routed to the argmin', () => of(makeF32MaxPool(), 'argmin' as F32PoolBug), ['x']),
  fail('float32 max-pool ties: dx not multiplied by the head weight', () => of(makeF32MaxPool(), 'noChainW' as F32PoolBug), ['x']),
  fail('float32 max-pool ties: head weight gradient without the pooled value', () => of(makeF32MaxPool(), 'wNoPool' as F32PoolBug), ['w']),
]

// ------------------------------------------------------------------ language model, causal attention, float32 LayerNorm
const lm = (bug: LmBug = 'none', tied = false) => (): Built => of(makeBigramLm(tied), bug)
const causal = (bug: CausalBug = 'none') => (): Built => of(makeCausalAttention(), bug)
const ln = (bug: LnBug = 'none', act = 1) => (): Built => of(makeLayerNormF32(act), bug)
const seqCases: Case[] = [
  pass('bigram LM: embedding → softmax over a vocabulary of 7', lm()),
  fail('bigram LM: dE[token] = … overwrites repeated tokens', lm('overwriteRepeated'), ['E']),
  fail('bigram LM: softmax gradient without the −onehot', lm('noOneHot'), ['E', 'Wout', 'b']),
  fail('bigram LM: db not averaged over positions', lm('biasNotMean'), ['b'], { hint: 'factor' }),
  pass('bigram LM with tied input/output embeddings', lm('none', true)),
  fail('tied embeddings: only the output-side gradient returned', lm('tiedOutputOnly', true), ['E']),
  pass('causal self-attention, mask of −Infinity', causal()),
  fail('causal attention: the backward recomputes softmax without the mask', causal('maskForgottenInBackward'), ['Wq', 'Wk', 'Wv']),
  fail('causal attention: dK = dS·Q instead of dSᵀ·Q', causal('dKnoTranspose'), ['Wk']),
  fail('causal attention: softmax backward without the row-sum term', causal('softmaxGradNoRowSum'), ['Wq', 'Wk']),
  fail('causal attention: 1/√d applied twice in the backward', causal('scaleTwice'), ['Wq', 'Wk'], { hint: 'factor' }),
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
]

// ------------------------------------------------------------------ losses
const lossCases: Case[] = [
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
]

// ------------------------------------------------------------------ physics and simulation
const physicsCases: Case[] = [
  pass('pendulum, RK4 × 30, tangent-linear gradient', () => of(makePendulum(), 'none' as PendulumBug)),
  fail('pendulum: stage Jacobians frozen at the step start', () => of(makePendulum(), 'frozenJacobian' as PendulumBug), ['phys', 'init']),
  fail('pendulum: k4 tangent built from dk2 (typo)', () => of(makePendulum(), 'stageTypo' as PendulumBug), ['phys', 'init']),
  fail('pendulum: ∂f/∂L sign', () => of(makePendulum(), 'lengthSign' as PendulumBug), ['phys']),
  fail('pendulum: dt/12 for dt/6 in the tangent update', () => of(makePendulum(), 'dtHalfInFinal' as PendulumBug), ['phys', 'init']),
  pass('heat equation, explicit stencil × 25, discrete adjoint', () => of(makeHeat(), 'none' as HeatBug)),
  fail('heat: boundary values get no gradient', () => of(makeHeat(), 'bcForgotten' as HeatBug), ['bc'], { hint: 'zero' }),
  fail('heat: dκ without 1/dx²', () => of(makeHeat(), 'kappaNoDx2' as HeatBug), ['kappa']),
  fail('heat: dκ uses the Laplacian of uⁿ⁺¹', () => of(makeHeat(), 'laplacianOfNext' as HeatBug), ['kappa']),
  fail('heat: adjoint leaks through the Dirichlet boundary', () => of(makeHeat(), 'adjointBoundaryLeak' as HeatBug), ['u0', 'bc', 'kappa']),
  pass('stiff spring chain k ~ 1e6, x ~ 1e-3, symplectic Euler × 60', () => of(makeStiffSprings(), 'none' as StiffBug)),
  fail('stiff springs: tangent updated with explicit Euler', () => of(makeStiffSprings(), 'explicitEulerTangent' as StiffBug), ['k', 'x0']),
  fail('stiff springs: ∂F₂/∂k₂ missing', () => of(makeStiffSprings(), 'k2OneSided' as StiffBug), ['k']),
  fail('stiff springs: initial displacement not seeded in the tangent', () => of(makeStiffSprings(), 'x0NotPropagated' as StiffBug), ['x0'], { hint: 'zero' }),
  pass('N-body with Plummer softening, a pair at r ≈ ε', () => of(makeSoftenedNbody(), 'none' as SoftBug)),
  fail('N-body: softening dropped from the force', () => of(makeSoftenedNbody(), 'softeningDroppedInForce' as SoftBug), ['pos']),
  fail('N-body: dE/dε sign', () => of(makeSoftenedNbody(), 'epsSign' as SoftBug), ['eps']),
  fail('N-body: dE/dm_i uses m_i for m_j', () => of(makeSoftenedNbody(), 'massSelf' as SoftBug), ['mass']),
  pass('fast oscillation sin(1e4·x), x in (0, 1)', () => of(makeOscillation(), 'none' as OscBug)),
  fail('sin(1e4·x): chain factor 1e4 missing', () => of(makeOscillation(), 'chainFactorMissing' as OscBug), ['x']),
  fail('sin(1e4·x): cos taken as −sin', () => of(makeOscillation(), 'cosForSin' as OscBug), ['x']),
  pass('float32 sin(1e4·x), x in (0, 1e-3)', () => of(makeOscillation('float32'), 'none' as OscBug)),
  fail('float32 sin(1e4·x): chain factor missing', () => of(makeOscillation('float32'), 'chainFactorMissing' as OscBug), ['x']),
  pass('Frenkel–Kontorova chain (float32, substrate period 1, positions 0–10)', () => of(makeFrenkelKontorova(), 'none' as FkBug)),
  pass('Frenkel–Kontorova chain (float32, substrate period 0.1)', () => of(makeFrenkelKontorova({ a: 0.1 }), 'none' as FkBug)),
  pass('Frenkel–Kontorova chain (float32, chain starting at x = 100)', () => of(makeFrenkelKontorova({ origin: 100 }), 'none' as FkBug)),
  pass('Frenkel–Kontorova chain (float64, chain starting at x = 1e4)', () => of(makeFrenkelKontorova({ precision: 'float64', origin: 1e4 }), 'none' as FkBug)),
  fail('Frenkel–Kontorova: substrate force without 1/a', () => of(makeFrenkelKontorova({ a: 0.1 }), 'periodMissing' as FkBug), ['x']),
  fail('Frenkel–Kontorova: spring force on one end only', () => of(makeFrenkelKontorova(), 'springOneEnd' as FkBug), ['x']),
  pass('soft rasterizer edge, float32 vertices at ≈ 42 px, σ = 0.1 px', () => of(makeSoftRaster(), 'none' as RasterBug)),
  pass('soft rasterizer edge, float64', () => of(makeSoftRaster('float64'), 'none' as RasterBug)),
  fail('soft rasterizer: 1/σ missing', () => of(makeSoftRaster(), 'sharpnessMissing' as RasterBug), ['x']),
  fail('soft rasterizer: right edge sign', () => of(makeSoftRaster(), 'rightEdgeSign' as RasterBug), ['x']),
  pass('NeRF positional encoding, 6 octaves, float32 (gradient w.r.t. positions)', () => of(makeFourier(6), 'none' as FourierBug)),
  pass('NeRF positional encoding, 8 octaves, float32', () => of(makeFourier(8), 'none' as FourierBug)),
  pass('NeRF positional encoding, 10 octaves, float64', () => of(makeFourier(10, 'float64'), 'none' as FourierBug)),
  fail('positional encoding, float32: chain factor 2^k missing', () => of(makeFourier(6), 'frequencyMissing' as FourierBug), ['p']),
  fail('positional encoding, float32: π missing from the chain factor', () => of(makeFourier(8), 'piMissing' as FourierBug), ['p']),
  pass('float64 ReLU MLP, random init (seed 1; its float32 twin is a weakness below)', () => of(makeMlp({ act: 'relu', seed: 1, B: 16, D: 6, H: 8, C: 3 }))),
  pass('float64 ReLU, a pre-activation 1e-3 from the kink (float32 twin below)', () => {
    const m = makeReluKinks('float64')
    m.params.b1[0] = 1e-3
    return of(m)
  }),
  pass('least squares exactly at its optimum (gradient ≈ 1e-16)', () => of(makeAtOptimum())),
  pass('ECEF pose graph: |x| ≈ 6.4e6 m, edges ≈ 1–3 m', () => of(makeEcefPoseGraph(), 'none' as EcefBug)),
  fail('ECEF pose graph: edge direction not normalised', () => of(makeEcefPoseGraph(), 'dirNotNormalised' as EcefBug), ['pos']),
  fail('ECEF pose graph: edge gradient applied to one end only', () => of(makeEcefPoseGraph(), 'edgeOneEnd' as EcefBug), ['pos']),
  pass('UNIX-time daily fit: t0 ≈ 1.7e9 s, period 86400 s', () => of(makeEpochFit(), 'none' as EpochBug)),
  fail('UNIX-time daily fit: 1/86400 missing in dt0', () => of(makeEpochFit(), 'periodMissing' as EpochBug), ['t0']),
  fail('UNIX-time daily fit: dt0 sign', () => of(makeEpochFit(), 'phaseSign' as EpochBug), ['t0']),
]

// ------------------------------------------------------------------ scales, precisions, forms, frozen tensors
const scaleCases: Case[] = [
  pass('regression, batch 2000, loss = sum (≈ 1e6)', () => of(makeBigBatch('sum'), 'none' as BatchBug)),
  fail('batch sum: gradient of the mean', () => of(makeBigBatch('sum'), 'meanForSum' as BatchBug), ['w', 'b'], { hint: 'factor' }),
  fail('batch sum: loop stops one sample short (1/2000 of the gradient)', () => of(makeBigBatch('sum'), 'lastSampleDropped' as BatchBug), ['w', 'b']),
  pass('regression, batch 2000, loss = mean', () => of(makeBigBatch('mean'), 'none' as BatchBug)),
  fail('batch mean: gradient of the sum', () => of(makeBigBatch('mean'), 'sumForMean' as BatchBug), ['w', 'b'], { hint: 'factor' }),
  pass('float32 regression, batch 500, loss = sum (≈ 2e5)', () => of(makeBigBatch('sum', 'float32', 500), 'none' as BatchBug)),
  fail('float32 batch sum: gradient of the mean', () => of(makeBigBatch('sum', 'float32', 500), 'meanForSum' as BatchBug), ['w', 'b']),
  pass('float32 logistic loss ×1e-20', () => of(makeScaledLogisticF32(1e-20), 'none' as ScaledBug)),
  fail('float32 loss ×1e-20: dw sign', () => of(makeScaledLogisticF32(1e-20), 'wSign' as ScaledBug), ['w']),
  fail('float32 loss ×1e-20: db halved', () => of(makeScaledLogisticF32(1e-20), 'bHalf' as ScaledBug), ['b']),
  fail('float32 loss ×1e-20: scale forgotten in the backward', () => of(makeScaledLogisticF32(1e-20), 'scaleForgotten' as ScaledBug), ['w', 'b']),
  pass('float32 logistic loss ×1e20', () => of(makeScaledLogisticF32(1e20), 'none' as ScaledBug)),
  fail('float32 loss ×1e20: dw sign', () => of(makeScaledLogisticF32(1e20), 'wSign' as ScaledBug), ['w']),
  fail('float32 loss ×1e20: db halved', () => of(makeScaledLogisticF32(1e20), 'bHalf' as ScaledBug), ['b']),
  pass('whole tensors with an exactly-0 gradient (unused head, dead ReLU, stationary point)', () => of(makeFrozen(), 'none' as FrozenBug)),
  fail('unused tensor given a weight-decay gradient', () => of(makeFrozen(), 'weightDecayOnUnused' as FrozenBug), ['unused']),
  fail('dead ReLU: mask ignored in the backward', () => of(makeFrozen(), 'deadMaskIgnored' as FrozenBug), ['dead', 'deadBias']),
  fail('stationary tensor: a constant 0.01 left in its gradient', () => of(makeFrozen(), 'stationaryConstant' as FrozenBug), ['stationary']),
  pass('TF.js-like: Float32Array weights, Float32Array buffers forward, float64 backward', () => of(makeTfLike(), 'none' as TfBug)),
  fail('TF.js-like: dw2 off by 1%', () => of(makeTfLike(), 'w2OnePct' as TfBug), ['w2']),
  fail("TF.js-like: softplus' taken as softplus in db1", () => of(makeTfLike(), 'b1Sigmoid' as TfBug), ['b1']),
  fail('TF.js-like: dW1 ×2', () => of(makeTfLike(), 'W1TimesTwo' as TfBug), ['W1'], { hint: 'factor' }),
  pass('a bare number `at`: distillation temperature T = 0.07', () => of(makeTemperature(), 'none' as TempBug)),
  fail('temperature: −z/T for −z/T²', () => of(makeTemperature(), 'noSquare' as TempBug), ['at']),
  fail('temperature: sign', () => of(makeTemperature(), 'sign' as TempBug), ['at']),
  pass('float32 unnormalised features (one 1000× smaller)', () => of(makeUnnormalised('float32'))),
  pass('float64 unnormalised features (one 1000× smaller)', () => of(makeUnnormalised('float64'))),
  fail('float64 unnormalised features: remainder loop adds the small feature twice', () => of(makeUnnormalised('float64', 'lastFeatureTwice')), ['w'], { path: 'w[4]' }),
  pass('float32 loss reduced in a random order each call (GPU atomics)', () => of(makeRandomOrderF32(), 'none'), { deterministic: 'any' }),
  fail("float32 random-order reduction: tanh' missing", () => {
    const m = makeRandomOrderF32()
    return of(m, 'tanhDerivMissing')
  }, ['w'], { deterministic: 'any' }),
]

// ------------------------------------------------------------------ piecewise-linear losses on random data (kinks near x by chance)
const piece = (kind: PieceKind, precision: 'float32' | 'float64', seed: number, bug: PieceBug = 'none') => (): Built => of(makePiecewise(kind, precision, seed), bug)
const pieceCases: Case[] = [
  ...(['l1', 'hinge', 'max', 'absAct'] as const).flatMap((k) => [
    pass(`${k}, float64, random data (seed 3)`, piece(k, 'float64', 3)),
    pass(`${k}, float64, random data (seed 2)`, piece(k, 'float64', 2)),
    pass(`${k}, float32, random data (seed 5)`, piece(k, 'float32', 5)),
  ]),
  fail('L1 float32: sign flipped', piece('l1', 'float32', 5, 'signFlipped'), ['w', 'v'], { hint: 'factor' }),
  fail('hinge float32: margin mask forgotten', piece('hinge', 'float32', 5, 'maskForgotten'), ['w', 'v']),
  fail('max of two maps float32: gradient to both branches', piece('max', 'float32', 5, 'maskForgotten'), ['w', 'v']),
  fail('|a|·b float32: sign(a) taken as 1', piece('absAct', 'float32', 5, 'signFlipped'), ['w']),
]

// ------------------------------------------------------------------ float64 models whose scalar loss is read back as float32 (TF.js data(), WebGL)
const readback = <P, B>(m: Model<P, B>, bug?: B): Built => ({ loss: (p: P) => Math.fround(m.loss(p)), grad: (p: P) => m.grad(p, bug), at: m.params })
const readbackCases: Case[] = [
  pass('read back as float32: pendulum RK4', () => readback(makePendulum())),
  pass('read back as float32: heat equation', () => readback(makeHeat())),
  pass('read back as float32: stiff springs', () => readback(makeStiffSprings())),
  pass('read back as float32: softened N-body', () => readback(makeSoftenedNbody())),
  pass('read back as float32: GRU', () => readback(makeGru())),
  pass('read back as float32: causal attention', () => readback(makeCausalAttention())),
  pass('read back as float32: Poisson NLL, λ ≈ 6e-6', () => readback(makePoisson())),
  fail('read back as float32: heat dκ without 1/dx²', () => readback(makeHeat(), 'kappaNoDx2' as HeatBug), ['kappa']),
  fail('read back as float32: GRU ∂h/∂z sign', () => readback(makeGru(), 'zSign' as GruBug), ['[1].W', '[1].U', '[1].b']),
  fail('read back as float32: pendulum frozen stage Jacobians', () => readback(makePendulum(), 'frozenJacobian' as PendulumBug), ['phys', 'init']),
]

// ------------------------------------------------------------------ dropout and nondeterminism
const dropRnn = (rand: Rng, bug: RnnBug = 'none', options?: Options) => (): Built => of(makeRnn({ dropout: { p: 0.3, rand } }), bug, options)
const dropoutCases: Case[] = [
  pass('RNN variational dropout, beforeEvaluation resets its seeded RNG', () => {
    const r = rng(77)
    return dropRnn(r, 'none', { beforeEvaluation: () => r.reset() })()
  }),
  fail('RNN variational dropout, reset RNG: dWh with h_t', () => {
    const r = rng(77)
    return dropRnn(r, 'wrongTimeIndex', { beforeEvaluation: () => r.reset() })()
  }, ['Wh']),
  fail('RNN variational dropout, RNG never reset', dropRnn(rng(77)), undefined, { deterministic: false, hint: 'nondeterministic' }),
  fail('RNN dropout with Math.random, wrong time index too', dropRnn(Object.assign(() => Math.random(), { reset: () => undefined }), 'wrongTimeIndex'), undefined, {
    deterministic: false,
    hint: 'nondeterministic',
  }),
  fail('input noise augmentation (Math.random · 1e-3) left on', () => {
    const m = makeGaussianNll()
    return { at: m.params, loss: (p: typeof m.params) => m.loss(p) * (1 + 1e-3 * (Math.random() - 0.5)), grad: (p: typeof m.params) => m.grad(p) }
  }, undefined, { deterministic: false, hint: 'nondeterministic' }),
]

describe('gradcheck corpus 2', () => {
  describe('recurrent', () => it.each(recurrentCases)('$name', run))
  describe('convolution and pooling', () => it.each(convCases)('$name', run))
  describe('sequence models', () => it.each(seqCases)('$name', run))
  describe('losses', () => it.each(lossCases)('$name', run))
  describe('physics', () => it.each(physicsCases)('$name', run))
  describe('scales and forms', () => it.each(scaleCases)('$name', run))
  describe('piecewise-linear, random data', () => it.each(pieceCases)('$name', run))
  describe('loss read back as float32', () => it.each(readbackCases)('$name', run))
  describe('dropout and nondeterminism', () => it.each(dropoutCases)('$name', run))
})

// ------------------------------------------------------------------ the correct models are correct: an independent check
// A 5-point stencil at steps h and h/2, Richardson-combined (error O(h⁶)), in float64, on the smooth
// models (kinked ones at their exact kinks are judged by the one-sided slopes in the cases above).
describe('corpus 2 models, verified independently', () => {
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
    ['ReLU MLP seed 1 (float64 twin of a weakness; steps 1e-5 stay off the kinks)', () => verify(makeMlp({ act: 'relu', seed: 1, B: 16, D: 6, H: 8, C: 3 }), () => 1e-5, 1e-3), 1e-7],
    ['temperature', () => verify({ params: { T: 0.07 }, loss: (p: { T: number }) => makeTemperature().loss(p.T), grad: (p: { T: number }) => ({ T: makeTemperature().grad(p.T) }) }, () => 1e-5), 1e-8],
  ]
  it.each(models)('%s', (_, check, tol) => {
    const { worst, where } = check()
    expect(worst, where).toBeLessThan(tol)
  })
})

// ------------------------------------------------------------------ engine weaknesses found by this corpus
// Each case's gradient is verified independently (the float64 analogue in the block above, or the
// same gradient code passing in float64). They are skipped so the suite stays green.
describe('corpus 2: engine weaknesses', () => {
  // FIXED (extrapolation goes bottom up over levels whose gaps scale like the step, and a larger-step estimate must agree with the smaller ones) — was: ENGINE WEAKNESS (Richardson over two levels that both straddle a ReLU kink): a plain float32 ReLU
  // MLP (B 16, D 6, H 8, C 3, random init, corpus-1 model, seed 1) — 9 of 20 seeds false-alarm, so do
  // the leaky-ReLU twin and the float32-internal twin (the float64 twin passes on all 20). W1[2,2]:
  // analytic 0.005392; D(h/4 = 8.1e-4) = 0.005389 (smooth, gap 1.5e-4), D(h = 3.2e-3) = 0.00753 and
  // D(4h) = 0.01043 both straddle a kink (gaps 4.5e-3, 1.1e-2: not the 4× of a smooth f). smooth(4h, h)
  // accepts any gap ratio ≤ 8, so R(h, 4h) = 0.007337 with err |D(h) − D(4h)|/15 ≈ 2e-4 wins over the
  // correct D(h/4) (whose err is inflated to |D(h/4) − D(h)| = 2.1e-3): "bug: falls like h² (5.0e-3,
  // 2.1e-3, 2.9e-6) … truncation".
  it('float32 ReLU MLP, random init (seed 1)', () =>
    run(pass('float32 ReLU MLP, random init (seed 1)', () => of(makeMlp({ act: 'relu', precision: 'float32', seed: 1, B: 16, D: 6, H: 8, C: 3 })))))
  // FIXED (same) — was: ENGINE WEAKNESS (same): float32 piecewise-linear losses on random data, 24 samples. L1 (seed 3):
  // v[2] analytic −0.0982, numeric −0.0717, "bug: falls like h² (4.3e-2, 2.7e-2, 6.5e-5) … truncation";
  // hinge, margin 0.25 (seed 7): v[2] −0.1347 vs −0.1491, w[2] likewise; max of two maps (seed 2): w[0]; |a|·b (seed 12): 3 weights. The float64
  // twins pass (cases above); about 1 seed in 20 fails for each loss in float32.
  it.each([
    pass('L1 regression, float32, random data (seed 3)', piece('l1', 'float32', 3)),
    pass('hinge, float32, random data (seed 7)', piece('hinge', 'float32', 7)),
    pass('max of two linear maps, float32, random data (seed 2)', piece('max', 'float32', 2)),
    pass('|a|·b, float32, random data (seed 12)', piece('absAct', 'float32', 12)),
  ])('$name', run)
  // FIXED (same) — was: ENGINE WEAKNESS (same): corpus-1's dyadic float32 ReLU net with one pre-activation 1e-3 from its
  // kink (b1[0] = 1e-3); fails for offsets ±7e-4 … ±3e-3 (3–4 weights "bug"), passes at ±5e-4 and ±5e-3.
  it('float32 ReLU, a pre-activation 1e-3 from the kink', () =>
    run(pass('float32 ReLU, a pre-activation 1e-3 from the kink', () => {
      const m = makeReluKinks('float32')
      m.params.b1[0] = 1e-3
      return of(m)
    })))

  // FIXED (the sweep now descends below h/4 while the smallest steps are not smooth) — was: ENGINE WEAKNESS (step too large for the function's finest scale, and no downward search):
  // NeRF positional encoding with 10 octaves (frequencies up to 2⁹π ≈ 1608) in float32. p[2]'s own
  // derivative is small (−1.45 beside ≈ 470 for its neighbours), so its scale |f/a| ≈ 0.35 is far
  // above the period 0.004; steps 3.4e-2 → 2.2e-3 (phases 55 → 3.5 rad) alias, and the disagreement
  // is called a bug though its trend note itself says "grows … round-off". Same gradient code passes
  // in float64 (and float32 with 6 or 8 octaves).
  it('NeRF positional encoding, 10 octaves, float32', () => run(pass('NeRF positional encoding, 10 octaves, float32', () => of(makeFourier(10), 'none' as FourierBug))))

  // ENGINE WEAKNESS, KEPT (a scale no heuristic sees; pass `step`): a fast oscillation plus a smooth term that dominates the loss
  // (Σ c sin(ωx) + ½Σ x², x up to 100, ω = 1e4, period 6.3e-4, float64). |f| ≈ 1e4 comes from the
  // ½x² term, so |f/a| does not narrow the scale; the steps (2.4e-1 … 1.8e-4) span many periods and
  // all 5 correct weights are called "bug" (e.g. x[1]: analytic 396.7, numeric 85.9).
  it.skip('sin(1e4·x) + ½x², x in (0, 100), float64', () =>
    run(pass('sin(1e4·x) + ½x², x in (0, 100), float64', () => of(makeOscillation('float64', { span: 100 }), 'none' as OscBug))))
  // ENGINE WEAKNESS, KEPT (same): Σ c sin(100x) + ½Σ x², x in (0, 10), period 0.063: steps
  // 0.39 → 3.3e-3, all 5 correct weights "bug" — three of them with the note "falls like h²: truncation".
  it.skip('float32 sin(100·x) + ½x², x in (0, 10)', () =>
    run(pass('float32 sin(100·x) + ½x², x in (0, 10)', () => of(makeOscillation('float32', { w: 100, span: 10 }), 'none' as OscBug))))

  // FIXED (the truncation prior is measured from the first gap, floored at 1% of the gradient scale, and a first difference whose bound is half the derivative goes on to the sweep) — was: ENGINE WEAKNESS (tolerance floor of small entries in float32): the weight of a feature 1000×
  // smaller than the others has a gradient ≈ 1e-3 of the tensor's largest; doubling it (a remainder
  // loop that adds the last feature twice) is accepted as "ok": the first difference is right to ≈1%
  // (numeric 0.00175, analytic 0.00352 = 2×), but the bound (3.6e-3) carries the truncation prior
  // 8·(3u)^(2/3)·G of the tensor's largest gradient G, ≈ 1e-3·G, larger than the entry itself.
  // The float64 twin is caught (case above).
  it('float32 unnormalised features: remainder loop adds the small feature twice', () =>
    run(fail('float32 unnormalised features: remainder loop adds the small feature twice', () => of(makeUnnormalised('float32', 'lastFeatureTwice')), ['w'], { path: 'w[4]' })))

  // ENGINE WEAKNESS, KEPT (borderline, by choice: a model kept in Float32Array is checked in float32 unless `precision: 'float64'`): weights in
  // Float32Array, loss computed in float64 (plain JS numbers). The loss has float64 noise (1e-16),
  // but every bound uses float32's unit round-off, so dw off by 0.1% passes (error 5e-4, allowed 5.7e-4);
  // 0.3% is caught.
  it.skip('Float32Array weights, float64 loss: dw off by 0.1%', () =>
    run(fail('Float32Array weights, float64 loss: dw off by 0.1%', () => {
      const m = makeF32StorageF64Loss()
      return { at: m.params, loss: m.loss, grad: (p: typeof m.params) => m.grad(p, 1.001) }
    }, ['w'])))

  // FIXED (calls that differ by less than √u of the loss count as noise, with a warning) — was: ENGINE WEAKNESS (nondeterminism threshold relative to |f|, not to the terms summed): a float64
  // energy summed in a random order (a parallel reduction) whose ±50 terms nearly cancel: two calls
  // differ by ≈ 1e-13…7e-13 (a few ulps of the terms, 500–3000 ulps of the result ≈ 1). Harmless — every
  // weight agrees to 2e-8 — but the check fails as "not deterministic", with a hint blaming dropout or sampling.
  it('float64 energy summed in a random order (cancelling terms)', () =>
    run(pass('float64 energy summed in a random order (cancelling terms)', () => of(makeParallelEnergy()), { deterministic: 'any' })))
})

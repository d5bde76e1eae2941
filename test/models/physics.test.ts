// Physics and simulation: springs, stiff decay, circuits, gravity, parameters of different units packed
// in one vector, RK4, the heat equation, stiff springs, N-body, fast oscillation, a Frenkel–Kontorova
// chain, coordinates far from the origin.
import { describe } from 'vitest'
import { cases, fail, of, pass } from '../support/harness.js'
import {
  makeDecay, makeEcefPoseGraph, makeEpochFit, makeFrenkelKontorova, makeGravity, makeHeat, makeOscillation, makePackedDecay, makePackedRc,
  makePendulum, makeRc, makeSoftenedNbody, makeSprings, makeStiffSprings,
  type DecayBug, type EcefBug, type EpochBug, type FkBug, type GravBug, type HeatBug, type OscBug, type PackedBug, type PendulumBug, type RcBug,
  type SoftBug, type SpringBug, type StiffBug,
} from './physics.js'

describe('mechanics, decay, circuits, gravity', () => cases([
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
]))

describe('parameters of different units packed in one vector', () => cases([
  fail('[C, R, V0] packed: dC sign', () => of(makePackedRc(), 'Csign' as PackedBug), ['theta']),
  fail('[C, R, V0] packed: dC off by 1%', () => of(makePackedRc(), 'C1pct' as PackedBug), ['theta']),
  pass('[τ, amp, offset] packed in one Float64Array', () => of(makePackedDecay(), 'none' as PackedBug)),
  fail('[τ, amp, offset] packed: dτ off by 1%', () => of(makePackedDecay(), 'C1pct' as PackedBug), ['theta']),
]))

describe('simulations', () => cases([
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
]))

describe('Frenkel–Kontorova chain', () => cases([
  pass('Frenkel–Kontorova chain (float32, substrate period 1, positions 0–10)', () => of(makeFrenkelKontorova(), 'none' as FkBug)),
  pass('Frenkel–Kontorova chain (float32, substrate period 0.1)', () => of(makeFrenkelKontorova({ a: 0.1 }), 'none' as FkBug)),
  pass('Frenkel–Kontorova chain (float32, chain starting at x = 100)', () => of(makeFrenkelKontorova({ origin: 100 }), 'none' as FkBug)),
  pass('Frenkel–Kontorova chain (float64, chain starting at x = 1e4)', () => of(makeFrenkelKontorova({ precision: 'float64', origin: 1e4 }), 'none' as FkBug)),
  fail('Frenkel–Kontorova: substrate force without 1/a', () => of(makeFrenkelKontorova({ a: 0.1 }), 'periodMissing' as FkBug), ['x']),
  fail('Frenkel–Kontorova: spring force on one end only', () => of(makeFrenkelKontorova(), 'springOneEnd' as FkBug), ['x']),
]))

describe('far from the origin', () => cases([
  pass('ECEF pose graph: |x| ≈ 6.4e6 m, edges ≈ 1–3 m', () => of(makeEcefPoseGraph(), 'none' as EcefBug)),
  fail('ECEF pose graph: edge direction not normalised', () => of(makeEcefPoseGraph(), 'dirNotNormalised' as EcefBug), ['pos']),
  fail('ECEF pose graph: edge gradient applied to one end only', () => of(makeEcefPoseGraph(), 'edgeOneEnd' as EcefBug), ['pos']),
  pass('UNIX-time daily fit: t0 ≈ 1.7e9 s, period 86400 s', () => of(makeEpochFit(), 'none' as EpochBug)),
  fail('UNIX-time daily fit: 1/86400 missing in dt0', () => of(makeEpochFit(), 'periodMissing' as EpochBug), ['t0']),
  fail('UNIX-time daily fit: dt0 sign', () => of(makeEpochFit(), 'phaseSign' as EpochBug), ['t0']),
]))

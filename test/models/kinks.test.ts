// Non-differentiable points: ReLU, max-pool, hinge, lasso, clamp exactly at their kinks (a subgradient
// between the one-sided slopes passes, a value outside fails), kinks within the step, the `kinks`
// policies, and piecewise-linear losses on random data.
import { describe } from 'vitest'
import { type Built, cases, fail, of, pass } from '../support/harness.js'
import {
  makeClamp, makeHinge, makeLasso, makeMaxPool, makePiecewise, makeReluKinks,
  type ClampBug, type HingeBug, type L1Bug, type PieceBug, type PieceKind, type PoolBug, type ReluBug,
} from './kinks.js'

const FIRST_LAYER = ['W1', 'b1']
const relu = (bug: ReluBug, precision: 'float64' | 'float32' = 'float64') => (): Built => of(makeReluKinks(precision), bug)
const reluNear = (offset: number, bug: ReluBug = 'none') => (): Built => {
  const m = makeReluKinks()
  m.params.b1[0] = offset // z1[0,0] = offset: a kink within the step, not at x
  return of(m, bug)
}
const piece = (kind: PieceKind, precision: 'float32' | 'float64', seed: number, bug: PieceBug = 'none') => (): Built => of(makePiecewise(kind, precision, seed), bug)

describe('exactly at the kink', () => cases([
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
]))

describe('near the kink', () => cases([
  pass('ReLU pre-activation 3e-7 above the kink', reluNear(3e-7)),
  pass('ReLU pre-activation 3e-7 below the kink', reluNear(-3e-7)),
  fail('ReLU 3e-7 above the kink, mask forgotten', reluNear(3e-7, 'noMask'), FIRST_LAYER),
  pass('float64 ReLU, a pre-activation 1e-3 from the kink (float32 twin in regressions.test.ts)', () => {
    const m = makeReluKinks('float64')
    m.params.b1[0] = 1e-3
    return of(m)
  }),
]))

describe('kink policies', () => cases([
  pass("ReLU at exactly 0, kinks: 'skip'", () => of(makeReluKinks(), 'none' as ReluBug, { kinks: 'skip' })),
  // Under kinks: 'fail' a correct subgradient fails as a kink, not as a bug: the entries' verdict is 'kink'.
  fail("ReLU at exactly 0, kinks: 'fail'", () => of(makeReluKinks(), 'none' as ReluBug, { kinks: 'fail' }), FIRST_LAYER, { verdict: 'kink' }),
]))

describe('piecewise-linear, random data', () => cases([
  ...(['l1', 'hinge', 'max', 'absAct'] as const).flatMap((k) => [
    pass(`${k}, float64, random data (seed 3)`, piece(k, 'float64', 3)),
    pass(`${k}, float64, random data (seed 2)`, piece(k, 'float64', 2)),
    pass(`${k}, float32, random data (seed 5)`, piece(k, 'float32', 5)),
  ]),
  fail('L1 float32: sign flipped', piece('l1', 'float32', 5, 'signFlipped'), ['w', 'v'], { hint: 'factor' }),
  fail('hinge float32: margin mask forgotten', piece('hinge', 'float32', 5, 'maskForgotten'), ['w', 'v']),
  fail('max of two maps float32: gradient to both branches', piece('max', 'float32', 5, 'maskForgotten'), ['w', 'v']),
  fail('|a|·b float32: sign(a) taken as 1', piece('absAct', 'float32', 5, 'signFlipped'), ['w']),
]))

// An iterative solver x* = tanh(W x* + b), gradient by implicit differentiation. Iterated to machine
// precision, the implicit gradient is the derivative of the loss; stopped at a looser tolerance it is
// not (the loss is then the truncated iteration), and a correct check fails it.
import { describe } from 'vitest'
import { cases, fail, of, pass } from '../support/harness.js'
import { makeFixedPoint, type DeqBug } from './solver.js'

describe('fixed-point solver', () => cases([
  pass('fixed-point solver (to machine precision), implicit gradient', () => of(makeFixedPoint(), 'none' as DeqBug)),
  fail('fixed-point solver: Jacobian not transposed', () => of(makeFixedPoint(), 'noTranspose' as DeqBug), ['W', 'b']),
  fail('fixed-point solver: db off by 1%', () => of(makeFixedPoint(), 'b1pct' as DeqBug), ['b']),
  pass('fixed-point solver (tol 1e-15), implicit gradient', () => of(makeFixedPoint(1e-15), 'none' as DeqBug)),
  fail('fixed-point solver (tol 1e-15): db off by 1%', () => of(makeFixedPoint(1e-15), 'b1pct' as DeqBug), ['b']),
  // The implicit gradient differs from the derivative of the truncated iteration by ~1e-7 relative
  // (tol 1e-9) or ~1e-4 (tol 1e-6): the check is right to fail it (on W and b alike).
  fail('fixed-point solver stopped at tol 1e-9: implicit gradient of a truncated iteration', () => of(makeFixedPoint(1e-9), 'none' as DeqBug), ['W', 'b']),
  fail('fixed-point solver stopped at tol 1e-6: implicit gradient of a truncated iteration', () => of(makeFixedPoint(1e-6), 'none' as DeqBug), ['W', 'b']),
]))

// Sums reduced in a random order each call (GPU atomics): harmless nondeterminism, bugs still caught.
import { describe } from 'vitest'
import { cases, fail, of, pass } from '../support/harness.js'
import { makeRandomOrderF32 } from './reductions.js'

describe('random-order reductions', () => cases([
  pass('float32 loss reduced in a random order each call (GPU atomics)', () => of(makeRandomOrderF32(), 'none'), { deterministic: 'any' }),
  fail("float32 random-order reduction: tanh' missing", () => {
    const m = makeRandomOrderF32()
    return of(m, 'tanhDerivMissing')
  }, ['w'], { deterministic: 'any' }),
]))

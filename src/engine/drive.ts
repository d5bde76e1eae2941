import type { Direction } from './direction.js'

/**
 * The check is written once, as a generator that yields each call it needs (`'loss'` or `'grad'`)
 * and receives the value back. `drive` runs it synchronously for as long as the calls return plain
 * values and switches to `async` at the first promise, so a synchronous loss gets a synchronous report
 * and an async one a promise, from the same code. An error of a call is thrown into the generator,
 * whose `finally` blocks restore the parameters before it propagates.
 */
// `'io'` reads or writes the adapted tensors of `at` (src/params/adapters.ts): a promise when an adapter is async.
// `{ along }` is a gradient call that asks for the analytic derivative along a direction (`checkAlong`).
export type Call = 'loss' | 'grad' | 'io' | { along: Direction }
export type Check<T> = Generator<Call, T, unknown>

export const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function'

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

function attempt(call: (c: Call) => unknown, c: Call): Outcome {
  try {
    return { ok: true, value: call(c) }
  } catch (error) {
    return { ok: false, error }
  }
}

const resume = <T>(check: Check<T>, o: Outcome): IteratorResult<Call, T> =>
  o.ok ? check.next(o.value) : check.throw(o.error)

export function drive<T>(check: Check<T>, call: (c: Call) => unknown): T | Promise<T> {
  let step = check.next()
  while (!step.done) {
    const o = attempt(call, step.value)
    if (o.ok && isThenable(o.value)) return finishAsync(check, call, o.value)
    step = resume(check, o)
  }
  return step.value
}

async function finishAsync<T>(check: Check<T>, call: (c: Call) => unknown, pending: PromiseLike<unknown>): Promise<T> {
  let o: Outcome
  try {
    o = { ok: true, value: await pending }
  } catch (error) {
    o = { ok: false, error }
  }
  for (;;) {
    const step = resume(check, o)
    if (step.done) return step.value
    try {
      o = { ok: true, value: await call(step.value) }
    } catch (error) {
      o = { ok: false, error }
    }
  }
}

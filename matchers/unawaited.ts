// Jest and a forgotten `await`. Jest hands the test `result.then(processResult).catch(handleError)` for an
// async matcher. When the test neither awaits nor returns it, and the check fails after the test file has
// ended, that rejection has no handler and Node kills the Jest process (run in band: no summary at all).
// `guardUnawaited` keeps the failure without the crash: a check that nothing awaited by the time it fails
// is printed to stderr and sets `process.exitCode = 1` (Jest's sandboxed `process` shares it with the real
// one), so the run still fails. Nothing can fail the test itself any more: it has returned. An awaited
// check is untouched: its rejection reaches the test as before.

import { isThenable } from '../src/engine/drive.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Matcher = (this: any, ...args: any[]) => unknown

export function guardUnawaited<M extends Record<string, Matcher>>(matchers: M): M {
  const guarded = Object.entries(matchers).map(([name, fn]) => [
    name,
    function (this: unknown, ...args: unknown[]) {
      const result = fn.apply(this, args)
      return isThenable(result) ? thenable(Promise.resolve(result)) : result
    },
  ])
  return Object.fromEntries(guarded) as M
}

/** What the matcher gives Jest: its `then(...)` has a `catch` that returns the watched promise the test receives. */
function thenable<T>(inner: Promise<T>): PromiseLike<T> {
  return {
    then(onFulfilled, onRejected) {
      const chained = inner.then(onFulfilled, onRejected)
      return Object.assign(chained, { catch: (onRejected2: (e: unknown) => unknown) => watched(Promise.prototype.catch.call(chained, onRejected2)) })
    },
  }
}

/** `p`, with a note of whether anyone awaited it, and a handler that reports its rejection when no one did. */
function watched<T>(p: Promise<T>): Promise<T> {
  let awaited = false
  p.then(undefined, (error: unknown) => {
    if (awaited || typeof process === 'undefined') return
    process.exitCode = 1
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`\ngradcheck: an async check that was not awaited failed after its test had ended (await it, or return it):\n${message}\n`)
  })
  const seen = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => ((awaited = true), f(...a))
  return {
    then: seen(p.then.bind(p)),
    catch: seen(p.catch.bind(p)),
    finally: seen(p.finally.bind(p)),
    [Symbol.toStringTag]: 'Promise',
  } as Promise<T>
}

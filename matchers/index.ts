import type { GradcheckOptions, Gradient, HessianOptions, JacobianOptions } from '../src/index.js'
import { numericalGradientOf } from './numericalGradientOf.js'
import { toHaveGradientsMatching } from './toHaveGradientsMatching.js'
import { toHaveHessianMatching } from './toHaveHessianMatching.js'
import { toHaveJacobianMatching } from './toHaveJacobianMatching.js'

/** The matcher object, for `expect.extend(matchers)`; `numericalGradientOf` is meant as `expect.numericalGradientOf(loss, { at })`. */
export const matchers = { toHaveGradientsMatching, toHaveJacobianMatching, toHaveHessianMatching, numericalGradientOf }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown
type IsAny<T> = 0 extends 1 & T ? true : false
type MayBePromise<V> = IsAny<V> extends true ? true : [Extract<V, PromiseLike<unknown>>] extends [never] ? false : true

/** What the loss receives: the type `at` must have. `unknown` (any `at`) for a closure `() => net.loss()` or an untyped loss. */
export type LossParams<T> = IsAny<T> extends true ? unknown : T extends (params: infer P, ...rest: never[]) => unknown ? P : unknown

/** The options of a check of the loss `T`: `at` is what the loss receives; anything but a function as the loss is an error. */
export type OptionsFor<T> = IsAny<T> extends true
  ? GradcheckOptions<unknown>
  : [T] extends [AnyFunction]
    ? GradcheckOptions<LossParams<T>>
    : { at: never; 'expect(loss) needs the loss function itself, not its value': never }

/**
 * What `expect(loss).toHaveGradientsMatching(grad, …)` returns: `Promise<void>` when the loss returns a
 * promise or `grad` is a function returning one (await it), `void` when both are synchronous, and
 * `void | Promise<void>` when the received type does not tell (`any`).
 */
export type CheckReturn<T, G> =
  IsAny<T> extends true
    ? void | Promise<void>
    : [T] extends [(...args: never[]) => infer L]
      ? MayBePromise<L> extends true
        ? Promise<void>
        : [G] extends [(...args: never[]) => infer V]
          ? MayBePromise<V> extends true
            ? Promise<void>
            : void
          : void
      : void

/**
 * The matchers' signatures, merged into each runner's `Matchers` by `gradcheck/vitest` and `gradcheck/jest`.
 * `T` is the received loss, `R` the runner's own return type (`Promise<void>` under `.resolves`/`.rejects`).
 */
export interface GradientMatchers<T = unknown, R = void> {
  /**
   * Checks the analytic gradient `grad` (a function of the parameters, or a value mirroring them)
   * against finite differences of the received loss at `options.at`. Returns a promise when the loss
   * or the gradient function is async: await it.
   */
  toHaveGradientsMatching<G extends Gradient<LossParams<T>>>(grad: G, options: OptionsFor<T>): [R] extends [PromiseLike<unknown>] ? Promise<void> : CheckReturn<T, G>
  /**
   * Checks a Jacobian — the full one (one entry per output coordinate, row-major, each mirroring `at`),
   * `{ vjp: (x, u) => uᵀJ }` or `{ jvp: (x, v) => J·v }` — against finite differences of the received
   * `f` at `options.at`. Returns a promise when `f`, the VJP or the JVP is async: await it.
   */
  toHaveJacobianMatching<J extends readonly unknown[] | { vjp: (params: LossParams<T>, u: never) => unknown } | { jvp: (params: LossParams<T>, v: never) => unknown }>(
    jacobian: J,
    options: JacobianFor<T>,
  ): [R] extends [PromiseLike<unknown>] ? Promise<void> : CheckReturn<T, J extends { vjp: infer V } ? V : J extends { jvp: infer V } ? V : unknown>
  /**
   * Checks a Hessian — `{ hvp: (x, v) => H·v }` or the full one (one entry per coordinate of `at`,
   * each mirroring `at`) — against differences of the received gradient function `grad` at
   * `options.at`. Returns a promise when `grad` or the HVP is async: await it.
   */
  toHaveHessianMatching<H extends readonly unknown[] | { hvp: (params: LossParams<T>, v: never) => unknown }>(
    hessian: H,
    options: HessianFor<T>,
  ): [R] extends [PromiseLike<unknown>] ? Promise<void> : CheckReturn<T, H extends { hvp: infer V } ? V : unknown>
}

/** The options of a Hessian check of `grad`: `at` is what `grad` receives. */
export type HessianFor<T> = IsAny<T> extends true
  ? HessianOptions<unknown>
  : [T] extends [AnyFunction]
    ? HessianOptions<LossParams<T>>
    : { at: never; 'expect(grad) needs the gradient function itself, not its value': never }

/** The options of a Jacobian check of `f`: `at` is what `f` receives. */
export type JacobianFor<T> = IsAny<T> extends true
  ? JacobianOptions<unknown>
  : [T] extends [AnyFunction]
    ? JacobianOptions<LossParams<T>>
    : { at: never; 'expect(f) needs the function itself, not its value': never }

export { toHaveGradientsMatching, toHaveJacobianMatching, toHaveHessianMatching, numericalGradientOf }
export type { GradientAsymmetricMatchers } from './numericalGradientOf.js'
export type { MatcherContext, MatcherResult } from './context.js'

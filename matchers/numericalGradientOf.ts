import { type GradcheckOptions, GradcheckError, checkGradients, formatReport } from '../src/index.js'
import { type MatcherContext, type MatcherResult, settle } from './context.js'

/**
 * `expect.numericalGradientOf(loss, { at })`, an asymmetric matcher: it equals a gradient that agrees with
 * finite differences of `loss` at `at` (the check of `toHaveGradientsMatching`, with the compared value as
 * the gradient), so a gradient inside a bigger structure can be checked with `toEqual` / `toMatchObject`.
 * Registered with the other matchers by `expect.extend`, which makes it asymmetric in Vitest and in Jest.
 * Both runners call asymmetric matchers synchronously, so an async loss is an error here.
 */
export function numericalGradientOf(this: MatcherContext, actual: unknown, loss: unknown, options: GradcheckOptions): MatcherResult {
  const report = checkGradients(loss as (p: unknown) => number | Promise<number>, actual as object, options)
  if (report instanceof Promise) {
    // The check has started and restores `at` when it settles; its outcome has no one to go to.
    report.then(undefined, () => undefined)
    throw new GradcheckError(
      'Expected a synchronous loss for `expect.numericalGradientOf`, but the check returned a promise (an async loss or tensor adapter). ' +
        'Asymmetric matchers cannot be awaited: use `await expect(loss).toHaveGradientsMatching(grad, { at })` instead.',
    )
  }
  return settle(this, 'numericalGradientOf', ['grad', 'loss'], report, formatReport) as MatcherResult
}

/** The asymmetric matcher's signature, merged into `expect` by `gradcheck/vitest` and `gradcheck/jest`. */
export interface GradientAsymmetricMatchers<M = unknown> {
  /**
   * Matches a gradient (a value mirroring `at`) that agrees with finite differences of `loss` at `options.at`.
   * The loss must be synchronous: asymmetric matchers are.
   */
  numericalGradientOf<P>(loss: (params: P) => unknown, options: GradcheckOptions<P>): M
}

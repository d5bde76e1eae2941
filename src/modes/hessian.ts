import { InvalidArgumentError, describe } from '../errors.js'
import { type JacobianOptions, type JacobianReport, type RowsKind, checkRows } from './jacobian.js'

/**
 * The analytic side of a Hessian check: a Hessian-vector product `hvp(x, v)` = H·v, mirroring `at`, for
 * `v` mirroring `at`; or the full Hessian, one entry per coordinate of `at` (flattened as `at` is),
 * each mirroring `at`.
 */
export type HessianSpec<P> = readonly unknown[] | { hvp: (params: P, v: unknown) => unknown }

export type HessianOptions<P = unknown> = JacobianOptions<P>

/** A gradient mirrors `at`, so its coordinates keep `at`'s names: an entry reads `w[1] / w[2]`, ∂²L/∂w₁∂w₂. */
const HESSIAN: RowsKind = { of: 'Hessian', single: 'at', projection: 'u·grad', product: 'hvp' }

/**
 * Checks a Hessian against differences of the gradient: H is the Jacobian of `grad`, so this is the
 * Jacobian check of `grad` (jacobian.ts) — each sampled gradient coordinate is a scalar whose gradient
 * is a row of H, judged by the engine with the noise of `grad`'s values, then the seeded projection
 * u·grad covers every row at once. An HVP is read through its columns H·eⱼ.
 */
export function checkHessian<P>(grad: (params: P) => unknown, hessian: HessianSpec<P>, options: HessianOptions<P>): JacobianReport | Promise<JacobianReport> {
  if (typeof grad !== 'function') {
    throw new InvalidArgumentError(`Expected grad to be a function, got ${describe(grad)}. Pass the gradient function itself: \`expect(grad)\`, not its value.`)
  }
  const hvp = Array.isArray(hessian) ? undefined : (hessian as { hvp?: unknown } | null)?.hvp
  if (!Array.isArray(hessian) && typeof hvp !== 'function') {
    throw new InvalidArgumentError(`Expected the Hessian to be \`{ hvp }\` or an array (one entry per coordinate of \`at\`, each mirroring \`at\`), got ${describe(hessian)}.`)
  }
  const spec = Array.isArray(hessian) ? { full: hessian } : { jvp: hvp as (x: P, v: unknown) => unknown }
  return checkRows(grad, spec, options, HESSIAN)
}

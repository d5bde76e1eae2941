import { isThenable } from '../engine/drive.js'
import { InvalidArgumentError, ShapeMismatchError, describe } from '../errors.js'
import { flatten } from '../params/flatten.js'
import { type JacobianOptions, type JacobianReport, type RowsKind, checkRows } from './jacobian.js'

/**
 * The analytic side of a Hessian check: a Hessian-vector product `hvp(x, v)` = H·v, mirroring `at`, for
 * `v` mirroring `at`; or the full Hessian, one entry per coordinate of `at` (flattened as `at` is),
 * each mirroring `at`.
 */
export type HessianSpec<P> = readonly unknown[] | { hvp: (params: P, v: unknown) => unknown }

export type HessianOptions<P = unknown> = JacobianOptions<P>

/** A gradient mirrors `at`, so its coordinates keep `at`'s names: an entry reads `w[1] / w[2]`, ∂²L/∂w₁∂w₂. */
const HESSIAN: RowsKind = { of: 'Hessian', single: 'at', projection: 'u·grad' }

/**
 * Checks a Hessian against differences of the gradient: H is the Jacobian of `grad`, so this is the
 * Jacobian check of `grad` (jacobian.ts) — each sampled gradient coordinate gᵢ is a scalar whose
 * gradient is row i of H, judged by the engine with the noise of gᵢ's values, then the seeded
 * projection u·grad covers every row at once. H is symmetric (the second derivatives of a C² loss
 * commute), so an HVP is a VJP of `grad`: row i is hvp(x, eᵢ) and uᵀH is hvp(x, u) — one HVP call a
 * row, whatever the size of `at`.
 */
export function checkHessian<P>(grad: (params: P) => unknown, hessian: HessianSpec<P>, options: HessianOptions<P>): JacobianReport | Promise<JacobianReport> {
  if (typeof grad !== 'function') {
    throw new InvalidArgumentError(`Expected grad to be a function, got ${describe(grad)}. Pass the gradient function itself: \`expect(grad)\`, not its value.`)
  }
  const hvp = Array.isArray(hessian) ? undefined : (hessian as { hvp?: unknown } | null)?.hvp
  if (!Array.isArray(hessian) && typeof hvp !== 'function') {
    throw new InvalidArgumentError(`Expected the Hessian to be \`{ hvp }\` or an array (one entry per coordinate of \`at\`, each mirroring \`at\`), got ${describe(hessian)}.`)
  }
  // The coordinates of `at`, counted once: grad's value and the HVP's result must mirror `at`.
  const n = flatten(options.at, '`at`').blocks.reduce((s, b) => s + b.size, 0)
  if (Array.isArray(hessian)) return checkRows(grad, { full: hessian }, options, HESSIAN, n)
  // The engine would say the result does not mirror `at` as for any gradient; this names the HVP.
  const sized = (h: unknown): unknown => {
    const size = flatten(h, 'the result of the HVP').blocks.reduce((s, b) => s + b.size, 0)
    if (size !== n) {
      throw new ShapeMismatchError(`Expected the result of the HVP to mirror \`at\` (${n} numbers), got ${describe(h)} with ${size}. Return H·v, shaped like \`at\`.`)
    }
    return h
  }
  const checked = (x: P, v: unknown): unknown => {
    const h = (hvp as (x: P, v: unknown) => unknown)(x, v)
    return isThenable(h) ? Promise.resolve(h).then(sized) : sized(h)
  }
  return checkRows(grad, { vjp: checked }, options, HESSIAN, n)
}

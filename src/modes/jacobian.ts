import { checkGradients } from '../check.js'
import { isThenable } from '../engine/drive.js'
import { InvalidArgumentError, describe } from '../errors.js'
import type { GradcheckOptions } from '../options.js'
import { type Block, flatten, pathOf } from '../params/flatten.js'
import { random, sampleIndices } from '../random.js'
import { formatReport } from '../render/text.js'
import type { Entry, Report } from '../report/types.js'

/**
 * The analytic side of a Jacobian check: the full Jacobian — one entry per output coordinate (the
 * output flattened row-major), each mirroring `at` — or a vector–Jacobian product `vjp(x, u)` = uᵀJ,
 * mirroring `at`, for `u` shaped like the output.
 */
export type JacobianSpec<P> = readonly unknown[] | { vjp: (params: P, u: unknown) => unknown }

export interface JacobianOptions<P = unknown> extends GradcheckOptions<P> {
  /** Output coordinates checked row by row: `'all'`, a number drawn with `seed`, or `'auto'` (all of up to 16, else 16). @default 'auto' */
  outputSample?: 'auto' | 'all' | number
}

/** One checked row of the Jacobian: the gradient check of output coordinate `output`, or of the seeded projection u·f. */
export interface JacobianRow {
  output: string
  report: Report
}

export interface JacobianReport {
  pass: boolean
  /** The rows checked one by one, then the projection u·f (`output: 'u·f'`) that covers every output at once. */
  rows: JacobianRow[]
  /** Every entry, its path naming output and input: `logits[3] / w[1,2]`. */
  entries: Entry[]
  worst: Entry[]
  evaluations: number
}

const AUTO_OUTPUTS = 16

type MaybePromise<T> = T | Promise<T>
const then = <A, B>(v: MaybePromise<A>, k: (a: A) => MaybePromise<B>): MaybePromise<B> => (isThenable(v) ? Promise.resolve(v).then(k) : k(v as A))
const all = <T>(vs: MaybePromise<T>[]): MaybePromise<T[]> => (vs.some(isThenable) ? Promise.all(vs) : (vs as T[]))

/** The output coordinates of a value of f, flattened; a single tensor is named `f`. */
function outputs(value: unknown): { blocks: readonly Block[]; paths: string[] } {
  const flat = flatten(value, 'the output of f')
  const paths: string[] = []
  for (const b of flat.blocks) for (let i = 0; i < b.size; i++) paths.push(pathOf(b.name === 'at' ? 'f' : b.name, b.shape, i))
  return { blocks: flat.blocks, paths }
}

/** u shaped like the output: a copy of it with coordinate `o` (or all, from `weights`) set. */
function shaped(value: unknown, weights: (o: number) => number): unknown {
  const copy = typeof value === 'number' ? { value } : structuredClone(value)
  const blocks = flatten(typeof value === 'number' ? copy : copy, 'the output of f').blocks
  let o = 0
  for (const b of blocks) for (let i = 0; i < b.size; i++) b.set(i, weights(o++))
  return typeof value === 'number' ? (copy as { value: number }).value : copy
}

const read = (value: unknown, o: number): number => {
  let j = 0
  for (const b of flatten(value, 'the output of f').blocks) {
    if (o < j + b.size) return b.get(o - j)
    j += b.size
  }
  return Number.NaN
}

/**
 * Checks a Jacobian through the gradient machinery. Each sampled output coordinate fᵢ is a scalar
 * loss whose gradient is row i of J (the full Jacobian's entry i, or vjp(x, eᵢ)): a wrong column shows
 * in every row, a wrong row in its own. Then the seeded projection u·f (u ±1 over the outputs), whose
 * gradient is uᵀJ = vjp(x, u) (or Σ uᵢ·Jᵢ): every output at once, so a wrong row that the row sample
 * left out still fails, as does a VJP that transposes a term only for some u.
 */
export function checkJacobian<P>(f: (params: P) => unknown, jacobian: JacobianSpec<P>, options: JacobianOptions<P>): MaybePromise<JacobianReport> {
  if (typeof f !== 'function') throw new InvalidArgumentError(`Expected f to be a function, got ${describe(f)}. Pass the function itself: \`expect(f)\`.`)
  const vjp = !Array.isArray(jacobian) && typeof (jacobian as { vjp?: unknown }).vjp === 'function' ? (jacobian as { vjp: (x: P, u: unknown) => unknown }).vjp : undefined
  if (vjp === undefined && !Array.isArray(jacobian)) {
    throw new InvalidArgumentError(`Expected the Jacobian to be an array (one entry per output coordinate, each mirroring \`at\`) or \`{ vjp }\`, got ${describe(jacobian)}.`)
  }
  const full = (vjp === undefined ? jacobian : []) as readonly unknown[]
  const { outputSample = 'auto', ...rest } = options
  const base = rest as GradcheckOptions<P>
  return then(f(options.at), (value) => {
    const { paths } = outputs(value)
    if (vjp === undefined && full.length !== paths.length) {
      throw new InvalidArgumentError(`Expected the Jacobian to have one entry per output coordinate (${paths.length}), got ${full.length}. Flatten the output row-major.`)
    }
    const count = outputSample === 'all' ? paths.length : outputSample === 'auto' ? AUTO_OUTPUTS : outputSample
    const rows = sampleIndices(paths.length, count, random((options.seed ?? 1849) ^ 0x27d4eb2f))
    const next = random((options.seed ?? 1849) ^ 0x165667b1)
    const u = paths.map(() => (next() < 0.5 ? -1 : 1))
    const rowGrad = (o: number) => (x: P) => (vjp ? vjp(x, shaped(value, (j) => (j === o ? 1 : 0))) : full[o])
    const projected = (x: P): unknown => {
      if (vjp) return vjp(x, shaped(value, (j) => u[j]!))
      // Σ uᵢ·Jᵢ, mirroring `at`: summed block by block.
      const first = structuredClone(full[0]) as object
      const target = flatten(first, 'the Jacobian').blocks
      const sources = full.map((row) => flatten(row, 'the Jacobian').blocks)
      target.forEach((b, k) => {
        for (let i = 0; i < b.size; i++) b.set(i, sources.reduce((s, src, j) => s + u[j]! * src[k]!.get(i), 0))
      })
      return first
    }
    const checks: { output: string; loss: (x: P) => MaybePromise<number>; grad: (x: P) => unknown }[] = [
      ...rows.map((o) => ({ output: paths[o]!, loss: (x: P) => then(f(x), (v) => read(v, o)), grad: rowGrad(o) })),
      { output: 'u·f', loss: (x: P) => then(f(x), (v) => u.reduce((s, w, j) => s + w * read(v, j), 0)), grad: projected },
    ]
    // One after another: calls stay sequential, async or not.
    const results: MaybePromise<JacobianRow>[] = []
    let chain: MaybePromise<void> = undefined
    for (const c of checks) {
      const row: MaybePromise<JacobianRow> = then(chain, () => then(checkGradients(c.loss as (x: P) => number, c.grad as (x: P) => object, base), (report) => ({ output: c.output, report })))
      results.push(row)
      chain = then(row, () => undefined)
    }
    return then(all(results), summarizeRows)
  })
}

function summarizeRows(rows: JacobianRow[]): JacobianReport {
  const entries = rows.flatMap((r) => r.report.entries.map((e) => ({ ...e, path: `${r.output} / ${e.path}` })))
  const badness = (e: Entry): number => (Number.isNaN(e.absoluteError / e.tolerance) ? Infinity : e.absoluteError / e.tolerance)
  const worst = [...entries].sort((x, y) => Number(y.failed) - Number(x.failed) || badness(y) - badness(x)).slice(0, rows[0]?.report.options.worst ?? 5)
  return { pass: rows.every((r) => r.report.pass), rows, entries, worst, evaluations: rows.reduce((s, r) => s + r.report.evaluations, 0) }
}

/** The message of a Jacobian check: a headline, then the report of each failing row with its paths naming output and input. */
export function formatJacobianReport(r: JacobianReport): string {
  const failing = r.rows.filter((x) => !x.report.pass)
  const head = r.pass
    ? `✓ all ${r.rows.length - 1} checked rows of the Jacobian and the projection u·f agree (${r.evaluations} calls of f)`
    : `✗ ${failing.length} of ${r.rows.length} checks of the Jacobian disagree (${failing.map((x) => x.output).join(', ')})`
  const body = failing.map((x) => `── ${x.output} ──\n${formatReport({ ...x.report, worst: x.report.worst.map((e) => ({ ...e, path: `${x.output} / ${e.path}` })) })}`)
  return [head, ...body].join('\n\n')
}

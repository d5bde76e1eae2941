import { checkAlong, checkGradients } from '../check.js'
import { Perturbation } from '../engine/calls.js'
import type { Direction } from '../engine/direction.js'
import { isThenable } from '../engine/drive.js'
import { CallError, GradcheckError, InvalidArgumentError, ShapeMismatchError, describe } from '../errors.js'
import { AUTO_SAMPLE, type GradcheckOptions } from '../options.js'
import { AdaptedBlock } from '../params/adapters.js'
import { type Block, flatten, pathOf } from '../params/flatten.js'
import { random, sampleIndices } from '../random.js'
import { formatReport } from '../render/text.js'
import { worstOf } from '../report/summary.js'
import type { Entry, Report } from '../report/types.js'

/**
 * The analytic side of a Jacobian check: the full Jacobian — one entry per output coordinate (the
 * output flattened row-major), each mirroring `at` — a vector–Jacobian product `vjp(x, u)` = uᵀJ,
 * mirroring `at`, for `u` shaped like the output, or a Jacobian–vector product `jvp(x, v)` = J·v,
 * shaped like the output, for `v` mirroring `at`.
 */
export type JacobianSpec<P> = readonly unknown[] | { vjp: (params: P, u: unknown) => unknown } | { jvp: (params: P, v: unknown) => unknown }

export interface JacobianOptions<P = unknown> extends GradcheckOptions<P> {
  /** Output coordinates checked row by row: `'all'`, a number drawn with `seed`, or `'auto'` (all of up to 16, else 16). @default 'auto' */
  outputSample?: 'auto' | 'all' | number
}

/** One checked row: the gradient check of output coordinate `output`, or of the seeded projection (`u·f`, `u·grad`). */
export interface JacobianRow {
  output: string
  report: Report
}

export interface JacobianReport {
  /** What was checked: a Jacobian of `f`, or the Hessian as the Jacobian of `grad`. */
  of: 'Jacobian' | 'Hessian'
  pass: boolean
  /** The rows checked one by one, then the projection (`output: 'u·f'`, for a Hessian `'u·grad'`) that covers every output at once. */
  rows: JacobianRow[]
  /** Every entry, its path naming output and input: `logits[3] / w[1,2]` (a Hessian's `w[1] / w[2]`). */
  entries: Entry[]
  worst: Entry[]
  evaluations: number
}

const AUTO_OUTPUTS = 16

type MaybePromise<T> = T | Promise<T>
const then = <A, B>(v: MaybePromise<A>, k: (a: A) => MaybePromise<B>): MaybePromise<B> => (isThenable(v) ? Promise.resolve(v).then(k) : k(v as A))
const all = <T>(vs: MaybePromise<T>[]): MaybePromise<T[]> => (vs.some(isThenable) ? Promise.all(vs) : (vs as T[]))

/** How a check of rows names what it checks: a Jacobian of `f`, or a Hessian as the Jacobian of `grad`. */
export interface RowsKind {
  of: 'Jacobian' | 'Hessian'
  /** The name of an output that is a single tensor (`f`; a gradient keeps `at`'s names, as it mirrors `at`). */
  single: string
  /** The seeded projection's name. */
  projection: string
}

const JACOBIAN: RowsKind = { of: 'Jacobian', single: 'f', projection: 'u·f' }

/** The output coordinates of a value of f, flattened; a single tensor is named `kind.single`. */
function outputs(value: unknown, kind: RowsKind): { blocks: readonly Block[]; paths: string[] } {
  const flat = flatten(value, 'the output of f')
  const paths: string[] = []
  for (const b of flat.blocks) for (let i = 0; i < b.size; i++) paths.push(pathOf(b.name === 'at' ? kind.single : b.name, b.shape, i))
  return { blocks: flat.blocks, paths }
}

/**
 * A deep copy of a tensor structure with the value's own constructors: under Jest's vm, structuredClone
 * makes typed arrays of another realm, which `flatten` does not recognise as tensors.
 */
function copyOf(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return (value as Float64Array).slice()
  if (Array.isArray(value)) return value.map(copyOf)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyOf(v)]))
  return value
}

/** u shaped like the output: a copy of it with coordinate `o` (or all, from `weights`) set. */
function shaped(value: unknown, weights: (o: number) => number): unknown {
  const copy = typeof value === 'number' ? { value } : copyOf(value)
  const blocks = flatten(copy, 'the output of f').blocks
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

/** The path of every coordinate of `at`, flattened as the engine flattens it. */
const inputPaths = (blocks: readonly Block[]): string[] => blocks.flatMap((b) => Array.from({ length: b.size }, (_, i) => pathOf(b.name, b.shape, i)))

/** `at`'s tensors for a JVP, which receives `v` as a copy of `at`: plain arrays only. */
function plainBlocks(at: unknown): readonly Block[] {
  const blocks = flatten(at, '`at`').blocks
  const adapted = blocks.find((b) => b instanceof AdaptedBlock)
  if (adapted !== undefined) {
    throw new InvalidArgumentError(`Expected \`at\` to hold plain arrays for \`{ jvp }\`, got an adapted tensor (\`${adapted.name}\`). Pass the full Jacobian instead, or \`at\` as Float64Arrays.`)
  }
  return blocks
}

/** Which JVP call it is, in the words of its errors: its number, `v` described, and the coordinate a CallError names. */
interface JvpCall {
  n: number
  where: string
  coordinate: string | undefined
  /** Run on the result before anything else reads it. */
  before?: () => void
  /** Run on any failure of the call, before its error is thrown. */
  failed?: () => void
}

/**
 * One JVP call: J·v flattened over the `count` outputs. A result of another size is a ShapeMismatchError,
 * and the user's own error a CallError naming the call and `v` (errors of gradcheck's pass as they are).
 */
function callJvp<P>(jvp: (params: P, v: unknown) => unknown, at: P, v: unknown, count: number, c: JvpCall): MaybePromise<Float64Array> {
  const wrap = (error: unknown): never => {
    c.failed?.()
    throw error instanceof GradcheckError ? error : new CallError(`The JVP threw on call ${c.n} (${c.where}): ${error instanceof Error ? error.message : String(error)}`, c.n, c.coordinate, { cause: error })
  }
  const store = (value: unknown): Float64Array => {
    c.before?.()
    const result = flatten(value, 'the result of the JVP').blocks
    const size = result.reduce((s, b) => s + b.size, 0)
    if (size !== count) {
      throw new ShapeMismatchError(`Expected the result of the JVP to be shaped like the output of f (${count} numbers), got ${describe(value)} with ${size} (${c.where}). Return J·v, one value per output coordinate.`)
    }
    const jv = new Float64Array(count)
    let o = 0
    for (const b of result) for (let i = 0; i < b.size; i++) jv[o++] = b.get(i)
    return jv
  }
  try {
    const value = jvp(at, v)
    return isThenable(value) ? Promise.resolve(value).then(store).catch(wrap) : store(value)
  } catch (error) {
    return wrap(error)
  }
}

/**
 * The full Jacobian from a JVP: its columns J·eⱼ, one call per coordinate of `at`, in sequence, put
 * together as rows mirroring `at`. Column j is the very derivative the rows' checks compare with the
 * difference along coordinate j, so everything the full Jacobian is checked for (rows, the projection,
 * localisation to single entries) holds for the JVP. `at` is only read: a JVP that writes to it is an error.
 */
function jacobianFromJvp<P>(jvp: (params: P, v: unknown) => unknown, at: P, count: number): MaybePromise<unknown[]> {
  const blocks = plainBlocks(at)
  const snapshot = new Perturbation(blocks)
  const paths = inputPaths(blocks)
  const n = paths.length
  const matrix = new Float64Array(count * n)
  const column = (j: number): MaybePromise<void> => {
    const call: JvpCall = {
      n: j + 1,
      where: `v = 1 at \`${paths[j]}\`, 0 elsewhere`,
      coordinate: paths[j],
      before: () => snapshot.assertUnchanged('jvp'),
      // Whatever the JVP wrote before it threw (or was found writing), the user gets `at` back bit for bit.
      failed: () => snapshot.restoreAll(),
    }
    return then(callJvp(jvp, at, shaped(at, (i) => (i === j ? 1 : 0)), count, call), (jv) => {
      for (let o = 0; o < count; o++) matrix[o * n + j] = jv[o]!
    })
  }
  let chain: MaybePromise<void> = undefined
  for (let j = 0; j < n; j++) chain = then(chain, () => column(j))
  return then(chain, () => Array.from({ length: count }, (_, o) => shaped(at, (j) => matrix[o * n + j]!)))
}

/**
 * Whether a JVP is checked along directions rather than through its columns: at `mode: 'directional'`,
 * or `'auto'` once a tensor of `at` is larger than the per-tensor sample (where `'auto'` would cover
 * coordinates by directions anyway). Within the sample, or at `'full'`, the columns are the check.
 */
function alongJvp(options: JacobianOptions): boolean {
  const mode = options.mode ?? 'auto'
  if (mode === 'full') return false
  if (mode === 'directional') return true
  const sample = options.sample === 'all' ? Infinity : options.sample === undefined || options.sample === 'auto' ? AUTO_SAMPLE : options.sample
  return flatten(options.at, '`at`').blocks.some((b) => b.size > sample)
}

/** J·v for a direction of the engine, flattened over the outputs: one JVP call, or none for a direction already asked. */
type JvpAlong = (d: Direction) => MaybePromise<Float64Array>

/**
 * A JVP as derivatives along the engine's directions, for every row at once: each row's check asks
 * for the same directions (a seeded random one per tensor, the same parts and coordinates where their
 * localisation agrees), so J·v is kept per direction and a second row reads it without a call.
 */
function jvpAlong<P>(jvp: (params: P, v: unknown) => unknown, at: P, count: number): JvpAlong {
  const blocks = plainBlocks(at)
  const offsets = blocks.map((_, k) => blocks.slice(0, k).reduce((s, b) => s + b.size, 0))
  const total = blocks.reduce((s, b) => s + b.size, 0)
  const known = new Map<string, { d: Direction; jv: Float64Array }>()
  const same = (a: Direction, b: Direction): boolean => a.k === b.k && a.indices.length === b.indices.length && a.indices.every((i, j) => i === b.indices[j] && a.v[j] === b.v[j])
  let calls = 0
  return (d) => {
    const key = `${d.k}:${d.indices[0]}:${d.indices.length}:${d.v[0]}`
    const hit = known.get(key)
    if (hit !== undefined && same(hit.d, d)) return hit.jv
    const flat = new Float64Array(total)
    for (let j = 0; j < d.indices.length; j++) flat[offsets[d.k]! + d.indices[j]!] = d.v[j]!
    const where = d.indices.length === 1 ? `v = 1 at \`${pathOf(blocks[d.k]!.name, blocks[d.k]!.shape, d.indices[0]!)}\`, 0 elsewhere` : `v along ${d.indices.length} coordinates of \`${blocks[d.k]!.name}\``
    return then(callJvp(jvp, at, shaped(at, (i) => flat[i]!), count, { n: ++calls, where, coordinate: where }), (jv) => {
      known.set(key, { d, jv })
      return jv
    })
  }
}

/**
 * Checks a Jacobian through the gradient machinery. Each sampled output coordinate fᵢ is a scalar
 * loss whose gradient is row i of J (the full Jacobian's entry i, or vjp(x, eᵢ)): a wrong column shows
 * in every row, a wrong row in its own. Then the seeded projection u·f (u ±1 over the outputs), whose
 * gradient is uᵀJ = vjp(x, u) (or Σ uᵢ·Jᵢ): every output at once, so a wrong row that the row sample
 * left out still fails, as does a VJP that transposes a term only for some u. A JVP within the per-tensor
 * sample is checked through the full Jacobian its columns make (`jacobianFromJvp`); beyond it, each row
 * is a directional check whose derivative along v is (J·v)ᵢ or u·(J·v), one JVP call per direction
 * shared by every row (`jvpAlong`): O(tensors) calls when it passes, O(log n) more to localise a bug.
 */
export function checkJacobian<P>(f: (params: P) => unknown, jacobian: JacobianSpec<P>, options: JacobianOptions<P>): MaybePromise<JacobianReport> {
  if (typeof f !== 'function') throw new InvalidArgumentError(`Expected f to be a function, got ${describe(f)}. Pass the function itself: \`expect(f)\`.`)
  const product = (name: 'vjp' | 'jvp') => (typeof jacobian === 'object' && jacobian !== null && !Array.isArray(jacobian) && typeof (jacobian as Record<string, unknown>)[name] === 'function' ? ((jacobian as Record<string, unknown>)[name] as (x: P, w: unknown) => unknown) : undefined)
  const vjp = product('vjp')
  const jvp = product('jvp')
  if (vjp === undefined && jvp === undefined && !Array.isArray(jacobian)) {
    throw new InvalidArgumentError(`Expected the Jacobian to be an array (one entry per output coordinate, each mirroring \`at\`), \`{ vjp }\` or \`{ jvp }\`, got ${describe(jacobian)}.`)
  }
  return checkRows(f, Array.isArray(jacobian) ? { full: jacobian } : vjp ? { vjp } : { jvp: jvp! }, options, JACOBIAN)
}

/** The analytic side, sorted out: the full rows, a VJP or a JVP. */
export type Rows<P> = { full: readonly unknown[] } | { vjp: (x: P, u: unknown) => unknown } | { jvp: (x: P, v: unknown) => unknown }

/**
 * The check behind `checkJacobian` and `checkHessian`: the rows of f's Jacobian, one by one, and the
 * seeded projection. `mirrors`, for a Hessian: the number of coordinates of `at`, which grad's value must have.
 */
export function checkRows<P>(f: (params: P) => unknown, spec: Rows<P>, options: JacobianOptions<P>, kind: RowsKind, mirrors?: number): MaybePromise<JacobianReport> {
  const { outputSample = 'auto', ...rest } = options
  const base = rest as GradcheckOptions<P>
  return then(f(options.at), (value) => {
    const { paths } = outputs(value, kind)
    if (mirrors !== undefined && mirrors !== paths.length) {
      throw new ShapeMismatchError(`Expected grad to return a value mirroring \`at\` (${mirrors} numbers), got ${describe(value)} with ${paths.length}. Return the gradient of the loss, shaped like \`at\`.`)
    }
    if ('full' in spec && spec.full.length !== paths.length) {
      throw new InvalidArgumentError(
        kind.of === 'Hessian'
          ? `Expected the Hessian to have one entry per coordinate of \`at\` (${paths.length}), got ${spec.full.length}. Each entry is a row of the Hessian, mirroring \`at\`.`
          : `Expected the Jacobian to have one entry per output coordinate (${paths.length}), got ${spec.full.length}. Flatten the output row-major.`,
      )
    }
    if ('jvp' in spec && alongJvp(options)) return checkEachRow(f, value, paths, { jvp: jvpAlong(spec.jvp, options.at, paths.length) }, outputSample, base, kind)
    const full = 'jvp' in spec ? jacobianFromJvp(spec.jvp, options.at, paths.length) : 'full' in spec ? spec.full : []
    return then(full, (rows) => checkEachRow(f, value, paths, 'vjp' in spec ? { vjp: spec.vjp } : { full: rows }, outputSample, base, kind))
  })
}

function checkEachRow<P>(
  f: (params: P) => unknown,
  value: unknown,
  paths: string[],
  analytic: { vjp: (x: P, u: unknown) => unknown } | { full: readonly unknown[] } | { jvp: JvpAlong },
  outputSample: 'auto' | 'all' | number,
  base: GradcheckOptions<P>,
  kind: RowsKind,
): MaybePromise<JacobianReport> {
  const count = outputSample === 'all' ? paths.length : outputSample === 'auto' ? AUTO_OUTPUTS : outputSample
  const rows = sampleIndices(paths.length, count, random((base.seed ?? 1849) ^ 0x27d4eb2f))
  const next = random((base.seed ?? 1849) ^ 0x165667b1)
  const u = paths.map(() => (next() < 0.5 ? -1 : 1))
  const vjp = 'vjp' in analytic ? analytic.vjp : undefined
  const full = 'full' in analytic ? analytic.full : []
  const rowGrad = (o: number) => (x: P) => (vjp ? vjp(x, shaped(value, (j) => (j === o ? 1 : 0))) : full[o])
  const projected = (x: P): unknown => {
    if (vjp) return vjp(x, shaped(value, (j) => u[j]!))
    // Σ uᵢ·Jᵢ, mirroring `at`: summed block by block.
    const first = copyOf(full[0]) as object
    const target = flatten(first, 'the Jacobian').blocks
    const sources = full.map((row) => flatten(row, 'the Jacobian').blocks)
    target.forEach((b, k) => {
      for (let i = 0; i < b.size; i++) b.set(i, sources.reduce((s, src, j) => s + u[j]! * src[k]!.get(i), 0))
    })
    return first
  }
  const jvp = 'jvp' in analytic ? analytic.jvp : undefined
  // A row's check: against its gradient, or — a JVP's — directional, its derivative along v being
  // `weight` of J·v ((J·v)ₒ for row o, u·(J·v) for the projection), one call shared by every row.
  const check = (loss: (x: P) => MaybePromise<number>, grad: (x: P) => unknown, weight: (jv: Float64Array) => number) => (): MaybePromise<Report> =>
    jvp ? checkAlong(loss, { derivative: (d) => then(jvp(d), weight) }, base) : checkGradients(loss as (x: P) => number, grad as (x: P) => object, base)
  const projection = (v: unknown): number => u.reduce((s, w, j) => s + w * read(v, j), 0)
  const checks: { output: string; run: () => MaybePromise<Report> }[] = [
    ...rows.map((o) => ({ output: paths[o]!, run: check((x: P) => then(f(x), (v) => read(v, o)), rowGrad(o), (jv) => jv[o]!) })),
    { output: kind.projection, run: check((x: P) => then(f(x), projection), projected, (jv) => u.reduce((s, w, j) => s + w * jv[j]!, 0)) },
  ]
  // One after another: calls stay sequential, async or not.
  const results: MaybePromise<JacobianRow>[] = []
  let chain: MaybePromise<void> = undefined
  for (const c of checks) {
    const row: MaybePromise<JacobianRow> = then(chain, () => then(c.run(), (report) => ({ output: c.output, report })))
    results.push(row)
    chain = then(row, () => undefined)
  }
  return then(all(results), (checked) => summarizeRows(kind, checked))
}

function summarizeRows(kind: RowsKind, rows: JacobianRow[]): JacobianReport {
  const entries = rows.flatMap((r) => r.report.entries.map((e) => ({ ...e, path: `${r.output} / ${e.path}` })))
  const worst = worstOf(entries, rows[0]?.report.options.worst ?? 5)
  return { of: kind.of, pass: rows.every((r) => r.report.pass), rows, entries, worst, evaluations: rows.reduce((s, r) => s + r.report.evaluations, 0) }
}

/** The message of a Jacobian or Hessian check: a headline, then the report of each failing row with its paths naming output and input. */
export function formatJacobianReport(r: JacobianReport): string {
  const failing = r.rows.filter((x) => !x.report.pass)
  const projection = r.rows[r.rows.length - 1]!.output
  const head = r.pass
    ? `✓ all ${r.rows.length - 1} checked rows of the ${r.of} and the projection ${projection} agree (${r.evaluations} calls of ${r.of === 'Hessian' ? 'grad' : 'f'})`
    : `✗ ${failing.length} of ${r.rows.length} checks of the ${r.of} disagree (${failing.map((x) => x.output).join(', ')})`
  const received = (output: string) => (r.of === 'Hessian' ? { received: { call: 'grad call', value: `grad ${output}` } } : {})
  const body = failing.map((x) => `── ${x.output} ──\n${formatReport({ ...x.report, worst: x.report.worst.map((e) => ({ ...e, path: `${x.output} / ${e.path}` })) }, received(x.output))}`)
  return [head, ...body].join('\n\n')
}

import { DEFAULTS, type ResolvedOptions } from '../../src/options.js'
import type { BlockSummary, DirectionTest, Entry, Report, Step } from '../../src/report/types.js'

// Hand-built reports for the unit tests of the renderers (src/render/): a renderer is a pure function
// of a report, so each test builds only the fields it is about, with plain values it can predict.

/** A central difference at step h with value `central` and round-off bound `noise`. */
export const step = (h: number, central: number, extra: Partial<Step> = {}): Step => ({
  kind: 'central',
  h,
  central,
  forward: central,
  backward: central,
  noise: 0,
  finite: true,
  moved: true,
  ...extra,
})

/** A passing weight `w[i]` of tensor `w`, analytic = numeric = 1, one first difference. */
export const entry = (extra: Partial<Entry> = {}): Entry => {
  const index = extra.index ?? [0]
  const name = extra.name ?? 'w'
  return {
    path: `${name}[${index.join(',')}]`,
    name,
    index,
    value: 0.5,
    analytic: 1,
    numeric: 1,
    absoluteError: 0,
    relativeError: 0,
    sign: false,
    digits: { agree: 17, resolvable: 9 },
    tolerance: 1e-9,
    estimatedError: 1e-10,
    kink: false,
    verdict: 'ok',
    failed: false,
    reason: { kind: 'first-difference' },
    step: 1e-5,
    steps: [step(1e-5, 1)],
    ...extra,
  }
}

/** A failing weight: analytic 2, numeric 1 (|a − n| = 1, relative 0.5), flat over three steps. */
export const bug = (extra: Partial<Entry> = {}): Entry =>
  entry({
    analytic: 2,
    numeric: 1,
    absoluteError: 1,
    relativeError: 0.5,
    digits: { agree: 0, resolvable: 9 },
    verdict: 'bug',
    failed: true,
    reason: { kind: 'sweep', trend: 'flat' },
    steps: [step(1e-3, 1), step(2.5e-4, 1), step(6e-5, 1)],
    ...extra,
  })

export const block = (extra: Partial<BlockSummary> = {}): BlockSummary => ({
  name: 'w',
  shape: [1],
  size: 1,
  checked: 1,
  failed: 0,
  maxRelativeError: 0,
  normRatio: 0,
  scale: 1,
  ...extra,
})

export const direction = (extra: Partial<DirectionTest> = {}): DirectionTest => ({
  tensor: 'w',
  kind: 'random',
  size: 4,
  analytic: 1,
  numeric: 1,
  bound: 1e-9,
  verdict: 'ok',
  failed: false,
  kink: false,
  calls: 2,
  depth: 0,
  ...extra,
})

/** The resolved defaults (src/options.ts), with `sample` as resolved (512). */
export const options = (extra: Partial<ResolvedOptions> = {}): ResolvedOptions => ({ ...DEFAULTS, sample: 512, ...extra })

/**
 * A report of `entries` (default: one passing weight), with `checked`, `failed`, `pass` and `worst`
 * derived from them unless given, one block `w` over them, and a deterministic loss 7 ± 1e-15.
 */
export const report = (extra: Partial<Report> = {}): Report => {
  const entries = extra.entries ?? [entry()]
  const failed = entries.filter((e) => e.failed).length
  return {
    pass: failed === 0,
    checked: entries.length,
    failed,
    unverified: undefined,
    evaluations: 12,
    normRatio: 0,
    maxRelativeError: 0,
    worst: entries.filter((e) => e.failed),
    entries,
    directions: [],
    kinks: entries.filter((e) => e.kink),
    blocks: [block({ shape: [entries.length], size: entries.length, checked: entries.length, failed })],
    warnings: [],
    hints: [],
    seed: 1849,
    precision: 'float64',
    loss: { value: 7, noise: 1e-15, spread: 0, deterministic: true },
    options: options(),
    ...extra,
  }
}

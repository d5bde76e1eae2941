import type { ResolvedOptions } from '../options.js'
import type { Precision } from '../params/flatten.js'

/**
 * How one checked coordinate was judged:
 * - `ok`: the disagreement is within what the numerics explain;
 * - `bug`: it is well beyond the estimated numerical error;
 * - `kink`: `x ± step` straddles a non-differentiable point (accepted, skipped or failed as `kinks` says);
 * - `nondeterministic`: it disagrees, but the loss itself changes between calls at the same point;
 * - `inconclusive`: the numerical error is as large as the derivative, so nothing can be decided.
 */
export type Verdict = 'ok' | 'bug' | 'kink' | 'nondeterministic' | 'inconclusive'

/** One central difference the judgement used: the evidence a plot of |a − D(h)| against h is drawn from. */
export interface Step {
  /** `central` for a central difference with its halves; `forward` for a lone forward difference (`method: 'forward'`). */
  kind: 'central' | 'forward'
  /** The step actually taken (the mean of the two sides, as stored). */
  h: number
  /** (f(x+h) − f(x−h)) / 2h. */
  central: number
  /** (f(x+h) − f(x)) / h and (f(x) − f(x−h)) / h: they differ at a kink. */
  forward: number
  backward: number
  /** Bound on the round-off of `central`. */
  noise: number
  /** False where f was not finite at x ± h, or x ± h rounded back to x. */
  finite: boolean
  /** False where x ± h rounded back to x: the step is below the parameter's resolution. */
  moved: boolean
}

/** How |a − D(h)| moved as the step shrank: `falls` like h² (truncation), `grows` (round-off), or stays `flat` (a bug). */
export type Trend = 'falls' | 'grows' | 'flat'

/** Why an entry got its verdict, as data; the renderers put it in words. */
export type Reason =
  /** One central difference, within its prior bound: no sweep was needed. */
  | { kind: 'first-difference' }
  /** Judged from the step sweep; `trend` is absent when fewer than two steps were finite. */
  | { kind: 'sweep'; trend?: Trend }
  /** Inconclusive: the estimated error is as large as the derivative. */
  | { kind: 'weak'; error: number }
  /** Inconclusive: the loss is not finite at x ± step. */
  | { kind: 'not-finite'; step: number }
  /** Inconclusive: x ± step rounded back to x, so no step moved the parameter (a fixed `step` below its resolution). */
  | { kind: 'unmoved'; step: number }
  /** Next to a domain edge: judged from the one-sided differences of the `side` where f is finite, Richardson-extrapolated. */
  | { kind: 'one-sided'; side: 'forward' | 'backward' }
  /** A bug whatever the numeric value: the analytic derivative itself is NaN or ±∞. */
  | { kind: 'analytic-not-finite' }
  /** Inconclusive: f is still not smooth at the smallest step the sweep reached. */
  | { kind: 'not-smooth'; trend?: Trend }
  /**
   * At a kink `distance` from x (0: at x itself) straddled at `step`, with one-sided slopes `slopes`:
   * the analytic value was `accepted` (a subgradient), `skipped`, `failed` (kinks: 'fail'), or lies `outside` the slopes.
   */
  | { kind: 'kink'; distance: number; step: number; outcome: 'accepted' | 'skipped' | 'failed' | 'outside' }

export interface Entry {
  /** `"conv1.weight[2,0,1,1]"` */
  path: string
  /** The tensor: `"conv1.weight"` (`"at"` when `at` is a single tensor). */
  name: string
  /** Multi-index into the tensor (`[]` for a scalar). */
  index: number[]
  /** The parameter's value at `at`. */
  value: number
  analytic: number
  /** The finite-difference derivative (extrapolated where the step sweep ran). */
  numeric: number
  absoluteError: number
  /** |a − n| / max(|a|, |n|); 0 when both are 0. */
  relativeError: number
  /** True where analytic and numeric have opposite signs. */
  sign: boolean
  /**
   * The seed's question in its own terms: how many significant digits analytic and numeric share
   * (⌊−log₁₀ relativeError⌋), and how many this check can resolve for this weight (⌊−log₁₀(tolerance /
   * max(|a|, |n|))⌋). "3 of 11" is a bug; "3 of 3" is all the numerics can tell.
   */
  digits: { agree: number; resolvable: number }
  /** The bound |a − n| was held to. */
  tolerance: number
  /** The estimated error of `numeric`. */
  estimatedError: number
  kink: boolean
  /** At a kink: the one-sided slopes [min, max] an analytic value (a subgradient) may lie between. */
  slopes?: [number, number]
  verdict: Verdict
  /** True when this entry makes the check fail. */
  failed: boolean
  reason: Reason
  /** The first step tried for this coordinate (chosen from its scale and the loss's noise). */
  step: number
  /** Every difference evaluated for this coordinate, largest step first. */
  steps: Step[]
  /** Present when a failing direction led to this coordinate: `calls` spent localising in its tensor until then. */
  found?: { by: 'localisation'; calls: number }
}

/**
 * One directional test (modes/directional.ts): the loss differenced along a unit direction over
 * `size` coordinates of `tensor` — `random` (±1/√size), the tensor's own `gradient` direction, or a
 * `part` of a failing one met while localising — judged like one coordinate. An `inferred` part was
 * not measured: its disagreement is its parent's minus its measured sibling's (calls 0).
 */
export interface DirectionTest {
  tensor: string
  kind: 'random' | 'gradient' | 'part'
  size: number
  analytic: number
  numeric: number
  bound: number
  verdict: Verdict
  failed: boolean
  kink: boolean
  calls: number
  /** Halvings from the first direction (0 for it; −1 for a found coordinate measured as a direction of its own). */
  depth: number
  /** For a part: the kind of the first direction it was split from. */
  of?: 'random' | 'gradient'
  inferred?: boolean
}

/**
 * How a tensor's coordinates were covered: all one by one; a sample one by one and the rest
 * (unsampled) by a random direction; by directions only; or a sample alone (`mode: 'full'`).
 */
export type Coverage = 'coordinates' | 'sampled + directions' | 'directions' | 'sampled'

/** A summary per named tensor. */
export interface BlockSummary {
  name: string
  shape: number[]
  size: number
  checked: number
  failed: number
  maxRelativeError: number
  /** ‖a − n‖ / ‖a + n‖ over this tensor's checked coordinates. */
  normRatio: number
  /** The largest |analytic| over the whole tensor: the scale small entries are judged against. */
  scale: number
  /** How its coordinates were covered (absent: one by one, as `checked` says). */
  coverage?: Coverage
}

/** Something the reader should know even when the check passes, as data. */
export type Warning =
  /** `count` weights straddle a kink and were accepted as subgradients (or skipped); `paths` are the first few. */
  | { kind: 'kinks'; count: number; policy: 'subgradient' | 'skip'; paths: string[] }
  /**
   * `count` weights saw a NaN or ±∞ at a perturbed point (a domain edge, or a loss that fails at some
   * inputs), `paths` the first few; `probe` values of the noise probe around `at` were not finite either,
   * and `directions` values along directional tests (absent when none).
   */
  | { kind: 'non-finite'; count: number; paths: string[]; probe: number; directions?: number }
  /** `count` weights could not be decided; `path` is the first. */
  | { kind: 'inconclusive'; count: number; path: string }
  /** Calls at `at` differ by `spread`, within √u of the loss: counted as noise. */
  | { kind: 'spread'; spread: number }
  /** Every value of the loss is a float32: the check ran in float32 though `at` is float64. */
  | { kind: 'float32-loss' }
  /** Only `checked` of the `size` coordinates of tensor `name` were checked, drawn with `seed`. */
  | { kind: 'sampled'; name: string; checked: number; size: number; seed: number }
  /** `checked` of the `size` coordinates of `name` were checked one by one, the other `covered` by directional tests. */
  | { kind: 'covered'; name: string; checked: number; size: number; covered: number; directions: number }
  /** Localisation ran out of calls: at least `atLeast` coordinates of `name` disagree, `shown` of them found. */
  | { kind: 'localisation-capped'; name: string; atLeast: number; shown: number }
  /** Every part of a failing direction of `name` fails too: the tensor is wrong as a whole (`parts` parts). */
  | { kind: 'whole-tensor'; name: string; parts: number }
  /** A direction of `name` disagrees but no single coordinate was found that does (a tensor-wide error below one weight's noise). */
  | { kind: 'unlocalised'; name: string; direction: 'random' | 'gradient' | 'part'; relativeError: number }
  /**
   * The analytic derivative along a direction over `name` is not finite (`value`: NaN or ±∞; from a JVP, as a
   * gradient is checked finite before any call); `path`: the first coordinate found where it is not finite either.
   */
  | { kind: 'analytic-not-finite'; name: string; value: number; direction: 'random' | 'gradient' | 'part'; path?: string }
  /** A direction of `name` crosses kinks and its analytic value lies outside the one-sided slopes, but no coordinate of it disagrees. */
  | { kind: 'direction-kink'; name: string; count: number }

/** A pattern in the report that explains a failure, as data. */
export type Hint =
  /** analytic ≈ factor·numeric on all `count` significant entries of the tensors `names` (`name` the first). */
  | { kind: 'factor'; name: string; names: string[]; factor: number; count: number }
  /** The loss returned exactly its value at `at` for all `moves` of tensor `name`, yet `path`'s gradient is `analytic`: the loss does not read it. */
  | { kind: 'unread'; name: string; moves: number; path: string; analytic: number }
  /** The analytic gradient is 0 where the numeric one is not, on every failing entry (`count`; `path` the first). */
  | { kind: 'zero'; name: string; count: number; path: string; numeric: number }
  /** analytic[i, j] ≈ numeric[j, i] (or the transposed layout), on `pairs` entries. */
  | { kind: 'transposed'; name: string; pairs: number }
  /** Every failure of `name` lies at `indices` along `axis`; `border` when those are the first or last index. */
  | { kind: 'slice'; name: string; shape: number[]; axis: number; indices: number[]; border: boolean }
  /** numeric − analytic ≈ λ·w on every failing weight: λ > 0 a missing L2 term, λ < 0 an extra one. */
  | { kind: 'l2'; name: string; lambda: number }
  /** One weight of tensor `name` fails: `path`, off by `factor` (absent when the numeric value is 0); `alone` when no other tensor fails. */
  | { kind: 'single'; name: string; path: string; alone: boolean; factor?: number }
  /** The loss is not deterministic: calls at one point differ by `spread`. */
  | { kind: 'nondeterministic'; spread: number }
  /** `count` failing weights approach the analytic value as the step shrinks: the fixed `step` is too large. */
  | { kind: 'step'; count: number; step: number }
  /** A fixed `step` never moved the parameters: x ± step rounds back to x. */
  | { kind: 'step-too-small'; step: number }
  /** float32 round-off is as large as some derivatives. */
  | { kind: 'float32' }
  /**
   * A float64 check whose every failing weight is off by no more than float32 round-off of the analytic value
   * (ANALYTIC_ULPS float32 ulps; the largest `relativeError`): a backward pass computed in float32?
   */
  | { kind: 'float32-gradient'; count: number; relativeError: number }

export interface Report {
  pass: boolean
  checked: number
  failed: number
  /**
   * A check passes only on evidence. Where no derivative could be estimated for a whole tensor (a
   * fixed step below the parameters' resolution, a loss that is not finite around `at`), or for half
   * the checked weights or more, it fails though no weight disagrees: these are the tensors with no
   * estimate at all, and how many weights had none.
   */
  unverified: { tensors: string[]; unmeasured: number } | undefined
  /** Loss calls made. */
  evaluations: number
  /** ‖a − n‖ / ‖a + n‖ over every checked coordinate (UFLDL's figure of merit; ~1e-9 is typical when right). */
  normRatio: number
  maxRelativeError: number
  /** Entries, worst first (failing before passing, then by |a − n| ÷ tolerance), at most `options.worst`. */
  worst: Entry[]
  /** Every checked entry, in tensor order (then those found by localisation). */
  entries: Entry[]
  /** Every directional test (empty with `mode: 'full'`). */
  directions: DirectionTest[]
  /** Entries found at a kink, with their one-sided slopes and how they were judged. */
  kinks: Entry[]
  blocks: BlockSummary[]
  warnings: Warning[]
  hints: Hint[]
  seed: number
  precision: Precision
  /**
   * The loss at `at`; its estimated noise (absolute); how much calls at `at` differed; and whether
   * that is within round-off. A loss that is not deterministic fails the check: no verdict can be trusted.
   */
  loss: { value: number; noise: number; spread: number; deterministic: boolean }
  options: ResolvedOptions
}

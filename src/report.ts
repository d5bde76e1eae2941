import type { ResolvedOptions } from './options.js'
import type { Precision } from './params.js'

/**
 * How one checked coordinate was judged:
 * - `ok`: the disagreement is within what the numerics explain;
 * - `bug`: it is well beyond the estimated numerical error;
 * - `kink`: `x ± step` straddles a non-differentiable point (accepted, skipped or failed as `kinks` says);
 * - `nondeterministic`: it disagrees, but the loss itself changes between calls at the same point;
 * - `inconclusive`: the numerical error is as large as the derivative, so nothing can be decided.
 */
export type Verdict = 'ok' | 'bug' | 'kink' | 'nondeterministic' | 'inconclusive'

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
  /** Why, in words: "stays at 1.0e-2 as the step shrinks 4e-5 → 3e-6", "falls like h²: truncation". */
  note: string
  /** The step of the first central difference. */
  step: number
}

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
}

export interface Hint {
  /** `factor`, `zero`, `transposed`, `slice`, `l2`, `nondeterministic`, `step`, `float32` … */
  kind: string
  /** The tensor it is about, when it is about one. */
  name?: string
  message: string
}

export interface Report {
  pass: boolean
  checked: number
  failed: number
  /** Loss calls made. */
  evaluations: number
  /** ‖a − n‖ / ‖a + n‖ over every checked coordinate (UFLDL's figure of merit; ~1e-9 is typical when right). */
  normRatio: number
  maxRelativeError: number
  /** Entries, worst first (failing before passing, then by |a − n| ÷ tolerance), at most `options.worst`. */
  worst: Entry[]
  /** Every checked entry, in tensor order. */
  entries: Entry[]
  /** Entries found at a kink, with their one-sided slopes and how they were judged. */
  kinks: Entry[]
  blocks: BlockSummary[]
  warnings: string[]
  hints: Hint[]
  seed: number
  precision: Precision
  /**
   * The loss at `at`; its estimated noise (absolute); how much two calls at `at` differed; and whether
   * that is within round-off. A loss that is not deterministic fails the check: no verdict can be trusted.
   */
  loss: { value: number; noise: number; spread: number; deterministic: boolean }
  options: ResolvedOptions
}

// An adversarial generator of random smooth losses with EXACT analytic gradients, and of planted bugs.
//
//   makeCase(seed)            → a correct case: { name, at (a factory), loss, grad, precision, class, … }
//   plantSingle(case, seed)   → the same loss, one coordinate of the gradient × (1 + δ)
//   plantTensor(case, seed)   → the same loss, one whole tensor of the gradient wrong (×2, ×(−1), 0,
//                               transposed layout, a missing additive term)
//
// Everything is derived from one integer seed (mulberry32), so a case is replayed by its seed alone.
//
// THE LOSS. Every tensor k holds x = c_k + s_k·u with u = O(1) (|u| ≲ 2), a spread s_k ∈ 1e-4…1e4 and a
// centre c_k (0, or ±100…1000·s_k for "far-centred" tensors). The loss only sees u = (x − c_k)/s_k, so
// it varies on the scale s_k whatever |x| is:
//     L = K + M·σ·ψ(S(u)/σ) [+ Mv·(E[x²] − E[x]²)/s²]    with     S(u) = Σ_terms term(u)
// (K: a constant offset, M: the loss magnitude 1e-8…1e8, ψ: an outer smooth function), and, for the
// cancelling class, the big intermediates (A·g + L) − A·g, or x ← (x + C) − C elementwise, or the
// variance written as E[x²] − E[x]². Terms: elementwise Σ c_i φ(a_i u_i + b_i) with φ ∈ {z², tanh,
// softplus, log1p(z²), (z + ½)/(1 + z²), sin, exp, z³/3 − z}; sparse sine mixtures coupling
// coordinates and tensors; bilinear products across tensors; ½‖W v − t‖² (a matrix against a vector);
// exp of a weighted sum; products of per-tensor factors. Every function is smooth (C^∞) everywhere:
// no poles (denominators ≥ 1), no kinks (softplus and sigmoid branch on the sign of z only to stay
// accurate; both branches are the same analytic function).
//
// WHAT "CORRECT" MEANS. float64: `grad` is the exact derivative of the smooth function, evaluated in
// float64 (relative error ~1e-16 × the condition of the backward expressions, which are all benign:
// products, sums of same-signed terms or of O(1) terms). float32: the forward applies Math.fround
// after EVERY operation and the backward does too, as a float32 framework would. The float32 forward is
// then the smooth function plus round-off (a staircase of height ~u₃₂·|intermediates|), and `grad` is
// the exact (float64) derivative of the smooth function computed with float32 rounding at every op,
// i.e. within a few u₃₂ = 6e-8 (relative, times the condition of the backward expression) of the true
// derivative. A checker must accept it: it is what a correct float32 backward returns. It must not
// demand that `grad` match the slope of the staircase, which is not a derivative of anything. The
// cancelling intermediates have exact backward passes (the adjoint of (A·g + L) − A·g at g is A − A = 0
// exactly; that of (x + C) − C at x is 1·1), so the round-off of the big intermediates is in the loss
// only, as in real code.
//
// THE NOISE FLOOR of planted bugs (per tensor k). The loss's round-off is N ≈ ε·B, with ε = 2⁻⁵³
// (float64) or 2⁻²⁴ (float32) and B the largest intermediate magnitude (|L|, |K|, |A·g|, C·|∂L/∂x|·…,
// n·mean², Σ|terms|·|M|). The loss varies by F (= |M|·Σ|terms|, its non-constant part) on the scale
// s_k/a_k (a_k: the largest multiplier of u inside the tensor's terms), so |∂³L| ≈ F·a_k³/s_k³. The best
// central difference then errs by min_h (N/h + h²|∂³L|/6) ≈ (N)^(2/3)·(F a_k³)^(1/3)/s_k, and
//     floor_k = 10 · a_k · (ε·B)^(2/3) · F^(1/3) / s_k.
// With no big intermediate (B ≈ F) that is 10·ε^(2/3)·a_k·F/s_k: 2.3e-10 (float64) and 1.5e-4
// (float32) times the gradient scale F·a_k/s_k. A single-coordinate bug (1 + δ) needs |δ·g_i| ≥ 3·floor
// and |δ| ≥ 1e-6 (float64) / 1e-3 (float32, well above the float32 backward's own round-off); a whole
// tensor bug needs the change of the worst coordinate to be ≥ 10·floor.
import { random } from '../../src/random.js'

export type Precision = 'float64' | 'float32'
export type CaseClass =
  | 'well' // well-conditioned: moderate terms, no big intermediates
  | 'ill' // ill-conditioned compositions: exp of large arguments, saturated tanh/softplus, coefficients spread 1e-4…1e4, products across tensors
  | 'cancel-affine' // (A·g + L) − A·g
  | 'cancel-elementwise' // x ← (x + C) − C
  | 'cancel-variance' // E[x²] − E[x]² of a tensor with mean ≫ spread
  | 'far-centred' // tensors whose mean is 100…1000× their spread
  | 'offset' // L + K with |K| ≫ |L|
  | 'tiny' // one-element tensors and bare numbers, some exactly 0, some tiny

export const CLASSES: readonly CaseClass[] = ['well', 'ill', 'cancel-affine', 'cancel-elementwise', 'cancel-variance', 'far-centred', 'offset', 'tiny']

export type Form = 'number' | 'array' | 'nested' | 'f64' | 'f32' | 'datashape' | 'datashape32' | 'scalarshape'

export interface TensorInfo {
  /** The tensor's name as the report spells it (`entry.name`). */
  name: string
  form: Form
  shape: number[]
  size: number
  /** Spread s_k and centre c_k: x = c_k + s_k·u. */
  spread: number
  centre: number
  /** The absolute noise floor of its derivatives (see the header). */
  floor: number
  /** ε·B_k: the round-off of the loss (absolute) that moves of this tensor see. */
  noise: number
}

export interface Case {
  name: string
  seed: number
  class: CaseClass
  precision: Precision
  /** A fresh parameter structure each call. */
  at: () => unknown
  loss: (p: unknown) => number
  grad: (p: unknown) => unknown
  tensors: TensorInfo[]
  weights: number
  /** A one-line description of the loss, for replays. */
  spec: string
  /** Internal: flat reading and gradient wrapping, used to plant bugs. */
  internal: Internal
}

export interface Bug {
  name: string
  kind: 'single' | 'x2' | 'neg' | 'zero' | 'transposed' | 'missing'
  grad: (p: unknown) => unknown
  /** The guilty tensor (entry.name) and, for a single-coordinate bug, its flat index. */
  tensor: string
  index?: number
  delta?: number
}

// ---------------------------------------------------------------------------------------------- rng

export type Rng = () => number
/** The engine's own mulberry32, with the case seed spread over its state. */
export const rng = (seed: number): Rng => random((seed * 0x9e3779b1 + 0x7f4a7c15) >>> 0)
const uniform = (r: Rng, lo: number, hi: number): number => lo + (hi - lo) * r()
const logUniform = (r: Rng, lo: number, hi: number): number => 10 ** uniform(r, Math.log10(lo), Math.log10(hi))
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
const sign = (r: Rng): number => (r() < 0.5 ? -1 : 1)

// ---------------------------------------------------------------------------------------------- smooth pieces

type Round = (v: number) => number
type PhiName = 'sq' | 'tanh' | 'softplus' | 'log1psq' | 'rational' | 'sin' | 'exp' | 'cubic'
const PHIS: readonly PhiName[] = ['sq', 'tanh', 'softplus', 'log1psq', 'rational', 'sin', 'exp', 'cubic']

/** φ(z) and φ'(z), every operation rounded by r. */
function phi(name: PhiName, z: number, r: Round): [number, number] {
  switch (name) {
    case 'sq':
      return [r(z * z), r(2 * z)]
    case 'tanh': {
      const t = r(Math.tanh(z))
      return [t, r(1 - r(t * t))]
    }
    case 'softplus': {
      // log(1 + e^z), accurate on both sides; the same analytic function on both branches.
      const e = r(Math.exp(-Math.abs(z)))
      const v = r(r(Math.max(z, 0)) + r(Math.log1p(e)))
      const s = z >= 0 ? r(1 / r(1 + e)) : r(e / r(1 + e))
      return [v, s]
    }
    case 'log1psq': {
      const q = r(z * z)
      return [r(Math.log1p(q)), r(r(2 * z) / r(1 + q))]
    }
    case 'rational': {
      const d = r(1 + r(z * z))
      const n = r(z + 0.5)
      return [r(n / d), r(r(d - r(r(2 * z) * n)) / r(d * d))]
    }
    case 'sin':
      return [r(Math.sin(z)), r(Math.cos(z))]
    case 'exp': {
      const e = r(Math.exp(z))
      return [e, e]
    }
    case 'cubic': {
      const q = r(z * z)
      return [r(r(r(q * z) / 3) - z), r(q - 1)]
    }
  }
}

type Outer = 'id' | 'softplus' | 'log1psq' | 'sqrt1p' | 'tanh'
function outer(name: Outer, z: number, r: Round): [number, number] {
  switch (name) {
    case 'id':
      return [z, 1]
    case 'softplus':
      return phi('softplus', z, r)
    case 'log1psq':
      return phi('log1psq', z, r)
    case 'tanh':
      return phi('tanh', z, r)
    case 'sqrt1p': {
      const q = r(Math.sqrt(r(1 + r(z * z))))
      return [q, r(z / q)]
    }
  }
}

// ---------------------------------------------------------------------------------------------- terms

/** u: per tensor, the normalised coordinates; gu: the same shape, where a term adds its gradient. */
type U = Float64Array[]
interface Term {
  label: string
  /** Tensors it touches (for the "missing term" bug). */
  tensors: number[]
  f(u: U, r: Round): number
  g(u: U, r: Round, scale: number, gu: U): void
}

function elementwise(k: number, n: number, name: PhiName, r0: Rng, ill: boolean): Term {
  const c = Float64Array.from({ length: n }, () => sign(r0) * (ill ? logUniform(r0, 1e-4, 1e4) : uniform(r0, 0.3, 2)))
  const amp = name === 'exp' ? (ill ? 4 : 1) : ill && (name === 'tanh' || name === 'softplus' || name === 'sin') ? 6 : 1.5
  const a = Float64Array.from({ length: n }, () => sign(r0) * uniform(r0, 0.2, amp))
  const b = Float64Array.from({ length: n }, () => uniform(r0, -1, 1))
  return {
    label: `${name}(t${k})${ill ? '!' : ''}`,
    tensors: [k],
    f(u, r) {
      let s = 0
      const x = u[k]!
      for (let i = 0; i < n; i++) s = r(s + r(c[i]! * phi(name, r(r(a[i]! * x[i]!) + b[i]!), r)[0]))
      return s
    },
    g(u, r, scale, gu) {
      const x = u[k]!
      const out = gu[k]!
      for (let i = 0; i < n; i++) {
        const d = phi(name, r(r(a[i]! * x[i]!) + b[i]!), r)[1]
        out[i] = r(out[i]! + r(r(scale * c[i]!) * r(d * a[i]!)))
      }
    },
  }
}

/** Σ_j c_j sin(Σ_{(k,i)∈S_j} a u_{k,i} + φ_j): couples coordinates, and tensors. */
function sineMix(sizes: number[], r0: Rng, terms: number): Term {
  const js = Array.from({ length: terms }, () => {
    const m = int(r0, 1, 4)
    return {
      c: sign(r0) * uniform(r0, 0.3, 1.5),
      ph: uniform(r0, 0, 6.28),
      at: Array.from({ length: m }, () => {
        const k = int(r0, 0, sizes.length - 1)
        return { k, i: int(r0, 0, sizes[k]! - 1), a: sign(r0) * uniform(r0, 0.2, 1.2) }
      }),
    }
  })
  const arg = (j: (typeof js)[number], u: U, r: Round): number => {
    let z = j.ph
    for (const t of j.at) z = r(z + r(t.a * u[t.k]![t.i]!))
    return z
  }
  return {
    label: `sines×${terms}`,
    tensors: [...new Set(js.flatMap((j) => j.at.map((t) => t.k)))],
    f(u, r) {
      let s = 0
      for (const j of js) s = r(s + r(j.c * r(Math.sin(arg(j, u, r)))))
      return s
    },
    g(u, r, scale, gu) {
      for (const j of js) {
        const d = r(r(scale * j.c) * r(Math.cos(arg(j, u, r))))
        for (const t of j.at) gu[t.k]![t.i] = r(gu[t.k]![t.i]! + r(d * t.a))
      }
    },
  }
}

/** Σ_i c_i u_{k,i} u_{l,π(i)}: a product across tensors. */
function bilinear(k: number, l: number, sizes: number[], r0: Rng, ill: boolean): Term {
  const n = Math.max(sizes[k]!, sizes[l]!)
  const pairs = Array.from({ length: n }, (_, t) => ({
    i: t % sizes[k]!,
    j: int(r0, 0, sizes[l]! - 1),
    c: sign(r0) * (ill ? logUniform(r0, 1e-3, 1e3) : uniform(r0, 0.2, 1.5)),
  }))
  return {
    label: `bilinear(t${k},t${l})`,
    tensors: [k, l],
    f(u, r) {
      let s = 0
      for (const p of pairs) s = r(s + r(r(p.c * u[k]![p.i]!) * u[l]![p.j]!))
      return s
    },
    g(u, r, scale, gu) {
      for (const p of pairs) {
        const sc = r(scale * p.c)
        gu[k]![p.i] = r(gu[k]![p.i]! + r(sc * u[l]![p.j]!))
        gu[l]![p.j] = r(gu[l]![p.j]! + r(sc * u[k]![p.i]!))
      }
    },
  }
}

/** ½ w Σ_r (Σ_c W_rc v_c − t_r)², W the 2-D tensor k (R×C), v the first C entries of tensor l or fixed. */
function matvec(k: number, R: number, C: number, l: number | undefined, r0: Rng): Term {
  const fixed = Float64Array.from({ length: C }, () => uniform(r0, -1.5, 1.5))
  const t = Float64Array.from({ length: R }, () => uniform(r0, -2, 2))
  const w = uniform(r0, 0.2, 1) / Math.max(1, C)
  const vOf = (u: U): ArrayLike<number> => (l === undefined ? fixed : u[l]!)
  const residuals = (u: U, r: Round): Float64Array => {
    const W = u[k]!
    const v = vOf(u)
    const e = new Float64Array(R)
    for (let i = 0; i < R; i++) {
      let s = 0
      for (let j = 0; j < C; j++) s = r(s + r(W[i * C + j]! * v[j]!))
      e[i] = r(s - t[i]!)
    }
    return e
  }
  return {
    label: `matvec(t${k}${l === undefined ? '' : `,t${l}`})`,
    tensors: l === undefined ? [k] : [k, l],
    f(u, r) {
      const e = residuals(u, r)
      let s = 0
      for (let i = 0; i < R; i++) s = r(s + r(e[i]! * e[i]!))
      return r(r(0.5 * w) * s)
    },
    g(u, r, scale, gu) {
      const e = residuals(u, r)
      const W = u[k]!
      const v = vOf(u)
      const sw = r(scale * w)
      for (let i = 0; i < R; i++) {
        const d = r(sw * e[i]!)
        for (let j = 0; j < C; j++) {
          gu[k]![i * C + j] = r(gu[k]![i * C + j]! + r(d * v[j]!))
          if (l !== undefined) gu[l]![j] = r(gu[l]![j]! + r(d * W[i * C + j]!))
        }
      }
    },
  }
}

/** c·exp(Σ_i a_i u_{k,i}), the argument within ±amp. */
function expSum(k: number, n: number, r0: Rng, amp: number): Term {
  const a = Float64Array.from({ length: n }, () => (sign(r0) * uniform(r0, 0.2, 1) * amp) / (2 * Math.sqrt(n)))
  const c = sign(r0) * uniform(r0, 0.5, 2)
  const arg = (u: U, r: Round): number => {
    let z = 0
    for (let i = 0; i < n; i++) z = r(z + r(a[i]! * u[k]![i]!))
    return z
  }
  return {
    label: `exp(Σ t${k}; ${amp.toFixed(0)})`,
    tensors: [k],
    f: (u, r) => r(c * r(Math.exp(arg(u, r)))),
    g(u, r, scale, gu) {
      const d = r(r(scale * c) * r(Math.exp(arg(u, r))))
      for (let i = 0; i < n; i++) gu[k]![i] = r(gu[k]![i]! + r(d * a[i]!))
    },
  }
}

/** c·Π_k (1.5 + mean_i tanh(a_i u_{k,i})): a product across every tensor. */
function product(sizes: number[], r0: Rng): Term {
  const a = sizes.map((n) => Float64Array.from({ length: n }, () => sign(r0) * uniform(r0, 0.3, 2)))
  const c = sign(r0) * uniform(r0, 0.5, 2)
  const factors = (u: U, r: Round): number[] =>
    sizes.map((n, k) => {
      let s = 0
      for (let i = 0; i < n; i++) s = r(s + r(Math.tanh(r(a[k]![i]! * u[k]![i]!))))
      return r(1.5 + r(s / n))
    })
  return {
    label: `prod(${sizes.length})`,
    tensors: sizes.map((_, k) => k),
    f(u, r) {
      let p = c
      for (const q of factors(u, r)) p = r(p * q)
      return p
    },
    g(u, r, scale, gu) {
      const q = factors(u, r)
      sizes.forEach((n, k) => {
        let others = r(scale * c)
        q.forEach((v, l) => {
          if (l !== k) others = r(others * v)
        })
        const d = r(others / n)
        for (let i = 0; i < n; i++) {
          const t = r(Math.tanh(r(a[k]![i]! * u[k]![i]!)))
          gu[k]![i] = r(gu[k]![i]! + r(d * r(r(1 - r(t * t)) * a[k]![i]!)))
        }
      })
    },
  }
}

// ---------------------------------------------------------------------------------------------- parameter forms

interface Layout {
  /** A fresh structure holding `values` (flat, per tensor). */
  make(values: Float64Array[]): unknown
  /** The current values (flat, per tensor) of a structure made by `make`. */
  read(p: unknown): ArrayLike<number>[]
  /** The gradient, in the structure's own form. */
  wrap(g: Float64Array[]): unknown
}

interface LeafSpec {
  key: string
  form: Form
  shape: number[]
}

function leafMake(s: LeafSpec, v: Float64Array): unknown {
  switch (s.form) {
    case 'number':
      return v[0]!
    case 'array':
      return Array.from(v)
    case 'nested': {
      const [R, C] = s.shape as [number, number]
      return Array.from({ length: R }, (_, i) => Array.from(v.subarray(i * C, (i + 1) * C)))
    }
    case 'f64':
      return Float64Array.from(v)
    case 'f32':
      return Float32Array.from(v)
    case 'datashape':
      return { data: Float64Array.from(v), shape: [...s.shape] }
    case 'datashape32':
      return { data: Float32Array.from(v), shape: [...s.shape] }
    case 'scalarshape':
      return { data: [v[0]!], shape: [] }
  }
}

function leafRead(s: LeafSpec, p: unknown): ArrayLike<number> {
  switch (s.form) {
    case 'number':
      return [p as number]
    case 'array':
    case 'f64':
    case 'f32':
      return p as ArrayLike<number>
    case 'nested':
      return (p as number[][]).flat()
    case 'datashape':
    case 'datashape32':
    case 'scalarshape':
      return (p as { data: ArrayLike<number> }).data
  }
}

function leafName(container: 'root' | 'object' | 'nestedObject' | 'list', key: string, k: number): string {
  if (container === 'root') return 'at'
  if (container === 'list') return `[${k}]`
  return key
}

function layoutOf(container: 'root' | 'object' | 'nestedObject' | 'list', leaves: LeafSpec[]): Layout {
  const path = (key: string): string[] => key.split('.')
  return {
    make(values) {
      if (container === 'root') return leafMake(leaves[0]!, values[0]!)
      if (container === 'list') return leaves.map((s, k) => leafMake(s, values[k]!))
      const o: Record<string, unknown> = {}
      leaves.forEach((s, k) => {
        const ps = path(s.key)
        let h = o
        for (const q of ps.slice(0, -1)) h = (h[q] ??= {}) as Record<string, unknown>
        h[ps[ps.length - 1]!] = leafMake(s, values[k]!)
      })
      return o
    },
    read(p) {
      if (container === 'root') return [leafRead(leaves[0]!, p)]
      if (container === 'list') return leaves.map((s, k) => leafRead(s, (p as unknown[])[k]))
      return leaves.map((s) => {
        let h = p as Record<string, unknown>
        for (const q of path(s.key)) h = h[q] as Record<string, unknown>
        return leafRead(s, h)
      })
    },
    wrap(g) {
      return this.make(g)
    },
  }
}

// ---------------------------------------------------------------------------------------------- cases

export interface Internal {
  layout: Layout
  terms: Term[]
  /** The flat gradient at p, optionally without one term (a "missing additive term" bug). */
  flatGrad(p: unknown, without?: Term): Float64Array[]
  round: Round
  /** The smooth function in float64, without its big intermediates (no offset, no (A·g + L) − A·g, no (x + C) − C, a two-pass variance). */
  smooth(p: unknown): number
  /** The exact derivative of the smooth function in float64 at p (what a float32 `grad` rounds). */
  exactGrad(p: unknown): Float64Array[]
}

const EPS: Record<Precision, number> = { float64: 2 ** -53, float32: 2 ** -24 }

export function makeCase(seed: number, force?: { precision?: Precision; class?: CaseClass }): Case {
  const r0 = rng(seed)
  const precision: Precision = force?.precision ?? (r0() < 1 / 11 ? 'float32' : 'float64')
  const cls: CaseClass = force?.class ?? pickClass(r0)
  const f32 = precision === 'float32'
  // `let`: smooth() below evaluates the same closures with no rounding.
  // eslint-disable-next-line prefer-const
  let r: Round = f32 ? Math.fround : (v) => v
  const eps = EPS[precision]

  // -------- tensors: count, sizes, shapes, forms
  let T = int(r0, 1, 4)
  const total = Math.round(logUniform(r0, 1, 300.49))
  if (cls === 'cancel-variance' && total < 2) T = 1
  let sizes: number[]
  if (cls === 'tiny') {
    T = Math.max(T, 1)
    sizes = Array.from({ length: T }, (_, k) => (k === 0 || r0() < 0.4 ? 1 : int(r0, 1, Math.max(1, Math.round(total / T)))))
  } else {
    const w = Array.from({ length: T }, () => 0.2 + r0())
    const sw = w.reduce((a, b) => a + b, 0)
    sizes = w.map((x) => Math.max(1, Math.round((x / sw) * total)))
    if (cls === 'cancel-variance' && sizes[0]! < 2) sizes[0] = int(r0, 2, 40)
  }
  // rounding may overshoot 300 weights by a few: take them off the largest tensor
  while (sizes.reduce((a, b) => a + b, 0) > 300) {
    const k = sizes.indexOf(Math.max(...sizes))
    sizes[k]!--
  }
  const weights = sizes.reduce((a, b) => a + b, 0)
  const container: 'root' | 'object' | 'nestedObject' | 'list' = T === 1 ? pick(r0, ['root', 'root', 'object', 'list'] as const) : pick(r0, ['object', 'object', 'nestedObject', 'list'] as const)
  const KEYS = ['W', 'b', 'gamma', 'beta', 'emb', 'h0']
  const leaves: LeafSpec[] = sizes.map((n, k) => {
    let shape: number[] = [n]
    if (n > 3 && r0() < 0.45) {
      const divs = Array.from({ length: n }, (_, d) => d + 1).filter((d) => n % d === 0 && d > 1 && d < n)
      if (divs.length > 0) {
        const R = pick(r0, divs)
        shape = [R, n / R]
      }
    }
    const forms: Form[] = f32
      ? k === 0 || r0() < 0.8
        ? shape.length === 1 && n === 1 ? ['f32', 'datashape32'] : shape.length === 2 ? ['datashape32'] : ['f32', 'datashape32']
        : n === 1 ? ['number', 'array'] : shape.length === 2 ? ['nested'] : ['array']
      : n === 1
        ? container === 'root' ? ['number', 'array', 'f64', 'scalarshape', 'datashape'] : ['number', 'number', 'array', 'f64', 'scalarshape', 'datashape']
        : shape.length === 2 ? ['nested', 'datashape'] : ['array', 'f64', 'datashape']
    // A list whose first tensor is a plain (nested) array reads as one bigger nested array: the first
    // tensor of a list is a typed array or {data, shape}, as the README's "Parameters" require.
    const plain = new Set<Form>(['number', 'array', 'nested'])
    const allowed = container === 'list' && k === 0 ? forms.filter((f) => !plain.has(f)) : forms
    const form = pick(r0, allowed.length > 0 ? allowed : ['datashape'])
    if (form === 'number' || form === 'scalarshape') shape = []
    const key = container === 'nestedObject' ? `${pick(r0, ['layer1', 'layer2', 'head'])}.${KEYS[k]}` : KEYS[k]!
    return { key, form, shape, size: n }
  }) as (LeafSpec & { size: number })[]
  // a nested object may draw the same key twice: make keys unique
  const seen = new Set<string>()
  for (const l of leaves) {
    while (seen.has(l.key)) l.key = `${l.key}x`
    seen.add(l.key)
  }
  const layout = layoutOf(container, leaves)

  // -------- spreads, centres and the initial point
  const spread = sizes.map(() => (r0() < 0.25 ? 1 : logUniform(r0, 1e-4, 1e4)))
  const centre = sizes.map(() => 0)
  const farKs = new Set<number>()
  if (cls === 'far-centred') {
    for (let k = 0; k < T; k++) if (k === 0 || r0() < 0.5) farKs.add(k)
  }
  const kv = cls === 'cancel-variance' ? (f32 ? logUniform(r0, 2, 30) : logUniform(r0, 10, 1e4)) : 0
  for (let k = 0; k < T; k++) {
    if (farKs.has(k)) centre[k] = sign(r0) * (f32 ? logUniform(r0, 30, 300) : logUniform(r0, 100, 1000)) * spread[k]!
    if (cls === 'cancel-variance' && k === 0) centre[k] = sign(r0) * kv * spread[k]!
  }
  const zeroAt = new Set<number>() // tiny: one-element tensors exactly at 0
  const values = sizes.map((n, k) =>
    Float64Array.from({ length: n }, () => {
      if (cls === 'tiny' && n === 1 && r0() < 0.4) {
        zeroAt.add(k)
        return 0
      }
      const v = r(centre[k]! + spread[k]! * uniform(r0, -2, 2))
      return v
    }),
  )
  // a "zero" one-element tensor has centre 0 and u = 0 exactly
  for (const k of zeroAt) centre[k] = 0

  // -------- terms
  const ill = cls === 'ill'
  const terms: Term[] = []
  for (let k = 0; k < T; k++) {
    const nk = sizes[k]!
    const n2 = leaves[k]!.shape.length === 2 ? (leaves[k]!.shape as [number, number]) : undefined
    if (n2 && r0() < 0.7) {
      const l = T > 1 && r0() < 0.6 ? pickOther(r0, k, sizes, n2[1]) : undefined
      terms.push(matvec(k, n2[0], n2[1], l, r0))
    }
    const m = int(r0, 1, 2)
    for (let j = 0; j < m; j++) terms.push(elementwise(k, nk, pick(r0, PHIS), r0, ill && r0() < 0.7))
    if (ill && r0() < 0.5) terms.push(expSum(k, nk, r0, f32 ? uniform(r0, 2, 6) : uniform(r0, 3, 12)))
  }
  if (r0() < 0.6) terms.push(sineMix(sizes, r0, Math.max(1, Math.round(weights / int(r0, 1, 4)))))
  if (T > 1 && r0() < 0.6) {
    const k = int(r0, 0, T - 1)
    const l = (k + int(r0, 1, T - 1)) % T
    terms.push(bilinear(k, l, sizes, r0, ill))
  }
  if (T > 1 && (ill ? r0() < 0.7 : r0() < 0.2)) terms.push(product(sizes, r0))

  const outerName: Outer = ill ? pick(r0, ['softplus', 'log1psq', 'sqrt1p', 'tanh', 'id'] as const) : r0() < 0.6 ? 'id' : pick(r0, ['softplus', 'log1psq', 'sqrt1p', 'tanh'] as const)

  // -------- the cancelling/offset/variance machinery
  const cancelC = sizes.map((_, k) =>
    cls === 'cancel-elementwise' && (k === 0 || r0() < 0.5) ? sign(r0) * (f32 ? logUniform(r0, 3, 300) : logUniform(r0, 100, 1e7)) * spread[k]! : 0,
  )
  const affineKappa = cls === 'cancel-affine' ? (f32 ? logUniform(r0, 3, 300) : logUniform(r0, 100, 1e8)) : 0
  const affineCoef = sizes.map((n) => Float64Array.from({ length: n }, () => uniform(r0, -1, 1)))
  const offsetKappa = cls === 'offset' ? (f32 ? logUniform(r0, 3, 1000) : logUniform(r0, 10, 1e7)) : 0
  const varianceWeight = cls === 'cancel-variance' ? sign(r0) * uniform(r0, 0.3, 3) : 0

  const normalise = (xs: ArrayLike<number>[], clean = false): U =>
    xs.map((x, k) => {
      const n = sizes[k]!
      const u = new Float64Array(n)
      const C = clean ? 0 : cancelC[k]!
      for (let i = 0; i < n; i++) {
        const xi = C !== 0 ? r(r(x[i]! + C) - C) : x[i]!
        u[i] = r(r(xi - centre[k]!) / spread[k]!)
      }
      return u
    })
  const sumTerms = (u: U): number => {
    let s = 0
    for (const t of terms) s = r(s + t.f(u, r))
    return s
  }
  const absTerms = (u: U): number => terms.reduce((a, t) => a + Math.abs(t.f(u, (v) => v)), 0)

  const u0 = normalise(values)
  const S0 = sumTerms(u0)
  const sigma = Math.max(Math.abs(S0), 1) * (ill ? uniform(r0, 0.05, 1) : uniform(r0, 0.5, 3))
  const target = logUniform(r0, 1e-8, 1e8)
  const [psi0] = outer(outerName, S0 / sigma, (v) => v)
  const M = sign(r0) * (target / Math.max(Math.abs(sigma * psi0), 1e-3 * sigma))

  // variance term magnitude comparable to the rest (relative weight varianceWeight)
  const varK = 0
  const varScale = cls === 'cancel-variance' ? M * Math.abs(sigma) * varianceWeight : 0
  const variance = (x: ArrayLike<number>): number => {
    const n = sizes[varK]!
    let s1 = 0
    let s2 = 0
    for (let i = 0; i < n; i++) {
      s1 = r(s1 + x[i]!)
      s2 = r(s2 + r(x[i]! * x[i]!))
    }
    const m1 = r(s1 / n)
    return r(r(s2 / n) - r(m1 * m1))
  }
  const s2var = spread[varK]! * spread[varK]!
  const stableVariance = (x: ArrayLike<number>): number => {
    const n = sizes[varK]!
    let m = 0
    for (let i = 0; i < n; i++) m += x[i]!
    m /= n
    let v = 0
    for (let i = 0; i < n; i++) v += (x[i]! - m) ** 2
    return v / n
  }

  const core = (xs: ArrayLike<number>[], clean = false): number => {
    const u = normalise(xs, clean)
    const S = sumTerms(u)
    let L = r(r(M * sigma) * outer(outerName, r(S / sigma), r)[0])
    if (varScale !== 0) L = r(L + r(r(varScale * (clean ? stableVariance(xs[varK]!) : variance(xs[varK]!))) / s2var))
    return L
  }
  const L0 = core(values)
  const F = Math.abs(M) * Math.abs(sigma) * Math.max(absTerms(u0) / Math.abs(sigma), 1e-3) + Math.abs(varScale) * 2
  // the affine big term: A·g with g = Σ_k Σ_i q_ki u_ki + 3 (never 0 near `at`), |A·g| = κ·F
  const gAffine = (u: U): number => {
    let g = 3
    u.forEach((uk, k) => {
      for (let i = 0; i < uk.length; i++) g = r(g + r(affineCoef[k]![i]! * uk[i]!))
    })
    return g
  }
  const A = affineKappa !== 0 ? (affineKappa * F) / Math.max(Math.abs(gAffine(u0)), 1) : 0
  const K = offsetKappa !== 0 ? sign(r0) * offsetKappa * Math.max(Math.abs(L0), F) : 0

  const lossFlat = (xs: ArrayLike<number>[]): number => {
    let L = core(xs)
    if (A !== 0) {
      const big = r(A * gAffine(normalise(xs)))
      L = r(r(big + L) - big)
    }
    if (K !== 0) L = r(K + L)
    return L
  }

  const flatGrad = (p: unknown, without?: Term): Float64Array[] => {
    const xs = layout.read(p)
    const u = normalise(xs)
    const S = sumTerms(u)
    const dpsi = outer(outerName, r(S / sigma), r)[1]
    const scale = r(M * dpsi)
    const gu = sizes.map((n) => new Float64Array(n))
    for (const t of terms) if (t !== without) t.g(u, r, scale, gu)
    const g = gu.map((guk, k) => {
      const out = new Float64Array(sizes[k]!)
      for (let i = 0; i < out.length; i++) out[i] = r(guk[i]! / spread[k]!)
      return out
    })
    if (varScale !== 0) {
      const x = xs[varK]!
      const n = sizes[varK]!
      let s1 = 0
      for (let i = 0; i < n; i++) s1 = r(s1 + x[i]!)
      const m1 = r(s1 / n)
      const c = r(r(r(2 * varScale) / n) / s2var)
      for (let i = 0; i < n; i++) g[varK]![i] = r(g[varK]![i]! + r(c * r(x[i]! - m1)))
    }
    return g
  }

  // -------- noise floors
  let B = Math.max(Math.abs(L0), F)
  if (A !== 0) B = Math.max(B, Math.abs(A * gAffine(u0)))
  if (K !== 0) B = Math.max(B, Math.abs(K))
  if (varScale !== 0) B = Math.max(B, (Math.abs(varScale) * kv * kv * Math.sqrt(sizes[varK]!)))
  const ampOf = (k: number): number => {
    let a = 1
    for (const t of terms) if (t.tensors.includes(k)) a = Math.max(a, /exp\(Σ/.test(t.label) ? 12 : t.label.endsWith('!') ? 6 : 2)
    if (outerName !== 'id' && sigma < Math.max(Math.abs(S0), 1)) a *= Math.max(Math.abs(S0), 1) / sigma
    return a
  }
  const tensors: TensorInfo[] = leaves.map((s, k) => {
    let Bk = B
    if (cancelC[k] !== 0) Bk = Math.max(Bk, Math.abs(cancelC[k]! / spread[k]!) * F)
    if (farKs.has(k) || (cls === 'cancel-variance' && k === 0)) Bk = Math.max(Bk, Math.abs(centre[k]! / spread[k]!) * F)
    return {
      name: leafName(container, s.key, k),
      form: s.form,
      shape: s.shape,
      size: sizes[k]!,
      spread: spread[k]!,
      centre: centre[k]!,
      floor: (10 * ampOf(k) * (eps * Bk) ** (2 / 3) * F ** (1 / 3)) / spread[k]!,
      noise: eps * Bk,
    }
  })

  const spec =
    `${cls} ${precision} ${container}{${tensors.map((t) => `${t.name}:${t.form}[${t.shape.join('×')}] s=${t.spread.toExponential(0)}${t.centre !== 0 ? ` c=${t.centre.toExponential(1)}` : ''}`).join(', ')}} ` +
    `L=${K !== 0 ? `${K.toExponential(1)} + ` : ''}${M.toExponential(1)}·${outerName}(${terms.map((t) => t.label).join(' + ')})` +
    `${varScale !== 0 ? ` + var(E[x²]−E[x]², mean/spread ${kv.toExponential(1)})` : ''}` +
    `${A !== 0 ? ` with (A·g + L) − A·g, κ=${affineKappa.toExponential(1)}` : ''}` +
    `${cancelC.some((c) => c !== 0) ? ` with (x + C) − C, C/s=${cancelC.map((c, k) => (c / spread[k]!).toExponential(0)).join('/')}` : ''}` +
    ` |L|≈${Math.abs(L0 + K).toExponential(1)}`

  // The smooth function itself, in float64 with no big intermediates: to verify `grad` (see verify.ts).
  const smooth = (p: unknown): number => {
    const saved = r
    r = (v) => v
    try {
      return core(layout.read(p), true)
    } finally {
      r = saved
    }
  }
  // The exact derivative (float64, no rounding, float32 storage read as is): how far a float32
  // backward's own round-off takes `grad` from it.
  const exactGrad = (p: unknown): Float64Array[] => {
    const saved = r
    r = (v) => v
    try {
      return flatGrad(p)
    } finally {
      r = saved
    }
  }
  const internal: Internal = { layout, terms, flatGrad, round: r, smooth, exactGrad }
  return {
    name: `${cls}/${precision}/${seed}`,
    seed,
    class: cls,
    precision,
    at: () => layout.make(values.map((v) => Float64Array.from(v))),
    loss: (p) => lossFlat(layout.read(p)),
    grad: (p) => layout.wrap(flatGrad(p)),
    tensors,
    weights,
    spec,
    internal,
  }
}

/** ~18 % ill-conditioned, ~25 % cancelling (the three kinds), the rest spread over the other classes. */
function pickClass(r0: Rng): CaseClass {
  const x = r0()
  if (x < 0.3) return 'well'
  if (x < 0.48) return 'ill'
  if (x < 0.565) return 'cancel-affine'
  if (x < 0.65) return 'cancel-elementwise'
  if (x < 0.735) return 'cancel-variance'
  if (x < 0.82) return 'far-centred'
  if (x < 0.91) return 'offset'
  return 'tiny'
}

function pickOther(r0: Rng, k: number, sizes: number[], need: number): number | undefined {
  const ok = sizes.map((n, l) => (l !== k && n >= need ? l : -1)).filter((l) => l >= 0)
  return ok.length > 0 ? pick(r0, ok) : undefined
}

// ---------------------------------------------------------------------------------------------- planted bugs

const maxAbs = (g: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < g.length; i++) m = Math.max(m, Math.abs(g[i]!))
  return m
}

/** One coordinate × (1 + δ), |δ·g_i| ≥ 3·floor and |δ| ≥ 1e-6 (float64) / 1e-3 (float32). Undefined when no tensor allows it. */
export function plantSingle(c: Case, seed: number): Bug | undefined {
  const r0 = rng(seed * 7 + 1)
  const g0 = c.internal.flatGrad(c.at())
  const dmin = c.precision === 'float32' ? 1e-3 : 1e-6
  const order = c.tensors.map((_, k) => k).sort(() => r0() - 0.5)
  for (const k of order) {
    const floor = c.tensors[k]!.floor
    const g = g0[k]!
    let delta = sign(r0) * logUniform(r0, dmin, 1)
    let cand = [...g.keys()].filter((i) => Math.abs(delta * g[i]!) >= 3 * floor)
    if (cand.length === 0) {
      const i = [...g.keys()].reduce((a, b) => (Math.abs(g[b]!) > Math.abs(g[a]!) ? b : a), 0)
      const need = (3 * floor) / Math.abs(g[i]!)
      if (!(need <= 1)) continue
      delta = Math.sign(delta) * Math.max(Math.abs(delta), need)
      cand = [i]
    }
    const i = pick(r0, cand)
    const d = delta
    const tensor = c.tensors[k]!.name
    return {
      name: `${c.name} single ${tensor}#${i} ×(1${d >= 0 ? '+' : ''}${d.toExponential(1)})`,
      kind: 'single',
      tensor,
      index: i,
      delta: d,
      grad: (p) => {
        const g = c.internal.flatGrad(p)
        g[k]![i] = c.internal.round(g[k]![i]! * (1 + d))
        return c.internal.layout.wrap(g)
      },
    }
  }
  return undefined
}

/** A whole tensor wrong: ×2, ×(−1), zero, transposed layout (2-D), or missing one additive term. */
export function plantTensor(c: Case, seed: number): Bug | undefined {
  const r0 = rng(seed * 13 + 5)
  const g0 = c.internal.flatGrad(c.at())
  const order = c.tensors.map((_, k) => k).sort(() => r0() - 0.5)
  const kinds: Bug['kind'][] = ['x2', 'neg', 'zero', 'transposed', 'missing']
  const first = int(r0, 0, kinds.length - 1)
  for (let t = 0; t < kinds.length; t++) {
    const kind = kinds[(first + t) % kinds.length]!
    for (const k of order) {
      const info = c.tensors[k]!
      const g = g0[k]!
      const need = 10 * info.floor
      let make: ((gk: Float64Array[], p: unknown) => void) | undefined
      if (kind === 'x2' || kind === 'neg' || kind === 'zero') {
        // the change is g, 2g or g: the largest must be ≥ 10 floors
        if (maxAbs(g) < need) continue
        const f = kind === 'x2' ? 2 : kind === 'neg' ? -1 : 0
        make = (gk) => {
          for (let i = 0; i < gk[k]!.length; i++) gk[k]![i] = c.internal.round(gk[k]![i]! * f)
        }
      } else if (kind === 'transposed') {
        if (info.shape.length !== 2) continue
        const [R, C] = info.shape as [number, number]
        const tr = (x: Float64Array): Float64Array => {
          const out = new Float64Array(R * C)
          for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) out[j * R + i] = x[i * C + j]!
          return out
        }
        const d = tr(g).map((v, i) => v - g[i]!)
        if (maxAbs(d) < need) continue
        make = (gk) => {
          gk[k] = tr(gk[k]!)
        }
      } else {
        const p0 = c.at()
        const term = c.internal.terms.filter((tm) => tm.tensors.includes(k)).find((tm) => {
          const without = c.internal.flatGrad(p0, tm)[k]!
          return maxAbs(without.map((v, i) => v - g[i]!)) >= need
        })
        if (!term) continue
        make = (gk, p) => {
          gk[k] = c.internal.flatGrad(p, term)[k]!
        }
        const tensor = info.name
        return {
          name: `${c.name} missing ${term.label} in ${tensor}`,
          kind,
          tensor,
          grad: (p) => {
            const gk = c.internal.flatGrad(p)
            make!(gk, p)
            return c.internal.layout.wrap(gk)
          },
        }
      }
      const tensor = info.name
      const m = make
      return {
        name: `${c.name} ${kind} ${tensor}`,
        kind,
        tensor,
        grad: (p) => {
          const gk = c.internal.flatGrad(p)
          m(gk, p)
          return c.internal.layout.wrap(gk)
        },
      }
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------- helpers for the tests

/** Every number leaf of a structure, in order (typed arrays, arrays, {data, shape}, objects, numbers). */
export function leavesOf(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v)
  else if (ArrayBuffer.isView(v)) out.push(...Array.from(v as unknown as ArrayLike<number>))
  else if (Array.isArray(v)) v.forEach((x) => leavesOf(x, out))
  else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) leavesOf((v as Record<string, unknown>)[k], out)
  return out
}

/** True when every number of a and b is the same under Object.is (so −0 ≠ 0 and NaN = NaN). */
export function bitIdentical(a: unknown, b: unknown): boolean {
  const x = leavesOf(a)
  const y = leavesOf(b)
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]))
}

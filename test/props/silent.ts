// The "silent pass" scenarios: checks that must not pass without evidence. Each returns whether the
// engine did the right thing (failed, threw, or at least did not call every entry 'ok').
import { checkGradients, type Report } from 'gradcheck'

const N = 5
const point = (): Float64Array => Float64Array.from({ length: N }, (_, i) => 0.3 + 0.25 * i)
const smooth = (x: Float64Array): number => {
  let s = 0
  for (let i = 0; i < N; i++) s += Math.sin(x[i]!) + 0.5 * x[i]! * x[i]!
  return s
}
const dsmooth = (x: Float64Array): Float64Array => x.map((v) => Math.cos(v) + v)

/** True when the check did not pass, or threw. */
function fails(run: () => Report): boolean {
  try {
    return !run().pass
  } catch {
    return true
  }
}

export const SILENT: { name: string; ok: () => boolean }[] = [
  {
    name: 'step: 1e-20 with a ×2 bug in every coordinate fails',
    ok: () => fails(() => checkGradients(smooth, (x: Float64Array) => dsmooth(x).map((v) => 2 * v), { at: point(), step: 1e-20 })),
  },
  {
    name: 'a loss that is NaN on one side of x[0] does not hide a ×2 bug in x[0]',
    ok: () => {
      const x0 = point()[0]!
      const loss = (x: Float64Array): number => (x[0]! > x0 ? NaN : smooth(x))
      return fails(() => checkGradients(loss, (x: Float64Array) => dsmooth(x).map((v, i) => (i === 0 ? 2 * v : v)), { at: point() }))
    },
  },
  {
    name: 'a loss that is +∞ on one side of x[0] does not hide a ×2 bug in x[0]',
    ok: () => {
      const x0 = point()[0]!
      const loss = (x: Float64Array): number => (x[0]! < x0 ? Infinity : smooth(x))
      return fails(() => checkGradients(loss, (x: Float64Array) => dsmooth(x).map((v, i) => (i === 0 ? 2 * v : v)), { at: point() }))
    },
  },
  {
    name: 'a NaN at one perturbed call does not give a silent pass (fails, throws, or warns of the NaN)',
    ok: () => {
      let calls = 0
      const loss = (x: Float64Array): number => (++calls === 12 ? NaN : smooth(x))
      try {
        const r = checkGradients(loss, dsmooth, { at: point() })
        return !r.pass || r.warnings.some((w) => w.kind === 'non-finite')
      } catch {
        return true
      }
    },
  },
  ...[0.3, 0.5, 1].map((step) => ({
    name: `step: ${step} with a 10 % bug in every coordinate of Σ sin(x) + x²/2 fails`,
    ok: () => fails(() => checkGradients(smooth, (x: Float64Array) => dsmooth(x).map((v) => 1.1 * v), { at: point(), step })),
  })),
  ...[0.3, 0.5, 1].map((step) => ({
    name: `step: ${step} with a 10 % bug in every coordinate of Σ sin(x) fails`,
    ok: () => {
      const sines = (x: Float64Array): number => x.reduce((s, v) => s + Math.sin(v), 0)
      return fails(() => checkGradients(sines, (x: Float64Array) => x.map((v) => 1.1 * Math.cos(v)), { at: point(), step }))
    },
  })),
]

import 'gradcheck/vitest'
import { expect, test } from 'vitest'

// L(w) = ½ Σₙ (tanh(w·xₙ) − yₙ)²: grad(w) mirrors w; hvp(w, v) = H·v = Σₙ (t′² + r·t″)(v·xₙ) xₙ.
const xs = [[0.5, -1.2], [0.3, 0.8]]
const ys = [0.2, -0.1]
const terms = (w: number[], v: number[]) =>
  xs.map((x, n) => {
    const t = Math.tanh(w[0]! * x[0]! + w[1]! * x[1]!)
    const dt = 1 - t * t
    return { x, r: t - ys[n]!, dt, ddt: -2 * t * dt, vx: v[0]! * x[0]! + v[1]! * x[1]! }
  })
const grad = (w: number[]) => [0, 1].map((j) => terms(w, [0, 0]).reduce((s, e) => s + e.r * e.dt * e.x[j]!, 0))
const hvp = (w: number[], v: unknown) =>
  [0, 1].map((j) => terms(w, v as number[]).reduce((s, e) => s + (e.dt * e.dt + e.r * e.ddt) * e.vx * e.x[j]!, 0))
// The Gauss–Newton product drops r·t″: a classic second-order slip.
const gaussNewton = (w: number[], v: unknown) =>
  [0, 1].map((j) => terms(w, v as number[]).reduce((s, e) => s + e.dt * e.dt * e.vx * e.x[j]!, 0))

test('the Hessian-vector product agrees with differences of the gradient', () => {
  expect(grad).toHaveHessianMatching({ hvp }, { at: [0.4, -0.7] })
  expect(grad).not.toHaveHessianMatching({ hvp: gaussNewton }, { at: [0.4, -0.7] })
})

test('the same HVP is a JVP of the gradient: a Jacobian check with { jvp }', () => {
  expect(grad).toHaveJacobianMatching({ jvp: hvp }, { at: [0.4, -0.7] })
})

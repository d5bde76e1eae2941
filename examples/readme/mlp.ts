// A two-layer perceptron with hand-written backprop: the model of the README's examples.
export interface Params {
  hidden: { weight: number[][]; bias: number[] } // [4, 3], [4]
  out: { weight: number[]; bias: number } // [4], scalar
}

const inputs = [[0.2, -1.0, 0.5], [1.5, 0.3, -0.7], [-0.4, 0.8, 1.1], [0.9, -0.2, -1.3]]
const targets = [0.5, -0.3, 0.8, 0.1]

export const init = (): Params => ({
  hidden: {
    weight: [[0.3, -0.1, 0.2], [-0.4, 0.25, 0.1], [0.15, 0.35, -0.3], [0.05, -0.2, 0.45]],
    bias: [0.1, -0.05, 0.02, 0],
  },
  out: { weight: [0.6, -0.4, 0.3, 0.5], bias: 0.05 },
})

const hiddenOf = (p: Params, x: number[]): number[] =>
  p.hidden.weight.map((row, j) => Math.tanh(row.reduce((s, w, i) => s + w * x[i]!, p.hidden.bias[j]!)))

/** Mean squared error over the batch. */
export function loss(p: Params): number {
  return inputs.reduce((s, x, n) => {
    const y = hiddenOf(p, x).reduce((t, h, j) => t + p.out.weight[j]! * h, p.out.bias)
    return s + (y - targets[n]!) ** 2
  }, 0) / inputs.length
}

function backward(p: Params, averageHiddenBias: boolean): Params {
  const g: Params = { hidden: { weight: p.hidden.weight.map((r) => r.map(() => 0)), bias: [0, 0, 0, 0] }, out: { weight: [0, 0, 0, 0], bias: 0 } }
  const scale = 1 / inputs.length
  inputs.forEach((x, n) => {
    const h = hiddenOf(p, x)
    const dy = 2 * (h.reduce((t, hj, j) => t + p.out.weight[j]! * hj, p.out.bias) - targets[n]!)
    g.out.bias += dy * scale
    h.forEach((hj, j) => {
      g.out.weight[j]! += dy * hj * scale
      const dz = dy * p.out.weight[j]! * (1 - hj * hj)
      g.hidden.bias[j]! += dz * (averageHiddenBias ? scale : 1)
      x.forEach((xi, i) => (g.hidden.weight[j]![i]! += dz * xi * scale))
    })
  })
  return g
}

export const grad = (p: Params): Params => backward(p, true)
/** The bug: the hidden bias gradient is summed over the batch instead of averaged. */
export const gradWithBug = (p: Params): Params => backward(p, false)

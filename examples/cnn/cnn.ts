// A deliberately tiny convolutional net with hand-written backprop.
//
// This is gradcheck's seed scenario: "my first conv layer agrees to only 3
// digits with finite differences, is that a bug?". Two things in here make the
// answer non-obvious, on purpose:
//   * the input pixels are raw 0..255, so the first conv layer is stiff: a tiny
//     change in a conv weight moves everything downstream 255x more than a
//     change of the same size in an fc weight;
//   * conv1.bias starts at exactly 0 and the images have black backgrounds, so
//     many ReLU inputs sit exactly on the kink at 0.
// `backward` is correct; `backwardWithBug` has one real, small bug. A good
// checker should tell those apart even when the loss is computed in float32.
//
// Architecture (one input channel, S x S images):
//   conv 3x3 (pad 1, stride 1, F filters) -> ReLU -> maxpool 2x2 stride 2
//   -> flatten -> dense to K classes -> softmax cross-entropy (batch mean)

export type Dtype = 'float64' | 'float32'
export interface Tensor { data: Float64Array | Float32Array; shape: number[] }
export interface CnnParams {
  conv1: { weight: Tensor; bias: Tensor } // weight [F, 1, 3, 3], bias [F]
  fc: { weight: Tensor; bias: Tensor } // weight [K, F*(S/2)*(S/2)], bias [K]
}
/** `size` is the image side S; each image is S*S pixels, row-major, values 0..255. */
export interface Batch { images: Float64Array[]; labels: number[]; size: number }
export interface CnnConfig { size?: number; filters?: number; classes?: number; seed?: number; dtype?: Dtype }

// ---------------------------------------------------------------- randomness

// mulberry32: tiny and good enough; keeps the demo reproducible without deps.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function gaussian(rand: () => number): number {
  // Box-Muller; 1 - u keeps log() away from 0.
  const u = 1 - rand()
  const v = rand()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

function checkSize(size: number): void {
  // Pooling halves the side, so an odd side would silently drop a row/column.
  if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) {
    throw new Error(`image size must be an even integer >= 2, got ${size}`)
  }
}

// ---------------------------------------------------------------- creation

export function createCnn(config: CnnConfig = {}): CnnParams {
  const S = config.size ?? 8
  const F = config.filters ?? 4
  const K = config.classes ?? 10
  const dtype = config.dtype ?? 'float64'
  checkSize(S)
  const D = F * (S / 2) * (S / 2)
  const rand = mulberry32(config.seed ?? 1)
  // Draw in float64 and only then narrow, so a float32 net built from the same
  // seed is the float64 net rounded once (easy to compare the two).
  const tensor = (shape: number[], std: number): Tensor => {
    const n = shape.reduce((p, d) => p * d, 1)
    const v = new Float64Array(n)
    if (std !== 0) for (let i = 0; i < n; i++) v[i] = std * gaussian(rand)
    return { data: dtype === 'float32' ? Float32Array.from(v) : v, shape }
  }
  // He init assumes O(1) inputs; ours are up to 255, so divide by 255 as well.
  // The extra gain puts pre-activations over bright strokes around O(1)-O(10).
  const convStd = (4 * Math.sqrt(2 / 9)) / 255
  return {
    conv1: {
      weight: tensor([F, 1, 3, 3], convStd),
      // Exactly 0 on purpose: over the black background every pre-activation is
      // then exactly 0, i.e. sitting on the ReLU kink.
      bias: tensor([F], 0),
    },
    fc: {
      weight: tensor([K, D], 0.5 / Math.sqrt(D)),
      bias: tensor([K], 0),
    },
  }
}

export function makeBatch(config: { size?: number; count?: number; classes?: number; seed?: number } = {}): Batch {
  const S = config.size ?? 8
  const count = config.count ?? 4
  const K = config.classes ?? 10
  checkSize(S)
  const rand = mulberry32((config.seed ?? 7) ^ 0x9e3779b9)
  const int = (n: number): number => Math.floor(rand() * n)
  const images: Float64Array[] = []
  const labels: number[] = []
  for (let b = 0; b < count; b++) {
    const img = new Float64Array(S * S) // zero = black background
    const label = int(K)
    // Like MNIST, ink stays off a 1-pixel black frame. Besides looking like
    // digits, this keeps the outermost rows of the feature maps nearly (not
    // entirely) gradient-free, which is what makes the injected bug small.
    const put = (y: number, x: number, v: number): void => {
      if (y >= 1 && y < S - 1 && x >= 1 && x < S - 1) img[y * S + x] = Math.max(img[y * S + x]!, v)
    }
    // The label picks where the blob sits, so the classes are at least
    // nominally learnable; the stroke is noise on top.
    const cy = 1 + Math.floor(((label * 7) % K) * (S - 2) / K)
    const cx = 1 + Math.floor(((label * 3) % K) * (S - 2) / K)
    const blobR = 1 + int(2)
    for (let dy = -blobR; dy <= blobR; dy++) {
      for (let dx = -blobR; dx <= blobR; dx++) {
        // Integer intensities: raw 8-bit pixels, as a user would feed them.
        if (dy * dy + dx * dx <= blobR * blobR) put(cy + dy, cx + dx, 255 - 20 * (Math.abs(dy) + Math.abs(dx)))
      }
    }
    // One straight stroke between two random points.
    const inner = (): number => 1 + int(S - 2)
    const y0 = inner(), x0 = inner(), y1 = inner(), x1 = inner()
    const v = 150 + int(106)
    const steps = Math.max(Math.abs(y1 - y0), Math.abs(x1 - x0), 1)
    for (let t = 0; t <= steps; t++) {
      put(Math.round(y0 + ((y1 - y0) * t) / steps), Math.round(x0 + ((x1 - x0) * t) / steps), v)
    }
    images.push(img)
    labels.push(label)
  }
  return { images, labels, size: S }
}

// ---------------------------------------------------------------- forward

interface Dims { S: number; P: number; F: number; K: number; D: number }

function dims(params: CnnParams, batch: Batch): Dims {
  const S = batch.size
  checkSize(S)
  const P = S / 2
  const F = params.conv1.bias.data.length
  const K = params.fc.bias.data.length
  const D = F * P * P
  if (params.conv1.weight.data.length !== F * 9 || params.fc.weight.data.length !== K * D) {
    throw new Error(`parameter shapes do not match image size ${S}`)
  }
  return { S, P, F, K, D }
}

// Everything the backward pass needs from one image's forward pass.
interface Cache {
  z: Float64Array // conv pre-activations [F, S, S]
  argmax: Int32Array // pooled index -> index into z of the winning element [F, P, P]
  h: Float64Array // pooled features (after ReLU) [D]
  prob: Float64Array // softmax probabilities [K]
  nll: number // -log p[label]
}

const identity = (x: number): number => x

// `r` is applied to every intermediate. With Math.fround this is what a float32
// framework does; with identity it is plain float64. One code path for both, so
// the two dtypes cannot drift apart.
function forward(params: CnnParams, img: Float64Array, label: number, d: Dims, r: (x: number) => number): Cache {
  const { S, P, F, K, D } = d
  const w = params.conv1.weight.data
  const bc = params.conv1.bias.data
  const z = new Float64Array(F * S * S)
  for (let f = 0; f < F; f++) {
    for (let oy = 0; oy < S; oy++) {
      for (let ox = 0; ox < S; ox++) {
        let acc = bc[f]!
        for (let ky = 0; ky < 3; ky++) {
          const iy = oy + ky - 1
          if (iy < 0 || iy >= S) continue // zero padding contributes nothing
          for (let kx = 0; kx < 3; kx++) {
            const ix = ox + kx - 1
            if (ix < 0 || ix >= S) continue
            acc = r(acc + r(w[f * 9 + ky * 3 + kx]! * img[iy * S + ix]!))
          }
        }
        z[(f * S + oy) * S + ox] = acc
      }
    }
  }
  // ReLU then max-pool. Strict '>' sends ties to the first element, which is a
  // valid subgradient and is what backward assumes.
  const argmax = new Int32Array(D)
  const h = new Float64Array(D)
  for (let f = 0; f < F; f++) {
    for (let py = 0; py < P; py++) {
      for (let px = 0; px < P; px++) {
        let best = -Infinity
        let bestIdx = -1
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const idx = (f * S + 2 * py + dy) * S + 2 * px + dx
            const a = Math.max(z[idx]!, 0)
            if (a > best) { best = a; bestIdx = idx }
          }
        }
        const o = (f * P + py) * P + px
        h[o] = best
        argmax[o] = bestIdx
      }
    }
  }
  const wf = params.fc.weight.data
  const bf = params.fc.bias.data
  const logits = new Float64Array(K)
  let maxLogit = -Infinity
  for (let k = 0; k < K; k++) {
    let acc = bf[k]!
    for (let j = 0; j < D; j++) acc = r(acc + r(wf[k * D + j]! * h[j]!))
    logits[k] = acc
    if (acc > maxLogit) maxLogit = acc
  }
  // Subtract the max logit so exp() cannot overflow; it cancels in the ratio.
  const prob = new Float64Array(K)
  let sum = 0
  for (let k = 0; k < K; k++) {
    const e = r(Math.exp(r(logits[k]! - maxLogit)))
    prob[k] = e
    sum = r(sum + e)
  }
  for (let k = 0; k < K; k++) prob[k] = r(prob[k]! / sum)
  // log-sum-exp form of -log p[label]: accurate even when p[label] is tiny.
  const nll = r(r(maxLogit + r(Math.log(sum))) - logits[label]!)
  return { z, argmax, h, prob, nll }
}

function rounderFor(params: CnnParams): (x: number) => number {
  return params.conv1.weight.data instanceof Float32Array ? Math.fround : identity
}

export function loss(params: CnnParams, batch: Batch): number {
  const d = dims(params, batch)
  const r = rounderFor(params)
  let total = 0
  for (let b = 0; b < batch.images.length; b++) {
    total = r(total + forward(params, batch.images[b]!, batch.labels[b]!, d, r).nll)
  }
  return r(total / batch.images.length)
}

// ---------------------------------------------------------------- backward

function zerosLike(t: Tensor): Tensor {
  return { data: new Float64Array(t.data.length), shape: [...t.shape] }
}

// Shared by backward and backwardWithBug; `injectBug` changes exactly one loop
// bound. Always float64: the forward pass is recomputed in float64 even for
// float32 params, so the gradient is the exact gradient of the float64 loss.
function gradients(params: CnnParams, batch: Batch, injectBug: boolean): CnnParams {
  const d = dims(params, batch)
  const { S, F, K, D } = d
  const n = batch.images.length
  const grads: CnnParams = {
    conv1: { weight: zerosLike(params.conv1.weight), bias: zerosLike(params.conv1.bias) },
    fc: { weight: zerosLike(params.fc.weight), bias: zerosLike(params.fc.bias) },
  }
  const gwc = grads.conv1.weight.data
  const gbc = grads.conv1.bias.data
  const gwf = grads.fc.weight.data
  const gbf = grads.fc.bias.data
  const wf = params.fc.weight.data
  for (let b = 0; b < n; b++) {
    const img = batch.images[b]!
    const label = batch.labels[b]!
    const c = forward(params, img, label, d, identity)
    // d(mean nll)/d logits = (softmax - onehot) / n
    const dlogits = new Float64Array(K)
    for (let k = 0; k < K; k++) dlogits[k] = (c.prob[k]! - (k === label ? 1 : 0)) / n
    const dh = new Float64Array(D)
    for (let k = 0; k < K; k++) {
      const g = dlogits[k]!
      gbf[k] = gbf[k]! + g
      for (let j = 0; j < D; j++) {
        gwf[k * D + j] = gwf[k * D + j]! + g * c.h[j]!
        dh[j] = dh[j]! + g * wf[k * D + j]!
      }
    }
    // Route each pooled gradient to its window's winner, then through ReLU.
    // z == 0 exactly (the black background with zero bias) gets derivative 0.
    const dz = new Float64Array(F * S * S)
    for (let j = 0; j < D; j++) {
      const idx = c.argmax[j]!
      if (c.z[idx]! > 0) dz[idx] = dz[idx]! + dh[j]!
    }
    for (let f = 0; f < F; f++) {
      for (let i = 0; i < S * S; i++) gbc[f] = gbc[f]! + dz[f * S * S + i]!
      // THE BUG (backwardWithBug only): the output-row loop stops one row early,
      // so the bottom row of every feature map never reaches dW. Because ink
      // stays off the image frame, that row carries little gradient: the error
      // is a few to ~20 percent of |dW| depending on the seed (about 9% with
      // the defaults), and for an unlucky batch it can vanish entirely.
      const rowEnd = injectBug ? S - 1 : S
      for (let oy = 0; oy < rowEnd; oy++) {
        for (let ox = 0; ox < S; ox++) {
          const g = dz[(f * S + oy) * S + ox]!
          if (g === 0) continue
          for (let ky = 0; ky < 3; ky++) {
            const iy = oy + ky - 1
            if (iy < 0 || iy >= S) continue
            for (let kx = 0; kx < 3; kx++) {
              const ix = ox + kx - 1
              if (ix < 0 || ix >= S) continue
              const wi = f * 9 + ky * 3 + kx
              gwc[wi] = gwc[wi]! + g * img[iy * S + ix]!
            }
          }
        }
      }
    }
  }
  return grads
}

/** Exact gradient of `loss` (ReLU'(0) = 0, max-pool ties go to the first element). */
export function backward(params: CnnParams, batch: Batch): CnnParams {
  return gradients(params, batch, false)
}

/** Same as `backward` but with an off-by-one in the conv1 weight-gradient loop. */
export function backwardWithBug(params: CnnParams, batch: Batch): CnnParams {
  return gradients(params, batch, true)
}

// Convolutions and pooling: stride, dilation, groups, 1×1, transposed, average pooling, float32
// max-pool ties, and the example CNN (raw pixels, ReLU at 0, max-pool).
import { describe } from 'vitest'
import { type Built, cases, fail, of, pass } from '../support/harness.js'
import { createCnn, makeBatch, loss as cnnLoss, backward as cnnBackward, backwardWithBug as cnnBackwardWithBug, type CnnParams } from '../../examples/cnn/cnn.js'
import { makeAvgPoolNet, makeConv, makeF32MaxPool, makeTransposedConv, type AvgBug, type ConvBug, type ConvSpec, type F32PoolBug, type TconvBug, DIL, GRP, ONE, S2 } from './conv.js'

const conv = (spec: ConvSpec, bug: ConvBug = 'none') => (): Built => of(makeConv(spec), bug)
const cnn = (dtype: 'float64' | 'float32', withBug: boolean) => (): Built => {
  const params = createCnn({ dtype })
  const batch = makeBatch()
  return { at: params, loss: (p: CnnParams) => cnnLoss(p, batch), grad: (p: CnnParams) => (withBug ? cnnBackwardWithBug : cnnBackward)(p, batch) }
}

describe('convolutions and pooling', () => cases([
  pass('conv 3×3 stride 2, pad 1 (input is a parameter)', conv(S2)),
  fail('conv stride 2: dX scattered as if stride 1', conv(S2, 'dxStride1'), ['x']),
  fail('conv stride 2: dX ignores the padding offset', conv(S2, 'dxNoPad'), ['x']),
  fail('conv stride 2: dW kernel flipped (correlation vs convolution)', conv(S2, 'dwFlipped'), ['weight']),
  pass('conv 3×3 dilation 2, pad 2', conv(DIL)),
  fail('conv dilation 2: dW gathered without the dilation', conv(DIL, 'dwNoDilation'), ['weight']),
  pass('grouped conv (groups 2, 4→4 channels)', conv(GRP)),
  fail('grouped conv: dW reads the input channel of group 0', conv(GRP, 'dwGroupChannel'), ['weight']),
  pass('1×1 conv (3→2 channels)', conv(ONE)),
  fail('1×1 conv: db from the first pixel only', conv(ONE, 'dbFirstPixel'), ['bias']),
  pass('transposed conv 1D (stride 2, pad 1, K 4, 2 channels)', () => of(makeTransposedConv(), 'none' as TconvBug)),
  fail('transposed conv: dX with the kernel flipped', () => of(makeTransposedConv(), 'dxFlipped' as TconvBug), ['x']),
  fail('transposed conv: dW as if stride 1', () => of(makeTransposedConv(), 'dwNoStride' as TconvBug), ['w']),
  fail('transposed conv: dW reads channel 0 for every channel', () => of(makeTransposedConv(), 'dwFirstChannel' as TconvBug), ['w']),
  pass('conv → tanh → avg-pool 2×2 → dense → softmax CE', () => of(makeAvgPoolNet(), 'none' as AvgBug)),
  fail('avg-pool backward without the ¼', () => of(makeAvgPoolNet(), 'poolNoQuarter' as AvgBug), ['conv.w', 'conv.b'], { hint: 'factor' }),
  fail('avg-pool backward routed to the top-left pixel only (like max-pool)', () => of(makeAvgPoolNet(), 'poolTopLeftOnly' as AvgBug), ['conv.w', 'conv.b']),
  fail('dense bias: every class gets the sum over classes', () => of(makeAvgPoolNet(), 'denseBiasSummedClasses' as AvgBug), ['fc.b']),
  pass('float32 max-pool, every window an exact tie, first argmax', () => of(makeF32MaxPool(), 'none' as F32PoolBug), { kinks: true }),
  pass('float32 max-pool ties, split evenly', () => of(makeF32MaxPool(), 'tieSplit' as F32PoolBug)),
  pass('float32 max-pool ties, last argmax', () => of(makeF32MaxPool(), 'tieLast' as F32PoolBug)),
  fail('float32 max-pool ties: routed to the argmin', () => of(makeF32MaxPool(), 'argmin' as F32PoolBug), ['x']),
  fail('float32 max-pool ties: dx not multiplied by the head weight', () => of(makeF32MaxPool(), 'noChainW' as F32PoolBug), ['x']),
  fail('float32 max-pool ties: head weight gradient without the pooled value', () => of(makeF32MaxPool(), 'wNoPool' as F32PoolBug), ['w']),
]))

describe('the example CNN', () => cases([
  pass('example CNN float64', cnn('float64', false)),
  pass('example CNN float32', cnn('float32', false)),
  fail('example CNN float64, off-by-one row', cnn('float64', true), ['conv1.weight']),
  fail('example CNN float32, off-by-one row', cnn('float32', true), ['conv1.weight']),
]))

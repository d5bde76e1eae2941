// The forms parameters and gradients come in: nested number[][], nested objects, lists, {data, shape},
// stateful closures, async functions, bare numbers, −0, tensors whose gradient is exactly 0, a
// TF.js-like float32 forward, and float64 models whose scalar loss is read back as float32.
import { describe } from 'vitest'
import { type Built, cases, fail, noisy, of, pass } from '../support/harness.js'
import { makeFrozen, makeTemperature, makeTfLike, makeAutoencoder, makeLogistic, makeNestedLinear, TinyNet, type AeBug, type FrozenBug, type LinBug, type LogBug, type TempBug, type TfBug } from './forms.js'
import { makeMlp, type MlpBug, type MlpParams, type MlpSpec } from './mlp.js'
import { makeDecay, makeHeat, makePendulum, makeSoftenedNbody, makeStiffSprings, type DecayBug, type HeatBug, type PendulumBug } from './physics.js'
import { makeGru, type GruBug } from './recurrent.js'
import { makeCausalAttention } from './attention.js'
import { makePoisson } from './losses.js'
import type { Model } from './util.js'

const mlp = (spec: MlpSpec, bug: MlpBug = 'none') => (): Built => of(makeMlp(spec), bug)
const readback = <P, B>(m: Model<P, B>, bug?: B): Built => ({ loss: (p: P) => Math.fround(m.loss(p)), grad: (p: P) => m.grad(p, bug), at: m.params })
const GRU_ALL = ['[0].W', '[0].U', '[0].b', '[1].W', '[1].U', '[1].b', '[2].W', '[2].U', '[2].b']

describe('parameter forms', () => cases([
  pass('nested number[][]', () => of(makeNestedLinear(), 'none' as LinBug)),
  fail('nested number[][]: db misses 1/N', () => of(makeNestedLinear(), 'bNoMean' as LinBug), ['b'], { hint: 'factor' }),
  fail('nested number[][]: rows of dW swapped', () => of(makeNestedLinear(), 'WTransposedRows' as LinBug), ['W']),
  pass('nested objects', () => of(makeAutoencoder(), 'none' as AeBug)),
  fail('nested objects: decoder.bias ×2', () => of(makeAutoencoder(), 'decBiasX2' as AeBug), ['decoder.bias'], { hint: 'factor' }),
  fail("nested objects: tanh' forgotten in encoder.weight", () => of(makeAutoencoder(), 'encWeightNoTanhDeriv' as AeBug), ['encoder.weight']),
  pass('list of tensors', () => of(makeLogistic(), 'none' as LogBug)),
  fail('list of tensors: [1] sign', () => of(makeLogistic(), 'bSign' as LogBug), ['[1]']),
  fail('list of tensors: [0] misses 1/N', () => of(makeLogistic(), 'wNoMean' as LogBug), ['[0]']),
  pass('{data, shape} (mlp)', mlp({ act: 'tanh' })),
  pass('stateful closure: () => net.loss(), () => net.backward()', () => {
    const net = new TinyNet()
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }),
  fail('stateful closure: hidden.bias gradient missing', () => {
    const net = new TinyNet(41, 'hiddenBiasMissing')
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }, ['hidden.bias'], { hint: 'zero' }),
  fail('stateful closure: out.weight ×2', () => {
    const net = new TinyNet(41, 'outWeightX2')
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }, ['out.weight']),
  pass('stateful closure, gradient passed as a value', () => {
    const net = new TinyNet()
    return { at: net.params, loss: () => net.loss(), grad: net.backward() }
  }),
  pass('async loss and gradient', () => {
    const m = makeMlp({ act: 'gelu' })
    return { at: m.params, loss: async (p: MlpParams) => m.loss(p), grad: async (p: MlpParams) => m.grad(p) }
  }),
  fail('async loss: dW2 sign', () => {
    const m = makeMlp({ act: 'gelu' })
    return { at: m.params, loss: async (p: MlpParams) => m.loss(p), grad: (p: MlpParams) => m.grad(p, 'W2sign') }
  }, ['W2']),
  pass('scalar parameters in an object ({tau, amp, offset})', () => of(makeDecay(), 'none' as DecayBug)),
  pass('a bare number as `at`', () => ({ at: 0.7, loss: (x: number) => Math.sin(x) * Math.exp(x), grad: (x: number) => (Math.cos(x) + Math.sin(x)) * Math.exp(x) })),
  fail('a bare number as `at`: cos for sin', () => ({ at: 0.7, loss: (x: number) => Math.sin(x) * Math.exp(x), grad: (x: number) => Math.cos(x) * Math.exp(x) }), ['at']),
  pass('a bare Float64Array as `at`', () => ({ at: Float64Array.from([0.3, -1.2, 2]), loss: (w: Float64Array) => w.reduce((s, v) => s + Math.cosh(v), 0), grad: (w: Float64Array) => w.map(Math.sinh) })),
  pass('sync loss, async gradient', () => {
    const m = makeMlp({ act: 'sigmoid' })
    return { at: m.params, loss: m.loss, grad: async (p: MlpParams) => m.grad(p) }
  }),
  pass('stateful net whose loss() clears the gradient buffer backward() returned', () => {
    const m = makeMlp({ act: 'tanh' })
    let buffer: Record<string, unknown> = {}
    const net = {
      params: m.params,
      loss: () => {
        for (const v of Object.values(buffer)) {
          const t = v as { data?: Float64Array } & Float64Array
          ;(t.data ?? t).fill(0) // a zero_grad() inside the forward pass
        }
        return m.loss(m.params)
      },
      backward: () => (buffer = m.grad(m.params)),
    }
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }),
  pass('params holding −0', () => {
    const m = makeMlp({ act: 'tanh' })
    m.params.b1[0] = -0
    m.params.b2[1] = -0
    return of(m, 'none' as MlpBug)
  }),
  noisy('stateful closure with dropout on', () => {
    const net = new TinyNet(41, 'none', { p: 0.3, rand: Math.random })
    return { at: net.params, loss: () => net.loss(), grad: () => net.backward() }
  }),
]))

describe('exactly-0 gradients, TF.js-like, bare numbers', () => cases([
  pass('whole tensors with an exactly-0 gradient (unused head, dead ReLU, stationary point)', () => of(makeFrozen(), 'none' as FrozenBug)),
  fail('unused tensor given a weight-decay gradient', () => of(makeFrozen(), 'weightDecayOnUnused' as FrozenBug), ['unused']),
  fail('dead ReLU: mask ignored in the backward', () => of(makeFrozen(), 'deadMaskIgnored' as FrozenBug), ['dead', 'deadBias']),
  fail('stationary tensor: a constant 0.01 left in its gradient', () => of(makeFrozen(), 'stationaryConstant' as FrozenBug), ['stationary']),
  pass('TF.js-like: Float32Array weights, Float32Array buffers forward, float64 backward', () => of(makeTfLike(), 'none' as TfBug)),
  fail('TF.js-like: dw2 off by 1%', () => of(makeTfLike(), 'w2OnePct' as TfBug), ['w2']),
  fail("TF.js-like: softplus' taken as softplus in db1", () => of(makeTfLike(), 'b1Sigmoid' as TfBug), ['b1']),
  fail('TF.js-like: dW1 ×2', () => of(makeTfLike(), 'W1TimesTwo' as TfBug), ['W1'], { hint: 'factor' }),
  pass('a bare number `at`: distillation temperature T = 0.07', () => of(makeTemperature(), 'none' as TempBug)),
  fail('temperature: −z/T for −z/T²', () => of(makeTemperature(), 'noSquare' as TempBug), ['at']),
  fail('temperature: sign', () => of(makeTemperature(), 'sign' as TempBug), ['at']),
]))

describe('loss read back as float32', () => cases([
  pass('read back as float32: pendulum RK4', () => readback(makePendulum())),
  pass('read back as float32: heat equation', () => readback(makeHeat())),
  pass('read back as float32: stiff springs', () => readback(makeStiffSprings())),
  pass('read back as float32: softened N-body', () => readback(makeSoftenedNbody())),
  // As in recurrent.test.ts: a sign error in ∂h/∂z reaches every gate through dh_{t−1}.
  pass('read back as float32: GRU', () => readback(makeGru())),
  pass('read back as float32: causal attention', () => readback(makeCausalAttention())),
  pass('read back as float32: Poisson NLL, λ ≈ 6e-6', () => readback(makePoisson())),
  fail('read back as float32: heat dκ without 1/dx²', () => readback(makeHeat(), 'kappaNoDx2' as HeatBug), ['kappa']),
  // As in recurrent.test.ts: a sign error in ∂h/∂z reaches every gate through dh_{t−1}.
  fail('read back as float32: GRU ∂h/∂z sign', () => readback(makeGru(), 'zSign' as GruBug), GRU_ALL),
  fail('read back as float32: pendulum frozen stage Jacobians', () => readback(makePendulum(), 'frozenJacobian' as PendulumBug), ['phys', 'init']),
]))

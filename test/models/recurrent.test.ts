// Recurrent nets through time: RNN (number[][] params, learned h0), LSTM (fused weight), GRU (a list
// of per-gate objects); BPTT bugs; variational dropout.
import { describe } from 'vitest'
import { type Built, type Options, cases, fail, noisy, of, pass } from '../support/harness.js'
import { makeGru, makeLstm, makeRnn, type GruBug, type LstmBug, type RnnBug } from './recurrent.js'
import { rng, type Rng } from './util.js'
import { makeGaussianNll } from './losses.js'

const rnn = (bug: RnnBug = 'none') => (): Built => of(makeRnn(), bug)
const lstm = (bug: LstmBug = 'none', float32Loss = false) => (): Built => of(makeLstm({ float32Loss }), bug)
const gru = (bug: GruBug = 'none') => (): Built => of(makeGru(), bug)
const dropRnn = (rand: Rng, bug: RnnBug = 'none', options?: Options) => (): Built => of(makeRnn({ dropout: { p: 0.3, rand } }), bug, options)
const RNN_IN = ['Wx', 'Wh', 'b', 'h0']
const GRU_ALL = ['[0].W', '[0].U', '[0].b', '[1].W', '[1].U', '[1].b', '[2].W', '[2].U', '[2].b']

describe('RNN', () => cases([
  pass('RNN (number[][] params, learned h0), BPTT over 5 steps', rnn()),
  fail('RNN: recurrent term dh_{t+1} dropped from dh_t', rnn('noRecurrent'), RNN_IN),
  fail('RNN: dWh accumulates h_t instead of h_{t−1}', rnn('wrongTimeIndex'), ['Wh']),
  fail('RNN: dh_{t−1} = Wh·dz instead of Whᵀ·dz', rnn('WhNoTranspose'), RNN_IN),
  fail('RNN: gradient of h0 never filled in', rnn('h0Missing'), ['h0'], { hint: 'zero' }),
  fail('RNN: only the last step’s loss backpropagated', rnn('lastStepOnly'), ['Wx', 'Wh', 'b', 'Wo', 'h0']),
]))

describe('LSTM', () => cases([
  pass('LSTM (fused [4H, D+H] weight), BPTT over 4 steps', lstm()),
  fail('LSTM: cell-state gradient not carried to the previous step', lstm('noCellCarry'), ['W', 'b']),
  fail('LSTM: forget-gate gradient uses c_t instead of c_{t−1}', lstm('forgetWithCt'), ['W', 'b']),
  fail("LSTM: tanh'(c_t) forgotten in dc", lstm('tanhCNotDerived'), ['W', 'b']),
  fail("LSTM: output gate's σ' is σ", lstm('outputGateSigmoid'), ['W', 'b']),
  fail('LSTM: dh_{t−1} read from the input columns of W', lstm('dhNextFromInputPart'), ['W', 'b']),
  pass('LSTM, float32 forward read back with new Float32Array([x])[0], float64 backward', lstm('none', true)),
  fail('LSTM float32 forward: cell-state carry dropped', lstm('noCellCarry', true), ['W', 'b']),
]))

describe('GRU', () => cases([
  pass('GRU (a list of per-gate objects), BPTT over 4 steps', gru()),
  // A sign error in ∂h/∂z makes dz, hence daz, wrong at every step: the z gate's W, U, b directly, and,
  // through dh_{t−1} += Uzᵀ·daz, the gradient reaching every earlier step, so every gate's W, U, b.
  fail('GRU: ∂h/∂z sign flipped (n − h for h − n)', gru('zSign'), GRU_ALL),
  fail('GRU: reset gate forgotten in dUn', gru('resetForgotten'), ['[2].U']),
  fail('GRU: direct path z·dh to h_{t−1} dropped', gru('noDirectPath'), GRU_ALL),
]))

describe('dropout and nondeterminism', () => cases([
  pass('RNN variational dropout, beforeEvaluation resets its seeded RNG', () => {
    const r = rng(77)
    return dropRnn(r, 'none', { beforeEvaluation: () => r.reset() })()
  }),
  fail('RNN variational dropout, reset RNG: dWh with h_t', () => {
    const r = rng(77)
    return dropRnn(r, 'wrongTimeIndex', { beforeEvaluation: () => r.reset() })()
  }, ['Wh']),
  noisy('RNN variational dropout, RNG never reset', dropRnn(rng(77))),
  noisy('RNN dropout with Math.random, wrong time index too', dropRnn(Object.assign(() => Math.random(), { reset: () => undefined }), 'wrongTimeIndex')),
  noisy('input noise augmentation (Math.random · 1e-3) left on', () => {
    const m = makeGaussianNll()
    return { at: m.params, loss: (p: typeof m.params) => m.loss(p) * (1 + 1e-3 * (Math.random() - 0.5)), grad: (p: typeof m.params) => m.grad(p) }
  }),
]))

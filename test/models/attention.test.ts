// Attention: single-head self-attention, causal self-attention with a −∞ mask.
import { describe } from 'vitest'
import { type Built, cases, fail, of, pass } from '../support/harness.js'
import { makeAttention, makeCausalAttention, type AttnBug, type CausalBug } from './attention.js'

const attn = (bug: AttnBug = 'none') => (): Built => of(makeAttention(), bug)
const causal = (bug: CausalBug = 'none') => (): Built => of(makeCausalAttention(), bug)

describe('self-attention', () => cases([
  pass('attention', attn()),
  fail('attention: softmax Jacobian without the −a·(a·g) term', attn('softmaxDiag'), ['Wq', 'Wk']),
  fail('attention: 1/√d forgotten in the backward', attn('noScale'), ['Wq', 'Wk'], { hint: 'factor' }),
  fail('attention: dV = A·dO instead of Aᵀ·dO', attn('dVnoTranspose'), ['Wv']),
]))

describe('causal self-attention', () => cases([
  pass('causal self-attention, mask of −Infinity', causal()),
  fail('causal attention: the backward recomputes softmax without the mask', causal('maskForgottenInBackward'), ['Wq', 'Wk', 'Wv']),
  fail('causal attention: dK = dS·Q instead of dSᵀ·Q', causal('dKnoTranspose'), ['Wk']),
  fail('causal attention: softmax backward without the row-sum term', causal('softmaxGradNoRowSum'), ['Wq', 'Wk']),
  fail('causal attention: 1/√d applied twice in the backward', causal('scaleTwice'), ['Wq', 'Wk'], { hint: 'factor' }),
]))

// Embeddings: a big table the check samples, a bigram language model with tied or untied embeddings.
import { describe } from 'vitest'
import { type Built, cases, fail, of, pass } from '../support/harness.js'
import { makeBigramLm, makeEmbedding, type EmbBug, type LmBug } from './embedding.js'

const lm = (bug: LmBug = 'none', tied = false) => (): Built => of(makeBigramLm(tied), bug)

describe('embedding table', () => cases([
  pass('embedding table 60×30 (sampled)', () => of(makeEmbedding(), 'none' as EmbBug)),
  fail('embedding table: last row never updated', () => of(makeEmbedding(), 'lastRowMissing' as EmbBug), ['E']),
  fail("embedding table: one entry ×1.5, sample: 'all'", () => of(makeEmbedding(), 'oneEntry' as EmbBug, { sample: 'all' }), ['E'], { hint: 'single', path: 'E[0,3]' }),
]))

describe('bigram language model', () => cases([
  pass('bigram LM: embedding → softmax over a vocabulary of 7', lm()),
  fail('bigram LM: dE[token] = … overwrites repeated tokens', lm('overwriteRepeated'), ['E']),
  fail('bigram LM: softmax gradient without the −onehot', lm('noOneHot'), ['E', 'Wout', 'b']),
  fail('bigram LM: db not averaged over positions', lm('biasNotMean'), ['b'], { hint: 'factor' }),
  pass('bigram LM with tied input/output embeddings', lm('none', true)),
  fail('tied embeddings: only the output-side gradient returned', lm('tiedOutputOnly', true), ['E']),
]))

// Extreme scales: logsumexp at ±1000, exp/log at large and small arguments, a variance near the edge
// of its domain, big batches, losses of 1e±20, unnormalised features, a gradient that is round-off,
// functions finer than the parameters' magnitude (Fourier features, a soft rasterizer edge).
import { describe } from 'vitest'
import { cases, fail, of, pass } from '../support/harness.js'
import {
  makeAtOptimum, makeBigBatch, makeExpBig, makeFourier, makeLogSmall, makeLse, makeScaledLogisticF32, makeSoftRaster, makeUnnormalised, makeVariances,
  type BatchBug, type ExpBug, type FourierBug, type LseBug, type RasterBug, type ScaledBug, type VarBug,
} from './scales.js'

describe('logsumexp, exp, log', () => cases([
  pass('logsumexp at ±1000', () => of(makeLse(), 'none' as LseBug)),
  fail('logsumexp: softmax not normalised', () => of(makeLse(), 'unnormalised' as LseBug), ['a']),
  fail('logsumexp: factor 2 of the second term missing', () => of(makeLse(), 'bMissing2' as LseBug), ['b'], { hint: 'factor' }),
  pass('exp at arguments ~40 (loss ~1e18)', () => of(makeExpBig(), 'none' as ExpBug)),
  fail('exp ~40: dw off by 0.1%', () => of(makeExpBig(), 'tenthPct' as ExpBug), ['w']),
  fail('exp ~40: dc sign', () => of(makeExpBig(), 'sign' as ExpBug), ['c']),
  pass('log at arguments ~1e-6', () => of(makeLogSmall(), 'none' as ExpBug)),
  fail('log ~1e-6: dv sign of the log term', () => of(makeLogSmall(), 'sign' as ExpBug), ['v']),
  fail('log ~1e-6: dc off by 0.1%', () => of(makeLogSmall(), 'tenthPct' as ExpBug), ['c']),
]))

describe('near the edge of the domain', () => cases([
  pass('variances, one of them 1e-8 (sqrt/log near the domain edge)', () => of(makeVariances(), 'none' as VarBug)),
]))

describe('big batches and scaled losses', () => cases([
  pass('regression, batch 2000, loss = sum (≈ 1e6)', () => of(makeBigBatch('sum'), 'none' as BatchBug)),
  fail('batch sum: gradient of the mean', () => of(makeBigBatch('sum'), 'meanForSum' as BatchBug), ['w', 'b'], { hint: 'factor' }),
  fail('batch sum: loop stops one sample short (1/2000 of the gradient)', () => of(makeBigBatch('sum'), 'lastSampleDropped' as BatchBug), ['w', 'b']),
  pass('regression, batch 2000, loss = mean', () => of(makeBigBatch('mean'), 'none' as BatchBug)),
  fail('batch mean: gradient of the sum', () => of(makeBigBatch('mean'), 'sumForMean' as BatchBug), ['w', 'b'], { hint: 'factor' }),
  pass('float32 regression, batch 500, loss = sum (≈ 2e5)', () => of(makeBigBatch('sum', 'float32', 500), 'none' as BatchBug)),
  fail('float32 batch sum: gradient of the mean', () => of(makeBigBatch('sum', 'float32', 500), 'meanForSum' as BatchBug), ['w', 'b']),
  pass('float32 logistic loss ×1e-20', () => of(makeScaledLogisticF32(1e-20), 'none' as ScaledBug)),
  fail('float32 loss ×1e-20: dw sign', () => of(makeScaledLogisticF32(1e-20), 'wSign' as ScaledBug), ['w']),
  fail('float32 loss ×1e-20: db halved', () => of(makeScaledLogisticF32(1e-20), 'bHalf' as ScaledBug), ['b']),
  fail('float32 loss ×1e-20: scale forgotten in the backward', () => of(makeScaledLogisticF32(1e-20), 'scaleForgotten' as ScaledBug), ['w', 'b']),
  pass('float32 logistic loss ×1e20', () => of(makeScaledLogisticF32(1e20), 'none' as ScaledBug)),
  fail('float32 loss ×1e20: dw sign', () => of(makeScaledLogisticF32(1e20), 'wSign' as ScaledBug), ['w']),
  fail('float32 loss ×1e20: db halved', () => of(makeScaledLogisticF32(1e20), 'bHalf' as ScaledBug), ['b']),
]))

describe('unnormalised features', () => cases([
  pass('float32 unnormalised features (one 1000× smaller)', () => of(makeUnnormalised('float32'))),
  pass('float64 unnormalised features (one 1000× smaller)', () => of(makeUnnormalised('float64'))),
  fail('float64 unnormalised features: remainder loop adds the small feature twice', () => of(makeUnnormalised('float64', 'lastFeatureTwice')), ['w'], { path: 'w[4]' }),
]))

describe('at the optimum', () => cases([
  pass('least squares exactly at its optimum (gradient ≈ 1e-16)', () => of(makeAtOptimum())),
]))

describe('finer than the parameters', () => cases([
  pass('soft rasterizer edge, float32 vertices at ≈ 42 px, σ = 0.1 px', () => of(makeSoftRaster(), 'none' as RasterBug)),
  pass('soft rasterizer edge, float64', () => of(makeSoftRaster('float64'), 'none' as RasterBug)),
  fail('soft rasterizer: 1/σ missing', () => of(makeSoftRaster(), 'sharpnessMissing' as RasterBug), ['x']),
  fail('soft rasterizer: right edge sign', () => of(makeSoftRaster(), 'rightEdgeSign' as RasterBug), ['x']),
  pass('NeRF positional encoding, 6 octaves, float32 (gradient w.r.t. positions)', () => of(makeFourier(6), 'none' as FourierBug)),
  pass('NeRF positional encoding, 8 octaves, float32', () => of(makeFourier(8), 'none' as FourierBug)),
  pass('NeRF positional encoding, 10 octaves, float64', () => of(makeFourier(10, 'float64'), 'none' as FourierBug)),
  fail('positional encoding, float32: chain factor 2^k missing', () => of(makeFourier(6), 'frequencyMissing' as FourierBug), ['p']),
  fail('positional encoding, float32: π missing from the chain factor', () => of(makeFourier(8), 'piMissing' as FourierBug), ['p']),
]))

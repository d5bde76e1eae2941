// onProgress and progress: true (src/progress.ts): events after every loss call, a total that only
// grows and ends at the calls made, the phases in order; nothing printed unless stderr is a terminal.
import { checkGradients } from 'gradcheck'
import { describe, expect, it, vi } from 'vitest'
import { terminalProgress, type ProgressEvent } from '../src/progress.js'
import { makeWide } from './models/wide.js'

describe('progress', () => {
  it.each(['auto', 'full', 'directional'] as const)('onProgress, mode %s: one event a loss call, done up to the calls made, totals that only grow', (mode) => {
    const m = makeWide({ D: 40, H: 20 })
    const events: ProgressEvent[] = []
    const r = checkGradients(m.loss, (p: typeof m.params) => m.grad(p, { scale: [['W1', 333, 1.05]] }), { at: m.params, mode, onProgress: (e) => events.push({ ...e }) })
    const calls = events.filter((e, j) => j === 0 || e.done !== events[j - 1]!.done)
    expect(events.at(-1)!.done).toBe(r.evaluations)
    expect(calls.length).toBeGreaterThanOrEqual(r.evaluations)
    expect(events.every((e, j) => e.total >= e.done && (j === 0 || e.total >= events[j - 1]!.total))).toBe(true)
    const phases = [...new Set(events.map((e) => e.phase))]
    expect(phases[0]).toBe('noise')
    if (mode !== 'full') expect(phases).toContain('directions')
    if (mode === 'directional') expect(phases).toContain('localisation')
  })

  it('async losses report progress too', async () => {
    const m = makeWide({ D: 10, H: 5 })
    const done: number[] = []
    const r = await checkGradients(async (p: typeof m.params) => m.loss(p), m.grad, { at: m.params, onProgress: (e) => done.push(e.done) })
    expect(done.at(-1)).toBe(r.evaluations)
  })

  it('progress: true prints nothing when stderr is not a terminal (CI, test runners)', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const m = makeWide({ D: 10, H: 5 })
      checkGradients(m.loss, m.grad, { at: m.params, progress: true })
      if (process.stderr.isTTY !== true) expect(write).not.toHaveBeenCalled()
    } finally {
      write.mockRestore()
    }
  })

  it('the terminal line appears only after 2 s, and is cleared at the end', () => {
    const tty = process.stderr.isTTY
    const written: string[] = []
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true))
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true })
    try {
      let clock = 0
      const line = terminalProgress(() => clock)!
      line.listener({ done: 1, total: 10, phase: 'noise' })
      expect(written).toEqual([])
      clock = 2500
      line.listener({ done: 5, total: 10, phase: 'coordinates' })
      line.end()
      expect(written).toEqual(['\r\x1b[2Kgradcheck: 5 of ~10 loss calls (coordinates)', '\r\x1b[2K'])
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true })
      write.mockRestore()
    }
  })

  it('is validated', () => {
    const m = makeWide({ D: 4, H: 3 })
    expect(() => checkGradients(m.loss, m.grad, { at: m.params, progress: 'yes' as never })).toThrow(/Expected `progress` to be true or false/)
    expect(() => checkGradients(m.loss, m.grad, { at: m.params, onProgress: 3 as never })).toThrow(/Expected `onProgress` to be a function/)
  })
})

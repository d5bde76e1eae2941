import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Progress, type ProgressEvent, terminalProgress } from '../../src/progress.js'

// Progress counts the loss calls of one check for onProgress: a total that only grows and never falls below the
// calls made; terminalProgress is the one stderr line of `progress: true`, shown only on a terminal, after 2 s.
const recorder = (): { events: ProgressEvent[]; progress: Progress } => {
  const events: ProgressEvent[] = []
  return { events, progress: new Progress((e) => events.push(e)) }
}

describe('Progress', () => {
  it("starts at no calls, no total, in the 'noise' phase", () => {
    const p = new Progress(undefined)
    expect([p.done, p.total, p.phase]).toEqual([0, 0, 'noise'])
  })

  it('enter sets the phase, raises the total to the calls made plus those expected, and tells the listener', () => {
    const { events, progress } = recorder()
    progress.enter('noise', 3)
    expect(events).toEqual([{ done: 0, total: 3, phase: 'noise' }])
    progress.call()
    progress.enter('coordinates', 10)
    expect(events.at(-1)).toEqual({ done: 1, total: 11, phase: 'coordinates' })
    expect(progress.phase).toBe('coordinates')
  })

  it('never lowers the total: a phase expecting fewer calls than announced keeps the larger total', () => {
    const { events, progress } = recorder()
    progress.enter('coordinates', 100)
    progress.call()
    progress.enter('directions', 5)
    expect(events.at(-1)).toEqual({ done: 1, total: 100, phase: 'directions' })
    // Exactly the remaining calls: the total stays where it is.
    progress.enter('localisation', 99)
    expect(events.at(-1)).toEqual({ done: 1, total: 100, phase: 'localisation' })
  })

  it('call counts one loss call and emits; a call beyond the total raises it to the calls made', () => {
    const { events, progress } = recorder()
    progress.enter('noise', 2)
    progress.call()
    progress.call()
    expect(events.at(-1)).toEqual({ done: 2, total: 2, phase: 'noise' })
    progress.call()
    expect(events.at(-1)).toEqual({ done: 3, total: 3, phase: 'noise' })
    expect(events.length).toBe(4)
    expect([progress.done, progress.total]).toEqual([3, 3])
  })

  it('emits a fresh event each time, not one object updated in place', () => {
    const { events, progress } = recorder()
    progress.call()
    progress.call()
    expect(events[0]).toEqual({ done: 1, total: 1, phase: 'noise' })
    expect(events[0]).not.toBe(events[1])
  })

  it('works without a listener', () => {
    const p = new Progress(undefined)
    p.enter('coordinates', 4)
    p.call()
    expect([p.done, p.total]).toEqual([1, 4])
  })
})

describe('terminalProgress', () => {
  let written: string[]
  let tty: boolean | undefined
  beforeEach(() => {
    written = []
    tty = process.stderr.isTTY
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true))
  })
  afterEach(() => {
    Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true })
    vi.restoreAllMocks()
  })
  const terminal = (isTTY: unknown): void => void Object.defineProperty(process.stderr, 'isTTY', { value: isTTY, configurable: true })
  const event = (done: number, total = 10, phase: ProgressEvent['phase'] = 'coordinates'): ProgressEvent => ({ done, total, phase })

  it('is off unless stderr is a terminal: isTTY must be exactly true', () => {
    for (const v of [false, undefined, 1, 'yes']) {
      terminal(v)
      expect(terminalProgress(() => 0)).toBeUndefined()
    }
    terminal(true)
    expect(terminalProgress(() => 0)).toBeDefined()
  })

  it('is off where there is no process.stderr (browsers)', () => {
    const stderr = Object.getOwnPropertyDescriptor(process, 'stderr')!
    Object.defineProperty(process, 'stderr', { value: undefined, configurable: true })
    try {
      expect(terminalProgress(() => 0)).toBeUndefined()
    } finally {
      Object.defineProperty(process, 'stderr', stderr)
    }
  })

  it('is off where there is no process at all (browsers)', () => {
    const g = globalThis as { process?: unknown }
    const saved = g.process
    let line: unknown
    try {
      g.process = undefined
      line = terminalProgress(() => 0)
    } finally {
      g.process = saved
    }
    expect(line).toBeUndefined()
  })

  it('stays quiet for the first 2 s, then shows the line from 2000 ms on', () => {
    terminal(true)
    let clock = 1000
    const line = terminalProgress(() => clock)!
    clock = 2999
    line.listener(event(1))
    expect(written).toEqual([])
    clock = 3000
    line.listener(event(2))
    expect(written).toEqual(['\r\x1b[2Kgradcheck: 2 of ~10 loss calls (coordinates)'])
  })

  it('rewrites the line at most every 100 ms', () => {
    terminal(true)
    let clock = 0
    const line = terminalProgress(() => clock)!
    clock = 2000
    line.listener(event(1))
    clock = 2099
    line.listener(event(2))
    clock = 2100
    line.listener(event(3))
    clock = 2150
    line.listener(event(4))
    clock = 2200
    line.listener(event(5))
    expect(written.map((s) => s.match(/: (\d+) of/)![1])).toEqual(['1', '3', '5'])
  })

  it('groups thousands and names the phase', () => {
    terminal(true)
    let clock = 0
    const line = terminalProgress(() => clock)!
    clock = 5000
    line.listener({ done: 12345, total: 1234567, phase: 'localisation' })
    expect(written).toEqual(['\r\x1b[2Kgradcheck: 12,345 of ~1,234,567 loss calls (localisation)'])
  })

  it('end clears a shown line, and writes nothing when no line was shown', () => {
    terminal(true)
    let clock = 0
    const quiet = terminalProgress(() => clock)!
    quiet.listener(event(1))
    quiet.end()
    expect(written).toEqual([])
    const line = terminalProgress(() => clock)!
    clock = 2500
    line.listener(event(1))
    line.end()
    expect(written.at(-1)).toBe('\r\x1b[2K')
    expect(written.length).toBe(2)
  })

  it('reads the wall clock by default: quiet at 1.9 s, shown at 2 s', () => {
    terminal(true)
    const now = vi.spyOn(Date, 'now').mockReturnValue(10_000)
    const line = terminalProgress()!
    now.mockReturnValue(11_900)
    line.listener(event(6))
    expect(written).toEqual([])
    now.mockReturnValue(12_000)
    line.listener(event(7))
    expect(written).toEqual(['\r\x1b[2Kgradcheck: 7 of ~10 loss calls (coordinates)'])
  })
})

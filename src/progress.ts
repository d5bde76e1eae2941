/** What `onProgress` receives: loss calls made, the calls the check expects to make in all (an estimate that only grows), and what it is doing. */
export interface ProgressEvent {
  done: number
  total: number
  phase: 'noise' | 'coordinates' | 'directions' | 'localisation'
}

/** How long a check runs before `progress: true` shows its line: shorter checks print nothing. */
const QUIET_MS = 2000

/**
 * Counts the loss calls of one check and tells `onProgress`. The modes say which phase they are in and
 * how many calls they expect; the count itself is kept where the calls are made (check.ts).
 */
export class Progress {
  done = 0
  total = 0
  phase: ProgressEvent['phase'] = 'noise'
  constructor(private readonly listener: ((e: ProgressEvent) => void) | undefined) {}

  /** Enters `phase`, expecting `more` calls beyond those made so far. */
  enter(phase: ProgressEvent['phase'], more: number): void {
    this.phase = phase
    this.total = Math.max(this.total, this.done + more)
    this.emit()
  }

  call(): void {
    this.done++
    if (this.done > this.total) this.total = this.done
    this.emit()
  }

  private emit(): void {
    this.listener?.({ done: this.done, total: this.total, phase: this.phase })
  }
}

/**
 * The reporter of `progress: true`: one line on stderr, rewritten in place, once the check has run for
 * QUIET_MS, only where stderr is a terminal (nothing in CI logs, nothing in browsers, which have no
 * `process`); `end` clears it.
 */
export function terminalProgress(now: () => number = () => Date.now()): { listener: (e: ProgressEvent) => void; end: () => void } | undefined {
  const stderr = (globalThis as { process?: { stderr?: { isTTY?: boolean; write(s: string): unknown } } }).process?.stderr
  if (stderr === undefined || stderr.isTTY !== true) return undefined
  const started = now()
  let shown = false
  let last = 0
  return {
    listener: (e) => {
      const t = now()
      if (t - started < QUIET_MS || t - last < 100) return
      last = t
      shown = true
      stderr.write(`\r\x1b[2Kgradcheck: ${e.done.toLocaleString('en-US')} of ~${e.total.toLocaleString('en-US')} loss calls (${e.phase})`)
    },
    end: () => {
      if (shown) stderr.write('\r\x1b[2K')
    },
  }
}

/** The message of a failing assertion without its colours, so it can be pinned (shared by both runners' suites). */
export function messageOf(assertion: () => unknown): string {
  try {
    assertion()
  } catch (e) {
    return (e as Error).message.replace(/\u001b\[[0-9;]*m/g, '')
  }
  throw new Error('expected the assertion to fail')
}

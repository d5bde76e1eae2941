import 'gradcheck/jest'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { messageOf } from '../support/message.js'

const cube = (w: Float64Array): number => w.reduce((s, v) => s + v * v * v, 0)
const doubled = (w: Float64Array): Float64Array => w.map((v) => 6 * v * v)
const folder = join(__dirname, '__gradcheck__')
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('htmlReport in Jest', () => {
  // `true` writes __gradcheck__/<test file>-<test name>.html, the name from Jest's `this.currentTestName`.
  it('true writes the page beside the test file, and the message names it', () => {
    rmSync(folder, { recursive: true, force: true })
    const file = join(folder, 'html.test-htmlReport-in-Jest-true-writes-the-page-beside-the-test-file-and-the-message-names-it.html')
    const message = messageOf(() => expect(cube).toHaveGradientsMatching(doubled, { at: Float64Array.from([1, 2]), htmlReport: true }))
    expect(message).toContain(`\nHTML report: ${file}`)
    expect(readFileSync(file, 'utf8')).toContain('✗ 2 of 2 checked weights disagree')
  })

  it('writes nothing without it', () => {
    rmSync(folder, { recursive: true, force: true })
    messageOf(() => expect(cube).toHaveGradientsMatching(doubled, { at: Float64Array.from([1, 2]) }))
    expect(existsSync(folder)).toBe(false)
  })
})

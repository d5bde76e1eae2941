// The seed scenario: "my first conv layer agrees to only 3 digits with finite differences — is that a bug?"
// Checks the hand-written backprop of a small CNN (0..255 pixels, ReLU kinks) in float64 and float32,
// once correct and once with an off-by-one in the first conv layer's weight gradient, and prints the
// report each check produces: the text a failing `toHaveGradientsMatching` shows. The float32 check
// of the buggy backward is also written as an HTML page (`writeHtmlReport`), whose path it prints.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Report, checkGradients, formatReport, writeHtmlReport } from 'gradcheck'
import { type CnnParams, type Dtype, backward, backwardWithBug, createCnn, loss, makeBatch } from './cnn.js'

const batch = makeBatch()
const rows: string[] = []
let buggy: Report | undefined

for (const dtype of ['float64', 'float32'] satisfies Dtype[]) {
  for (const [label, grad] of [['correct backward', backward], ['backward with a bug in conv1.weight', backwardWithBug]] as const) {
    const params = createCnn({ dtype })
    const started = performance.now()
    const report = checkGradients(
      (p: CnnParams) => loss(p, batch),
      (p: CnnParams) => grad(p, batch),
      { at: params },
    )
    const ms = performance.now() - started
    console.log(`\n━━ ${dtype} CNN, ${label} ━━  expect(loss).toHaveGradientsMatching(grad, { at: params })\n`)
    console.log(formatReport(report))
    if (dtype === 'float32' && grad === backwardWithBug) buggy = report
    rows.push(
      `${dtype.padEnd(8)} ${label.padEnd(36)} ${report.pass ? 'pass' : 'FAIL'}  ${String(report.checked).padStart(4)} weights  ` +
        `${(report.evaluations / report.checked).toFixed(2)} loss calls/weight  ${ms.toFixed(0).padStart(5)} ms`,
    )
  }
}

console.log('\n━━ Summary ━━')
for (const row of rows) console.log(row)
const file = await writeHtmlReport(buggy!, join(tmpdir(), 'gradcheck-cnn-report.html'), { title: 'float32 CNN, backward with a bug in conv1.weight' })
console.log(`\nHTML report of the buggy float32 check (docs/report.png): ${file}`)

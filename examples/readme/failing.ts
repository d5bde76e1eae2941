import { checkGradients, formatReport } from 'gradcheck'
import { gradWithBug, init, loss } from './mlp.js'

// What `expect(loss).toHaveGradientsMatching(gradWithBug, { at: init() })` prints under its header.
console.log(formatReport(checkGradients(loss, gradWithBug, { at: init() })))

import 'gradcheck/vitest'
import { expect, test } from 'vitest'
import { grad, gradWithBug, init, loss } from './mlp.js'

test('the hand-written gradient of the MLP is right', () => {
  expect(loss).toHaveGradientsMatching(grad, { at: init() })
})

test('a bias gradient summed instead of averaged is caught', () => {
  expect(loss).not.toHaveGradientsMatching(gradWithBug, { at: init() })
})

// Kept only because bench/seeds.ts imports this path (bench/ is outside this branch); the models are in
// test/models/. Remove once bench/seeds.ts imports test/models/ directly.
export { makeGru, makeLstm, makeRnn } from '../models/recurrent.js'

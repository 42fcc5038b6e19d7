/** Seeded randomness for dataset sampling and splits: the one copy lives in src/random.ts. */
export { mulberry32, shuffled } from '../../src/random.ts';

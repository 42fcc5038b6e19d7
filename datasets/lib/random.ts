/** Seeded randomness for dataset sampling and splits (src/random.ts). */
import { mulberry32, shuffleWith } from '../../src/random.ts';

export { mulberry32 };

/** A seeded permutation of `items` (a new array; the input is untouched). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return shuffleWith(items, mulberry32(seed));
}

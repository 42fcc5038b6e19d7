/** Seeded randomness shared by the builders, the splits and the head: Mulberry32 + Fisher–Yates. Pure. */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of `items` drawn from `rand` (a new array; the input is untouched). */
export function shuffleWith<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

/**
 * A seeded permutation of `items` (a new array; the input is untouched). The dataset builders'
 * samples depend on exactly this sequence (Mulberry32 seeded with `seed`), so it must not change.
 */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return shuffleWith(items, mulberry32(seed));
}

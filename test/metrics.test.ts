import { describe, expect, it } from 'vitest';
import { kendallTau, meanAbsoluteError, ranks, spearmanRho, topKRecall } from '../src/predictor/metrics.ts';

/** O(n²) τ-b straight from the definition, to check the O(n log n) implementation. */
function kendallNaive(x: number[], y: number[]): number {
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const a = Math.sign(x[i]! - x[j]!);
      const b = Math.sign(y[i]! - y[j]!);
      if (a === 0 && b === 0) continue;
      if (a === 0) tx++;
      else if (b === 0) ty++;
      else if (a === b) c++;
      else d++;
    }
  }
  return (c - d) / Math.sqrt((c + d + tx) * (c + d + ty));
}

describe('rank metrics', () => {
  it('kendall τ-b matches the definition, with and without ties', () => {
    let s = 1;
    const r = () => ((s = (Math.imul(s, 48271) + 1) % 2147483647) / 2147483647);
    for (const levels of [1000, 5]) {
      const x = Array.from({ length: 300 }, () => Math.floor(r() * levels));
      const y = x.map((v) => Math.floor(v + r() * levels * 0.7));
      expect(kendallTau(x, y)).toBeCloseTo(kendallNaive(x, y), 10);
    }
  });

  it('known values: perfect, reversed, scipy example', () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // scipy.stats.kendalltau([12,2,1,12,2],[1,4,7,1,0]) = -0.47140452079103173
    expect(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 12);
    // scipy.stats.spearmanr([1,2,3,4,5],[5,6,7,8,7]) = 0.8207826816681233
    expect(spearmanRho([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('ranks average ties; MAE; top-k recall', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(meanAbsoluteError([1, 2], [2, 4])).toBe(1.5);
    expect(topKRecall([5, 4, 3, 2, 1], [5, 1, 4, 2, 3], 2)).toBe(0.5);
  });

  it('BAD CALL: mismatched lengths throw RangeError', () => {
    expect(() => kendallTau([1, 2], [1])).toThrow(RangeError);
  });
});

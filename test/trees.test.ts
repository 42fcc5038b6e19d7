/**
 * The boosted trees (src/predictor/trees.ts) on data whose answer is known by construction, and
 * the model's choice of who answers near graphs (src/predictor/model.ts).
 */
import { describe, expect, it } from 'vitest';
import { kendallTau } from '../src/predictor/metrics.ts';
import { DEFAULT_TREES_CONFIG, fitTrees, predictTrees } from '../src/predictor/trees.ts';
import { mulberry32 } from '../src/random.ts';

/** y = x0 · x1 (an interaction no linear score ranks) + noise; x2 is junk, x3 is sometimes missing. */
function data(n: number, seed: number) {
  const rand = mulberry32(seed);
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rand() * 2 - 1;
    const b = rand() * 2 - 1;
    X.push(Float64Array.from([a, b, rand(), rand() < 0.3 ? NaN : a]));
    y.push(a * b + 0.05 * (rand() - 0.5));
  }
  return { X, y };
}

describe('boosted trees', () => {
  it('learn an interaction a linear score cannot rank, and predict in the label\'s units', () => {
    const train = data(1000, 1);
    const test = data(500, 2);
    const st = fitTrees(train.X, train.y);
    const p = predictTrees(st, test.X);
    expect(kendallTau(p, test.y)).toBeGreaterThan(0.7);
    // A linear score of x0 and x1 ranks a product at chance.
    expect(Math.abs(kendallTau(test.X.map((x) => x[0]! + x[1]!), test.y))).toBeLessThan(0.1);
    const mae = p.reduce((a, v, i) => a + Math.abs(v - test.y[i]!), 0) / p.length;
    expect(mae).toBeLessThan(0.1);
  });

  it('are deterministic for (data, seed), differ between seeds, and survive JSON', () => {
    const { X, y } = data(300, 3);
    const a = fitTrees(X, y, { ...DEFAULT_TREES_CONFIG, trees: 40 });
    const b = fitTrees(X, y, { ...DEFAULT_TREES_CONFIG, trees: 40 });
    const c = fitTrees(X, y, { ...DEFAULT_TREES_CONFIG, trees: 40, seed: 9 });
    expect(a).toEqual(b);
    expect(predictTrees(c, X)).not.toEqual(predictTrees(a, X));
    const round = JSON.parse(JSON.stringify(a)) as typeof a;
    expect(predictTrees(round, X)).toEqual(predictTrees(a, X));
  });

  it('route missing values to the side that fits, and read a missing value at prediction', () => {
    // The label depends only on whether x0 is missing.
    const X = Array.from({ length: 200 }, (_, i) => Float64Array.from([i % 2 === 0 ? NaN : i / 200]));
    const y = X.map((x) => (Number.isNaN(x[0]!) ? 1 : 0));
    const st = fitTrees(X, y, { ...DEFAULT_TREES_CONFIG, trees: 50 });
    const [missing, present] = predictTrees(st, [Float64Array.from([NaN]), Float64Array.from([0.5])]);
    expect(missing!).toBeGreaterThan(0.9);
    expect(present!).toBeLessThan(0.1);
  });

  it('refuse what is not a fit', () => {
    expect(() => fitTrees([Float64Array.from([1])], [1])).toThrow(RangeError);
    expect(() => fitTrees(data(10, 1).X, data(10, 1).y, { ...DEFAULT_TREES_CONFIG, bins: 300 })).toThrow(/bins/);
  });
});

describe('who answers near graphs', () => {
  it('the trees, when they beat the ranker on held-out training architectures; far graphs get the ranker', async () => {
    const { fitModel, predictModel } = await import('../src/predictor/model.ts');
    const { DEFAULT_HEAD_CONFIG } = await import('../src/predictor/head/train.ts');
    const rand = mulberry32(4);
    const row = (i: number) => {
      const a = rand() * 2 - 1;
      const b = rand() * 2 - 1;
      const acc = 70 + 10 * a * b + rand();
      return {
        record: { id: `a-${i}`, space: 'a', arch: `a-${i}`, file: '', labels: { acc }, params: 1, macs: 1 },
        x: Float32Array.from([a, b]),
        scalars: Float64Array.from([a, b]),
      };
    };
    const rows = Array.from({ length: 600 }, (_, i) => row(i));
    const m = fitModel(rows, {
      targets: ['acc'], primary: () => 'acc', headCandidates: { ...DEFAULT_HEAD_CONFIG, hidden: [8], epochs: 5, members: 1, pcaDim: 0 },
      rankerCandidates: [{ name: 'linear', features: ['f0', 'f1'], config: { lambda: 0.1, signFilter: false } }],
      scalarNames: ['f0', 'f1'], pcaInputs: 0, seed: 0,
    });
    expect(m.nearSource).toBe('trees');
    expect(m.nearScores.trees!).toBeGreaterThan(m.nearScores.ranker + 0.3);
    const fresh = Array.from({ length: 200 }, (_, i) => row(1000 + i));
    const near = predictModel(m, fresh, fresh.map(() => ({ distance: 0, space: 'a', unanimous: true })));
    expect(near.every((p) => p.acc!.source === 'trees')).toBe(true);
    expect(kendallTau(near.map((p) => p.acc!.accuracy), fresh.map((r) => r.record.labels.acc))).toBeGreaterThan(0.6);
    // Inside the interval about 80 % of the time.
    const inside = near.filter((p, i) => Math.abs(p.acc!.accuracy - fresh[i]!.record.labels.acc) <= p.acc!.accuracy - p.acc!.low).length / near.length;
    expect(inside).toBeGreaterThan(0.65);
    expect(inside).toBeLessThan(0.95);
    const far = predictModel(m, fresh.slice(0, 3), fresh.slice(0, 3).map(() => ({ distance: Infinity, space: null, unanimous: false })));
    expect(far.every((p) => p.acc!.source === 'ranker')).toBe(true);
  }, 60_000);
});

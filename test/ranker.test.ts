/**
 * The transferable ranker (src/predictor/ranker.ts), the gate (model.ts) and target domains
 * (domain.ts) on data whose answer is known by construction.
 */
import { describe, expect, it } from 'vitest';
import { kendallTau } from '../src/predictor/metrics.ts';
import { fitRanker, normalScores, probit, rankAggregate, scoreRanker } from '../src/predictor/ranker.ts';
import { adjacentFor, calibrated, crossSpaceFit, crossSpaceMap, fitQuantileMap, gateDistances, gateFor, type Calibration, type ScoredSpace } from '../src/predictor/model.ts';
import { checkDomain, domainOf } from '../src/predictor/domain.ts';
import { mulberry32 } from '../src/random.ts';

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * A space: label = a · signal + noise (in its own units and offset); `shift` moves every feature
 * by a space-specific constant; `flip` is a feature whose relation to the label changes sign.
 */
function space(n: number, seed: number, o: { scale: number; offset: number; shift: number; flip: 1 | -1 }) {
  const rand = mulberry32(seed);
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const signal = gauss(rand);
    const noise = gauss(rand);
    const junk = gauss(rand);
    X.push(Float64Array.from([signal + o.shift + 0.3 * noise, o.flip * signal + junk + 5 * o.shift, junk]));
    y.push(o.offset + o.scale * (signal + 0.2 * gauss(rand)));
  }
  return { X, y };
}

describe('ranker', () => {
  it('probit inverts the normal CDF and normal scores are centred and ordered', () => {
    expect(probit(0.5)).toBeCloseTo(0, 9);
    expect(probit(0.975)).toBeCloseTo(1.959964, 5);
    expect(probit(0.01)).toBeCloseTo(-2.326348, 5);
    const z = normalScores([3, 1, 2, 2]);
    expect(z[1]!).toBeLessThan(z[2]!);
    expect(z[2]).toBe(z[3]);
    expect(z.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
  });

  it('learns within-space order across spaces with different offsets and transfers to a new one', () => {
    const a = space(400, 1, { scale: 1, offset: 90, shift: 0, flip: 1 });
    const b = space(400, 2, { scale: 10, offset: 40, shift: 3, flip: -1 });
    const c = space(400, 3, { scale: 3, offset: 70, shift: -2, flip: 1 });
    const st = fitRanker([...a.X, ...b.X], [...a.X.map(() => 'a'), ...b.X.map(() => 'b')], [...a.y, ...b.y], ['signal', 'flip', 'junk']);
    // The flipping feature disagrees in sign between a and b: dropped, not averaged away.
    expect(st.dropped).toContain('flip');
    expect(st.weights[0]!).toBeGreaterThan(0);
    expect(Math.abs(st.weights[2]!)).toBeLessThan(0.1);
    expect(kendallTau(scoreRanker(st, c.X), c.y)).toBeGreaterThan(0.7);
  });

  it('ignores between-space offsets: pooled regression would learn them, fixed effects do not', () => {
    // In space a high feature values come with low labels *between* spaces, high within.
    const a = space(300, 4, { scale: 1, offset: 90, shift: -5, flip: 1 });
    const b = space(300, 5, { scale: 1, offset: 30, shift: 5, flip: 1 });
    const st = fitRanker([...a.X, ...b.X], [...a.X.map(() => 'a'), ...b.X.map(() => 'b')], [...a.y, ...b.y], ['signal', 'flip', 'junk']);
    expect(st.weights[0]!).toBeGreaterThan(0);
  });

  it('is deterministic; a missing value reads as the training mean', () => {
    const a = space(100, 6, { scale: 1, offset: 0, shift: 0, flip: 1 });
    const s1 = fitRanker(a.X, a.X.map(() => 'a'), a.y, ['s', 'f', 'j']);
    const s2 = fitRanker(a.X, a.X.map(() => 'a'), a.y, ['s', 'f', 'j']);
    expect([...s1.weights]).toEqual([...s2.weights]);
    const withNaN = [Float64Array.from([NaN, NaN, NaN])];
    expect(scoreRanker(s1, withNaN)[0]).toBeCloseTo(scoreRanker(s1, [s1.center])[0]!, 12);
  });

  it('rows missing a feature teach nothing about it (partial proxy coverage)', () => {
    const a = space(400, 7, { scale: 1, offset: 0, shift: 0, flip: 1 });
    // Half the rows lack the signal feature; were they read as 0, "has a value" would dominate.
    const X = a.X.map((r, i) => (i % 2 ? Float64Array.from([NaN, r[1]!, r[2]!]) : r));
    const st = fitRanker(X, X.map(() => 'a'), a.y, ['signal', 'flip', 'junk'], { lambda: 0.1, signFilter: false });
    const full = fitRanker(a.X, a.X.map(() => 'a'), a.y, ['signal', 'flip', 'junk'], { lambda: 0.1, signFilter: false });
    expect(st.weights[0]!).toBeGreaterThan(0.3 * full.weights[0]!);
    const covered = a.X.filter((_, i) => i % 2 === 0);
    expect(kendallTau(scoreRanker(st, covered), a.y.filter((_, i) => i % 2 === 0))).toBeGreaterThan(0.6);
  });

  it('balance: a small training space weighs as much as a big one', () => {
    // Space a (2,000 rows) is ranked by feature 0, space b (100 rows) by feature 1.
    const rand = mulberry32(11);
    const rows = (n: number, k: number) => Array.from({ length: n }, () => {
      const x = Float64Array.from([gauss(rand), gauss(rand)]);
      return { x, y: x[k]! + 0.3 * gauss(rand) };
    });
    const a = rows(2000, 0);
    const b = rows(100, 1);
    const X = [...a, ...b].map((r) => r.x);
    const g = [...a.map(() => 'a'), ...b.map(() => 'b')];
    const y = [...a, ...b].map((r) => r.y);
    const cfg = { lambda: 0.1, signFilter: false };
    const rowWise = fitRanker(X, g, y, ['f0', 'f1'], cfg);
    const balanced = fitRanker(X, g, y, ['f0', 'f1'], { ...cfg, balance: true });
    expect(rowWise.weights[1]! / rowWise.weights[0]!).toBeLessThan(0.2);
    expect(balanced.weights[1]! / balanced.weights[0]!).toBeGreaterThan(0.7);
    expect(balanced.weights[1]! / balanced.weights[0]!).toBeLessThan(1.4);
  });

  it('the consistent aggregate: ±1 on features every training space agrees on, nothing on the rest', () => {
    // f0 helps in both spaces, f1 hurts in both, f2 flips sign, f3 is weak in one space.
    const rand = mulberry32(5);
    const make = (n: number, flip: number, weak: number) => Array.from({ length: n }, () => {
      const s = gauss(rand);
      const x = Float64Array.from([s + 0.5 * gauss(rand), -s + 0.5 * gauss(rand), flip * s + 0.5 * gauss(rand), weak * s + gauss(rand)]);
      return { x, y: s };
    });
    const a = make(300, 1, 1);
    const b = make(300, -1, 0);
    const X = [...a, ...b].map((r) => r.x);
    const g = [...a.map(() => 'a'), ...b.map(() => 'b')];
    const y = [...a, ...b].map((r) => r.y);
    const st = fitRanker(X, g, y, ['f0', 'f1', 'f2', 'f3'], { lambda: 0, signFilter: true, fixed: true, minCorr: 0.1 });
    expect(Array.from(st.weights)).toEqual([1, -1, 0, 0]);
    expect(st.dropped).toEqual(['f2', 'f3']);
    // It ranks a new space by f0 − f1, whatever the flipped feature does there.
    const c = make(200, 1, 1);
    expect(kendallTau(scoreRanker(st, c.map((r) => r.x)), c.map((r) => r.y))).toBeGreaterThan(0.6);
  });

  it('the training-free aggregate ranks within a set, or against a reference set', () => {
    const X = [[1, 10], [2, 30], [3, 20]].map((r) => Float64Array.from(r));
    const within = rankAggregate(X, [0, 1], [1, 1]);
    expect(within[0]!).toBeLessThan(within[2]!);
    expect(within[1]!).toBeCloseTo(within[2]!, 9);
    const ref = rankAggregate([Float64Array.from([2.5, 25])], [0, 1], [1, 1], X);
    expect(ref[0]).toBeCloseTo((2 / 3 + 2 / 3) / 2, 9);
    // Sign −1 reverses a column.
    const rev = rankAggregate(X, [0], [-1]);
    expect(rev[0]!).toBeGreaterThan(rev[2]!);
  });
});

describe('cross-space calibration and the gate', () => {
  it('one within-space slope, the mean intercept, and an interval that knows spaces sit at other levels', () => {
    // Two spaces with slope 2 within each; b's scores sit 5 higher and its labels 10 higher, so
    // both lie on one line (50 + 2 · score) and a space predicted from the other misses by noise only.
    const rand = mulberry32(21);
    const pts: [number, number, string][] = [];
    for (let i = 0; i < 300; i++) {
      const x = gauss(rand);
      pts.push([x, 50 + 2 * x + 0.2 * gauss(rand), 'a']);
      pts.push([x + 5, 60 + 2 * x + 0.2 * gauss(rand), 'b']);
    }
    const c = crossSpaceFit(pts)!;
    expect(c.slope).toBeCloseTo(2, 1);
    expect(c.halfBy).toBe('leave-one-space-out');
    expect(c.half80).toBeLessThan(1);
    // … while a real level shift between spaces widens it to about that shift.
    const shifted = pts.map(([x, y, sp]) => [x, sp === 'b' ? y + 8 : y, sp] as [number, number, string]);
    const w = crossSpaceFit(shifted)!;
    expect(w.half80).toBeGreaterThan(7);
    expect(w.half80).toBeLessThan(9);
    // One space: its residual plus its labels' spread (a prior, said so).
    const one = crossSpaceFit(pts.filter((p) => p[2] === 'a'))!;
    expect(one.halfBy).toBe('one-space');
    expect(one.half80).toBeGreaterThan(1.5);
  });

  it('a space\'s quantile map: monotone, inside its labels, with an 80 % interval that holds 80 % of its points', () => {
    const rand = mulberry32(33);
    const pts: [number, number][] = [];
    for (let i = 0; i < 2000; i++) {
      const x = gauss(rand);
      pts.push([3 + 2 * x, 90 + 4 * Math.tanh(x + 0.5 * gauss(rand))]);
    }
    const { map, halfZ } = fitQuantileMap(pts)!;
    expect(map.slope).toBeGreaterThan(0.8);
    const cal: Calibration = { intercept: 0, slope: 0, half80: 0, n: pts.length, map, halfZ };
    const byspace = { a: cal };
    const labels = pts.map((p) => p[1]);
    const [lo, hi] = [Math.min(...labels), Math.max(...labels)];
    let prev = -Infinity;
    for (const score of [-1e6, -50, -3, 0, 1, 3, 5, 9, 50, 1e6]) {
      const c = calibrated(byspace, 'a', score);
      expect(c.accuracy).toBeGreaterThanOrEqual(prev);
      expect(c.accuracy).toBeGreaterThanOrEqual(lo - 1e-3);
      expect(c.accuracy).toBeLessThanOrEqual(hi + 1e-3);
      expect(c.low).toBeLessThanOrEqual(c.accuracy);
      expect(c.high).toBeGreaterThanOrEqual(c.accuracy);
      prev = c.accuracy;
    }
    // Strictly increasing where scores differ inside the range (ties would cost rank correlation).
    expect(calibrated(byspace, 'a', 3.001).accuracy).toBeGreaterThan(calibrated(byspace, 'a', 3).accuracy);
    const inside = pts.filter(([x, y]) => { const c = calibrated(byspace, 'a', x); return y >= c.low && y <= c.high; }).length / pts.length;
    expect(inside).toBeGreaterThan(0.76);
    expect(inside).toBeLessThan(0.84);
  });

  it('the cross-space map: spaces whose scores sit at unrelated offsets get a small shrink and an interval that covers a new one', () => {
    // Every space's labels spread alike (one CIFAR-like distribution); its scores carry the
    // within-space order but sit at an offset that says nothing about its level.
    const rand = mulberry32(41);
    const make = (name: string, offset: number, n = 400): ScoredSpace & { truth: number[] } => {
      const scores: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = gauss(rand);
        scores.push(offset + s);
        y.push(91 + 2 * (0.7 * s + 0.7 * gauss(rand)));
      }
      return { space: name, scores, y, truth: y };
    };
    const spaces = [make('a', 0), make('b', 4), make('c', -3), make('d', 7)];
    const evidence = spaces.flatMap((k) => spaces.filter((t) => t !== k).map((t) => ({ t, k })));
    const cross = crossSpaceMap(evidence);
    expect(cross.halfBy).toBe('cross-space pairs');
    expect(cross.pairs).toBe(12);
    expect(cross.shrink).toBeLessThanOrEqual(0.2);
    // A new space 5 sd above the one the target was learnt on.
    const a = fitQuantileMap(Array.from(spaces[0]!.scores, (v, i) => [v, spaces[0]!.y[i]!] as const))!;
    const byspace: Record<string, Calibration> = {
      a: { intercept: 0, slope: 0, half80: 0, n: 400, map: a.map, halfZ: a.halfZ },
      '*': { intercept: 0, slope: 0, half80: 0, n: 400, halfZ: cross.halfZ, shrink: cross.shrink, spaces: ['a'] },
    };
    const fresh = make('e', 5, 2000);
    const pred = Array.from(fresh.scores, (v) => calibrated(byspace, '*', v));
    const inside = pred.filter((c, i) => fresh.truth[i]! >= c.low && fresh.truth[i]! <= c.high).length / pred.length;
    expect(inside).toBeGreaterThan(0.7);
    expect(inside).toBeLessThan(0.9);
    // Its order is the ranker's, and its level stays inside the training space's labels (at the
    // top of them, where its scores lie), not the 5 sd above them a line would extrapolate to.
    expect(kendallTau(pred.map((c) => c.accuracy), Array.from(fresh.scores))).toBeCloseTo(1, 6);
    const median = [...pred.map((c) => c.accuracy)].sort((x, y) => x - y)[1000]!;
    const top = [...spaces[0]!.y].sort((x, y) => x - y)[396]!;
    expect(median).toBeGreaterThan(91);
    expect(median).toBeLessThan(top);
    // Nothing to compare: a prior (the training labels' central 80 %), said so.
    expect(crossSpaceMap([]).halfBy).toBe('one-space prior');
  });

  it('a checkpoint from before the quantile maps reads its linear calibration', () => {
    const old: Record<string, Calibration> = { a: { intercept: 80, slope: 2, half80: 3, n: 10 }, '*': { intercept: 78, slope: 2, half80: 6, n: 10, halfBy: 'leave-one-space-out' } };
    expect(calibrated(old, 'a', 1)).toEqual({ accuracy: 82, low: 79, high: 85 });
    expect(calibrated(old, '*', 1)).toEqual({ accuracy: 80, low: 74, high: 86 });
  });

  it('the gate: the tighter of pooled and the nearest space\'s own; never near between spaces', () => {
    const m = { gateDistance: 0.1, gateBySpace: { tight: { gate: 0.03, p99: 0.05 }, loose: { gate: 0.3, p99: 0.4 } }, distancePercentiles: { p50: 0.05, p95: 0.15, p99: 0.2 } };
    expect(gateFor(m, { distance: 0.02, space: 'tight', unanimous: true })).toBe(0.03);
    expect(gateFor(m, { distance: 0.02, space: 'loose', unanimous: true })).toBe(0.1);
    expect(gateFor(m, { distance: 0.02, space: 'tight', unanimous: false })).toBe(0);
    expect(gateFor(m, { distance: 0.02, space: null })).toBe(0.1);
    expect(adjacentFor(m, { distance: 0.02, space: 'loose' })).toBe(0.4);
    expect(adjacentFor(m, { distance: 0.02, space: 'other' })).toBe(0.2);
  });
});

describe('gate distances', () => {
  it('is the mean distance to the k nearest reference rows, leaving a row out of its own neighbours', () => {
    const ref = Float32Array.from([0, 0, 1, 0, 0, 1, 5, 5]);
    const [d] = gateDistances(ref, 2, [Float32Array.from([0, 0])], 2);
    expect(d).toBeCloseTo((0 + 1) / 2, 9);
    const [self] = gateDistances(ref, 2, [Float32Array.from([0, 0])], 2, [0]);
    expect(self).toBeCloseTo(1, 9);
  });
});

describe('target domains', () => {
  const domain = domainOf([{ resolution: 224, channels: 3, classes: 1000 }, { resolution: 288, channels: 3, classes: 1000 }]);
  it('records the training range and checks a model against it', () => {
    expect(domain.resolution).toEqual([224, 288]);
    expect(checkDomain({ resolution: 256, channels: 3, classes: 1000 }, domain).inDomain).toBe(true);
    const small = checkDomain({ resolution: 32, channels: 3, classes: 10 }, domain);
    expect(small.inDomain).toBe(false);
    expect(small.reason).toMatch(/32 px is outside the 224–288 px/);
    expect(checkDomain({ resolution: 224, channels: 1, classes: 1000 }, domain).reason).toMatch(/1 input channels/);
  });
  it('unknown facts do not exclude', () => {
    expect(checkDomain({ resolution: null, channels: null, classes: null }, domain).inDomain).toBe(true);
    expect(checkDomain({ resolution: 32, channels: 3, classes: 10 }, undefined).inDomain).toBe(true);
  });
});

describe('target domains: classes', () => {
  const domain = domainOf([{ resolution: 224, channels: 3, classes: 1000 }]);
  it('the input is checked first, the classes last', () => {
    expect(checkDomain({ resolution: 32, channels: 3, classes: 10 }, domain, 'imagenet').reason).toMatch(/32 px is outside/);
    expect(checkDomain({ resolution: 224, channels: 3, classes: 10 }, domain, 'imagenet').reason).toBe('10 outputs; imagenet has 1000 classes');
    expect(checkDomain({ resolution: 224, channels: 3, classes: 1000 }, domain, 'imagenet').inDomain).toBe(true);
  });
});

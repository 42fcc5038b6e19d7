/**
 * The set ranker (src/predictor/set-ranker.ts) alone, on synthetic sets whose truth is known:
 * which within-set signal ranks a set depends on the kind of network, visible in a context column.
 */
import { describe, expect, it } from 'vitest';
import { kendallTau } from '../src/predictor/metrics.ts';
import { fitSetRanker, MIN_SET, reorderByScore, scoreSet, SET_CONTEXT, setFeatures, setSide } from '../src/predictor/set-ranker.ts';
import { mulberry32 } from '../src/random.ts';

const NAMES = ['log_params', 'log_macs', 'log_resolution', 'proxy_naswot', 'frac_depthwise'];

/**
 * A set of n graphs. Cells (depthwise share 0, one resolution): accuracy follows the proxy, whose
 * scale differs per set. Zoos (depthwise share > 0, varied resolution): accuracy follows size,
 * and the proxy runs against it.
 */
function makeSet(kind: 'cells' | 'zoo', n: number, seed: number): { scalars: Float64Array[]; y: number[] } {
  const r = mulberry32(seed);
  const scale = 1 + 10 * r();
  const scalars: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = 13 + 2 * r();
    const proxy = r();
    const noise = 0.2 * r();
    if (kind === 'cells') {
      scalars.push(Float64Array.from([size, size + 5, 3.5, scale * proxy, 0]));
      y.push(proxy + noise);
    } else {
      scalars.push(Float64Array.from([size, size + 5 + r(), 5 + r(), scale * (1 - (size - 13) / 2) + 0.1 * proxy, 0.3 + 0.3 * r()]));
      y.push(size + noise);
    }
  }
  return { scalars, y };
}

describe('set ranker', () => {
  it('reads each signal within its set: rescaling a column for the whole set changes nothing', () => {
    const { scalars } = makeSet('cells', 30, 1);
    const a = setFeatures(NAMES, scalars);
    const b = setFeatures(NAMES, scalars.map((r) => Float64Array.from(r, (v, j) => (j === 3 ? 1000 * v + 7 : v))));
    for (let i = 0; i < a.length; i++) expect(a[i]![3]).toBeCloseTo(b[i]![3]!, 12);
    // Within-set scores, then the raw context.
    expect(a[0]!.length).toBe(NAMES.length + SET_CONTEXT.length);
  });

  it('learns which signal ranks which kind of set, and transfers to new sets of each kind', () => {
    const train = [0, 1, 2, 3].flatMap((s) => [{ name: `cells-${s}`, ...makeSet('cells', 200, 10 + s) }, { name: `zoo-${s}`, ...makeSet('zoo', 200, 20 + s) }]);
    const state = fitSetRanker(NAMES, train);
    expect(Object.keys(state.trainedOn)).toHaveLength(8);
    // The gate splits cells from zoos by a spread, and each side learns its own expert.
    for (const [name, t] of Object.entries(state.trainedOn)) expect(t.side, name).toBe(name.startsWith('cells') ? 'low' : 'high');
    expect(state.low.kind).toBe('trees');
    expect(state.high.kind).toBe('trees');
    for (const kind of ['cells', 'zoo'] as const) {
      const test = makeSet(kind, 150, 99);
      expect(setSide(state, test.scalars)).toBe(kind === 'cells' ? 'low' : 'high');
      const tau = kendallTau(scoreSet(state, test.scalars)!, test.y);
      expect(tau, kind).toBeGreaterThan(0.6);
      // Neither a single global signal does that on both kinds.
      const proxyTau = kendallTau(test.scalars.map((r) => r[3]!), test.y);
      const sizeTau = kendallTau(test.scalars.map((r) => r[0]!), test.y);
      expect(tau).toBeGreaterThan(Math.min(proxyTau, sizeTau) + 0.3);
    }
  });

  it('a set no fixed expert orders teaches nothing: its side falls back to the fixed expert', () => {
    const noise = (seed: number) => { const s = makeSet('cells', 200, seed); const r = mulberry32(seed + 1); return { ...s, y: s.y.map(() => r()) }; };
    const state = fitSetRanker(NAMES, [{ name: 'cells', ...makeSet('cells', 200, 1) }, { name: 'noise', ...noise(2) }, { name: 'zoo-a', ...makeSet('zoo', 200, 3) }, { name: 'zoo-b', ...makeSet('zoo', 200, 4) }]);
    expect(state.low).toMatchObject({ kind: 'fixed', name: 'aggregate' });
    expect(state.high.kind).toBe('trees');
  });

  it('is deterministic and permutation-equivariant; no score below MIN_SET graphs', () => {
    const train = [{ name: 'a', ...makeSet('cells', 100, 3) }, { name: 'b', ...makeSet('zoo', 100, 4) }];
    const s1 = fitSetRanker(NAMES, train);
    const s2 = fitSetRanker(NAMES, train);
    expect(JSON.stringify(s1)).toBe(JSON.stringify(s2));
    const test = makeSet('cells', 40, 5);
    const score = scoreSet(s1, test.scalars)!;
    const perm = test.scalars.map((_, i) => (i * 7) % 40);
    const permuted = scoreSet(s1, perm.map((i) => test.scalars[i]!))!;
    perm.forEach((i, k) => expect(permuted[k]).toBe(score[i]));
    expect(scoreSet(s1, test.scalars.slice(0, MIN_SET - 1))).toBeNull();
  });

  it('reorderByScore hands out the per-file values in the score order', () => {
    const out = reorderByScore([0.3, -1, 2, 0.5], [70, 80, 60, 75]);
    expect(out).toEqual([70, 60, 80, 75]);
    expect([...out].sort()).toEqual([60, 70, 75, 80]);
  });
});

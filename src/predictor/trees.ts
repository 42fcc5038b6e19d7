/**
 * Gradient-boosted regression trees over the scalar features (static descriptors and zero-cost
 * proxies): the in-space part that learns the interactions a linear ranker cannot (on NB201 with
 * 1,000 training cells, τ 0.82 where the best linear combination reaches 0.74; docs/RESULTS.md).
 *
 * Histogram boosting, squared loss on the standardised label: every feature is cut into at most
 * `bins` quantile bins once; each tree grows level by level from per-node histograms, so a tree
 * costs O(rows × features × depth). A missing value (a proxy that could not run) has its own bin
 * and goes to whichever side fits better. Leaves are shrunk towards 0 (L2, `lambda`); rows are
 * subsampled per tree with a seeded generator, so a fit is deterministic for (data, config).
 * Pure numerics: no I/O. The state is plain JSON (checkpoints).
 */
import { mulberry32 } from '../random.ts';

export interface TreesConfig {
  readonly trees: number;
  readonly depth: number;
  readonly learningRate: number;
  /** Share of rows each tree is grown on. */
  readonly subsample: number;
  /** Fewest rows a leaf may hold. */
  readonly minLeaf: number;
  /** L2 shrinkage of leaf values (in rows). */
  readonly lambda: number;
  /** Quantile bins per feature (≤ 255). */
  readonly bins: number;
  readonly seed: number;
}

export const DEFAULT_TREES_CONFIG: TreesConfig = Object.freeze({ trees: 300, depth: 4, learningRate: 0.05, subsample: 0.8, minLeaf: 5, lambda: 1, bins: 32, seed: 0 });

/** One tree, flat: node k splits on `feature[k]` (−1: a leaf worth `value[k]`). */
export interface Tree {
  readonly feature: number[];
  readonly threshold: number[];
  /** 1 when a missing value goes left. */
  readonly nanLeft: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
}

export interface TreesState {
  readonly version: 1;
  /** Feature count the trees read. */
  readonly features: number;
  /** label ≈ mean + scale · (sum of tree outputs · learningRate). */
  readonly mean: number;
  readonly scale: number;
  readonly learningRate: number;
  readonly trees: readonly Tree[];
}

/** Ascending cut points of one feature: bin b holds the values ≤ cuts[b] (and above the last cut, bin cuts.length). */
function cutPoints(values: Float64Array, bins: number): number[] {
  const v = values.filter(Number.isFinite).sort();
  if (v.length === 0) return [];
  const cuts: number[] = [];
  for (let q = 1; q < bins; q++) {
    const c = v[Math.min(v.length - 1, Math.floor((q * v.length) / bins))]!;
    if (cuts.length === 0 || c > cuts[cuts.length - 1]!) cuts.push(c);
  }
  // The largest value needs no cut of its own.
  while (cuts.length > 0 && cuts[cuts.length - 1]! >= v[v.length - 1]!) cuts.pop();
  return cuts;
}

function binOf(cuts: readonly number[], v: number): number {
  if (!Number.isFinite(v)) return -1;
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= cuts[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Split { gain: number; feature: number; bin: number; nanLeft: boolean }

/**
 * Fits boosted trees to `y` (finite) from rows `X` (NaN = missing). Throws on fewer than 2 rows
 * or rows of different widths (programming errors; callers filter).
 */
export function fitTrees(X: readonly ArrayLike<number>[], y: readonly number[], config: TreesConfig = DEFAULT_TREES_CONFIG): TreesState {
  const n = X.length;
  if (n < 2 || y.length !== n) throw new RangeError(`fitTrees needs at least 2 rows and one label per row, got ${n} rows and ${y.length} labels`);
  const d = X[0]!.length;
  if (config.bins < 2 || config.bins > 255) throw new RangeError(`bins must be in 2..255, got ${config.bins}`);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const scale = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n) || 1;
  const z = Float64Array.from(y, (v) => (v - mean) / scale);

  // Bins: column-major uint8, 255 = missing.
  const cuts: number[][] = [];
  const binned: Uint8Array[] = [];
  const width: number[] = [];
  for (let j = 0; j < d; j++) {
    const col = Float64Array.from(X, (r) => r[j]!);
    const c = cutPoints(col, config.bins);
    cuts.push(c);
    width.push(c.length + 1);
    binned.push(Uint8Array.from(col, (v) => { const b = binOf(c, v); return b < 0 ? 255 : b; }));
  }

  const rand = mulberry32(config.seed >>> 0);
  const pred = new Float64Array(n);
  const res = new Float64Array(n);
  const trees: Tree[] = [];
  const maxBins = Math.max(1, ...width);
  const sum = new Float64Array(maxBins);
  const cnt = new Float64Array(maxBins);

  const bestSplit = (rows: Int32Array): Split | null => {
    let total = 0;
    for (const i of rows) total += res[i]!;
    const m = rows.length;
    const parent = (total * total) / (m + config.lambda);
    let best: Split | null = null;
    for (let j = 0; j < d; j++) {
      const w = width[j]!;
      if (w < 2) continue;
      sum.fill(0, 0, w);
      cnt.fill(0, 0, w);
      let nanSum = 0;
      let nanCnt = 0;
      const col = binned[j]!;
      for (const i of rows) {
        const b = col[i]!;
        if (b === 255) { nanSum += res[i]!; nanCnt++; } else { sum[b]! += res[i]!; cnt[b]!++; }
      }
      let sl = 0;
      let nl = 0;
      for (let b = 0; b < w - 1; b++) {
        sl += sum[b]!;
        nl += cnt[b]!;
        for (const nanLeft of nanCnt > 0 ? [true, false] : [false]) {
          const L = nanLeft ? sl + nanSum : sl;
          const NL = nanLeft ? nl + nanCnt : nl;
          const NR = m - NL;
          if (NL < config.minLeaf || NR < config.minLeaf) continue;
          const R = total - L;
          const gain = (L * L) / (NL + config.lambda) + (R * R) / (NR + config.lambda) - parent;
          if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, feature: j, bin: b, nanLeft };
        }
      }
    }
    return best;
  };

  for (let k = 0; k < config.trees; k++) {
    for (let i = 0; i < n; i++) res[i] = z[i]! - pred[i]!;
    const sample: number[] = [];
    for (let i = 0; i < n; i++) if (rand() < config.subsample) sample.push(i);
    if (sample.length < 2 * config.minLeaf) continue;
    const tree: Tree = { feature: [], threshold: [], nanLeft: [], left: [], right: [], value: [] };
    const grow = (rows: Int32Array, depth: number): number => {
      const id = tree.feature.length;
      tree.feature.push(-1); tree.threshold.push(0); tree.nanLeft.push(0); tree.left.push(-1); tree.right.push(-1);
      let s = 0;
      for (const i of rows) s += res[i]!;
      tree.value.push(s / (rows.length + config.lambda));
      if (depth === 0 || rows.length < 2 * config.minLeaf) return id;
      const split = bestSplit(rows);
      if (split === null) return id;
      const col = binned[split.feature]!;
      const goesLeft = (i: number) => { const b = col[i]!; return b === 255 ? split.nanLeft : b <= split.bin; };
      const L = rows.filter(goesLeft);
      const R = rows.filter((i) => !goesLeft(i));
      tree.feature[id] = split.feature;
      tree.threshold[id] = cuts[split.feature]![split.bin]!;
      tree.nanLeft[id] = split.nanLeft ? 1 : 0;
      tree.left[id] = grow(L, depth - 1);
      tree.right[id] = grow(R, depth - 1);
      return id;
    };
    grow(Int32Array.from(sample), config.depth);
    trees.push(tree);
    for (let i = 0; i < n; i++) pred[i]! += config.learningRate * evalTree(tree, X[i]!);
  }
  return { version: 1, features: d, mean, scale, learningRate: config.learningRate, trees };
}

function evalTree(t: Tree, x: ArrayLike<number>): number {
  let k = 0;
  while (t.feature[k]! >= 0) {
    const v = x[t.feature[k]!]!;
    const left = Number.isFinite(v) ? v <= t.threshold[k]! : t.nanLeft[k] === 1;
    k = left ? t.left[k]! : t.right[k]!;
  }
  return t.value[k]!;
}

/** Predictions in the label's units. */
export function predictTrees(state: TreesState, X: readonly ArrayLike<number>[]): Float64Array {
  return Float64Array.from(X, (x) => {
    let s = 0;
    for (const t of state.trees) s += evalTree(t, x);
    return state.mean + state.scale * state.learningRate * s;
  });
}

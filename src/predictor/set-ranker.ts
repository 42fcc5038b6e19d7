/**
 * The set ranker (predictor v6, issue 22): when many graphs are ranked together, the set itself is
 * context. Every scalar signal (size, depth, op mix, each proxy) is read as its normal score
 * *within the set* — as the training-free aggregate does, so no proxy's scale has to transfer
 * between spaces — beside the raw context each file shows (size, resolution, depth, op mix) and
 * the set's own spread (one skeleton, or a zoo of families?). Boosted trees learn, across every
 * training space at once, how much each within-set signal counts for which kind of network;
 * the label is the within-space normal score of each space's primary accuracy.
 *
 * A score depends on the rest of the set by design: callers say so in their output. Permuting the
 * set permutes the scores; nothing else about the order matters. Pure numerics, plain-JSON state.
 */
import { shuffled } from '../random.ts';
import { normalScores } from './ranker.ts';
import { fitTrees, predictTrees, type TreesConfig, type TreesState } from './trees.ts';

/** Raw context columns the trees read beside the within-set scores (by scalar name). */
export const SET_CONTEXT = Object.freeze(['log_params', 'log_macs', 'log_resolution', 'log_depth_weighted', 'frac_depthwise', 'frac_conv1', 'frac_conv3', 'n_skip_adds', 'log_max_channels']);
/** Columns whose spread over the set describes it (a search space's cells vary little in these). */
export const SET_SPREAD = Object.freeze(['log_params', 'log_macs', 'log_resolution', 'log_depth_weighted', 'frac_depthwise']);
/** Fewest graphs a set ranking is made for: below it, within-set normal scores are too coarse. */
export const MIN_SET = 10;

export const SET_TREES_CONFIG: TreesConfig = Object.freeze({ trees: 150, depth: 3, learningRate: 0.05, subsample: 0.8, minLeaf: 20, lambda: 1, bins: 32, seed: 0 });

export interface SetRankerState {
  readonly version: 1;
  /** The scalar names rows are read in (the checkpoint's scalar layout). */
  readonly scalarNames: readonly string[];
  readonly trees: TreesState;
  /** Training sets and rows per set (provenance). */
  readonly trainedOn: Readonly<Record<string, number>>;
}

function std(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  if (f.length < 2) return 0;
  const m = f.reduce((a, b) => a + b, 0) / f.length;
  return Math.sqrt(f.reduce((a, b) => a + (b - m) ** 2, 0) / f.length);
}

/**
 * The trees' input rows for one set: each scalar as a normal score within the set (a value missing
 * in a row, or a column with fewer than two values, at 0), the raw context, the set's spread.
 */
export function setFeatures(scalarNames: readonly string[], rows: readonly ArrayLike<number>[]): Float64Array[] {
  const d = scalarNames.length;
  const ctx = SET_CONTEXT.map((n) => scalarNames.indexOf(n));
  const spread = SET_SPREAD.map((n) => scalarNames.indexOf(n)).map((j) => (j < 0 ? 0 : std(rows.map((r) => r[j]!))));
  const out = rows.map(() => new Float64Array(d + ctx.length + spread.length));
  for (let j = 0; j < d; j++) {
    const idx: number[] = [];
    for (let i = 0; i < rows.length; i++) if (Number.isFinite(rows[i]![j]!)) idx.push(i);
    if (idx.length < 2) continue;
    const z = normalScores(Float64Array.from(idx, (i) => rows[i]![j]!));
    idx.forEach((i, k) => { out[i]![j] = z[k]!; });
  }
  rows.forEach((r, i) => {
    ctx.forEach((j, k) => { out[i]![d + k] = j < 0 ? NaN : r[j]!; });
    spread.forEach((v, k) => { out[i]![d + ctx.length + k] = v; });
  });
  return out;
}

export interface TrainingSet {
  readonly name: string;
  readonly scalars: readonly ArrayLike<number>[];
  /** The set's accuracy labels (finite). */
  readonly y: readonly number[];
}

/** Trees on every training set at once (each set's labels as normal scores within it). */
export function fitSetRanker(scalarNames: readonly string[], sets: readonly TrainingSet[], config: TreesConfig = SET_TREES_CONFIG): SetRankerState {
  const use = sets.filter((s) => s.y.length >= MIN_SET);
  if (use.length === 0) throw new RangeError(`the set ranker needs a training set of at least ${MIN_SET} labelled graphs`);
  const X = use.flatMap((s) => setFeatures(scalarNames, s.scalars));
  const y = use.flatMap((s) => [...normalScores(s.y)]);
  return { version: 1, scalarNames: [...scalarNames], trees: fitTrees(X, y, config), trainedOn: Object.fromEntries(use.map((s) => [s.name, s.y.length])) };
}

/** Scores of a set of graphs (higher: more accurate); null below MIN_SET graphs. */
export function scoreSet(state: SetRankerState, scalars: readonly ArrayLike<number>[]): Float64Array | null {
  if (scalars.length < MIN_SET) return null;
  return predictTrees(state.trees, setFeatures(state.scalarNames, scalars));
}

/**
 * Accuracies for a set in the set ranker's order: the per-file predictions, sorted, handed out by
 * rank of the set score (the same values, reordered), so what the set changes is the order alone
 * and the level stays the model's. Ties in the score keep the per-file order.
 */
export function reorderByScore(score: ArrayLike<number>, perFile: readonly number[]): number[] {
  const n = perFile.length;
  const byScore = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]! || perFile[a]! - perFile[b]! || a - b);
  const values = [...perFile].sort((a, b) => a - b);
  const out = new Array<number>(n);
  byScore.forEach((i, r) => { out[i] = values[r]!; });
  return out;
}

/** Rows per training space the set ranker learns from (seeded): no space dominates the fit. */
export const SET_TRAIN_CAP = 2000;

/**
 * Training sets from labelled rows: one set per space (its rows with a finite label), at most
 * `cap` of them, drawn with `seed`.
 */
export function setsBySpace(rows: readonly { space: string; scalars: ArrayLike<number>; label: number }[], seed: number, cap: number = SET_TRAIN_CAP): TrainingSet[] {
  const by = new Map<string, { scalars: ArrayLike<number>; label: number }[]>();
  for (const r of rows) if (Number.isFinite(r.label)) (by.get(r.space) ?? by.set(r.space, []).get(r.space)!).push(r);
  return [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, rs]) => {
    const pick = shuffled(rs, seed).slice(0, cap);
    return { name, scalars: pick.map((r) => r.scalars), y: pick.map((r) => r.label) };
  });
}

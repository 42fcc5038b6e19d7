/**
 * The set ranker (predictor v6, issue 22): when many graphs are ranked together, the set itself is
 * context. Which signal orders a set depends on the kind of set: the training-free aggregate of
 * the proxies ranks the cells of one search-space skeleton, size ranks a zoo of hand-designed
 * families, and each turns weak or negative on the other kind (docs/RESULTS.md). So:
 *
 *  1. **A gate on the set**: spread statistics of the set (e.g. the standard deviation of log
 *     max channels: cells of one skeleton vary little, a zoo a lot) vote on which side the whole
 *     set belongs to. The split of the training sets is the stump (one statistic, one threshold)
 *     whose sides, each answered by the better fixed expert there (aggregate or MACs), rank the
 *     training sets best; every statistic that reproduces that split votes, its threshold midway
 *     between the nearest training sets on either side; the majority decides. A tie goes to the side
 *     whose fixed expert costs the other side's training sets least when it is wrong (measured on
 *     them: on our spaces, MACs on cells loses τ 0.11 against the aggregate, the aggregate on zoos
 *     0.25 against MACs). One statistic alone sent the 36 pycls RegNets (a design space whose
 *     node counts vary little, whose widths vary a lot) to the cells' side: τ −0.12 where MACs has 0.82.
 *  2. **An expert per side**: boosted trees on the within-set normal scores of every scalar
 *     signal and the raw context the file shows, trained on that side's *teaching* sets (sets some
 *     fixed expert ranks at τ ≥ TEACH_TAU: NB201 cells trained on NinaPro, which no signal orders,
 *     teach only noise and, being the same cells, drowned NB201's order: τ 0.72 → 0.14) — when
 *     leaving each teaching set out in turn, trees learnt on the others rank it better on average
 *     than the side's fixed expert; otherwise (and with fewer than MIN_TEACHING teaching sets)
 *     the fixed expert. The simpler expert wins ties.
 *
 * Signals are read within the set, so no proxy's scale has to transfer between spaces. A score
 * depends on the rest of the set by design: callers say so. Permuting the set permutes the
 * scores. Pure numerics, plain-JSON state.
 */
import { shuffled } from '../random.ts';
import { kendallTau } from './metrics.ts';
import { normalScores, rankAggregate } from './ranker.ts';
import { AGGREGATE_FEATURES } from './scalars.ts';
import { fitTrees, predictTrees, type TreesConfig, type TreesState } from './trees.ts';

/** Raw context columns the trees read beside the within-set scores (by scalar name). */
export const SET_CONTEXT = Object.freeze(['log_params', 'log_macs', 'log_resolution', 'log_depth_weighted', 'frac_depthwise', 'frac_conv1', 'frac_conv3', 'n_skip_adds', 'log_max_channels']);
/** Spread statistics the gate may split on (standard deviation over the set of each column). */
export const GATE_STATISTICS = Object.freeze(['log_nodes', 'log_max_channels', 'log_resolution', 'frac_depthwise', 'log_params', 'log_macs']);
export const FIXED_EXPERTS = ['aggregate', 'macs'] as const;
export type FixedExpert = (typeof FIXED_EXPERTS)[number];
/** Fewest graphs a set ranking is made for: below it, within-set normal scores are too coarse. */
export const MIN_SET = 10;
/** A training set teaches an expert when some fixed expert ranks it at least this well. */
export const TEACH_TAU = 0.2;
/** Teaching sets a side needs before its expert is learnt rather than fixed. */
export const MIN_TEACHING = 2;
/** Rows per training space the set ranker learns from (seeded): no space dominates the fit. */
export const SET_TRAIN_CAP = 2000;

export const SET_TREES_CONFIG: TreesConfig = Object.freeze({ trees: 150, depth: 3, learningRate: 0.05, subsample: 0.8, minLeaf: 20, lambda: 1, bins: 32, seed: 0 });

export type Expert = { readonly kind: 'fixed'; readonly name: FixedExpert } | { readonly kind: 'trees'; readonly trees: TreesState; readonly sets: readonly string[] };

export interface SetRankerState {
  readonly version: 2;
  /** The scalar names rows are read in (the checkpoint's scalar layout). */
  readonly scalarNames: readonly string[];
  /** Each vote: a set whose spread of `statistic` is at most `threshold` goes to `low`, else `high`; widest margin first. */
  readonly gate: readonly { readonly statistic: string; readonly threshold: number; readonly margin: number }[];
  /** The side a tied vote goes to. */
  readonly tieSide: 'low' | 'high';
  readonly low: Expert;
  readonly high: Expert;
  /** Per training set: rows, the side the gate put it on, its spread, and the fixed experts' τ on it. */
  readonly trainedOn: Readonly<Record<string, { readonly n: number; readonly side: 'low' | 'high'; readonly spread: number; readonly aggregate: number; readonly macs: number }>>;
}

export interface TrainingSet {
  readonly name: string;
  readonly scalars: readonly ArrayLike<number>[];
  /** The set's accuracy labels (finite). */
  readonly y: readonly number[];
}

/** Standard deviation of column `j` over the set (finite values; 0 with fewer than two). */
export function spread(rows: readonly ArrayLike<number>[], j: number): number {
  if (j < 0) return 0;
  const f: number[] = [];
  for (const r of rows) if (Number.isFinite(r[j]!)) f.push(r[j]!);
  if (f.length < 2) return 0;
  const m = f.reduce((a, b) => a + b, 0) / f.length;
  return Math.sqrt(f.reduce((a, b) => a + (b - m) ** 2, 0) / f.length);
}

/**
 * The trees' input rows for one set: each scalar as a normal score within the set (a value missing
 * in a row, or a column with fewer than two values, at 0), then the raw context.
 */
export function setFeatures(scalarNames: readonly string[], rows: readonly ArrayLike<number>[]): Float64Array[] {
  const d = scalarNames.length;
  const ctx = SET_CONTEXT.map((n) => scalarNames.indexOf(n));
  const out = rows.map(() => new Float64Array(d + ctx.length));
  for (let j = 0; j < d; j++) {
    const idx: number[] = [];
    for (let i = 0; i < rows.length; i++) if (Number.isFinite(rows[i]![j]!)) idx.push(i);
    if (idx.length < 2) continue;
    const z = normalScores(Float64Array.from(idx, (i) => rows[i]![j]!));
    idx.forEach((i, k) => { out[i]![j] = z[k]!; });
  }
  rows.forEach((r, i) => ctx.forEach((j, k) => { out[i]![d + k] = j < 0 ? NaN : r[j]!; }));
  return out;
}

/** A fixed expert's scores for a set: the training-free aggregate, or log MACs (missing lowest). */
export function fixedScores(name: FixedExpert, scalarNames: readonly string[], rows: readonly ArrayLike<number>[]): Float64Array {
  if (name === 'aggregate') {
    const cols = AGGREGATE_FEATURES.map((n) => scalarNames.indexOf(n)).filter((j) => j >= 0);
    return rankAggregate(rows, cols, cols.map(() => 1));
  }
  const j = scalarNames.indexOf('log_macs');
  return Float64Array.from(rows, (r) => (j >= 0 && Number.isFinite(r[j]!) ? r[j]! : -Infinity));
}

/** Trees over the teaching sets of one side (labels as normal scores within each set). */
function fitExpertTrees(scalarNames: readonly string[], sets: readonly TrainingSet[], config: TreesConfig): TreesState {
  return fitTrees(sets.flatMap((s) => setFeatures(scalarNames, s.scalars)), sets.flatMap((s) => [...normalScores(s.y)]), config);
}

/** The fixed experts' τ on each training set (NaN read as 0) and the better fixed expert over some of them. */
class FixedTaus {
  private readonly tau: { aggregate: number; macs: number }[];
  constructor(scalarNames: readonly string[], readonly sets: readonly TrainingSet[]) {
    this.tau = sets.map((s) => ({ aggregate: kendallTau(fixedScores('aggregate', scalarNames, s.scalars), s.y), macs: kendallTau(fixedScores('macs', scalarNames, s.scalars), s.y) }));
  }
  raw(i: number): { aggregate: number; macs: number } {
    return this.tau[i]!;
  }
  of(i: number, e: FixedExpert): number {
    const t = this.tau[i]![e];
    return Number.isFinite(t) ? t : 0;
  }
  /** The fixed expert with the larger τ summed over `idx` (aggregate on ties); all sets when `idx` is empty. */
  best(idx: readonly number[]): { name: FixedExpert; sum: number } {
    const use = idx.length > 0 ? idx : this.sets.map((_, i) => i);
    const sums = FIXED_EXPERTS.map((e) => ({ name: e, sum: use.reduce((a, i) => a + this.of(i, e), 0) }));
    return sums.reduce((a, b) => (b.sum > a.sum + 1e-12 ? b : a));
  }
}

interface FittedGate {
  readonly votes: SetRankerState['gate'];
  readonly tieSide: 'low' | 'high';
  /** Training sets on the low side. */
  readonly low: ReadonlySet<number>;
  /** Each training set's spread of the splitting statistic. */
  readonly spreads: readonly number[];
}

/**
 * The gate: the stump (statistic, threshold) whose sides, each answered by its better fixed
 * expert, rank the training sets best (the widest relative margin on ties); then every statistic
 * that splits the training sets the same way, as a vote; and the side ties go to.
 */
function fitGate(scalarNames: readonly string[], taus: FixedTaus): FittedGate {
  const sets = taus.sets;
  const all = sets.map((_, i) => i);
  let stump = { score: -Infinity, margin: -Infinity, statistic: GATE_STATISTICS[0]!, threshold: Infinity, spreads: [] as number[] };
  for (const statistic of GATE_STATISTICS) {
    const j = scalarNames.indexOf(statistic);
    if (j < 0) continue;
    const spreads = sets.map((s) => spread(s.scalars, j));
    const sorted = [...spreads].sort((a, b) => a - b);
    const range = sorted[sorted.length - 1]! - sorted[0]! || 1;
    // Every split between neighbouring training sets, and none (all on the low side).
    const cuts = [...sorted.slice(1).map((x, i) => (x + sorted[i]!) / 2).filter((t, i) => sorted[i + 1]! > sorted[i]!), sorted[sorted.length - 1]!];
    for (const threshold of cuts) {
      const low = all.filter((i) => spreads[i]! <= threshold);
      const high = all.filter((i) => spreads[i]! > threshold);
      const score = ((low.length > 0 ? taus.best(low).sum : 0) + (high.length > 0 ? taus.best(high).sum : 0)) / sets.length;
      const margin = high.length === 0 ? 0 : Math.min(...spreads.map((v) => Math.abs(v - threshold))) / range;
      if (score > stump.score + 1e-9 || (Math.abs(score - stump.score) <= 1e-9 && margin > stump.margin)) stump = { score, margin, statistic, threshold, spreads };
    }
  }
  const low = new Set(all.filter((i) => stump.spreads[i]! <= stump.threshold));
  const lowIdx = all.filter((i) => low.has(i));
  const highIdx = all.filter((i) => !low.has(i));
  const votes: { statistic: string; threshold: number; margin: number }[] = [];
  for (const statistic of GATE_STATISTICS) {
    const j = scalarNames.indexOf(statistic);
    if (j < 0) continue;
    const v = sets.map((st) => spread(st.scalars, j));
    const lo = lowIdx.map((i) => v[i]!);
    const hi = highIdx.map((i) => v[i]!);
    const range = Math.max(...v) - Math.min(...v) || 1;
    if (hi.length === 0) { if (statistic === stump.statistic) votes.push({ statistic, threshold: Math.max(...lo), margin: 0 }); continue; }
    if (lo.length > 0 && Math.max(...lo) < Math.min(...hi)) votes.push({ statistic, threshold: (Math.max(...lo) + Math.min(...hi)) / 2, margin: (Math.min(...hi) - Math.max(...lo)) / 2 / range });
  }
  votes.sort((a, b) => b.margin - a.margin || (a.statistic < b.statistic ? -1 : 1));
  // Ties: the side whose fixed expert, applied to the other side's sets, loses least against theirs.
  const lowExpert = taus.best(lowIdx).name;
  const highExpert = taus.best(highIdx).name;
  const loss = (idx: readonly number[], own: FixedExpert, other: FixedExpert) => (idx.length === 0 ? 0 : idx.reduce((a, i) => a + taus.of(i, own) - taus.of(i, other), 0) / idx.length);
  const tieSide: 'low' | 'high' = loss(lowIdx, lowExpert, highExpert) <= loss(highIdx, highExpert, lowExpert) ? 'high' : 'low';
  return { votes, tieSide, low, spreads: stump.spreads };
}

/**
 * One side's expert: trees on its teaching sets when, leaving each out in turn, trees learnt on the
 * others rank it better on average than the side's fixed expert; else that fixed expert.
 */
function fitSideExpert(scalarNames: readonly string[], taus: FixedTaus, idx: readonly number[], config: TreesConfig): Expert {
  const sets = taus.sets;
  const fixed: Expert = { kind: 'fixed', name: taus.best(idx).name };
  const teaching = idx.filter((i) => Math.max(taus.of(i, 'aggregate'), taus.of(i, 'macs')) >= TEACH_TAU);
  if (teaching.length < MIN_TEACHING) return fixed;
  let gain = 0;
  for (const h of teaching) {
    const st = fitExpertTrees(scalarNames, teaching.filter((i) => i !== h).map((i) => sets[i]!), config);
    const t = kendallTau(predictTrees(st, setFeatures(scalarNames, sets[h]!.scalars)), sets[h]!.y);
    gain += (Number.isFinite(t) ? t : 0) - taus.of(h, fixed.name);
  }
  if (gain <= 0) return fixed;
  return { kind: 'trees', trees: fitExpertTrees(scalarNames, teaching.map((i) => sets[i]!), config), sets: teaching.map((i) => sets[i]!.name) };
}

/** The gate and an expert per side, from every training set at once. */
export function fitSetRanker(scalarNames: readonly string[], sets: readonly TrainingSet[], config: TreesConfig = SET_TREES_CONFIG): SetRankerState {
  const use = sets.filter((s) => s.y.length >= MIN_SET);
  if (use.length === 0) throw new RangeError(`the set ranker needs a training set of at least ${MIN_SET} labelled graphs`);
  const taus = new FixedTaus(scalarNames, use);
  const gate = fitGate(scalarNames, taus);
  const all = use.map((_, i) => i);
  return {
    version: 2,
    scalarNames: [...scalarNames],
    gate: gate.votes,
    tieSide: gate.tieSide,
    low: fitSideExpert(scalarNames, taus, all.filter((i) => gate.low.has(i)), config),
    high: fitSideExpert(scalarNames, taus, all.filter((i) => !gate.low.has(i)), config),
    trainedOn: Object.fromEntries(use.map((s, i) => [s.name, { n: s.y.length, side: gate.low.has(i) ? 'low' : 'high', spread: gate.spreads[i]!, ...taus.raw(i) }])),
  };
}

/** Each vote of the gate for a set: the statistic, the set's spread of it, and the side it says. */
export function gateVotes(state: SetRankerState, scalars: readonly ArrayLike<number>[]): { statistic: string; threshold: number; spread: number; side: 'low' | 'high' }[] {
  return state.gate.map((g) => {
    const v = spread(scalars, state.scalarNames.indexOf(g.statistic));
    return { statistic: g.statistic, threshold: g.threshold, spread: v, side: v <= g.threshold ? 'low' : 'high' };
  });
}

/** Which side of the gate a set falls on: the majority of the votes (ties: `tieSide`). */
export function setSide(state: SetRankerState, scalars: readonly ArrayLike<number>[]): 'low' | 'high' {
  const votes = gateVotes(state, scalars);
  const low = votes.filter((v) => v.side === 'low').length;
  if (2 * low === votes.length) return state.tieSide;
  return 2 * low > votes.length ? 'low' : 'high';
}

/** A short description of an expert (reports, the CLI). */
export function describeExpert(e: Expert): string {
  return e.kind === 'fixed' ? (e.name === 'aggregate' ? 'the proxies\' training-free aggregate' : 'MACs') : `trees on within-set signals (learnt on ${e.sets.join(', ')})`;
}

/** Scores of a set of graphs (higher: more accurate); null below MIN_SET graphs. */
export function scoreSet(state: SetRankerState, scalars: readonly ArrayLike<number>[]): Float64Array | null {
  if (scalars.length < MIN_SET) return null;
  const e = state[setSide(state, scalars)];
  return e.kind === 'fixed' ? fixedScores(e.name, state.scalarNames, scalars) : predictTrees(e.trees, setFeatures(state.scalarNames, scalars));
}

/**
 * The set ranker's order blended with the model's own: the average of the two scorings' normal
 * scores within the set (what the batch ranks by; in leave-one-space-out it beat either alone on
 * most spaces, docs/RESULTS.md).
 */
export function blendScores(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const za = normalScores(a);
  const zb = normalScores(b);
  return Float64Array.from(za, (v, i) => (v + zb[i]!) / 2);
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

/**
 * A finished batch ranked as a set (predictor v6's set ranker, src/predictor/set-ranker.ts): the
 * files scored together are context — cells of one skeleton, or a zoo of families — so their
 * order comes from the set ranker blended with the model's own per-file order (the average of
 * their normal scores within the set), and each target's per-file predicted accuracies are handed
 * out in that order (the same values, reordered; each interval moves with its value). Only when
 * most files are far from the training data: near it the per-file model ranks better. The per-file
 * predictions stay beside them (`modelPredictions`, the CSV's `<target>_model` columns), and the
 * output says which numbers depend on the set. Known architectures keep their measurement.
 */
import { NUMERIC_FEATURES } from '../predictor/graph-features.ts';
import { blendScores, describeExpert, gateVotes, MIN_SET, reorderByScore, scoreSet, setSide, type SetRankerState } from '../predictor/set-ranker.ts';
import { modelPredictions, scalarsOf } from './known.ts';
import type { BatchRow, RowPrediction } from './rows.ts';

export interface SetRanking {
  /**
   * False when most files are near the training data: there the per-file model is an in-space
   * model and ranks better than the blend (NB201, 1,000 training cells: τ 0.80 against 0.78;
   * docs/RESULTS.md), so the per-file order is kept and nothing is rewritten.
   */
  readonly applied: boolean;
  /** Files far from the training data (the `far-from-training` warning). */
  readonly far: number;
  /** Files ranked as one set. */
  readonly n: number;
  /** Scored files left out (rows without descriptors: resumed from a CSV written before them). */
  readonly leftOut: number;
  /** The gate's side, its votes (statistic, this set's spread of it, threshold, side), and the expert that ranked. */
  readonly side: 'low' | 'high';
  readonly votes: readonly { readonly statistic: string; readonly spread: number; readonly threshold: number; readonly side: 'low' | 'high' }[];
  readonly expert: string;
}

/** Whether a row's graph is far from the training data (its `far-from-training` warning). */
export function isFar(r: BatchRow): boolean {
  return Array.isArray(r.warnings) && (r.warnings as { code?: unknown }[]).some((w) => w.code === 'far-from-training');
}

/** The scalar row of a batch row: descriptors, params, MACs and proxies; null without descriptors. */
export function rowScalars(r: BatchRow): Float64Array | null {
  const d = r.descriptors as Record<string, number | null> | undefined;
  if (d === undefined || d === null || typeof d !== 'object') return null;
  const s = scalarsOf({ params: r.params, macs: r.macs, proxies: r.proxies });
  NUMERIC_FEATURES.forEach((n, j) => { const v = d[n]; if (typeof v === 'number') s[j] = v; });
  return s;
}

/** Rows ranked as a set, or the rows as they were (report null) below MIN_SET eligible files. */
export function setRankRows(rows: readonly BatchRow[], state: SetRankerState, targets: readonly string[]): { rows: BatchRow[]; report: SetRanking | null } {
  const scored = rows.map((r, i) => [r, i] as const).filter(([r]) => r.error === null);
  const eligible = scored.map(([r, i]) => [rowScalars(r), i] as const).filter((e): e is readonly [Float64Array, number] => e[0] !== null);
  const score = scoreSet(state, eligible.map(([s]) => s));
  if (score === null) return { rows: [...rows], report: null };
  const side = setSide(state, eligible.map(([s]) => s));
  const far = eligible.filter(([, i]) => isFar(rows[i]!)).length;
  const report: SetRanking = { applied: 2 * far > eligible.length, far, n: eligible.length, leftOut: scored.length - eligible.length, side, votes: gateVotes(state, eligible.map(([s]) => s)), expert: describeExpert(state[side]) };
  if (!report.applied) return { rows: [...rows], report };
  const updated = new Map<number, Record<string, RowPrediction>>();
  for (const t of targets) {
    const k = eligible.map(([, i], j) => [i, j] as const).filter(([i]) => {
      const p = modelPredictions(rows[i]!)[t];
      return p !== undefined && p.source !== 'measured' && Number.isFinite(p.accuracy);
    });
    if (k.length < MIN_SET) continue;
    const own = k.map(([i]) => modelPredictions(rows[i]!)[t]!.accuracy);
    const values = reorderByScore(blendScores(k.map(([, j]) => score[j]!), own), own);
    k.forEach(([i], m) => {
      const p = modelPredictions(rows[i]!)[t]!;
      const delta = values[m]! - p.accuracy;
      const base = updated.get(i) ?? { ...modelPredictions(rows[i]!) };
      base[t] = { ...p, accuracy: values[m]!, low: p.low + delta, high: p.high + delta, source: 'set' };
      updated.set(i, base);
    });
  }
  return { rows: rows.map((r, i) => (updated.has(i) ? { ...r, predictions: updated.get(i)!, modelPredictions: modelPredictions(r) } : r)), report };
}

/** One line for the terminal: what ranked the set, and where the per-file numbers are. */
export function formatSetRanking(s: SetRanking): string {
  if (!s.applied) return `a set of ${s.n}, ${s.n - s.far} of them near the training data: ranked by the per-file predictions (the set ranker blends in only when most files are far from it)`;
  const kind = s.side === 'low' ? 'one search-space skeleton' : 'a zoo of families';
  const left = s.leftOut > 0 ? `; ${s.leftOut} resumed row(s) without descriptors left out` : '';
  const agree = s.votes.filter((v) => v.side === s.side);
  const first = agree[0];
  const why = first ? `${agree.length} of ${s.votes.length} spreads agree, e.g. ${first.statistic} ${first.spread.toFixed(2)} ${s.side === 'low' ? '≤' : '>'} ${first.threshold.toFixed(2)}` : 'no spread statistic';
  return `ranked as a set of ${s.n} (${kind}: ${why}) by ${s.expert}, blended with the per-file predictions: the order depends on the files ranked together; per-file predictions are kept (<target>_model columns; without --set-rank the batch ranks by them)${left}`;
}

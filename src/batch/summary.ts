/**
 * What a person reads after a batch: which target each file is ranked by (the first it fits, or
 * the one asked for), the files that fit none, and each distinct warning once with its count.
 * Pure: shared by the CLI's summary table and the HTML report (report.ts).
 */
import { fittingTargets } from '../predictor/domain.ts';
import { WARNING_SUMMARIES, type WarningCode } from '../predictor/warnings.ts';
import type { BatchRow } from './rows.ts';

export interface RankGroup {
  readonly target: string;
  /** Rows ranked by this target's accuracy, best first. */
  readonly rows: readonly BatchRow[];
  /** How many of `rows` fit the target (all of them unless the target was asked for). */
  readonly fit: number;
  /** True when the target was asked for (`--target`) rather than chosen per file. */
  readonly asked: boolean;
}

export interface RankingPlan {
  readonly groups: readonly RankGroup[];
  /** Scored files that fit no target (not ranked unless a target was asked for). */
  readonly unfit: readonly BatchRow[];
  readonly failed: readonly BatchRow[];
}

/** The targets a row fits, best first: the report's `fits`, or derived from its predictions (CSV rows). */
export function rowFits(r: BatchRow): readonly string[] {
  return Array.isArray(r.fits) ? (r.fits as string[]) : fittingTargets(r.predictions);
}

const byAccuracy = (target: string) => (a: BatchRow, b: BatchRow): number =>
  b.predictions[target]!.accuracy - a.predictions[target]!.accuracy || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/**
 * Without `target`: one group per target that some file fits first, largest group first (ties in
 * target order); files fitting none go to `unfit`. With `target`: one group with every scored
 * file, `fit` counting those in its domain.
 */
export function rankingPlan(rows: readonly BatchRow[], target?: string): RankingPlan {
  const failed = rows.filter((r) => r.error !== null);
  const scored = rows.filter((r) => r.error === null);
  if (target !== undefined) {
    const with_ = scored.filter((r) => r.predictions[target] !== undefined);
    return {
      groups: with_.length > 0 ? [{ target, rows: [...with_].sort(byAccuracy(target)), fit: with_.filter((r) => r.predictions[target]!.inDomain !== false).length, asked: true }] : [],
      unfit: [], failed,
    };
  }
  const groups = new Map<string, BatchRow[]>();
  const unfit: BatchRow[] = [];
  const order: string[] = [];
  for (const r of scored) {
    const t = rowFits(r).find((x) => r.predictions[x] !== undefined);
    if (t === undefined) {
      unfit.push(r);
      continue;
    }
    if (!groups.has(t)) {
      groups.set(t, []);
      order.push(t);
    }
    groups.get(t)!.push(r);
  }
  const out = [...groups].map(([t, rs]) => ({ target: t, rows: rs.sort(byAccuracy(t)), fit: rs.length, asked: false }));
  out.sort((a, b) => b.rows.length - a.rows.length || order.indexOf(a.target) - order.indexOf(b.target));
  return { groups: out, unfit, failed };
}

export interface WarningCount {
  readonly code: string;
  /** The few words: the rows' own summary when they all agree, else the code's generic one. */
  readonly summary: string;
  readonly count: number;
  readonly files: readonly string[];
}

interface RowWarning {
  readonly code?: unknown;
  readonly summary?: unknown;
  readonly message?: unknown;
}

/** Each distinct warning code once, with how many files have it; most frequent first. */
export function warningCounts(rows: readonly BatchRow[]): WarningCount[] {
  const seen = new Map<string, { summaries: Set<string>; files: string[]; message: string }>();
  for (const r of rows) {
    const ws = Array.isArray(r.warnings) ? (r.warnings as RowWarning[]) : [];
    for (const w of ws) {
      const code = String(w.code ?? '');
      if (code === '') continue;
      const e = seen.get(code) ?? { summaries: new Set<string>(), files: [], message: String(w.message ?? '') };
      e.summaries.add(typeof w.summary === 'string' ? w.summary : '');
      if (!e.files.includes(r.file)) e.files.push(r.file);
      seen.set(code, e);
    }
  }
  const generic = WARNING_SUMMARIES as Readonly<Record<string, string>>;
  return [...seen].map(([code, e]) => {
    const only = e.summaries.size === 1 ? [...e.summaries][0]! : '';
    return { code, summary: only !== '' ? only : (Object.hasOwn(generic, code) ? generic[code as WarningCode]! : e.message), count: e.files.length, files: e.files };
  }).sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
}

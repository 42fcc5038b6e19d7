/**
 * Known results in a batch: a CSV of models the user has measured (`file,accuracy[,target]`, or a
 * `sha256` column instead of `file`), matched to the batch's rows by content hash whatever the
 * path spelling, and the adaptation of every other row's prediction to them
 * (src/predictor/adapt.ts, with the shipped model's prediction as the prior).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../errors.ts';
import { applyAdapter, fitAdapter, MIN_KNOWN, type AdapterState } from '../predictor/adapt.ts';
import { adaptSignals, MODEL_SIGNAL } from '../predictor/few-shot.ts';
import { proxyVector, SCALAR_FEATURES } from '../predictor/scalars.ts';
import { PROXY_NAMES } from '../proxies/index.ts';
import type { BatchRow, RowPrediction } from './rows.ts';

export interface KnownEntry {
  /** Content hash of the measured model. */
  readonly sha256: string;
  readonly accuracy: number;
  /** Target the accuracy is for; null: the batch's ranking target. */
  readonly target: string | null;
  /** Where the CSV named it (for messages). */
  readonly source: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads a known-results CSV. A `file` is read relative to the CSV's own folder first, then to
 * `cwd`; its bytes' hash is what matches a batch row. Accuracies are percent (a column of values
 * all within 0–1 is rejected: say 93.1, not 0.931).
 */
export function readKnownCsv(path: string, cwd: string = process.cwd()): KnownEntry[] {
  const abs = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new UsageError(`--known ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new UsageError(`--known ${path}: not a CSV (${(e as Error).message})`);
  }
  if (records.length === 0) throw new UsageError(`--known ${path}: no rows (expected a header 'file,accuracy[,target]' and one row per measured model)`);
  const cols = Object.keys(records[0]!);
  if (!cols.includes('accuracy') || (!cols.includes('file') && !cols.includes('sha256'))) {
    throw new UsageError(`--known ${path}: needs columns 'file' (or 'sha256') and 'accuracy', got ${cols.join(', ')}`);
  }
  const out = records.map((r, i): KnownEntry => {
    const line = i + 2;
    const acc = Number(r.accuracy);
    if (r.accuracy === undefined || r.accuracy === '' || !Number.isFinite(acc) || acc < 0 || acc > 100) {
      throw new UsageError(`--known ${path}: line ${line}: accuracy '${r.accuracy ?? ''}' is not a percentage in 0–100`);
    }
    let sha = (r.sha256 ?? '').toLowerCase();
    const file = r.file ?? '';
    if (sha === '') {
      if (file === '') throw new UsageError(`--known ${path}: line ${line}: neither 'file' nor 'sha256' is given`);
      const candidates = [resolve(dirname(abs), file), resolve(cwd, file)];
      const found = candidates.find((c) => existsSync(c));
      if (!found) throw new UsageError(`--known ${path}: line ${line}: model file '${file}' not found (looked beside the CSV and in the working folder)`);
      sha = createHash('sha256').update(readFileSync(found)).digest('hex');
    } else if (!HEX64.test(sha)) {
      throw new UsageError(`--known ${path}: line ${line}: sha256 '${r.sha256}' is not 64 hex digits`);
    }
    const target = (r.target ?? '').trim();
    return { sha256: sha, accuracy: acc, target: target === '' ? null : target, source: file !== '' ? file : sha.slice(0, 12) };
  });
  if (out.length >= MIN_KNOWN && out.every((k) => k.accuracy <= 1)) {
    throw new UsageError(`--known ${path}: every accuracy is within 0–1: give percentages (93.1, not 0.931)`);
  }
  return out;
}

/** What adaptation did for one target, for the summary line and the JSON output. */
export interface TargetAdaptation {
  readonly target: string;
  /** Known results matched to rows of this batch. */
  readonly k: number;
  /** Known results whose model is not in the batch. */
  readonly unmatched: readonly string[];
  /** Null when too few matched (fewer than MIN_KNOWN): predictions are the model's own. */
  readonly state: Pick<AdapterState, 'lambda' | 'pulledToward' | 'looTau' | 'priorLooTau' | 'priorTau' | 'halfWidth'> | null;
}

/** A row's predictions as the model made them, before adaptation (kept beside adapted rows). */
export function modelPredictions(r: BatchRow): Readonly<Record<string, RowPrediction>> {
  return (r.model as Record<string, RowPrediction> | undefined) ?? r.predictions;
}

/** The scalar-feature row the adapter's signals are read from (monotone transforms do not matter: signals are ranked). */
function scalarsOf(r: BatchRow): Float64Array {
  const s = new Float64Array(SCALAR_FEATURES.length).fill(NaN);
  if (r.params !== null && r.params > 0) s[SCALAR_FEATURES.indexOf('log_params')] = Math.log(r.params);
  if (r.macs !== null && r.macs > 0) s[SCALAR_FEATURES.indexOf('log_macs')] = Math.log(r.macs);
  const p = r.proxies as { proxies?: Record<string, number | null> | null; samples?: number } | null | undefined;
  const v = proxyVector(p?.proxies ?? null, p?.samples);
  PROXY_NAMES.forEach((n, j) => { s[SCALAR_FEATURES.indexOf(`proxy_${n}`)] = v[j]!; });
  return s;
}

/**
 * Adapts every scored row to the known results: for each target with at least MIN_KNOWN matched
 * results, the other rows get the adapted accuracy and interval, known rows get their measured
 * value (interval of zero width), and every row keeps the model's own prediction in `model`
 * and its measured value, if any, in `known`. Rows that failed pass through.
 */
export function adaptRows(rows: readonly BatchRow[], known: readonly KnownEntry[], defaultTarget: string, targets: readonly string[]): { rows: BatchRow[]; report: TargetAdaptation[] } {
  const byTarget = new Map<string, KnownEntry[]>();
  for (const k of known) {
    const t = k.target ?? defaultTarget;
    if (!targets.includes(t)) throw new UsageError(`--known: target '${t}' (${k.source}) is not one of the predictor's targets: ${targets.join(', ')}`);
    byTarget.set(t, [...(byTarget.get(t) ?? []), k]);
  }
  const scored = rows.map((r, i) => [r, i] as const).filter(([r]) => r.error === null && Object.keys(modelPredictions(r)).length > 0);
  const updated: (Record<string, RowPrediction> | null)[] = rows.map(() => null);
  const knownOf: Record<string, number>[] = rows.map(() => ({}));
  const report: TargetAdaptation[] = [];
  for (const [target, entries] of byTarget) {
    const idx = scored.filter(([r]) => modelPredictions(r)[target] !== undefined);
    const pos = new Map(idx.map(([r], j) => [r.sha256, j]));
    const matched = new Map<number, number>();
    const unmatched: string[] = [];
    for (const e of entries) {
      const j = pos.get(e.sha256);
      if (j === undefined) unmatched.push(e.source);
      else matched.set(j, e.accuracy); // a model listed twice: the last value counts
    }
    for (const [j, acc] of matched) knownOf[idx[j]![1]]![target] = acc;
    if (matched.size < MIN_KNOWN) {
      report.push({ target, k: matched.size, unmatched, state: null });
      continue;
    }
    const { names, rows: signals } = adaptSignals(idx.map(([r]) => modelPredictions(r)[target]!.accuracy), idx.map(([r]) => scalarsOf(r)));
    const state = fitAdapter(names, signals, [...matched].map(([index, accuracy]) => ({ index, accuracy })), { prior: MODEL_SIGNAL });
    const adapted = applyAdapter(state, signals);
    idx.forEach(([r, i], j) => {
      const base = updated[i] ?? { ...modelPredictions(r) };
      const m = base[target]!;
      const measured = matched.get(j);
      base[target] = measured !== undefined
        ? { ...m, accuracy: measured, low: measured, high: measured }
        : { ...m, accuracy: adapted[j]!.accuracy, low: adapted[j]!.low, high: adapted[j]!.high };
      updated[i] = base;
    });
    report.push({ target, k: matched.size, unmatched, state: { lambda: state.lambda, pulledToward: state.pulledToward, looTau: state.looTau, priorLooTau: state.priorLooTau, priorTau: state.priorTau, halfWidth: state.halfWidth } });
  }
  const out = rows.map((r, i): BatchRow => {
    const u = updated[i];
    const kn = knownOf[i]!;
    if (!u && Object.keys(kn).length === 0) return r;
    return { ...r, predictions: u ?? r.predictions, model: modelPredictions(r), known: kn };
  });
  return { rows: out, report };
}

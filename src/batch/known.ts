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
  /** Content hash of the measured model; null when only its name is known (HTTP: the part's file name). */
  readonly sha256: string | null;
  /** The model's file name as the CSV gives it (null with a sha256 column only). */
  readonly file: string | null;
  readonly accuracy: number;
  /** Target the accuracy is for; null: the batch's ranking target. */
  readonly target: string | null;
  /** Where the CSV named it (for messages). */
  readonly source: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses a known-results CSV (`file,accuracy[,target]`, or `sha256` instead of or beside `file`).
 * Accuracies are percent (a column of values all within 0–1 is rejected: say 93.1, not 0.931).
 * `label` names the CSV in messages.
 */
export function parseKnownCsv(text: string, label: string): KnownEntry[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (e) {
    throw new UsageError(`${label}: not a CSV (${(e as Error).message})`);
  }
  if (records.length === 0) throw new UsageError(`${label}: no rows (expected a header 'file,accuracy[,target]' and one row per measured model)`);
  const cols = Object.keys(records[0]!);
  if (!cols.includes('accuracy') || (!cols.includes('file') && !cols.includes('sha256'))) {
    throw new UsageError(`${label}: needs columns 'file' (or 'sha256') and 'accuracy', got ${cols.join(', ')}`);
  }
  const out = records.map((r, i): KnownEntry => {
    const line = i + 2;
    const acc = Number(r.accuracy);
    if (r.accuracy === undefined || r.accuracy === '' || !Number.isFinite(acc) || acc < 0 || acc > 100) {
      throw new UsageError(`${label}: line ${line}: accuracy '${r.accuracy ?? ''}' is not a percentage in 0–100`);
    }
    const sha = (r.sha256 ?? '').toLowerCase();
    const file = r.file ?? '';
    if (sha === '' && file === '') throw new UsageError(`${label}: line ${line}: neither 'file' nor 'sha256' is given`);
    if (sha !== '' && !HEX64.test(sha)) throw new UsageError(`${label}: line ${line}: sha256 '${r.sha256}' is not 64 hex digits`);
    const target = (r.target ?? '').trim();
    return { sha256: sha === '' ? null : sha, file: file === '' ? null : file, accuracy: acc, target: target === '' ? null : target, source: file !== '' ? file : sha.slice(0, 12) };
  });
  if (out.length >= MIN_KNOWN && out.every((k) => k.accuracy <= 1)) {
    throw new UsageError(`${label}: every accuracy is within 0–1: give percentages (93.1, not 0.931)`);
  }
  return out;
}

/**
 * Reads a known-results CSV from disk; each `file` is read relative to the CSV's own folder
 * first, then to `cwd`, and matched by its bytes' hash, whatever the path spelling.
 */
export function readKnownCsv(path: string, cwd: string = process.cwd()): KnownEntry[] {
  const abs = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new UsageError(`--known ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseKnownCsv(text, `--known ${path}`).map((k, i) => {
    if (k.sha256 !== null) return k;
    const found = [resolve(dirname(abs), k.file!), resolve(cwd, k.file!)].find((c) => existsSync(c));
    if (!found) throw new UsageError(`--known ${path}: line ${i + 2}: model file '${k.file}' not found (looked beside the CSV and in the working folder)`);
    return { ...k, sha256: createHash('sha256').update(readFileSync(found)).digest('hex') };
  });
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
  return (r.modelPredictions as Record<string, RowPrediction> | undefined) ?? r.predictions;
}

/** The scalar-feature row (SCALAR_FEATURES order) the adapter's signals are read from (monotone transforms do not matter: signals are ranked). */
export function scalarsOf(r: Pick<AdaptItem, 'params' | 'macs' | 'proxies'>): Float64Array {
  const s = new Float64Array(SCALAR_FEATURES.length).fill(NaN);
  if (r.params !== null && r.params > 0) s[SCALAR_FEATURES.indexOf('log_params')] = Math.log(r.params);
  if (r.macs !== null && r.macs > 0) s[SCALAR_FEATURES.indexOf('log_macs')] = Math.log(r.macs);
  const p = r.proxies as { proxies?: Record<string, number | null> | null; samples?: number } | null | undefined;
  const v = proxyVector(p?.proxies ?? null, p?.samples);
  PROXY_NAMES.forEach((n, j) => { s[SCALAR_FEATURES.indexOf(`proxy_${n}`)] = v[j]!; });
  return s;
}

/** One scored model as the adapter reads it. */
export interface AdaptItem {
  readonly sha256: string | null;
  /** The name a known result may match by (HTTP: the uploaded file's name). */
  readonly name: string;
  /** The model's own predictions; null or empty when the model failed. */
  readonly predictions: Readonly<Record<string, RowPrediction>> | null;
  readonly params: number | null;
  readonly macs: number | null;
  readonly proxies: unknown;
}

export interface AdaptedItems {
  /** Per item: the adapted predictions (known ones at their measured value), or null when unchanged. */
  readonly predictions: (Record<string, RowPrediction> | null)[];
  /** Per item: its measured accuracies by target (empty for most). */
  readonly known: Record<string, number>[];
  readonly report: TargetAdaptation[];
}

/**
 * Adapts every scored item to the known results: for each target with at least MIN_KNOWN
 * matched results, the other items get the adapted accuracy and interval and known items their
 * measured value (an interval of zero width). A known result matches an item by content hash,
 * or, when it has none, by name.
 */
export function adaptItems(items: readonly AdaptItem[], known: readonly KnownEntry[], defaultTarget: string, targets: readonly string[]): AdaptedItems {
  const byTarget = new Map<string, KnownEntry[]>();
  for (const k of known) {
    const t = k.target ?? defaultTarget;
    if (!targets.includes(t)) throw new UsageError(`known results: target '${t}' (${k.source}) is not one of the predictor's targets: ${targets.join(', ')}`);
    byTarget.set(t, [...(byTarget.get(t) ?? []), k]);
  }
  const predictions: (Record<string, RowPrediction> | null)[] = items.map(() => null);
  const knownOf: Record<string, number>[] = items.map(() => ({}));
  const report: TargetAdaptation[] = [];
  for (const [target, entries] of byTarget) {
    const idx = items.map((it, i) => [it, i] as const).filter(([it]) => it.predictions?.[target] !== undefined);
    const bySha = new Map(idx.filter(([it]) => it.sha256).map(([it], j) => [it.sha256!, j]));
    const byName = new Map(idx.map(([it], j) => [it.name, j]));
    const matched = new Map<number, number>();
    const unmatched: string[] = [];
    for (const e of entries) {
      const j = e.sha256 !== null ? bySha.get(e.sha256) : byName.get(e.file!);
      if (j === undefined) unmatched.push(e.source);
      else matched.set(j, e.accuracy); // a model listed twice: the last value counts
    }
    for (const [j, acc] of matched) knownOf[idx[j]![1]]![target] = acc;
    if (matched.size < MIN_KNOWN) {
      report.push({ target, k: matched.size, unmatched, state: null });
      continue;
    }
    const { names, rows: signals } = adaptSignals(idx.map(([it]) => it.predictions![target]!.accuracy), idx.map(([it]) => scalarsOf(it)));
    const state = fitAdapter(names, signals, [...matched].map(([index, accuracy]) => ({ index, accuracy })), { prior: MODEL_SIGNAL });
    const adapted = applyAdapter(state, signals);
    idx.forEach(([it, i], j) => {
      const base = predictions[i] ?? { ...it.predictions! };
      const m = base[target]!;
      const measured = matched.get(j);
      base[target] = measured !== undefined
        ? { ...m, accuracy: measured, low: measured, high: measured, source: 'measured' }
        : { ...m, accuracy: adapted[j]!.accuracy, low: adapted[j]!.low, high: adapted[j]!.high, source: 'adapted' };
      predictions[i] = base;
    });
    report.push({ target, k: matched.size, unmatched, state: { lambda: state.lambda, pulledToward: state.pulledToward, looTau: state.looTau, priorLooTau: state.priorLooTau, priorTau: state.priorTau, halfWidth: state.halfWidth } });
  }
  return { predictions, known: knownOf, report };
}

/**
 * Batch rows adapted to the known results (adaptItems): every changed row keeps the model's own
 * predictions in `modelPredictions` and its measured values in `known`. Rows that failed pass through.
 */
export function adaptRows(rows: readonly BatchRow[], known: readonly KnownEntry[], defaultTarget: string, targets: readonly string[]): { rows: BatchRow[]; report: TargetAdaptation[] } {
  const items = rows.map((r): AdaptItem => ({
    sha256: r.sha256 === '' ? null : r.sha256, name: r.file,
    predictions: r.error === null ? modelPredictions(r) : null,
    params: r.params, macs: r.macs, proxies: r.proxies,
  }));
  const a = adaptItems(items, known, defaultTarget, targets);
  const out = rows.map((r, i): BatchRow => {
    const u = a.predictions[i];
    const kn = a.known[i]!;
    if (!u && Object.keys(kn).length === 0) return r;
    return { ...r, predictions: u ?? r.predictions, modelPredictions: modelPredictions(r), known: kn };
  });
  return { rows: out, report: a.report };
}

/**
 * One batch result row, and its two on-disk forms (CSV with a fixed header, JSON Lines).
 * Rows are written one per line so a killed run leaves a valid file minus at most a torn last line.
 */
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../errors.ts';

export type BatchFormat = 'csv' | 'jsonl';

export interface BatchRow {
  readonly file: string;
  /** Hex sha256 of the bytes; '' when the file could not be read. */
  readonly sha256: string;
  /** Empty when the file failed. */
  readonly predictions: Readonly<Record<string, RowPrediction>>;
  readonly params: number | null;
  readonly macs: number | null;
  /** Nearest known architecture in the predictor's index: its id, architecture string and measured accuracies. */
  readonly nearest: { readonly id: string; readonly arch: string; readonly distance: number; readonly accuracy: Readonly<Record<string, number>> } | null;
  /** Id of the benchmark architecture this graph is identical to. */
  readonly exact: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Whatever else the prediction report carries (e.g. proxy scores, warnings): kept in JSONL rows as given. */
  readonly [extra: string]: unknown;
}

/** A target's prediction; fields the report adds beyond the interval (e.g. an in-domain flag) pass through to JSONL. */
export interface RowPrediction {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  readonly inDomain?: boolean;
  /** 'measured' for a known architecture's measurement (the report's `source`). */
  readonly source?: string;
}

export function formatFromPath(path: string): BatchFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.jsonl$/i.test(path)) return 'jsonl';
  throw new UsageError(`the output file must end in .csv or .jsonl, got '${path}'`);
}

/**
 * The CSV header. An output adapted to known results (`batch --known`) has four more columns per
 * target: the model's own prediction with its interval, and the measured accuracy of known models.
 */
export function csvColumns(targets: readonly string[], adapted = false): string[] {
  return [
    'file', 'sha256',
    ...targets.flatMap((t) => [`${t}_accuracy`, `${t}_low`, `${t}_high`, `${t}_in_domain`, ...(adapted ? [`${t}_model`, `${t}_model_low`, `${t}_model_high`, `${t}_known`] : [])]),
    'params', 'macs', 'proxies', 'warnings', 'nearest_id', 'nearest_arch', 'nearest_distance',
    ...targets.map((t) => `nearest_${t}`),
    'exact_id', 'error_code', 'error_message',
  ];
}

const round = (v: number, d = 4): number => Math.round(v * 10 ** d) / 10 ** d;
const num = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));

/** The proxy report without its timing: the same file must give the same row, run after run. */
function stableProxies(p: unknown): unknown {
  if (p === null || typeof p !== 'object' || !('seconds' in p)) return p;
  const { seconds: _s, ...rest } = p as Record<string, unknown>;
  return rest;
}

/**
 * Rounds floats once, so a row read back on resume equals the row that was written; drops the
 * proxies' wall time, so equal files give equal rows on any machine.
 */
export function normalizeRow(r: BatchRow): BatchRow {
  const preds = Object.fromEntries(Object.entries(r.predictions).map(([t, p]) => [t, { ...p, accuracy: round(p.accuracy), low: round(p.low), high: round(p.high) }]));
  return {
    ...r,
    predictions: preds,
    nearest: r.nearest ? { id: r.nearest.id, arch: r.nearest.arch, distance: round(r.nearest.distance, 6), accuracy: { ...r.nearest.accuracy } } : null,
    error: r.error ? { code: r.error.code, message: r.error.message.replace(/\s+/g, ' ').trim() } : null,
    ...(r.proxies !== undefined ? { proxies: stableProxies(r.proxies) } : {}),
  };
}

export function csvHeaderLine(targets: readonly string[], adapted = false): string {
  return stringify([csvColumns(targets, adapted)], { record_delimiter: '\n' });
}

export function serializeRow(r: BatchRow, format: BatchFormat, targets: readonly string[], adapted = false): string {
  if (format === 'jsonl') return `${JSON.stringify(r)}\n`;
  const model = r.modelPredictions as Readonly<Record<string, RowPrediction>> | undefined;
  const known = r.known as Readonly<Record<string, number>> | undefined;
  const rec = [
    r.file, r.sha256,
    ...targets.flatMap((t) => {
      const p = r.predictions[t];
      return [num(p?.accuracy), num(p?.low), num(p?.high), p?.inDomain === undefined ? '' : String(p.inDomain),
        ...(adapted ? [num((model ?? r.predictions)[t]?.accuracy), num((model ?? r.predictions)[t]?.low), num((model ?? r.predictions)[t]?.high), num(known?.[t])] : [])];
    }),
    // Proxy scores, when the report has them, as one JSON cell: their names are the predictor's.
    num(r.params), num(r.macs), r.proxies === undefined || r.proxies === null ? '' : JSON.stringify(r.proxies),
    Array.isArray(r.warnings) && r.warnings.length > 0 ? JSON.stringify(r.warnings) : '', r.nearest?.id ?? '', r.nearest?.arch ?? '', num(r.nearest?.distance),
    ...targets.map((t) => num(r.nearest?.accuracy[t])),
    r.exact ?? '', r.error?.code ?? '', r.error?.message ?? '',
  ];
  return stringify([rec], { record_delimiter: '\n' });
}

export interface ExistingOutput {
  readonly rows: BatchRow[];
  /** Length of the valid prefix: everything after it (a torn last line) is cut before appending. */
  readonly validBytes: number;
  /** False when the file is empty (a header still has to be written). */
  readonly hasHeader: boolean;
  /** The file was adapted to known results: its rows were read back as the model's, and it must be rewritten before appending. */
  readonly adapted?: boolean;
}

/** Reads an output file written by an earlier (possibly killed) run. */
export function parseExisting(buf: Buffer, format: BatchFormat, targets: readonly string[], path: string): ExistingOutput {
  const validBytes = buf.lastIndexOf(0x0a) + 1;
  const text = buf.subarray(0, validBytes).toString('utf8');
  const bad = (why: string) => new UsageError(`cannot resume ${path}: it is not a batch ${format.toUpperCase()} for this predictor (${why}); remove it or run without resume`);
  if (format === 'jsonl') {
    let adaptedRows = false;
    const rows = text.split('\n').filter((l) => l !== '').map((l, i) => {
      try {
        const r = JSON.parse(l) as BatchRow;
        if (typeof r.file !== 'string' || typeof r.sha256 !== 'string' || typeof r.predictions !== 'object') throw new Error('missing fields');
        // An adapted row is read back as the model's own (a resumed run adapts again from the model).
        if (r.modelPredictions !== undefined && typeof r.modelPredictions === 'object' && r.modelPredictions !== null) {
          const { modelPredictions, known: _known, ...rest } = r;
          adaptedRows = true;
          return { ...rest, predictions: modelPredictions as BatchRow['predictions'] } as BatchRow;
        }
        return r;
      } catch (e) {
        throw bad(`line ${i + 1}: ${(e as Error).message}`);
      }
    });
    return { rows, validBytes, hasHeader: true, adapted: adaptedRows };
  }
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: false }) as string[][];
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (records.length === 0) return { rows: [], validBytes: 0, hasHeader: false };
  const header = records[0]!;
  // An output adapted to known results is read back as the model's own predictions, so a resumed
  // run adapts again from the model, never from an earlier adaptation.
  const adapted = header.join(',') === csvColumns(targets, true).join(',');
  const cols = csvColumns(targets, adapted);
  if (header.join(',') !== cols.join(',')) throw bad(`header has ${header.length} columns ${JSON.stringify(header.slice(0, 4))}..., expected ${cols.length}`);
  const idx = (c: string) => cols.indexOf(c);
  const f = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));
  const rows = records.slice(1).map((rec): BatchRow => {
    const predictions: Record<string, RowPrediction> = {};
    for (const t of targets) {
      const a = f(rec[idx(`${t}_accuracy`)]);
      const d = rec[idx(`${t}_in_domain`)] ?? '';
      const dom = d === '' ? {} : { inDomain: d === 'true' };
      const m = adapted ? f(rec[idx(`${t}_model`)]) : null;
      if (m !== null) {
        predictions[t] = { accuracy: m, low: f(rec[idx(`${t}_model_low`)]) ?? m, high: f(rec[idx(`${t}_model_high`)]) ?? m, ...dom };
        continue;
      }
      const low = f(rec[idx(`${t}_low`)]) ?? a;
      const high = f(rec[idx(`${t}_high`)]) ?? a;
      // A known architecture's measurement is the one answer with an interval of zero width.
      const measured = a !== null && low === a && high === a && (rec[idx('exact_id')] ?? '') !== '';
      if (a !== null) predictions[t] = { accuracy: a, low: low!, high: high!, ...dom, ...(measured ? { source: 'measured' } : {}) };
    }
    const proxies = rec[idx('proxies')] ?? '';
    const warnings = rec[idx('warnings')] ?? '';
    const nid = rec[idx('nearest_id')] ?? '';
    const nacc: Record<string, number> = {};
    for (const t of targets) {
      const v = f(rec[idx(`nearest_${t}`)]);
      if (v !== null) nacc[t] = v;
    }
    const code = rec[idx('error_code')] ?? '';
    return {
      file: rec[0]!, sha256: rec[1]!, predictions,
      params: f(rec[idx('params')]), macs: f(rec[idx('macs')]),
      nearest: nid === '' ? null : { id: nid, arch: rec[idx('nearest_arch')] ?? '', distance: f(rec[idx('nearest_distance')]) ?? 0, accuracy: nacc },
      exact: (rec[idx('exact_id')] ?? '') === '' ? null : rec[idx('exact_id')]!,
      error: code === '' ? null : { code, message: rec[idx('error_message')] ?? '' },
      ...(proxies === '' ? {} : { proxies: JSON.parse(proxies) as unknown }),
      ...(warnings === '' ? {} : { warnings: JSON.parse(warnings) as unknown }),
    };
  });
  return { rows, validBytes, hasHeader: true, adapted };
}

/** Top `k` rows by predicted accuracy for `target` (failed rows excluded). */
export function rankRows(rows: readonly BatchRow[], target: string, k: number): BatchRow[] {
  return rows
    .filter((r) => r.error === null && r.predictions[target] !== undefined)
    .sort((a, b) => b.predictions[target]!.accuracy - a.predictions[target]!.accuracy || (a.file < b.file ? -1 : 1))
    .slice(0, k);
}

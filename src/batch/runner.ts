/**
 * The batch runner: score many ONNX files into a CSV or JSONL file, rows appended and written
 * through as they finish (in input order), resumable by path + sha256.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { OnnxPredictError, UsageError } from '../errors.ts';
import type { Predictor } from '../predictor/predictor.ts';
import { loadPredictor } from '../index.ts';
import { collectModelPaths } from './inputs.ts';
import { csvHeaderLine, formatFromPath, parseExisting, serializeRow, type BatchFormat, type BatchRow } from './rows.ts';
import { scoreFile } from './score.ts';

export interface BatchOptions {
  /** Directories, globs, `@list.txt` file lists or files. */
  readonly inputs: readonly string[];
  /** Output path ending in .csv or .jsonl. */
  readonly out: string;
  /** Skip files already in `out` (same path and sha256); a torn last line is cut first. */
  readonly resume?: boolean;
  /** Parallel workers (1 = in this thread). */
  readonly concurrency?: number;
  readonly checkpoint?: string;
  /** Called after each row: (done, total to score this run). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops dispatching new files; rows already scored are still written. */
  readonly signal?: AbortSignal;
}

export interface BatchSummary {
  readonly out: string;
  readonly format: BatchFormat;
  readonly targets: readonly string[];
  /** Inputs after expansion. */
  readonly inputs: number;
  /** Rows written this run. */
  readonly scored: number;
  /** Rows written this run that carry an error. */
  readonly failed: number;
  /** Inputs skipped because `out` already had them (resume). */
  readonly skipped: number;
  readonly seconds: number;
  /** Rows written this run per second. */
  readonly rate: number;
  /** Every row now in `out` (earlier runs included), for ranking. */
  readonly rows: readonly BatchRow[];
}

type Scorer = { score(file: string): Promise<BatchRow>; close(): Promise<void> };

function inThread(predictor: Predictor): Scorer {
  return { score: (f) => scoreFile(predictor, f), close: async () => {} };
}

async function workerPool(count: number, checkpoint: string | undefined): Promise<Scorer> {
  const url = new URL('./worker.mjs', import.meta.url);
  const workers = await Promise.all(Array.from({ length: count }, () => new Promise<Worker>((resolve, reject) => {
    const w = new Worker(url, { workerData: { checkpoint } });
    w.once('message', () => resolve(w));
    w.once('error', reject);
  })));
  const idle = [...workers];
  const waiting: ((w: Worker) => void)[] = [];
  let next = 0;
  const take = (): Promise<Worker> => (idle.length > 0 ? Promise.resolve(idle.pop()!) : new Promise((r) => waiting.push(r)));
  const give = (w: Worker) => {
    const r = waiting.shift();
    if (r) r(w);
    else idle.push(w);
  };
  return {
    async score(file) {
      const w = await take();
      const id = next++;
      try {
        return await new Promise<BatchRow>((resolve, reject) => {
          const onMsg = (m: { id: number; row: BatchRow }) => {
            if (m.id !== id) return;
            w.off('message', onMsg);
            w.off('error', reject);
            resolve(m.row);
          };
          w.on('message', onMsg);
          w.once('error', reject);
          w.postMessage({ id, file });
        });
      } finally {
        give(w);
      }
    },
    async close() {
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.postMessage({ close: true });
        setTimeout(() => void w.terminate(), 10_000).unref();
      })));
    },
  };
}

/** The sha256 a resumed run compares against: the same bytes `scoreFile` hashes. */
async function sha256Of(file: string): Promise<string> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch {
    return '';
  }
}

export async function runBatch(options: BatchOptions, predictorIn?: Predictor): Promise<BatchSummary> {
  const format = formatFromPath(options.out);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`);
  const files = await collectModelPaths(options.inputs);
  if (files.length === 0) throw new UsageError(`no .onnx files in ${options.inputs.join(' ')}`);

  // One predictor here (targets, and the in-thread scorer); workers load their own.
  const predictor = predictorIn ?? loadPredictor(options.checkpoint !== undefined ? { checkpoint: options.checkpoint } : {});
  const targets = predictor.targets;
  const t0 = performance.now();

  let previous: BatchRow[] = [];
  let keepBytes = 0;
  let hasHeader = false;
  if (options.resume === true && existsSync(options.out)) {
    const existing = parseExisting(readFileSync(options.out), format, targets, options.out);
    previous = existing.rows;
    keepBytes = existing.validBytes;
    hasHeader = existing.hasHeader;
  }
  // Unreadable files have sha256 '': still unreadable → skipped; readable now → scored again.
  const done = new Set(previous.map((r) => `${r.sha256} ${r.file}`));
  const todo: string[] = [];
  let skipped = 0;
  for (const f of files) {
    if (done.size > 0 && done.has(`${await sha256Of(f)} ${f}`)) skipped++;
    else todo.push(f);
  }

  let fd: number;
  try {
    fd = openSync(options.out, options.resume === true ? 'a+' : 'w');
  } catch (e) {
    throw new OnnxPredictError('UNREADABLE_INPUT', `--out ${options.out}: ${(e as Error).message}`, { cause: e });
  }
  const rows: BatchRow[] = [...previous];
  let failed = 0;
  let written = 0;
  let scorer: Scorer | null = null;
  try {
    // Cut a torn last line left by a killed run, then append.
    if (options.resume === true) ftruncateSync(fd, keepBytes);
    if (!hasHeader && format === 'csv') writeSync(fd, csvHeaderLine(targets));
    scorer = concurrency > 1 && todo.length > 1 ? await workerPool(Math.min(concurrency, todo.length), options.checkpoint) : inThread(predictor);
    options.onProgress?.(0, todo.length);

    // Results may finish out of order; they are written in input order.
    const ready = new Map<number, BatchRow>();
    let nextWrite = 0;
    let nextDispatch = 0;
    const flush = () => {
      while (ready.has(nextWrite)) {
        const row = ready.get(nextWrite)!;
        ready.delete(nextWrite);
        writeSync(fd, serializeRow(row, format, targets));
        rows.push(row);
        if (row.error) failed++;
        written++;
        nextWrite++;
        options.onProgress?.(written, todo.length);
      }
    };
    const s = scorer;
    const lane = async () => {
      while (nextDispatch < todo.length && options.signal?.aborted !== true) {
        const i = nextDispatch++;
        ready.set(i, await s.score(todo[i]!));
        flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, todo.length)) }, lane));
  } finally {
    closeSync(fd);
    await scorer?.close();
    if (predictorIn === undefined) await predictor.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { out: options.out, format, targets, inputs: files.length, scored: written, failed, skipped, seconds, rate: written / Math.max(seconds, 1e-9), rows };
}

/** Top `k` rows by predicted accuracy for `target` (failed rows excluded). */
export function rankRows(rows: readonly BatchRow[], target: string, k: number): BatchRow[] {
  return rows
    .filter((r) => r.error === null && r.predictions[target] !== undefined)
    .sort((a, b) => b.predictions[target]!.accuracy - a.predictions[target]!.accuracy || (a.file < b.file ? -1 : 1))
    .slice(0, k);
}

/**
 * The local batch runner: score many ONNX files into a CSV or JSONL file, rows appended and
 * written through as they finish (in input order), resumable (see plan.ts for what "already
 * done" means). The queue producer (queue/producer.ts) writes the same rows through the same plan.
 */
import { UsageError } from '../errors.ts';
import type { Predictor } from '../predictor/predictor.ts';
import { checkpointTargets, planBatch, type BatchPlan } from './plan.ts';
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { adaptRows, type KnownEntry, type TargetAdaptation } from './known.ts';
import { loadSetRanker } from '../predictor/checkpoint.ts';
import { DEFAULT_CHECKPOINT_DIR } from '../predictor/predictor.ts';
import { setRankRows, type SetRanking } from './set-rank.ts';
import { csvHeaderLine, normalizeRow, serializeRow, type BatchFormat, type BatchRow } from './rows.ts';
import { makeScorer, type Scorer } from './scorers.ts';

export interface BatchOptions {
  /** Directories, globs, `@list.txt` file lists or files. */
  readonly inputs: readonly string[];
  /** Output path ending in .csv or .jsonl; its folder is created when missing. */
  readonly out: string;
  /** Skip files already in `out` (same content at the same real location); a torn last line is cut first. */
  readonly resume?: boolean;
  /** Parallel workers (1 = in this thread). */
  readonly concurrency?: number;
  readonly checkpoint?: string;
  /** Called after each row: (done, total to score this run). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops dispatching new files; rows already scored are still written. */
  readonly signal?: AbortSignal;
  /** Run the zero-cost proxies when the checkpoint reads them (default true; false is faster). */
  readonly proxies?: boolean;
  /** Folder relative inputs and `out` are resolved against (default: the process's). */
  readonly cwd?: string;
  /**
   * Measured accuracies of some of the inputs (readKnownCsv): once every row is scored, the others
   * are adapted to them and `out` is rewritten with the adapted values (src/batch/known.ts).
   */
  readonly known?: readonly KnownEntry[];
  /** Target of known results that name none (default: the target most of the batch fits). */
  readonly knownTarget?: string;
  /**
   * Rank the finished batch as a set with the checkpoint's set ranker (default false: an
   * experiment that lost to the per-file order on 2 of 8 held-out spaces, docs/RESULTS.md; without
   * `known`, from MIN_SET scored files, most far from the training data): `out` is rewritten with
   * the blended order and the per-file predictions beside it (src/batch/set-rank.ts).
   */
  readonly setRank?: boolean;
}

export interface BatchSummary {
  readonly out: string;
  readonly format: BatchFormat;
  readonly targets: readonly string[];
  /** Inputs after expansion. */
  readonly inputs: number;
  /** Rows written this run: `scored` + `failed`. */
  readonly written: number;
  /** Rows written this run with a prediction. */
  readonly scored: number;
  /** Rows written this run that carry an error. */
  readonly failed: number;
  /** Inputs skipped because `out` already had them (resume). */
  readonly skipped: number;
  readonly seconds: number;
  /** Rows written this run per second. */
  readonly rate: number;
  /** Every row now in `out` (earlier runs included), for ranking; adapted when `known` was given. */
  readonly rows: readonly BatchRow[];
  /** What adaptation to the known results did, per target (only with `known`). */
  readonly adaptation?: readonly TargetAdaptation[];
  /** How the batch was ranked as a set (absent when it was not: `setRank` false, `known` given, too few files, or a checkpoint without a set ranker). */
  readonly setRanking?: SetRanking;
}

/** Collects rows that finish in any order and writes them in input order. */
export class InOrderWriter {
  private readonly ready = new Map<number, BatchRow>();
  private next = 0;
  readonly rows: BatchRow[];
  scored = 0;
  failed = 0;
  constructor(private readonly plan: BatchPlan, private readonly writer: { write(row: BatchRow): void }, private readonly onRow?: (written: number) => void) {
    this.rows = [...plan.previous];
  }
  get written(): number {
    return this.scored + this.failed;
  }
  put(index: number, row: BatchRow): void {
    this.ready.set(index, row);
    while (this.ready.has(this.next)) {
      const r = this.ready.get(this.next)!;
      this.ready.delete(this.next);
      this.writer.write(r);
      this.rows.push(r);
      if (r.error) this.failed++;
      else this.scored++;
      this.next++;
      this.onRow?.(this.written);
    }
  }
}

export function summarize(out: string, plan: BatchPlan, w: InOrderWriter, t0: number): BatchSummary {
  const seconds = (performance.now() - t0) / 1000;
  return {
    out, format: plan.format, targets: plan.targets, inputs: plan.inputs, written: w.written, scored: w.scored, failed: w.failed,
    skipped: plan.skipped, seconds, rate: w.written / Math.max(seconds, 1e-9), rows: w.rows,
  };
}

/**
 * Scores the inputs into `options.out`. A `predictor` given by the caller is used (and not
 * disposed) when scoring in this thread; otherwise each scorer loads the checkpoint once.
 */
export async function runBatch(options: BatchOptions, predictorIn?: Predictor): Promise<BatchSummary> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`);
  const t0 = performance.now();
  const targets = predictorIn?.targets ?? checkpointTargets(options.checkpoint);
  const plan = await planBatch(options, targets);
  const todo = plan.todo;
  const lanes = Math.min(concurrency, Math.max(1, todo.length));

  // The scorers load before the output is touched: a checkpoint that fails to load leaves no file.
  const scorer: Scorer | null = todo.length > 0 ? await makeScorer(lanes, options.checkpoint, predictorIn) : null;
  let writer;
  try {
    writer = plan.open();
  } catch (e) {
    await scorer?.close();
    throw e;
  }
  const w = new InOrderWriter(plan, writer, (n) => options.onProgress?.(n, todo.length));
  try {
    if (scorer !== null) {
      options.onProgress?.(0, todo.length);
      const s = scorer;
      let nextDispatch = 0;
      const lane = async () => {
        while (nextDispatch < todo.length && options.signal?.aborted !== true) {
          const i = nextDispatch++;
          w.put(i, (await s.score(todo[i]!.file, todo[i]!.key, undefined, { proxies: options.proxies !== false })).row);
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));
    }
  } finally {
    writer.close();
    await scorer?.close();
  }
  const summary = summarize(options.out, plan, w, t0);
  return options.signal?.aborted === true ? summary : finishSummary(summary, options);
}

/** Known results adapt the batch; without them, the batch is ranked as a set (when it may be). */
export function finishSummary(summary: BatchSummary, options: Pick<BatchOptions, 'known' | 'knownTarget' | 'cwd' | 'setRank' | 'checkpoint'>): BatchSummary {
  return options.known !== undefined ? adaptSummary(summary, options) : setRankSummary(summary, options);
}

/** The batch ranked as a set by the checkpoint's set ranker, its output rewritten; unchanged when it may not be. */
export function setRankSummary(summary: BatchSummary, options: Pick<BatchOptions, 'cwd' | 'setRank' | 'checkpoint'>): BatchSummary {
  if (options.setRank !== true) return summary;
  const state = loadSetRanker(options.checkpoint ?? DEFAULT_CHECKPOINT_DIR);
  if (state === undefined) return summary;
  const { rows, report } = setRankRows(summary.rows, state, summary.targets);
  if (report === null) return summary;
  if (!report.applied) return { ...summary, setRanking: report };
  rewriteOutput(resolve(options.cwd ?? process.cwd(), summary.out), summary.format, summary.targets, rows);
  return { ...summary, rows, setRanking: report };
}

/**
 * With known results, adapts a finished batch's rows to them and rewrites its output (local and
 * queue runs alike); without, returns the summary as it is.
 */
export function adaptSummary(summary: BatchSummary, options: Pick<BatchOptions, 'known' | 'knownTarget' | 'cwd'>): BatchSummary {
  if (options.known === undefined) return summary;
  const { rows, report } = adaptRows(summary.rows, options.known, options.knownTarget ?? fittingTarget(summary.rows, summary.targets), summary.targets);
  rewriteOutput(resolve(options.cwd ?? process.cwd(), summary.out), summary.format, summary.targets, rows);
  return { ...summary, rows, adaptation: report };
}

/** The target most scored rows fit (the batch's ranking target when none is asked); the first on ties. */
export function fittingTarget(rows: readonly BatchRow[], targets: readonly string[]): string {
  let best = targets[0]!;
  let most = -1;
  for (const t of targets) {
    const n = rows.filter((r) => r.error === null && r.predictions[t]?.inDomain === true).length;
    if (n > most) { best = t; most = n; }
  }
  return best;
}

/** Replaces the output with adapted rows in one rename: a crash leaves the old file or the new one. */
export function rewriteOutput(path: string, format: BatchFormat, targets: readonly string[], rows: readonly BatchRow[]): void {
  const tmp = `${path}.adapting-${process.pid}`;
  const body = (format === 'csv' ? csvHeaderLine(targets, true) : '') + rows.map((r) => serializeRow(normalizeRow(r), format, targets, true)).join('');
  writeFileSync(tmp, body);
  renameSync(tmp, path);
}

export { rankRows } from './rows.ts';

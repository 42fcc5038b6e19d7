/**
 * The build runner: writes one ONNX file per selected architecture and appends a manifest line
 * after each file is in place.
 *
 * Deterministic: the subset (`limit`) is a seeded sample and 'random' weights use the same seed, so
 * the same options give the same files. Resumable: a record already in the manifest whose file
 * exists is skipped; files are written to a temp name and renamed; a torn last manifest line (a
 * crash mid-append) is dropped. `build.json` records the options; resuming with different ones is
 * an error rather than a silently mixed dataset.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { OnnxPredictError } from '../../src/errors.ts';
import { readModel } from '../../src/onnx-to-text/reader.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';
import { startWorker } from '../../src/threads.ts';
import { MANIFEST_FILE, validateRecord } from './manifest.ts';
import { shuffled } from './random.ts';
import type { BuildDatasetOptions, BuildSummary } from '../../src/predictor/spaces.ts';
import type { ArchEntry, ManifestRecord, SpaceBuilder, WeightMode } from './types.ts';

export type { BuildDatasetOptions, BuildSummary };

export interface BuildJob {
  readonly entry: ArchEntry;
  readonly weights: WeightMode;
  readonly seed: number;
}

export interface BuildResult {
  readonly bytes: Uint8Array;
  readonly params: number;
  readonly macs: number;
}

/** Builds and profiles one architecture (both in-thread and in workers). */
export function buildOne(builder: SpaceBuilder, job: BuildJob): BuildResult {
  const bytes = builder.build(job.entry, { weights: job.weights, seed: job.seed });
  const profile = profileModel(readModel(bytes));
  return { bytes, params: profile.totals.params, macs: profile.totals.macs };
}

type Runner = (jobs: readonly BuildJob[]) => Promise<BuildResult[]>;

/** A pool of workers; each call splits the jobs into one chunk per worker and keeps their order. */
async function workerPool(space: string, count: number): Promise<{ run: Runner; close: () => Promise<void> }> {
  const entry = new URL('./build-worker.ts', import.meta.url);
  const workers = await Promise.all(Array.from({ length: count }, () => new Promise<Worker>((resolve, reject) => {
    const w = startWorker(entry, { workerData: { space } });
    w.once('message', () => resolve(w));
    w.once('error', reject);
  })));
  const one = (w: Worker, jobs: readonly BuildJob[]): Promise<BuildResult[]> => new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    w.once('error', onError);
    w.once('message', (m: { results?: BuildResult[]; error?: string }) => {
      w.off('error', onError);
      if (m.results) resolve(m.results.map((r) => ({ ...r, bytes: new Uint8Array(r.bytes) })));
      else reject(new OnnxPredictError('DATASET_ERROR', `build worker failed: ${m.error}`));
    });
    w.postMessage(jobs);
  });
  return {
    run: async (jobs) => {
      const size = Math.ceil(jobs.length / workers.length);
      const parts = await Promise.all(workers.map((w, k) => one(w, jobs.slice(k * size, (k + 1) * size))));
      return parts.flat();
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

export const BUILD_INFO_FILE = 'build.json';

/** The entries `limit`/`seed` select, in ascending index order. */
export function selectEntries(entries: readonly ArchEntry[], limit: number | undefined, seed: number): ArchEntry[] {
  if (limit === undefined || limit >= entries.length) return [...entries];
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  return shuffled(entries, seed).slice(0, limit).sort((a, b) => a.index - b.index);
}

export function recordId(entry: ArchEntry): string {
  return `${entry.space}-${entry.index}`;
}

/**
 * Loads the complete records of an existing manifest (valid line, file present) and rewrites the
 * manifest without the others (a torn trailing line, records whose file went missing).
 */
function loadForResume(path: string, out: string): Map<string, ManifestRecord> {
  const done = new Map<string, ManifestRecord>();
  if (!existsSync(path)) return done;
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1) break; // torn final append
      throw new OnnxPredictError('DATASET_ERROR', `${path}:${i + 1}: not valid JSON`, { cause: e });
    }
    const rec = validateRecord(v, `${path}:${i + 1}`);
    if (!existsSync(join(out, rec.file))) continue;
    done.set(rec.id, rec);
    kept.push(line);
  }
  const clean = kept.length ? kept.join('\n') + '\n' : '';
  if (clean !== text) writeFileSync(path, clean);
  return done;
}

/**
 * A resumed record must still name the architecture its id names now. The id is the entry's
 * position in the space's list, so a list that changed since the folder was built (a label table
 * that grew) would otherwise keep a record whose id now belongs to another architecture — and
 * every cache keyed by id beside it (proxies, features) with it.
 */
function checkSameEntries(done: ReadonlyMap<string, ManifestRecord>, entries: readonly ArchEntry[], path: string): void {
  if (done.size === 0) return;
  const archOf = new Map(entries.map((e) => [recordId(e), e.arch] as const));
  for (const rec of done.values()) {
    const now = archOf.get(rec.id);
    if (now !== rec.arch) {
      throw new OnnxPredictError('DATASET_ERROR', `${path} was built from another list of architectures: '${rec.id}' is '${rec.arch}' there, ${now === undefined ? 'no longer an entry' : `'${now}'`} now; build into a new --out (caches beside it are keyed by id)`);
    }
  }
}

function checkBuildInfo(out: string, info: Record<string, unknown>): void {
  const path = join(out, BUILD_INFO_FILE);
  const text = JSON.stringify(info, null, 2) + '\n';
  if (existsSync(path)) {
    const old = readFileSync(path, 'utf8');
    if (old !== text) {
      throw new OnnxPredictError('DATASET_ERROR', `'${out}' holds a build with other options (${old.replace(/\s+/g, ' ').trim()}); use another --out or delete it`);
    }
    return;
  }
  writeFileSync(path, text);
}

/** Builds `builder`'s dataset into `options.out`; see the module comment. */
export async function buildSpace(builder: SpaceBuilder, options: BuildDatasetOptions): Promise<BuildSummary> {
  const t0 = performance.now();
  const seed = options.seed ?? 0;
  const weights = options.weights ?? 'stripped';
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${options.limit}`);
  }
  const entries = await builder.entries();
  const selected = selectEntries(entries, options.limit, seed);
  mkdirSync(options.out, { recursive: true });
  checkBuildInfo(options.out, { space: builder.space, seed, weights, limit: options.limit ?? null });
  const manifestPath = join(options.out, MANIFEST_FILE);
  const done = loadForResume(manifestPath, options.out);
  checkSameEntries(done, entries, manifestPath);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const pool = workers > 1 ? await workerPool(builder.space, workers) : undefined;
  const run: Runner = pool?.run ?? (async (jobs) => jobs.map((j) => buildOne(builder, j)));
  const batch = pool ? 32 * workers : 1;
  const fd = openSync(manifestPath, 'a');
  let built = 0;
  let skipped = 0;
  let progressed = 0;
  try {
    for (let start = 0; start < selected.length; start += batch) {
      const slice = selected.slice(start, start + batch);
      const todo = slice.filter((e) => !done.has(recordId(e)));
      const results = await run(todo.map((entry) => ({ entry, weights, seed: seed + entry.index })));
      let k = 0;
      for (const entry of slice) {
        const id = recordId(entry);
        if (done.has(id)) {
          skipped++;
        } else {
          const { bytes, params, macs } = results[k++]!;
          const file = `${id}.onnx`;
          const path = join(options.out, file);
          const tmp = `${path}.tmp-${process.pid}`;
          writeFileSync(tmp, bytes);
          renameSync(tmp, path);
          const rec: ManifestRecord = {
            id, space: entry.space, arch: entry.arch, file,
            labels: { ...entry.labels }, label_kind: { ...entry.labelKind }, params, macs,
          };
          if (entry.publishedParams !== undefined) rec.published_params = entry.publishedParams;
          if (entry.family !== undefined) rec.family = entry.family;
          if (entry.archKey !== undefined) rec.arch_key = entry.archKey;
          writeSync(fd, JSON.stringify(rec) + '\n');
          built++;
        }
        options.onProgress?.(++progressed, selected.length);
      }
    }
  } finally {
    closeSync(fd);
    await pool?.close();
  }
  return {
    space: builder.space, out: options.out, manifest: manifestPath, total: selected.length, built, skipped,
    seconds: (performance.now() - t0) / 1000,
  };
}

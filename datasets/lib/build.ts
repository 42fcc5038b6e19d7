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
import { OnnxPredictError } from '../../src/errors.ts';
import { readModel } from '../../src/onnx-to-text/reader.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';
import { MANIFEST_FILE, validateRecord } from './manifest.ts';
import { shuffled } from './random.ts';
import type { ArchEntry, ManifestRecord, SpaceBuilder, WeightMode } from './types.ts';

export interface BuildDatasetOptions {
  /** Output folder; created if missing. */
  readonly out: string;
  /** Build a seeded random sample of this many architectures (default: all). */
  readonly limit?: number;
  /** Seed for the sample and for 'random' weights (default 0). */
  readonly seed?: number;
  /** Default 'stripped' (no weight payloads; tiny files). */
  readonly weights?: WeightMode;
  /** Called after each record, skipped ones included: (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BuildSummary {
  readonly space: string;
  readonly out: string;
  readonly manifest: string;
  readonly total: number;
  readonly built: number;
  readonly skipped: number;
  readonly seconds: number;
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
  const fd = openSync(manifestPath, 'a');
  let built = 0;
  let skipped = 0;
  try {
    for (let i = 0; i < selected.length; i++) {
      const entry = selected[i]!;
      const id = recordId(entry);
      const file = `${id}.onnx`;
      const path = join(options.out, file);
      if (done.has(id)) {
        skipped++;
      } else {
        const bytes = builder.build(entry, { weights, seed: seed + entry.index });
        const tmp = `${path}.tmp-${process.pid}`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, path);
        const profile = profileModel(readModel(bytes));
        const rec: ManifestRecord = {
          id, space: entry.space, arch: entry.arch, file,
          labels: { ...entry.labels }, label_kind: { ...entry.labelKind },
          params: profile.totals.params, macs: profile.totals.macs,
        };
        if (entry.publishedParams !== undefined) rec.published_params = entry.publishedParams;
        writeSync(fd, JSON.stringify(rec) + '\n');
        built++;
      }
      options.onProgress?.(i + 1, selected.length);
    }
  } finally {
    closeSync(fd);
  }
  return {
    space: builder.space, out: options.out, manifest: manifestPath, total: selected.length, built, skipped,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The proxy cache of a built dataset: `<dataset>/proxies.jsonl`, one JSON line per architecture
 * (format in docs/PROXIES.md), filled three ways:
 *   - from the caches committed in the repository (`datasets/proxies/<space>.<version>.jsonl.gz`,
 *     keyed by the dataset's ids and checked against their arch), read when a dataset is built;
 *   - by `cacheProxies`: every id still missing, in child processes (one per core by default),
 *     resumable (ids already cached with this version and settings are skipped), lines appended
 *     as they finish by the parent, the only writer; a worker that dies on a model (a native crash
 *     in onnxruntime) costs that model a `run-failed` line and is replaced;
 *   - `exportProxies` writes the compact committed form from a complete cache.
 * `onnx-predict dataset build <space> --proxies`, `onnx-predict dataset proxies <dir>`, and `eval`
 * and `train` (unless `--no-proxies`) run these.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mulberry32, shuffleWith } from '../random.ts';
import { describeExit, killProcess, startProcess } from '../processes.ts';
import { PROXY_DEFAULTS, PROXY_NAMES, PROXY_VERSION } from './compute.ts';
import type { SkipReason } from './skip.ts';

export interface ProxySettings {
  readonly seed: number;
  /** The nominal count: 16 unless `samples` was given (the rule of the file then chooses per model). */
  readonly samples: number;
  readonly seeds: number;
}

/** One line of `<dataset>/proxies.jsonl`. */
export interface CacheLine {
  readonly id: string;
  readonly version: string;
  readonly settings: ProxySettings;
  readonly proxies: Record<string, number | null> | null;
  readonly samples: number;
  readonly seconds: number;
  readonly skipped?: SkipReason;
}

export const DEFAULT_SETTINGS: ProxySettings = { seed: PROXY_DEFAULTS.seed, samples: PROXY_DEFAULTS.samples, seeds: PROXY_DEFAULTS.seeds };

interface ManifestRow { readonly id: string; readonly file: string; readonly space?: string; readonly arch?: string }

function manifestRows(dir: string, manifest = join(dir, 'manifest.jsonl')): ManifestRow[] {
  const path = manifest;
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ManifestRow);
}

export function cachePath(dir: string): string {
  return join(dir, 'proxies.jsonl');
}

const sameSettings = (a: ProxySettings, b: ProxySettings) => a.seed === b.seed && a.samples === b.samples && a.seeds === b.seeds;

/** The cached lines of `dir` for this build's PROXY_VERSION and `settings`, by id (the last line per id wins). */
export function readCache(dir: string, settings: ProxySettings = DEFAULT_SETTINGS): Map<string, CacheLine> {
  const out = new Map<string, CacheLine>();
  const path = cachePath(dir);
  if (!existsSync(path)) return out;
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    if (l.trim() === '') continue;
    try {
      const r = JSON.parse(l) as CacheLine;
      if (r.version === PROXY_VERSION && r.settings && sameSettings(r.settings, settings)) out.set(r.id, r);
    } catch {
      // A line cut short by a kill: computed again.
    }
  }
  return out;
}

export interface Coverage {
  /** Architectures in the manifest. */
  readonly total: number;
  /** With proxies (this version, default settings). */
  readonly withProxies: number;
  /** Cached as not computable (`skipped`), e.g. over the memory bound. */
  readonly skipped: number;
  /** Not cached at all. */
  readonly missing: number;
  readonly version: string;
}

/** How much of a built dataset (or of `manifest`, a manifest file in `dir`) has proxies. */
export function proxyCoverage(dir: string, settings: ProxySettings = DEFAULT_SETTINGS, manifest?: string): Coverage {
  const rows = manifestRows(dir, manifest);
  const cache = readCache(dir, settings);
  let withProxies = 0;
  let skipped = 0;
  for (const r of rows) {
    const c = cache.get(r.id);
    if (!c) continue;
    if (c.proxies) withProxies++;
    else skipped++;
  }
  return { total: rows.length, withProxies, skipped, missing: rows.length - withProxies - skipped, version: PROXY_VERSION };
}

// ---------------------------------------------------------------- committed caches

/** Folder of the committed caches (the package ships it: datasets/proxies/). */
const COMMITTED = new URL('../../datasets/proxies/', import.meta.url);

/** Path of the committed cache of `space` for this build's version (whether or not it exists). */
export function committedPath(space: string): URL {
  return new URL(`${space}.${PROXY_VERSION}.jsonl.gz`, COMMITTED);
}

/** The compact committed form: a header line, then [id, arch, samples, values | {k, m}] per architecture. */
interface CommittedHeader { readonly version: string; readonly settings: ProxySettings; readonly space: string; readonly names: readonly string[]; readonly count: number }
type CommittedRow = [id: string, arch: string | null, samples: number, values: (number | null)[] | { k: string; m: string }];

/**
 * Appends to `<dir>/proxies.jsonl` the committed proxies of every manifest id not cached yet
 * (default settings only; ids whose arch differs from the committed one are left alone).
 * Returns how many lines were added.
 */
export function importCommitted(dir: string, manifest?: string, from?: URL | string): number {
  const rows = manifestRows(dir, manifest);
  const space = rows[0]?.space;
  if (!space) return 0;
  const path = from ?? committedPath(space);
  if (!existsSync(path)) return 0;
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(lines[0]!) as CommittedHeader;
  if (header.version !== PROXY_VERSION || !sameSettings(header.settings, DEFAULT_SETTINGS)) return 0;
  const committed = new Map<string, CommittedRow>();
  for (const l of lines.slice(1)) { const r = JSON.parse(l) as CommittedRow; committed.set(r[0], r); }
  const have = readCache(dir);
  const out: string[] = [];
  for (const m of rows) {
    if (have.has(m.id)) continue;
    const c = committed.get(m.id);
    // The same id must be the same architecture (a user's manifest may reuse our ids).
    if (!c || (c[1] ?? undefined) !== m.arch) continue;
    const v = c[3];
    const line: CacheLine = Array.isArray(v)
      ? { id: m.id, version: PROXY_VERSION, settings: DEFAULT_SETTINGS, proxies: Object.fromEntries(header.names.map((n, i) => [n, v[i] ?? null])), samples: c[2], seconds: 0 }
      : { id: m.id, version: PROXY_VERSION, settings: DEFAULT_SETTINGS, proxies: null, samples: c[2], seconds: 0, skipped: { code: v.k as SkipReason['code'], message: v.m } };
    out.push(JSON.stringify(line));
  }
  if (out.length > 0) appendFileSync(cachePath(dir), `${out.join('\n')}\n`);
  return out.length;
}

const round = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(7)));

/** Writes the compact committed form of `dir`'s cache (default settings) to `file`; returns the row count. */
export function exportCommitted(dir: string, file: string): number {
  const rows = manifestRows(dir);
  const cache = readCache(dir);
  const space = rows[0]?.space ?? '';
  const body: string[] = [];
  for (const m of rows) {
    const c = cache.get(m.id);
    if (!c) continue;
    const v: CommittedRow[3] = c.proxies ? PROXY_NAMES.map((n) => round(c.proxies![n] ?? null)) : { k: c.skipped?.code ?? 'run-failed', m: c.skipped?.message ?? '' };
    body.push(JSON.stringify([m.id, m.arch ?? null, c.samples, v] satisfies CommittedRow));
  }
  const header: CommittedHeader = { version: PROXY_VERSION, settings: DEFAULT_SETTINGS, space, names: PROXY_NAMES, count: body.length };
  writeFileSync(file, gzipSync(`${[JSON.stringify(header), ...body].join('\n')}\n`, { level: 9 }));
  return body.length;
}

// ---------------------------------------------------------------- computing

export interface CacheProgress {
  /** Computed in this run, skipped ones included. */
  readonly done: number;
  /** To compute in this run. */
  readonly todo: number;
  readonly skipped: number;
  /** Seconds left at the rate so far (null before the first result). */
  readonly etaSeconds: number | null;
}

export interface CacheOptions {
  /** Built dataset folder (manifest.jsonl + ONNX files); the cache is written here. */
  readonly dir: string;
  /** The manifest, when not `<dir>/manifest.jsonl` (a user's own, its files relative to `dir`). */
  readonly manifest?: string;
  /** Child processes (default: the number of cores). */
  readonly workers?: number;
  readonly seed?: number;
  /** Samples per seed; default: the rule of the file (16, or 2 above SAMPLE_MACS_LIMIT). */
  readonly samples?: number;
  readonly seeds?: number;
  /** Compute at most this many of the missing ids (in the seeded order). */
  readonly limit?: number;
  /** Ids computed first (in manifest order), before the seeded shuffle of the rest. */
  readonly first?: ReadonlySet<string>;
  /** Only these ids (default: every manifest id). */
  readonly only?: ReadonlySet<string>;
  /** Read the committed cache first (default true). */
  readonly committed?: boolean;
  /** Wall-clock limit per model, ms (default 10 min): past it the worker is killed and the model recorded as skipped. */
  readonly modelTimeoutMs?: number;
  readonly onProgress?: (p: CacheProgress) => void;
  readonly onLog?: (message: string) => void;
}

export interface CacheSummary {
  readonly dir: string;
  readonly file: string;
  /** Manifest ids in scope. */
  readonly total: number;
  /** Imported from the committed cache in this run. */
  readonly imported: number;
  /** Cached before this run (imports included). */
  readonly cached: number;
  readonly computed: number;
  readonly skipped: number;
  readonly seconds: number;
  readonly workers: number;
  readonly version: string;
  readonly settings: ProxySettings;
  readonly coverage: Coverage;
}

/** Parent → worker and worker → parent messages (src/proxies/cache-worker.ts). */
export type WorkerJob = { readonly type: 'job'; readonly id: string; readonly file: string; readonly options: { seed: number; seeds: number; samples?: number } };
export type WorkerReply = { readonly type: 'ready' } | { readonly type: 'done'; readonly line: CacheLine } | { readonly type: 'bye' };

/** The default worker count: one per core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** The order ids are computed in: `first` (manifest order), then a seeded shuffle, so a run cut short is a random sample. */
function workOrder(rows: readonly ManifestRow[], first: ReadonlySet<string> | undefined): ManifestRow[] {
  const head = first ? rows.filter((r) => first.has(r.id)) : [];
  const rest = shuffleWith(first ? rows.filter((r) => !first.has(r.id)) : rows, mulberry32(20261201));
  return [...head, ...rest];
}

/** Computes the proxies of every manifest id not cached yet (see the module comment). */
export async function cacheProxies(o: CacheOptions): Promise<CacheSummary> {
  const t0 = performance.now();
  const settings: ProxySettings = { seed: o.seed ?? PROXY_DEFAULTS.seed, samples: o.samples ?? PROXY_DEFAULTS.samples, seeds: o.seeds ?? PROXY_DEFAULTS.seeds };
  const isDefault = sameSettings(settings, DEFAULT_SETTINGS);
  const imported = o.committed !== false && isDefault ? importCommitted(o.dir, o.manifest) : 0;
  const all = manifestRows(o.dir, o.manifest).filter((r) => !o.only || o.only.has(r.id));
  const cached = readCache(o.dir, settings);
  let todo = workOrder(all.filter((r) => !cached.has(r.id)), o.first);
  if (o.limit !== undefined) todo = todo.slice(0, o.limit);
  const workers = Math.max(1, Math.min(o.workers ?? defaultWorkers(), todo.length));
  const out = cachePath(o.dir);
  const log = (m: string) => o.onLog?.(m);
  log(`${o.dir}: ${all.length} archs, ${cached.size} cached (${imported} from the committed cache), ${todo.length} to compute, ${workers} workers, ${PROXY_VERSION} ${JSON.stringify(settings)}`);
  let done = 0;
  let skipped = 0;
  const tRun = performance.now();
  const report = () => {
    const s = (performance.now() - tRun) / 1000;
    o.onProgress?.({ done, todo: todo.length, skipped, etaSeconds: done > 0 ? ((todo.length - done) * s) / done : null });
  };
  const write = (line: CacheLine) => {
    appendFileSync(out, `${JSON.stringify(line)}\n`);
    done++;
    if (!line.proxies) skipped++;
    report();
  };
  const failed = (id: string, message: string): CacheLine => ({ id, version: PROXY_VERSION, settings, proxies: null, samples: 0, seconds: 0, skipped: { code: 'run-failed', message } });
  const options = { seed: settings.seed, seeds: settings.seeds, ...(o.samples !== undefined ? { samples: o.samples } : {}) };
  let next = 0;
  const timeoutMs = o.modelTimeoutMs ?? 600_000;
  report();

  const runWorker = async (): Promise<void> => {
    while (next < todo.length) {
      const child = startProcess(new URL('./cache-worker.ts', import.meta.url));
      const result = await new Promise<'drained' | 'died'>((resolve) => {
        let current: ManifestRow | null = null;
        let timer: NodeJS.Timeout | null = null;
        const give = () => {
          if (timer) clearTimeout(timer);
          if (next >= todo.length) {
            current = null;
            child.disconnect();
            return;
          }
          current = todo[next++]!;
          const job: WorkerJob = { type: 'job', id: current.id, file: join(o.dir, current.file), options };
          child.send(job);
          const id = current.id;
          timer = setTimeout(() => {
            log(`${id}: over ${Math.round(timeoutMs / 1000)} s, worker killed`);
            write({ ...failed(id, `over the ${Math.round(timeoutMs / 1000)} s limit per model`), skipped: { code: 'time-budget', message: `over the ${Math.round(timeoutMs / 1000)} s limit per model` } });
            current = null;
            void killProcess(child);
          }, timeoutMs);
        };
        child.on('message', (m: WorkerReply) => {
          if (m.type === 'ready') give();
          else if (m.type === 'done') {
            if (current && m.line.id === current.id) { write(m.line); current = null; }
            give();
          }
        });
        child.on('exit', (code, signal) => {
          if (timer) clearTimeout(timer);
          if (current) {
            const why = `the worker ${describeExit(code, signal)} on this model`;
            log(`${current.id}: ${why}; recorded as skipped, a new worker goes on`);
            write(failed(current.id, why));
            current = null;
            resolve('died');
          } else {
            resolve(next >= todo.length ? 'drained' : 'died');
          }
        });
      });
      if (result === 'drained') return;
    }
  };
  const live: Promise<void>[] = [];
  for (let k = 0; k < workers; k++) live.push(runWorker());
  await Promise.all(live);
  const coverage = proxyCoverage(o.dir, settings, o.manifest);
  const seconds = (performance.now() - t0) / 1000;
  log(`done: ${done} computed (${skipped} skipped) in ${seconds.toFixed(1)} s; coverage ${coverage.withProxies}/${coverage.total}`);
  return { dir: o.dir, file: out, total: all.length, imported, cached: cached.size, computed: done, skipped, seconds, workers, version: PROXY_VERSION, settings, coverage };
}

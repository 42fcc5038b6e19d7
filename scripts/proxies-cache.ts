/**
 * Proxies for every architecture of a built dataset, cached as `data/<space>/proxies.jsonl`
 * (one JSON line per id; format in docs/PROXIES.md). Resumable: ids already cached with the same
 * version and settings are skipped. Order: NASLib's NB201 samples first, then a seeded shuffle
 * (lines are appended as they finish, so in no particular order). Work is split over child processes (default 2); the parent is
 * the only writer of the cache and logs progress.
 *
 *   npx tsx scripts/proxies-cache.ts data/nb201 [--workers 2] [--samples 16] [--seeds 1] [--seed 0]
 *       [--limit N] [--log out/proxies-nb201.log]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { mulberry32, shuffleWith } from '../src/random.ts';
import { computeProxies, PROXY_VERSION } from '../src/proxies/index.ts';

interface Args {
  dir: string;
  workers: number;
  samples: number;
  seeds: number;
  seed: number;
  limit: number | null;
  log: string | null;
  shard: [number, number] | null;
  explicitSamples: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { dir: '', workers: 2, samples: 16, seeds: 1, seed: 0, limit: null, log: null, shard: null, explicitSamples: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--workers') a.workers = Number(v());
    else if (k === '--samples') { a.samples = Number(v()); a.explicitSamples = true; }
    else if (k === '--seeds') a.seeds = Number(v());
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--limit') a.limit = Number(v());
    else if (k === '--log') a.log = v();
    else if (k === '--shard') { const [i0, n] = v().split('/').map(Number); a.shard = [i0!, n!]; }
    else if (!k.startsWith('--') && a.dir === '') a.dir = k.replace(/\/$/, '');
    else throw new Error(`unknown argument ${k}`);
  }
  if (a.dir === '') throw new Error('usage: proxies-cache.ts <data/space> [--workers N] [--samples N] [--seeds N] [--seed S] [--limit N] [--log file]');
  return a;
}

export interface CacheLine {
  readonly id: string;
  readonly version: string;
  readonly settings: { readonly seed: number; readonly samples: number; readonly seeds: number };
  readonly proxies: Record<string, number | null> | null;
  readonly samples: number;
  readonly seconds: number;
  readonly skipped?: { readonly code: string; readonly message: string };
}

/** Python's json writes NaN / Infinity, which JSON.parse rejects: read them as null. */
function pythonJson(text: string): string {
  return text.replace(/\bNaN\b|-?\bInfinity\b/g, 'null');
}

const NASLIB_NB201 = '../shared/data/naslib_suite_zero_samples/zc_nasbench201.json';
const NASLIB_OPS = ['skip_connect', 'none', 'nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3'];

/** NASLib's NB201 key "(a,b,c,d,e,f)" (edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4)) as the NB201 arch string. */
function naslibArch(key: string): string {
  const t = key.replace(/[() ]/g, '').split(',').map(Number).map((i) => NASLIB_OPS[i]!);
  return `|${t[0]}~0|+|${t[1]}~0|${t[3]}~1|+|${t[2]}~0|${t[4]}~1|${t[5]}~2|`;
}

/**
 * The work order: NB201 archs of NASLib's Suite-Zero samples first (what proxies-check compares
 * with), then every other arch in a seeded shuffle, so a cache cut short is a random sample.
 */
function manifestIds(dir: string, limit: number | null): { id: string; file: string }[] {
  const rows = readFileSync(`${dir}/manifest.jsonl`, 'utf8').split('\n').filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { id: string; file: string; space?: string; arch?: string });
  const first = new Set<string>();
  if (rows[0]?.space === 'nb201' && existsSync(NASLIB_NB201)) {
    const zc = JSON.parse(pythonJson(readFileSync(NASLIB_NB201, 'utf8'))) as Record<string, Record<string, unknown>>;
    for (const k of Object.keys(zc['cifar10'] ?? {})) first.add(naslibArch(k));
  }
  const head = rows.filter((r) => r.arch !== undefined && first.has(r.arch));
  const rest = shuffleWith(rows.filter((r) => !(r.arch !== undefined && first.has(r.arch))), mulberry32(20261201));
  const ordered = [...head, ...rest];
  return limit === null ? ordered : ordered.slice(0, limit);
}

function cachedIds(path: string, settings: CacheLine['settings']): Set<string> {
  const done = new Set<string>();
  if (!existsSync(path)) return done;
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    if (l.trim() === '') continue;
    try {
      const r = JSON.parse(l) as CacheLine;
      if (r.version === PROXY_VERSION && r.settings.seed === settings.seed && r.settings.samples === settings.samples && r.settings.seeds === settings.seeds) done.add(r.id);
    } catch {
      // A line cut short by a kill: recomputed.
    }
  }
  return done;
}

async function child(a: Args): Promise<void> {
  const settings = { seed: a.seed, samples: a.samples, seeds: a.seeds };
  const done = cachedIds(`${a.dir}/proxies.jsonl`, settings);
  const [k, n] = a.shard!;
  const rows = manifestIds(a.dir, a.limit).filter((r, i) => i % n === k && !done.has(r.id));
  for (const r of rows) {
    // Tells the parent which arch is running, so a worker killed on it (memory, a signal) costs
    // that arch a skipped (`run-failed`) line instead of the whole run.
    process.stdout.write(`#start ${r.id}\n`);
    let line: CacheLine;
    try {
      const model = readModel(readFileSync(`${a.dir}/${r.file}`));
      // The default count (16, fewer for models above SAMPLE_MACS_LIMIT) unless --samples was given:
      // the same rule `predict` uses, so cached features are the ones a prediction computes.
      const rep = await computeProxies(model, { seed: a.seed, seeds: a.seeds, ...(a.explicitSamples ? { samples: a.samples } : {}) });
      line = { id: r.id, version: rep.version, settings, proxies: rep.proxies, samples: rep.samples, seconds: +rep.seconds.toFixed(4), ...(rep.skipped ? { skipped: rep.skipped } : {}) };
    } catch (e) {
      line = { id: r.id, version: PROXY_VERSION, settings, proxies: null, samples: 0, seconds: 0, skipped: { code: 'run-failed', message: (e as Error).message } };
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

async function parent(a: Args): Promise<void> {
  const settings = { seed: a.seed, samples: a.samples, seeds: a.seeds };
  const out = `${a.dir}/proxies.jsonl`;
  const all = manifestIds(a.dir, a.limit);
  const done = cachedIds(out, settings);
  const todo = all.filter((r) => !done.has(r.id)).length;
  const log = (s: string) => {
    const msg = `${new Date().toISOString()} ${s}\n`;
    if (a.log) appendFileSync(a.log, msg);
    else process.stderr.write(msg);
  };
  log(`${a.dir}: ${all.length} archs, ${done.size} cached, ${todo} to do, ${a.workers} workers, settings ${JSON.stringify(settings)}, ${PROXY_VERSION}`);
  const t0 = performance.now();
  let written = 0;
  let skipped = 0;
  const self = fileURLToPath(import.meta.url);
  const passthrough = [...(a.explicitSamples ? ['--samples', String(a.samples)] : []), '--seeds', String(a.seeds), '--seed', String(a.seed), ...(a.limit !== null ? ['--limit', String(a.limit)] : [])];
  const runWorker = (k: number): Promise<void> => new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', self, a.dir, '--shard', `${k}/${a.workers}`, ...passthrough], { stdio: ['ignore', 'pipe', 'inherit'] });
    const rl = createInterface({ input: p.stdout });
    let current: string | null = null;
    rl.on('line', (l) => {
      if (l.trim() === '') return;
      if (l.startsWith('#start ')) { current = l.slice(7); return; }
      current = null;
      appendFileSync(out, `${l}\n`);
      written++;
      if (l.includes('"skipped"')) skipped++;
      if (written % 200 === 0 || written === todo) {
        const s = (performance.now() - t0) / 1000;
        log(`${written}/${todo} (${skipped} skipped) in ${s.toFixed(0)} s, ${(written / s).toFixed(2)} archs/s, eta ${((todo - written) / (written / s) / 60).toFixed(1)} min`);
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (code === 0) return resolve();
      if (current === null) return reject(new Error(`worker ${k} exited with ${code ?? signal}`));
      // Died on one arch: record it as skipped, then a fresh worker goes on (cached ids are skipped).
      const line: CacheLine = { id: current, version: PROXY_VERSION, settings, proxies: null, samples: 0, seconds: 0, skipped: { code: 'run-failed', message: `the worker died on this model (${code ?? signal})` } };
      appendFileSync(out, `${JSON.stringify(line)}\n`);
      written++;
      skipped++;
      log(`worker ${k} died (${code ?? signal}) on ${current}; recorded as skipped, restarting`);
      runWorker(k).then(resolve, reject);
    });
  });
  await Promise.all(Array.from({ length: a.workers }, (_, k) => runWorker(k)));
  const s = (performance.now() - t0) / 1000;
  log(`done: ${written} written (${skipped} skipped) in ${s.toFixed(1)} s`);
  process.stdout.write(`${JSON.stringify({ dir: a.dir, out, total: all.length, written, skipped, seconds: +s.toFixed(1), version: PROXY_VERSION, settings })}\n`);
}

const args = parseArgs(process.argv.slice(2));
await (args.shard ? child(args) : parent(args));

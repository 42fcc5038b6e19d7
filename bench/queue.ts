/**
 * Batch throughput through the Redis queue beside local batch, in one run (not CI):
 *   1. local `onnx-predict batch` over N NB201 files (built into --dir if missing), one thread;
 *   2. `batch --queue` with 1 worker process, then with 2, on a redis-server this script starts
 *      on a free loopback port (no persistence) and kills at the end.
 * Each figure is the wall time of the `batch` command, start to exit (process start, predictor or
 * queue set-up, hashing, scoring, writing), on files/s; workers are started and connected before
 * the clock starts, as they would be on a cluster. Every queued output is checked equal to the
 * local one. With --docs, the table replaces the block between the bench markers in
 * docs/DISTRIBUTED.md.
 *
 *   npx tsx bench/queue.ts [--dir data/batch-1k] [--limit 1000] [--seed 7] [--workers 1,2] [--docs]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../datasets/index.ts';
import { arg } from './load-server.ts';

const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));
const dir = arg('dir', 'data/batch-1k');
const limit = Number(arg('limit', '1000'));
const workerCounts = arg('workers', '1,2').split(',').map(Number);
if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.error('bench/queue.ts needs redis-server (Debian: apt-get install redis-server)');
  process.exit(1);
}
if (!existsSync(join(dir, 'manifest.jsonl'))) await buildDataset('nb201', { out: dir, limit, seed: Number(arg('seed', '7')) });
const tmp = mkdtempSync(join(tmpdir(), 'onnx-predict-queue-bench-'));

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const a = s.address();
    s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
  });
});
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}/0`;
const children: ChildProcess[] = [redis];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
await new Promise((r) => setTimeout(r, 300));

function run(args: string[]): Promise<{ code: number | null; seconds: number; stdout: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.on('exit', (code) => resolve({ code, seconds: (performance.now() - t0) / 1000, stdout }));
  });
}

function startWorker(name: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--queue-name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/queue \S+: concurrency/.test(err)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

interface Figure { readonly setup: string; readonly seconds: number; readonly filesPerSecond: number; readonly sameAsLocal: boolean | null; readonly load: string }
// The 1-minute load average before and after each run: on a shared machine it says how much of the CPU the run had.
const load = () => loadavg()[0]!.toFixed(1);
const figures: Figure[] = [];
const localOut = join(tmp, 'local.csv');
const load0 = load();
const local = await run(['batch', dir, '--out', localOut, '--top', '0', '-j', '1']);
if (local.code !== 0) throw new Error(`local batch exited ${local.code}`);
const files = readFileSync(localOut, 'utf8').trim().split('\n').length - 1;
figures.push({ setup: 'local `batch -j 1`', seconds: local.seconds, filesPerSecond: files / local.seconds, sameAsLocal: null, load: `${load0} → ${load()}` });
console.log(local.stdout.trim().split('\n').pop());

for (const n of workerCounts) {
  const name = `bench-${n}`;
  const workers = await Promise.all(Array.from({ length: n }, () => startWorker(name)));
  const out = join(tmp, `queue-${n}.csv`);
  const l0 = load();
  const r = await run(['batch', dir, '--queue', url, '--queue-name', name, '--out', out, '--top', '0']);
  if (r.code !== 0) throw new Error(`queued batch exited ${r.code}`);
  console.log(r.stdout.trim().split('\n').pop());
  figures.push({ setup: `\`batch --queue\`, ${n} worker process${n > 1 ? 'es' : ''}`, seconds: r.seconds, filesPerSecond: files / r.seconds, sameAsLocal: readFileSync(out).equals(readFileSync(localOut)), load: `${l0} → ${load()}` });
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((res) => (w.exitCode !== null ? res(null) : w.once('exit', res)))));
}

const machine = `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${new Date().toISOString().slice(0, 10)}`;
const table = [
  `${files} NB201 files (\`dataset build nb201 --limit ${limit} --seed ${arg('seed', '7')}\`); ${machine}.`,
  '',
  '| setup | wall s | files/s | rows equal to local | load average before → after |',
  '| --- | ---: | ---: | --- | --- |',
  ...figures.map((f) => `| ${f.setup} | ${f.seconds.toFixed(1)} | ${f.filesPerSecond.toFixed(1)} | ${f.sameAsLocal === null ? '—' : f.sameAsLocal ? 'yes, byte for byte' : 'NO'} | ${f.load} |`),
].join('\n');
console.log(JSON.stringify({ files, machine, figures }, null, 2));
console.log(table);
if (process.argv.includes('--docs')) {
  const doc = 'docs/DISTRIBUTED.md';
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- bench:queue -->';
  const end = '<!-- /bench:queue -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${doc} has no ${start} … ${end} block`);
  writeFileSync(doc, `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}`);
  console.log(`updated ${doc}`);
}
process.exit(0);

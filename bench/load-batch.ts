/**
 * Batch throughput and kill/resume check (not CI):
 *   1. `onnx-predict batch` over N generated NB201 files (built into data/batch-1k if missing) → archs/s;
 *   2. the same run killed (SIGKILL) part-way, then `--resume` → exactly N rows, no duplicates,
 *      byte-identical to the uninterrupted run.
 *
 *   npx tsx bench/load-batch.ts [--dir data/batch-1k] [--limit 1000] [--seed 7] [--concurrency 1] [--kill-at 400]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { buildDataset } from '../datasets/index.ts';
import { arg } from './load-server.ts';

const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));
const dir = arg('dir', 'data/batch-1k');
const limit = Number(arg('limit', '1000'));
const concurrency = arg('concurrency', '1');
const killAt = Number(arg('kill-at', String(Math.floor(limit * 0.4))));
if (!existsSync(join(dir, 'manifest.jsonl'))) await buildDataset('nb201', { out: dir, limit, seed: Number(arg('seed', '7')) });
const tmp = mkdtempSync(join(tmpdir(), 'onnx-predict-batch-bench-'));

function run(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; signal: string | null; stdout: string; seconds: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, 'batch', dir, '-j', concurrency, '--top', '5', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const poll = killWhen ? setInterval(() => { if (killWhen()) child.kill('SIGKILL'); }, 10) : undefined;
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, seconds: (performance.now() - t0) / 1000 });
    });
  });
}
const rows = (p: string) => parse(readFileSync(p), { columns: true }) as Record<string, string>[];
const lines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').length - 2 : 0);

const full = join(tmp, 'full.csv');
const a = await run(['--out', full]);
const fullRows = rows(full);
console.log(a.stdout.trim());

const killed = join(tmp, 'killed.csv');
const k = await run(['--out', killed], () => lines(killed) >= killAt);
const beforeResume = readFileSync(killed);
const tornTail = beforeResume.length > 0 && beforeResume[beforeResume.length - 1] !== 0x0a;
const partial = rows(join(tmp, 'killed.csv')).length;
const r = await run(['--out', killed, '--resume']);
const resumed = rows(killed);
console.log(r.stdout.trim().split('\n').pop());
console.log(JSON.stringify({
  files: fullRows.length, concurrency: Number(concurrency),
  fullRun: { seconds: Math.round(a.seconds * 10) / 10, archsPerSecondWall: Math.round((fullRows.length / a.seconds) * 10) / 10, summary: a.stdout.trim().split('\n').pop() },
  killed: { signal: k.signal, rowsBeforeResume: partial, tornLastLine: tornTail },
  resume: { code: r.code, seconds: Math.round(r.seconds * 10) / 10, rows: resumed.length, uniqueFiles: new Set(resumed.map((x) => x.file)).size, identicalToFullRun: readFileSync(killed).equals(readFileSync(full)) },
}, null, 2));

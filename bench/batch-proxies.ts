/**
 * `onnx-predict batch` over N NB201 files with proxies against `--no-proxies`, same run, rounds
 * interleaved, default `-j` (one process per core) unless given. Issue 20's goal: with proxies ≤ 2 ×
 * the time without.
 *
 *   npx tsx bench/batch-proxies.ts [--dir data/batch-300] [--limit 300] [--rounds 2] [-j N] [--checkpoint DIR]
 *
 * The shipped checkpoint computes proxies only if it learnt from this build's proxy version
 * (docs/PROXIES.md); `--checkpoint` points at one that did.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../datasets/index.ts';

const argv = process.argv.slice(2);
const arg = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 && argv[i + 1] ? argv[i + 1]! : d; };
const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));
const dir = arg('dir', 'data/batch-300');
const limit = Number(arg('limit', '300'));
const rounds = Number(arg('rounds', '2'));
const jIdx = argv.indexOf('-j');
const jobs = jIdx >= 0 ? ['-j', argv[jIdx + 1]!] : [];
const checkpoint = argv.includes('--checkpoint') ? ['--checkpoint', arg('checkpoint', '')] : [];
if (!existsSync(join(dir, 'manifest.jsonl'))) await buildDataset('nb201', { out: dir, limit, seed: 11 });
const tmp = mkdtempSync(join(tmpdir(), 'batch-proxies-'));
const load0 = loadavg();
const times: Record<string, number[]> = { proxies: [], 'no-proxies': [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 === 0 ? ['proxies', 'no-proxies'] : ['no-proxies', 'proxies']) {
    const out = join(tmp, `${mode}-${r}.csv`);
    const t0 = performance.now();
    const res = spawnSync(process.execPath, [BIN, 'batch', dir, '--out', out, ...jobs, ...checkpoint, ...(mode === 'no-proxies' ? ['--no-proxies'] : [])], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`batch failed: ${res.stderr}`);
    times[mode]!.push((performance.now() - t0) / 1000);
  }
}
rmSync(tmp, { recursive: true, force: true });
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[(s.length - 1) >> 1]!; };
const withP = median(times['proxies']!);
const without = median(times['no-proxies']!);
console.log(JSON.stringify({
  files: limit, jobs: jobs[1] ?? `default (${availableParallelism()} cores)`, rounds,
  withProxies: { seconds: +withP.toFixed(1), filesPerSecond: +(limit / withP).toFixed(1) },
  noProxies: { seconds: +without.toFixed(1), filesPerSecond: +(limit / without).toFixed(1) },
  ratio: +(withP / without).toFixed(2), goal: withP / without <= 2 ? '≤ 2×: met' : '≤ 2×: NOT met',
  loadavg: { start: load0.map((x) => +x.toFixed(1)), end: loadavg().map((x) => +x.toFixed(1)) },
}, null, 1));

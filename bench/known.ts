/**
 * `batch --known` overhead (issue 23's goal: ≤ 10 % over the same batch without it): the same N
 * generated NB201 cells scored by `onnx-predict batch` with and without a CSV of k measured
 * results, whole processes, rounds interleaved, medians. Proxies on (the product's default), so
 * the adapter reads every signal a user's run has.
 *
 *   npx tsx bench/known.ts [--dir data/bench-known] [--limit 200] [--known 20] [--rounds 3] [--no-proxies]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../datasets/index.ts';
import { arg } from './load-server.ts';

const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));
const dir = resolve(arg('dir', 'data/bench-known'));
const limit = Number(arg('limit', '200'));
const k = Number(arg('known', '20'));
const rounds = Number(arg('rounds', '3'));
const proxies = !process.argv.includes('--no-proxies');
if (!existsSync(join(dir, 'manifest.jsonl'))) await buildDataset('nb201', { out: dir, limit, seed: 23 });
const manifest = readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; labels: { cifar10: number } });
const tmp = mkdtempSync(join(tmpdir(), 'onnx-predict-known-bench-'));
const csv = join(tmp, 'known.csv');
writeFileSync(csv, `file,accuracy\n${manifest.slice(0, k).map((r) => `${join(dir, r.file)},${r.labels.cifar10}`).join('\n')}\n`);

function run(extra: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const out = join(tmp, `out-${Math.random().toString(36).slice(2)}.csv`);
    const child = spawn(process.execPath, [BIN, 'batch', dir, '--out', out, '--target', 'cifar10', '--top', '0', ...(proxies ? [] : ['--no-proxies']), ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? res((performance.now() - t0) / 1000) : rej(new Error(`batch exited ${code}`))));
  });
}

const without: number[] = [];
const withKnown: number[] = [];
for (let r = 0; r < rounds; r++) {
  without.push(await run([]));
  withKnown.push(await run(['--known', csv]));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const a = median(without);
const b = median(withKnown);
console.log(`batch of ${manifest.length} NB201 cells${proxies ? ' with proxies' : ' --no-proxies'}, ${k} known, ${rounds} interleaved rounds, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
console.log(`| run | median wall | runs |\n| --- | ---: | --- |`);
console.log(`| without --known | ${a.toFixed(2)} s | ${without.map((x) => x.toFixed(2)).join(', ')} |`);
console.log(`| with --known (${k}) | ${b.toFixed(2)} s | ${withKnown.map((x) => x.toFixed(2)).join(', ')} |`);
console.log(`overhead: ${(((b - a) / a) * 100).toFixed(1)} % (goal ≤ 10 %)`);
rmSync(tmp, { recursive: true, force: true });

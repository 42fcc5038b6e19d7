/**
 * Benchmark: the full-size bombs of issue 14, refused by whole `onnx-predict stats` processes.
 *
 *   npx tsx bench/bombs.ts [--only name] [--keep]
 *
 * Writes each bomb to out/bench/bombs/ (git-ignored; deleted afterwards unless --keep), then runs
 * `onnx-predict stats FILE` under /usr/bin/time -v and reports the exit code, the first line of
 * stderr, wall time to refusal, and peak RSS against the file size. A `node -e 0` run and a
 * `stats` run on a valid 1,000-node file give the baseline of the same session.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hugeRepeated, identityChain, nestedIfs } from '../test/helpers/bombs.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));
const DIR = join(ROOT, 'out', 'bench', 'bombs');

const BOMBS: Readonly<Record<string, () => Uint8Array>> = {
  'valid-1k-identity': () => identityChain(1000),
  'identity-10M-nodes': () => identityChain(10_000_000),
  'nested-if-21x500k': () => nestedIfs(21, 500_000),
  'attribute-ints-200M': () => hugeRepeated('attribute-ints', 200_000_000),
  'node-inputs-20M': () => hugeRepeated('node-inputs', 20_000_000),
  'attribute-strings-20M': () => hugeRepeated('attribute-strings', 20_000_000),
};

interface Result {
  readonly code: number | null;
  readonly wallMs: number;
  readonly maxRssBytes: number;
  readonly stderr: string;
}

function timed(args: readonly string[]): Result {
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const exit = /Exit status: (\d+)/.exec(r.stderr);
  const signal = /Command terminated by signal (\d+)/.exec(r.stderr);
  if (!wall || !rss) throw new Error(`could not parse /usr/bin/time output: ${r.stderr.slice(-400)}`);
  const own = r.stderr.split('\n').filter((l) => !/^\t|^Command (being timed|terminated)/.test(l) && l.trim() !== '');
  return {
    code: signal ? 128 + Number(signal[1]) : exit ? Number(exit[1]) : r.status,
    wallMs: ((Number(wall[1] ?? 0) * 60 + Number(wall[2])) * 60 + Number(wall[3])) * 1000,
    maxRssBytes: Number(rss[1]) * 1024,
    stderr: own[0] ?? '',
  };
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

function main(): void {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const keep = args.includes('--keep');
  mkdirSync(DIR, { recursive: true });
  const base = timed(['-e', '0']);
  console.log(`node -e 0: ${base.wallMs.toFixed(0)} ms, ${mib(base.maxRssBytes)}`);
  console.log('| file | size | exit | time to answer | peak RSS | RSS / size | stderr |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [name, make] of Object.entries(BOMBS)) {
    if (only !== undefined && name !== only && name !== 'valid-1k-identity') continue;
    const file = join(DIR, `${name}.onnx`);
    writeFileSync(file, make());
    const size = statSync(file).size;
    const r = timed([BIN, 'stats', file]);
    const msg = r.stderr.replace(DIR + '/', '').slice(0, 140);
    console.log(`| ${name} | ${mib(size)} | ${r.code} | ${r.wallMs.toFixed(0)} ms | ${mib(r.maxRssBytes)} | ${(r.maxRssBytes / size).toFixed(2)} | ${msg} |`);
    if (!keep) rmSync(file, { force: true });
  }
}

main();

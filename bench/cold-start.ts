/**
 * Cold starts as a user sees them (issue 11.4): whole-process wall time of the installed
 * `onnx-predict` bin, measured in the same run, interleaved, as `node -e 0`.
 *
 *   npx tsx bench/cold-start.ts [--runs 7] [--reuse] [--resnet50 .cache/profile/full/resnet50.onnx] [--checkpoint DIR] [--no-write]
 *
 * The package is compiled in a scratch copy, packed and installed from the tarball into
 * out/cold-start/consumer (test/helpers/package.ts), as `npm install onnx-predict` would; --reuse
 * keeps an earlier install. Each command runs --runs times in a fresh process; rounds are
 * interleaved so load on the machine hits every command alike; medians are reported, with peak
 * RSS from GNU time when it is installed. For comparison the checkout's own bin (TypeScript
 * through tsx) is timed for --help. Goals: --help and --version ≤ 3 × bare node; predicting an
 * NB201 graph ≤ 1.5 s, and with proxies ≤ 6 × `node -e 0` (issue 20); stats on a ~100 MB
 * ResNet-50 ≤ 1 s and peak RSS ≤ 1.5 × the file.
 * --checkpoint times predictions with another checkpoint folder than the shipped one (a checkpoint
 * of another proxy version computes no proxies: docs/PROXIES.md).
 * Results go to stdout and to docs/PERFORMANCE.md (between the cold-start markers).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';
import { buildCopy, installInto, pack, ROOT } from '../test/helpers/package.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const runs = Number(value('runs', '7'));
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got '${value('runs', '7')}'`);

const work = join(ROOT, 'out', 'cold-start');
const consumer = join(work, 'consumer');
const bin = join(consumer, 'node_modules', '.bin', 'onnx-predict');

if (!flag('reuse') || !existsSync(bin)) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const built = await buildCopy(join(work, 'build'));
  const packed = await pack(built.dir, work);
  const installSeconds = await installInto(consumer, packed.tarball);
  process.stdout.write(`built in ${built.seconds.toFixed(1)} s, packed ${(packed.bytes / 1e6).toFixed(1)} MB, installed in ${installSeconds.toFixed(1)} s\n`);
}

// An NB201 graph built by the installed package itself.
const nb201Dir = join(consumer, 'nb201');
if (!existsSync(nb201Dir) || !readdirSync(nb201Dir).some((f) => f.endsWith('.onnx'))) {
  const r = spawnSync(bin, ['dataset', 'build', 'nb201', '--out', nb201Dir, '--limit', '1', '--seed', '1'], { cwd: consumer, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dataset build failed: ${r.stderr}`);
}
const nb201 = join(nb201Dir, readdirSync(nb201Dir).find((f) => f.endsWith('.onnx'))!);
const resnet18 = join(ROOT, 'test', 'fixtures', 'models', 'resnet18.onnx');
const resnet50 = value('resnet50', join(ROOT, '.cache', 'profile', 'full', 'resnet50.onnx'));

/** ~100 MB of real fp32 weights (43 Conv 256→256 3×3 layers): what `stats` pays to read a big file, whatever its architecture. */
const convs = join(work, 'conv-100mb.onnx');
if (!existsSync(convs)) {
  const b = new GraphBuilder({ weights: 'zeros' });
  let x = b.input('x', [1, 256, 14, 14]);
  for (let i = 0; i < 43; i++) x = b.op('Relu', [b.op('Conv', [x, b.weight('w', [256, 256, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]);
  b.node('Identity', [x], {}, { outputs: ['y'] });
  b.output('y', [1, 256, 14, 14]);
  writeFileSync(convs, b.toBytes());
}

const checkpointArgs = argv.includes('--checkpoint') ? ['--checkpoint', value('checkpoint', '')] : [];

interface Case {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Size of the model the command reads, for the RSS ratio. */
  readonly modelBytes?: number;
}

const cases: Case[] = [
  { name: 'node -e 0', file: process.execPath, args: ['-e', '0'] },
  { name: 'onnx-predict --help', file: bin, args: ['--help'] },
  { name: 'onnx-predict --version', file: bin, args: ['--version'] },
  { name: `onnx-predict stats resnet18.onnx (fixture, weights stripped: ${(statSync(resnet18).size / 1e3).toFixed(0)} kB)`, file: bin, args: ['stats', resnet18] },
  { name: `onnx-predict stats conv-100mb.onnx (${(statSync(convs).size / 1e6).toFixed(0)} MB of weights)`, file: bin, args: ['stats', convs], modelBytes: statSync(convs).size },
  { name: 'onnx-predict describe resnet18.onnx', file: bin, args: ['describe', resnet18] },
  { name: 'onnx-predict <nb201 graph>', file: bin, args: [nb201, ...checkpointArgs] },
  { name: 'onnx-predict <nb201 graph> --no-proxies', file: bin, args: [nb201, '--no-proxies', ...checkpointArgs] },
  { name: 'checkout bin --help (tsx, sources)', file: process.execPath, args: [join(ROOT, 'bin', 'onnx-predict.js'), '--help'] },
];
if (existsSync(resnet50)) cases.splice(4, 0, { name: `onnx-predict stats resnet50.onnx (${(statSync(resnet50).size / 1e6).toFixed(0)} MB)`, file: bin, args: ['stats', resnet50], modelBytes: statSync(resnet50).size });

const gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;

interface Sample {
  readonly seconds: number;
  readonly rssBytes: number | null;
  /** The first stderr line of a run that did not exit 0. */
  readonly failed?: string;
}

function once(c: Case): Sample {
  const env = { ...process.env, ...c.env };
  delete env.ONNX_PREDICT_COMPILED;
  const [file, args] = gnuTime ? ['/usr/bin/time', ['-f', '@@rss %M', c.file, ...c.args]] : [c.file, c.args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { cwd: consumer, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /@@rss (\d+)/.exec(r.stderr);
  const failed = r.status !== 0 ? `exit ${r.status}: ${r.stderr.split('\n').find((l) => l.trim() !== '' && !l.startsWith('@@rss') && !l.startsWith('Command exited')) ?? ''}` : undefined;
  return { seconds, rssBytes: m ? Number(m[1]) * 1024 : null, ...(failed !== undefined ? { failed } : {}) };
}

const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
for (const c of cases) once(c); // warm the page cache once: later rounds measure start-up, not the disk
for (let round = 0; round < runs; round++) {
  for (const c of cases) samples.get(c.name)!.push(once(c));
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const bare = median(samples.get('node -e 0')!.map((s) => s.seconds));

interface Row {
  readonly name: string;
  readonly median: number;
  readonly ratio: number;
  readonly rss: number | null;
  readonly rssRatio: number | null;
  readonly failed?: string;
}
const rows: Row[] = cases.map((c) => {
  const ss = samples.get(c.name)!;
  const rss = ss.every((s) => s.rssBytes !== null) ? median(ss.map((s) => s.rssBytes!)) : null;
  const med = median(ss.map((s) => s.seconds));
  const failed = ss.find((s) => s.failed !== undefined)?.failed;
  return { name: c.name, median: med, ratio: med / bare, rss, rssRatio: rss !== null && c.modelBytes !== undefined ? rss / c.modelBytes : null, ...(failed !== undefined ? { failed } : {}) };
});

const goal = (r: Row): string => {
  if (r.failed !== undefined) return `FAILED (${r.failed.replace(/\|/g, '\\|').split(ROOT).join('')})`;
  if (r.name === 'onnx-predict --help' || r.name === 'onnx-predict --version') return r.ratio <= 3 ? `≤ 3 × node: met` : `≤ 3 × node: NOT met`;
  if (r.name === 'onnx-predict <nb201 graph>') return `${r.median <= 1.5 ? '≤ 1.5 s: met' : '≤ 1.5 s: NOT met'}; ${r.ratio <= 6 ? '≤ 6 × node (issue 20): met' : '≤ 6 × node (issue 20): NOT met'}`;
  if (r.name.startsWith('onnx-predict <nb201 graph>')) return r.median <= 1.5 ? '≤ 1.5 s: met' : '≤ 1.5 s: NOT met';
  if (r.name.includes('resnet50') || r.name.includes('conv-100mb')) return `${r.median <= 1 ? '≤ 1 s: met' : '≤ 1 s: NOT met'}; ${r.rssRatio !== null && r.rssRatio <= 1.5 ? 'RSS ≤ 1.5 × file: met' : 'RSS ≤ 1.5 × file: NOT met'}`;
  return '';
};

const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
const lines = [
  `Measured ${date} UTC with \`npx tsx bench/cold-start.ts ${argv.join(' ').split(ROOT).join('')}\`: Node ${process.version}, ${cpus().length} cores, load average ${load} (1/5/15 min) at the end; medians of ${runs} fresh processes per command, rounds interleaved.`,
  '',
  '| command | median wall | × `node -e 0` | peak RSS | RSS / model file | goal |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.median.toFixed(3)} s | ${r.ratio.toFixed(2)} | ${r.rss === null ? '–' : `${(r.rss / 2 ** 20).toFixed(0)} MiB`} | ${r.rssRatio === null ? '' : r.rssRatio.toFixed(2)} | ${goal(r)} |`),
];
if (!existsSync(resnet50)) lines.push('', `No ResNet-50 at ${resnet50.replace(ROOT, '')} (scripts/export-fixtures/export.py --only resnet50 writes it), so its row is missing.`);
const table = lines.join('\n');
process.stdout.write(`${table}\n`);

if (!flag('no-write')) {
  const doc = join(ROOT, 'docs', 'PERFORMANCE.md');
  const begin = '<!-- cold-start:begin (bench/cold-start.ts writes this part) -->';
  const end = '<!-- cold-start:end -->';
  const block = `${begin}\n${table}\n${end}`;
  const text = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Performance\n\n## Cold starts\n\n';
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin.replace(/[()]/g, '\\$&')}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(doc, next.endsWith('\n') ? next : `${next}\n`);
  process.stdout.write(`written to ${doc.replace(`${ROOT}/`, '')}\n`);
}

/**
 * Benchmark: `stats` on a ~100 MB ResNet-50 export WITH weights, as a user waits for it.
 *
 *   npx tsx bench/stats.ts [file.onnx] [--runs 5]
 *
 * Without a file it writes a ResNet-50 (torchvision layout, random float32 weights, 25.6 M
 * params, ~98 MiB) with our GraphBuilder to out/bench/resnet50.onnx (git-ignored) once.
 * Every measurement is a whole process under /usr/bin/time -v (wall time, peak RSS), run in
 * turns in the same session so load on the machine hits all of them alike:
 *   - `node -e 0`: the bare runtime; `node readFileSync only`: the runtime holding the file's bytes;
 *   - `onnx-predict stats FILE --json`: the CLI, cold start included;
 *   - `core`: a child that reads the file and runs readModel + profileModel only (the reader's share),
 *     through tsx, and through plain node when `npm run build` has written the JavaScript;
 *   - `python3 -c "onnx.load(FILE)"` when the `onnx` package is installed.
 * Goals (issue 11.4): stats ≤ 1 s whole-process, peak RSS ≤ 1.5 × file, faster than onnx.load.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** torchvision's ResNet-50 (Bottleneck [3, 4, 6, 3]), BN folded into conv biases as exports do. */
export function resnet50(): Uint8Array {
  const b = new GraphBuilder({ weights: 'random', seed: 50, producer: 'onnx-predict bench' });
  const conv = (x: string, cin: number, cout: number, k: number, s: number, relu: boolean): string => {
    const p = (k - 1) / 2;
    const c = b.op('Conv', [x, b.weight('w', [cout, cin, k, k]), b.weight('b', [cout])], { kernel_shape: [k, k], pads: [p, p, p, p], strides: [s, s] });
    return relu ? b.op('Relu', [c]) : c;
  };
  let x = conv(b.input('input', ['batch', 3, 224, 224]), 3, 64, 7, 2, true);
  x = b.op('MaxPool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  let cin = 64;
  for (const [blocks, width, stride] of [[3, 64, 1], [4, 128, 2], [6, 256, 2], [3, 512, 2]] as const) {
    for (let i = 0; i < blocks; i++) {
      const s = i === 0 ? stride : 1;
      const y = conv(conv(conv(x, cin, width, 1, 1, true), width, width, 3, s, true), width, width * 4, 1, 1, false);
      const skip = i === 0 ? conv(x, cin, width * 4, 1, s, false) : x;
      x = b.op('Relu', [b.op('Add', [y, skip])]);
      cin = width * 4;
    }
  }
  const f = b.op('Flatten', [b.op('GlobalAveragePool', [x])], { axis: 1 });
  b.node('Gemm', [f, b.weight('fc', [1000, 2048]), b.weight('fcb', [1000])], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', ['batch', 1000]);
  return b.toBytes();
}

interface Run {
  readonly wallMs: number;
  readonly maxRssBytes: number;
  readonly ok: boolean;
}

/** One whole process under /usr/bin/time -v. */
function timed(cmd: string, args: readonly string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!wall || !rss) throw new Error(`could not parse /usr/bin/time output for ${cmd}: ${r.stderr.slice(-400)}`);
  const ms = ((Number(wall[1] ?? 0) * 60 + Number(wall[2])) * 60 + Number(wall[3])) * 1000;
  return { wallMs: ms, maxRssBytes: Number(rss[1]) * 1024, ok: r.status === 0 };
}

async function core(file: string): Promise<void> {
  const { readModel } = await import('../src/onnx-to-text/reader.ts');
  const { profileModel } = await import('../src/onnx-to-text/profile.ts');
  const t0 = performance.now();
  const bytes = readFileSync(file);
  const t1 = performance.now();
  const model = readModel(bytes, { source: file });
  const t2 = performance.now();
  const p = profileModel(model);
  const t3 = performance.now();
  process.stdout.write(`${JSON.stringify({ readMs: t1 - t0, decodeMs: t2 - t1, profileMs: t3 - t2, nodes: p.totals.nodes, params: p.totals.params, macs: p.totals.macs })}\n`);
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** The core step without tsx: needs `npm run build` (JS next to the sources). */
function compiledCore(file: string): string {
  const at = (m: string) => JSON.stringify(pathToFileURL(join(ROOT, 'src', 'onnx-to-text', m)).href);
  return `import { readFileSync } from 'node:fs'; const { readModel } = await import(${at('reader.js')}); const { profileModel } = await import(${at('profile.js')}); profileModel(readModel(readFileSync(${JSON.stringify(file)})));`;
}

function hasPythonOnnx(): boolean {
  return spawnSync('python3', ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--core') return core(args[1]!);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  let file = args.find((a, i) => !a.startsWith('--') && (runsAt < 0 || i !== runsAt + 1));
  if (file === undefined) {
    file = 'out/bench/resnet50.onnx';
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, resnet50());
    }
  }
  const size = statSync(file).size;
  const python = hasPythonOnnx();
  const compiled = existsSync(join(ROOT, 'src', 'onnx-to-text', 'reader.js'));
  const tsx = [...process.execArgv];
  const steps: Record<string, () => Run> = {
    'node -e 0': () => timed(process.execPath, ['-e', '0']),
    'node readFileSync only': () => timed(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(file)})`]),
    'onnx-predict stats --json': () => timed(process.execPath, [BIN, 'stats', file, '--json']),
    'core (read + readModel + profile)': () => timed(process.execPath, [...tsx, SELF, '--core', file]),
    ...(compiled ? { 'core, compiled JS (plain node)': () => timed(process.execPath, ['--input-type=module', '-e', compiledCore(file)]) } : {}),
    ...(python ? { 'python3 onnx.load': () => timed('python3', ['-c', `import onnx; onnx.load(${JSON.stringify(file)})`]) } : {}),
  };
  const results: Record<string, Run[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [k, f] of Object.entries(steps)) results[k]!.push(f());
  const detail = JSON.parse(execFileSync(process.execPath, [...tsx, SELF, '--core', file], { encoding: 'utf8' }).trim()) as Record<string, number>;

  console.log(`file ${file}: ${mib(size)}, ${detail.nodes} nodes, ${detail.params} params, ${detail.macs} MACs; ${runs} runs, medians`);
  console.log(`in process: read ${detail.readMs!.toFixed(0)} ms, readModel ${detail.decodeMs!.toFixed(0)} ms, profile ${detail.profileMs!.toFixed(0)} ms`);
  console.log('| process | wall | peak RSS | RSS / file | all ok |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  const wall: Record<string, number> = {};
  for (const [k, rs] of Object.entries(results)) {
    wall[k] = median(rs.map((r) => r.wallMs));
    const rss = median(rs.map((r) => r.maxRssBytes));
    console.log(`| ${k} | ${wall[k]!.toFixed(0)} ms | ${mib(rss)} | ${(rss / size).toFixed(2)} | ${rs.every((r) => r.ok) ? 'yes' : 'NO'} |`);
  }
  const stats = wall['onnx-predict stats --json']!;
  const statsRss = median(results['onnx-predict stats --json']!.map((r) => r.maxRssBytes));
  console.log(`stats whole-process ${stats.toFixed(0)} ms (goal ≤ 1000): ${stats <= 1000 ? 'met' : 'not met'}`);
  console.log(`stats peak RSS ${(statsRss / size).toFixed(2)} × file (goal ≤ 1.5): ${statsRss <= 1.5 * size ? 'met' : 'not met'}`);
  if (python) {
    const py = wall['python3 onnx.load']!;
    console.log(`stats / onnx.load wall: ${(stats / py).toFixed(2)} (goal < 1): ${stats < py ? 'met' : 'not met'}`);
  } else {
    console.log('python3 onnx not installed: no onnx.load comparison (pip install onnx)');
  }
}

await main();

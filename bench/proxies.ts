/**
 * Benchmark: whole-model `computeProxies` time (medians) and peak memory, against the cost goals
 * of issue 10: one NB201 cell ≤ 50 ms on one core; ResNet-50 at 224 ≤ 2 s; ViT-L/16 at 224 peak
 * memory ≤ 3 GB. ResNet-50 and ViT-L/16 are built here with the GraphBuilder (stripped weights,
 * BN folded into Conv as our exports are); the fixtures' real exports run too.
 *
 *   npx tsx bench/proxies.ts [--nb201 20] [--runs 3] [--samples N] [--only nb201,resnet50,vitl16,fixtures]
 *
 * Each big model runs in a fresh child process so its peak RSS (`process.resourceUsage().maxRSS`)
 * belongs to it alone; the bare runtime's RSS is printed for reference. onnxruntime is given one
 * intra-op thread, so the numbers are one core's (the machine's load is printed: on a shared
 * machine medians are upper bounds).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import type { Model } from '../src/onnx-to-text/ir.ts';
import { computeProxies, type ProxyOptions } from '../src/proxies/index.ts';

const argv = process.argv.slice(2);
const opt = (k: string, d: string) => {
  const i = argv.indexOf(k);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : d;
};

/** ResNet-50 (torchvision layout, BN folded into Conv): stem, [3, 4, 6, 3] bottlenecks, GAP, FC. */
export function resnet50(): Uint8Array {
  const g = new GraphBuilder({ weights: 'stripped', opset: 13 });
  const conv = (x: string, cin: number, cout: number, k: number, stride = 1) =>
    g.op('Conv', [x, g.weight('w', [cout, cin, k, k]), g.weight('b', [cout])], { kernel_shape: [k, k], strides: [stride, stride], pads: [k >> 1, k >> 1, k >> 1, k >> 1] });
  let x = g.input('input', ['batch', 3, 224, 224]);
  x = g.op('Relu', [conv(x, 3, 64, 7, 2)]);
  x = g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let cin = 64;
  [[3, 64], [4, 128], [6, 256], [3, 512]].forEach(([blocks, width], stage) => {
    for (let b = 0; b < blocks!; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      const cout = width! * 4;
      let h = g.op('Relu', [conv(x, cin, width!, 1)]);
      h = g.op('Relu', [conv(h, width!, width!, 3, stride)]);
      h = conv(h, width!, cout, 1);
      const skip = b === 0 ? conv(x, cin, cout, 1, stride) : x;
      x = g.op('Relu', [g.op('Add', [h, skip])]);
      cin = cout;
    }
  });
  x = g.op('Flatten', [g.op('GlobalAveragePool', [x])], { axis: 1 });
  x = g.op('Gemm', [x, g.weight('fc', [1000, 2048]), g.weight('fcb', [1000])], { transB: 1 });
  g.output(x, ['batch', 1000]);
  return g.toBytes();
}

/** ViT-L/16 at 224: patch embedding, 24 pre-norm blocks (1024 wide, 16 heads, MLP 4096, GELU via Erf), head. */
export function vitL16(): Uint8Array {
  const d = 1024, heads = 16, mlp = 4096, tokens = 197, layers = 24;
  const g = new GraphBuilder({ weights: 'stripped', opset: 17 });
  const ln = (x: string) => g.op('LayerNormalization', [x, g.weight('ln_g', [d]), g.weight('ln_b', [d])], { axis: -1, epsilon: { float: 1e-6 } });
  const dense = (x: string, i: number, o: number) => g.op('Add', [g.op('MatMul', [x, g.weight('w', [i, o])]), g.weight('b', [o])]);
  const f = (v: number) => g.op('Constant', [], { value_float: { float: v } });
  let x = g.input('input', ['batch', 3, 224, 224]);
  x = g.op('Conv', [x, g.weight('patch', [d, 3, 16, 16]), g.weight('patch_b', [d])], { kernel_shape: [16, 16], strides: [16, 16] });
  x = g.op('Transpose', [g.op('Reshape', [x, g.int64('s', [0, d, 196])])], { perm: [0, 2, 1] });
  const cls = g.op('Expand', [g.weight('cls', [1, 1, d]), g.op('Concat', [g.op('Slice', [g.op('Shape', [x]), g.int64('z', [0]), g.int64('o', [1])]), g.int64('c', [1, d])], { axis: 0 })]);
  x = g.op('Add', [g.op('Concat', [cls, x], { axis: 1 }), g.weight('pos', [1, tokens, d])]);
  const headShape = g.int64('hs', [0, tokens, heads, d / heads]);
  const backShape = g.int64('bs', [0, tokens, d]);
  for (let l = 0; l < layers; l++) {
    const h = ln(x);
    const split = (t: string) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm: [0, 2, 1, 3] });
    const q = split(dense(h, d, d)), k = split(dense(h, d, d)), v = split(dense(h, d, d));
    const att = g.op('Softmax', [g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), f(1 / Math.sqrt(d / heads))])], { axis: -1 });
    const o = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [att, v])], { perm: [0, 2, 1, 3] }), backShape]);
    x = g.op('Add', [x, dense(o, d, d)]);
    const u = dense(ln(x), d, mlp);
    const gelu = g.op('Mul', [g.op('Mul', [u, f(0.5)]), g.op('Add', [g.op('Erf', [g.op('Div', [u, f(Math.SQRT2)])]), f(1)])]);
    x = g.op('Add', [x, dense(gelu, mlp, d)]);
  }
  x = g.op('Gather', [ln(x), g.int64('i0', [0], [])], { axis: 1 });
  x = dense(x, d, 1000);
  g.output(x, ['batch', 1000]);
  return g.toBytes();
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[(s.length - 1) >> 1]!; };

/** CPU seconds of this process (all threads) — one core's time when nothing runs in parallel, and robust to a loaded machine. */
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function timeModel(m: Model, runs: number, options: ProxyOptions): Promise<{ median: number; medianCpu: number; runs: number[]; cpu: number[]; samples: number; skipped?: string }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let samples = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = cpuSeconds();
    const r = await computeProxies(m, options);
    cpu.push(+(cpuSeconds() - c).toFixed(3));
    times.push(+((performance.now() - t) / 1000).toFixed(3));
    samples = r.samples;
    if (r.skipped) return { median: NaN, medianCpu: NaN, runs: times, cpu, samples, skipped: `${r.skipped.code}: ${r.skipped.message}` };
  }
  return { median: median(times), medianCpu: median(cpu), runs: times, cpu, samples };
}

const samplesOpt = argv.includes('--samples') ? { samples: Number(opt('--samples', '8')) } : {};

async function childMain(which: string): Promise<void> {
  const runs = Number(opt('--runs', '3'));
  if (which === 'node') {
    process.stdout.write(JSON.stringify({ which, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
    return;
  }
  const bytes = which === 'resnet50' ? resnet50() : which === 'vitl16' ? vitL16() : readFileSync(new URL(`../test/fixtures/models/${which}.onnx`, import.meta.url));
  const m = readModel(bytes);
  const r = await timeModel(m, runs, samplesOpt);
  process.stdout.write(JSON.stringify({ which, ...r, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

async function parentMain(): Promise<void> {
  const only = new Set(opt('--only', 'nb201,resnet50,vitl16,fixtures').split(','));
  const report: Record<string, unknown> = { loadavg: loadavg().map((x) => +x.toFixed(2)) };
  if (only.has('nb201')) {
    const { nb201 } = await import('../datasets/nb201/builder.ts');
    const { selectEntries } = await import('../datasets/lib/build.ts');
    const entries = selectEntries(await nb201.entries(), Number(opt('--nb201', '20')), 1);
    const models = entries.map((e) => readModel(nb201.build(e, { weights: 'stripped', seed: 0 })));
    for (const m of models.slice(0, 3)) await computeProxies(m, samplesOpt); // warm-up (JIT, onnxruntime load)
    const times: number[] = [];
    const cpu: number[] = [];
    let samples = 0;
    for (const m of models) {
      const t = performance.now();
      const c = cpuSeconds();
      const r = await computeProxies(m, samplesOpt);
      cpu.push(cpuSeconds() - c);
      times.push((performance.now() - t) / 1000);
      samples = r.samples;
    }
    report['nb201'] = { archs: models.length, samples, medianSeconds: +median(times).toFixed(4), medianCpuSeconds: +median(cpu).toFixed(4), p90Seconds: +[...times].sort((a, b) => a - b)[Math.floor(times.length * 0.9)]!.toFixed(4) };
  }
  const self = fileURLToPath(import.meta.url);
  const kids = ['node', ...(only.has('resnet50') ? ['resnet50'] : []), ...(only.has('vitl16') ? ['vitl16'] : []), ...(only.has('fixtures') ? ['resnet18', 'mobilenet_v3_small', 'efficientnet_b0', 'vit_b_16'] : [])];
  for (const k of kids) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', k, ...argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const r = JSON.parse(out) as { maxRssBytes: number };
    report[k] = { ...r, maxRssGiB: +(r.maxRssBytes / 2 ** 30).toFixed(3) };
  }
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
}

const childIdx = argv.indexOf('--child');
await (childIdx >= 0 ? childMain(argv[childIdx + 1]!) : parentMain());

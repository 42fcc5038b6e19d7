/**
 * Benchmark: CPU time of `computeProxies` per model (medians), against a baseline measured in the
 * same run, and peak memory. Issue 20's goals: one NB201 cell ≤ 0.040 CPU-s (median of 200),
 * ResNet-50 at 224 ≤ 0.8 CPU-s.
 *
 *   npx tsx bench/proxies.ts [--nb201 200] [--rounds 4] [--runs 3] [--only nb201,resnet50,vitl16,fixtures]
 *       [--baseline <checkout>] [--phases]
 *
 * `--baseline` is another checkout of this repository (e.g. `git worktree add ../old <commit>`,
 * with node_modules): its src/proxies runs on the same models in child processes, rounds
 * interleaved with this checkout's, so both see the same machine load (printed at the start and
 * the end). CPU seconds are process.cpuUsage over the call: onnxruntime runs one intra-op thread,
 * so they are one core's work and robust to a loaded machine (wall times are printed too).
 * ResNet-50 and ViT-L/16 are built here with the GraphBuilder (stripped weights, BN folded into
 * Conv as our exports are); each big model runs in a fresh process so its peak RSS is its own.
 * `--phases` prints where a cell's CPU time goes (ONNX_PREDICT_PROXY_PHASES=1).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';

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

const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[(s.length - 1) >> 1]!; };
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

interface ProxyModule { computeProxies(m: unknown, o?: Record<string, unknown>): Promise<{ samples: number; skipped?: { code: string; message: string } }> }
interface Loaded { proxies: ProxyModule; readModel(b: Uint8Array): unknown; phases?: Map<string, number> }

/** The proxies and reader of a checkout (this one by default). */
async function load(src: string): Promise<Loaded> {
  const root = pathToFileURL(`${resolve(src)}/`);
  const proxies = (await import(new URL('src/proxies/index.ts', root).href)) as ProxyModule;
  const { readModel } = (await import(new URL('src/onnx-to-text/reader.ts', root).href)) as { readModel(b: Uint8Array): unknown };
  const compute = (await import(new URL('src/proxies/compute.ts', root).href)) as { PHASES?: Map<string, number> };
  return { proxies, readModel, ...(compute.PHASES ? { phases: compute.PHASES } : {}) };
}

/** Child: time `computeProxies` on each model; prints one JSON object. */
async function child(which: string, src: string): Promise<void> {
  const { proxies, readModel, phases } = await load(src);
  const runs = Number(opt('--runs', '3'));
  let models: Uint8Array[];
  if (which === 'nb201') {
    const { nb201 } = await import('../datasets/nb201/builder.ts');
    const { selectEntries } = await import('../datasets/lib/build.ts');
    const [from, to] = opt('--cells', '0:20').split(':').map(Number) as [number, number];
    const all = await nb201.entries();
    const entries = selectEntries(all, Number(opt('--nb201', '200')), 1).slice(from, to);
    models = entries.map((e) => nb201.build(e, { weights: 'stripped', seed: 0 }));
    // Warm-up (JIT, onnxruntime's first load) on a cell outside the timed set, as every side does.
    await proxies.computeProxies(readModel(nb201.build(all[0]!, { weights: 'stripped', seed: 0 })));
  } else {
    models = [which === 'resnet50' ? resnet50() : which === 'vitl16' ? vitL16() : readFileSync(new URL(`../test/fixtures/models/${which}.onnx`, import.meta.url))];
  }
  const parsed = models.map((b) => readModel(b));
  phases?.clear();
  const cpu: number[] = [];
  const wall: number[] = [];
  let samples = 0;
  let skipped: string | undefined;
  for (const m of parsed) {
    for (let r = 0; r < (which === 'nb201' ? 1 : runs); r++) {
      const c = cpuSeconds();
      const t = performance.now();
      const rep = await proxies.computeProxies(m);
      cpu.push(cpuSeconds() - c);
      wall.push((performance.now() - t) / 1000);
      samples = rep.samples;
      if (rep.skipped) skipped = `${rep.skipped.code}: ${rep.skipped.message}`;
    }
  }
  const out = { which, cpu, wall, samples, skipped, maxRssBytes: process.resourceUsage().maxRSS * 1024, phases: phases ? Object.fromEntries([...phases].map(([k, v]) => [k, v / cpu.length])) : undefined };
  process.stdout.write(JSON.stringify(out));
}

interface ChildResult { which: string; cpu: number[]; wall: number[]; samples: number; skipped?: string; maxRssBytes: number; phases?: Record<string, number> }

function runChild(which: string, src: string, extra: string[] = [], env: Record<string, string> = {}): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', which, '--src', src, ...extra, ...argv.filter((a) => a !== '--child')], {
    encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as ChildResult;
}

async function parent(): Promise<void> {
  const only = new Set(opt('--only', 'nb201,resnet50').split(','));
  const baseline = argv.includes('--baseline') ? opt('--baseline', '') : null;
  const here = fileURLToPath(new URL('..', import.meta.url));
  const sides: [string, string][] = [['this checkout', here], ...(baseline ? [['baseline', baseline] as [string, string]] : [])];
  const report: Record<string, unknown> = { loadavgStart: loadavg().map((x) => +x.toFixed(2)), baseline };
  const env: Record<string, string> = argv.includes('--phases') ? { ONNX_PREDICT_PROXY_PHASES: '1' } : {};
  if (only.has('nb201')) {
    const n = Number(opt('--nb201', '200'));
    const rounds = Number(opt('--rounds', '4'));
    const per = Math.ceil(n / rounds);
    const acc = new Map<string, { cpu: number[]; wall: number[]; samples: number; phases: Record<string, number>[] }>(sides.map(([name]) => [name, { cpu: [], wall: [], samples: 0, phases: [] }]));
    for (let r = 0; r < rounds; r++) {
      // Interleaved: each round runs both sides on the same cells, the order alternating.
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const [name, src] of order) {
        const res = runChild('nb201', src, ['--cells', `${r * per}:${Math.min(n, (r + 1) * per)}`], env);
        const a = acc.get(name)!;
        a.cpu.push(...res.cpu);
        a.wall.push(...res.wall);
        a.samples = res.samples;
        if (res.phases) a.phases.push(res.phases);
      }
    }
    report['nb201'] = Object.fromEntries([...acc].map(([name, a]) => [name, {
      cells: a.cpu.length, samples: a.samples, medianCpuSeconds: +median(a.cpu).toFixed(4), medianWallSeconds: +median(a.wall).toFixed(4),
      ...(a.phases.length > 0 ? { phasesMs: Object.fromEntries(Object.keys(a.phases[0]!).map((k) => [k, +(a.phases.reduce((s, p) => s + (p[k] ?? 0), 0) / a.phases.length).toFixed(2)])) } : {}),
    }]));
  }
  const kids = [...(only.has('resnet50') ? ['resnet50'] : []), ...(only.has('vitl16') ? ['vitl16'] : []), ...(only.has('fixtures') ? ['resnet18', 'mobilenet_v3_small', 'efficientnet_b0', 'vit_b_16'] : [])];
  for (const k of kids) {
    const res: Record<string, unknown> = {};
    for (const [name, src] of sides) {
      const r = runChild(k, src, [], env);
      res[name] = { samples: r.samples, medianCpuSeconds: +median(r.cpu).toFixed(3), cpu: r.cpu.map((x) => +x.toFixed(3)), medianWallSeconds: +median(r.wall).toFixed(3), maxRssGiB: +(r.maxRssBytes / 2 ** 30).toFixed(3), ...(r.skipped ? { skipped: r.skipped } : {}), ...(r.phases ? { phasesMs: r.phases } : {}) };
    }
    report[k] = res;
  }
  report['loadavgEnd'] = loadavg().map((x) => +x.toFixed(2));
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const childIdx = argv.indexOf('--child');
  await (childIdx >= 0 ? child(argv[childIdx + 1]!, opt('--src', '.')) : parent());
}

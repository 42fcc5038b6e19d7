/**
 * `computeProxies`: the adapter over onnxruntime-node. Builds the runnable copy (runnable.ts) with
 * the taps (taps.ts) as extra outputs, feeds seeded N(0,1) inputs, and scores (scores.ts).
 * One intra-op thread, sequential execution, every session released. Never throws for a model:
 * anything that cannot run comes back as `skipped: {code, message}`.
 */
import type * as Ort from 'onnxruntime-node';
import type { Dim, Graph, Model, TensorType } from '../onnx-to-text/ir.ts';
import { profileModel } from '../onnx-to-text/profile.ts';
import { UsageError } from '../errors.ts';
import { isFloat, runnableCopy } from './runnable.ts';
import { Rng } from './rng.ts';
import { azScores, BlockRows, MAX_UNITS_PER_TAP, mecoTerm, SignCodes, spaced } from './scores.ts';
import { ProxySkip, type SkipReason } from './skip.ts';
import { planTaps, type Tap, type TapPlan } from './taps.ts';

/** Bumped whenever a definition, default or sampling rule changes a value. */
export const PROXY_VERSION = 'proxies-2';

export const PROXY_NAMES = ['naswot', 'swap', 'swap_reg', 'meco', 'az_expressivity', 'az_progressivity', 'trainable_layers'] as const;
export type ProxyName = (typeof PROXY_NAMES)[number];

export interface ProxyOptions {
  /** Base seed of weights and inputs (default 0). */
  readonly seed?: number;
  /**
   * Input samples per seed, 2–32. Default: 16, or fewer for models above SAMPLE_MACS_LIMIT MACs
   * (16 · limit / MACs, at least 2) — a rule of the file alone, so the count, and with it every
   * sample-dependent proxy, is the same on every machine and under any load.
   */
  readonly samples?: number;
  /** Weight re-draws averaged over (default 1; the literature uses several). */
  readonly seeds?: number;
  /** Wall-clock safety net for one model (default 60 s): past it, no further samples are run (the report says how many were). */
  readonly timeBudgetMs?: number;
  /** Memory bound for weights, activations and exposed outputs (default 3 GiB). */
  readonly maxBytes?: number;
  /** SWAP regularisation: swap · exp(−(params/1e6 − μ)² / σ) (defaults μ = 1, σ = 1; SWAP chooses them per space). */
  readonly swapMu?: number;
  readonly swapSigma?: number;
  /**
   * Zero-mean synthetic weights per output unit (default true): a stand-in for the centring that
   * train-mode BN gives the published proxies and that BN folded into Conv takes away (docs/PROXIES.md).
   */
  readonly centerWeights?: boolean;
  /** Run samples after the first as batches when the graph allows (default true; false: one by one, same values). */
  readonly batch?: boolean;
  /** MeCo sampling: channels per map (default 64; more are a seeded subset, λ_min scaled by C/k as MeCo_opt does) and positions per map (default 256, evenly spaced). */
  readonly mecoChannels?: number;
  readonly mecoPositions?: number;
}

export interface ProxyReport {
  readonly proxies: Record<ProxyName, number | null> | null;
  readonly seconds: number;
  /** Input samples per seed actually used. */
  readonly samples: number;
  readonly seeds: number;
  readonly version: string;
  /** True when samples after the first ran as one batch (same definitions, faster). */
  readonly batched?: boolean;
  /** Counts of tapped values: activation inputs, 4-D maps, blocks. */
  readonly taps?: { readonly activations: number; readonly neurons: number; readonly maps: number; readonly blocks: number };
  /** Why a proxy is null (per name), when some but not all could be computed. */
  readonly nulls?: Partial<Record<ProxyName, string>>;
  readonly skipped?: SkipReason;
}

export const PROXY_DEFAULTS = {
  seed: 0,
  samples: 16,
  seeds: 1,
  timeBudgetMs: 60_000,
  maxBytes: 3 * 1024 ** 3,
  swapMu: 1,
  swapSigma: 1,
  /** Symbolic/unknown dims: dim 0 (batch) → 1; 4-D inputs C → 3, H, W → 224; 3-D (B, T, C) T → 128; others → 1. */
  imageSize: 224,
  channels: 3,
  tokens: 128,
} as const;

/** Float weights above this many bytes are fed as inputs instead of initializers. */
const EXTERNAL_WEIGHT_BYTES = 256 * 2 ** 20;
/**
 * Models up to this many MACs get the full default sample count (every NB201 and Accel cell, most
 * NB101 and TransNAS cells, ResNet-18); bigger ones get proportionally fewer samples, at least 2,
 * so the forward passes of one model stay near 16 × 2.5 G MACs (a few seconds on one core).
 */
export const SAMPLE_MACS_LIMIT = 2.5e9;

/** The default sample count for a model of `macs` multiply-accumulates (deterministic). */
export function defaultSamples(macs: number, seeds = 1): number {
  const full = PROXY_DEFAULTS.samples;
  if (!(macs > 0)) return full;
  return Math.max(2, Math.min(full, Math.floor((full * SAMPLE_MACS_LIMIT) / (macs * seeds))));
}

let ortModule: Promise<typeof Ort> | null = null;
function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

function checkOptions(o: ProxyOptions): void {
  const int = (name: string, v: number | undefined, min: number, max: number) => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`proxies: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('seed', o.seed, 0, 2 ** 31 - 1);
  int('samples', o.samples, 2, 32);
  int('seeds', o.seeds, 1, 64);
  if (o.timeBudgetMs !== undefined && !(o.timeBudgetMs > 0)) throw new UsageError(`proxies: timeBudgetMs must be > 0, got ${o.timeBudgetMs}`);
  if (o.maxBytes !== undefined && !(o.maxBytes > 0)) throw new UsageError(`proxies: maxBytes must be > 0, got ${o.maxBytes}`);
}

function resolveDims(shape: readonly Dim[] | null): number[] | null {
  if (shape === null) return null;
  const r = shape.length;
  return shape.map((d, i) => {
    if (typeof d === 'number' && d > 0) return d;
    if (i === 0) return 1;
    if (r === 4) return i === 1 ? PROXY_DEFAULTS.channels : PROXY_DEFAULTS.imageSize;
    if (r === 3 && i === 1) return PROXY_DEFAULTS.tokens;
    return 1;
  });
}

function hasSubgraph(graph: Graph): boolean {
  return graph.nodes.some((n) => [...n.attributes.values()].some((a) => a.kind === 'graph' || a.kind === 'graphs'));
}

interface Prepared {
  readonly model: Model;
  readonly shapes: Map<string, readonly number[]>;
  /** Inferred shapes of every value (static analysis), for synthesised index tables. */
  readonly valueShapes: ReadonlyMap<string, TensorType>;
  readonly plan: TapPlan;
  readonly params: number;
  readonly macs: number;
  readonly activationBytes: number;
  readonly batchable: boolean;
}

function prepare(model: Model): Prepared {
  const g = model.graph;
  if (hasSubgraph(g)) throw new ProxySkip('control-flow', 'the graph has control flow (If/Loop/Scan subgraphs), which proxies do not run');
  const local = new Set(model.functions);
  const fn = g.nodes.find((n) => local.has(n.domain ? `${n.domain}.${n.op}` : n.op));
  if (fn) throw new ProxySkip('model-function', `node '${fn.name || fn.op}' calls model-local function ${fn.op}, whose body is not kept`);
  if (g.inputs.length === 0) throw new ProxySkip('no-float-input', 'the graph has no inputs to feed');
  const shapes = new Map<string, readonly number[]>();
  let batchable = true;
  for (const v of g.inputs) {
    if (!v.type) throw new ProxySkip('unsupported-input', `input '${v.name}' is not a tensor`);
    if (!isFloat(v.type.dtype)) throw new ProxySkip('non-float-input', `input '${v.name}' is ${v.type.dtype}; proxies feed N(0,1) floats only`);
    const dims = resolveDims(v.type.shape);
    if (dims === null) throw new ProxySkip('unsupported-input', `input '${v.name}' has no declared rank`);
    const d0 = v.type.shape?.[0];
    if (dims.length === 0 || (typeof d0 === 'number' && d0 > 1)) batchable = false;
    shapes.set(v.name, dims);
  }
  const resolved: Model = {
    ...model,
    graph: { ...g, inputs: g.inputs.map((v) => ({ name: v.name, type: { dtype: v.type!.dtype, shape: [...shapes.get(v.name)!] } })) },
  };
  const profile = profileModel(resolved);
  const plan = planTaps(g, profile.shapes);
  return {
    model: resolved, shapes, valueShapes: profile.shapes, plan, params: profile.totals.params, macs: profile.totals.macs,
    activationBytes: profile.totals.activationElements * 4, batchable,
  };
}

/** Keeps every k-th tap so their elements fit `budget`. */
function thin(taps: readonly Tap[], budget: number): Tap[] {
  const total = taps.reduce((a, t) => a + t.elements, 0);
  if (total <= budget) return [...taps];
  const k = Math.ceil(total / Math.max(1, budget));
  return taps.filter((_, i) => i % k === 0);
}

function float32(t: Ort.Tensor): Float32Array | Float64Array {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  if (d instanceof Uint16Array) {
    // float16 bits → float32 (sign is all NASWOT/SWAP need, but MeCo/AZ read values).
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const h = d[i]!;
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
    }
    return out;
  }
  throw new ProxySkip('unsupported-dtype', `output of type ${t.type} is not float`);
}

function mean(xs: readonly number[]): number | null {
  const f = xs.filter(Number.isFinite);
  return f.length === 0 || f.length < xs.length ? null : f.reduce((a, b) => a + b, 0) / f.length;
}

/**
 * Zero-cost proxies of `model` with seeded synthetic weights and N(0,1) inputs. Deterministic for
 * (model, options) as long as the time budget does not cut the run short.
 */
export async function computeProxies(model: Model, options: ProxyOptions = {}): Promise<ProxyReport> {
  checkOptions(options);
  const t0 = performance.now();
  const seed = options.seed ?? PROXY_DEFAULTS.seed;
  const seeds = options.seeds ?? PROXY_DEFAULTS.seeds;
  const budget = options.timeBudgetMs ?? PROXY_DEFAULTS.timeBudgetMs;
  const maxBytes = options.maxBytes ?? PROXY_DEFAULTS.maxBytes;
  const elapsed = () => performance.now() - t0;
  let samples = options.samples ?? PROXY_DEFAULTS.samples;
  const base = { version: PROXY_VERSION, seeds };
  const skip = (reason: SkipReason, n = 0): ProxyReport => ({ proxies: null, seconds: elapsed() / 1000, samples: n, ...base, skipped: reason });

  let prep: Prepared;
  try {
    prep = prepare(model);
  } catch (e) {
    if (e instanceof ProxySkip) return skip({ code: e.code, message: e.message });
    return skip({ code: 'unsupported-input', message: `static analysis failed: ${(e as Error).message}` });
  }
  const { plan } = prep;
  // Memory: weights live ~3× as initializers (synthetic floats, encoded bytes, onnxruntime's copy);
  // big models feed them as inputs instead (held once). Exposed outputs count per sample in a batch.
  const externalWeights = prep.params * 4 > EXTERNAL_WEIGHT_BYTES;
  const weightBytes = prep.params * 4 * (externalWeights ? 1.25 : 3);
  // onnxruntime reuses activation buffers: a quarter of the sum of all node outputs bounds its arena
  // on the models measured (ViT-L/16, ResNet-50); exposed values are counted separately below.
  const fixed = weightBytes + prep.activationBytes / 4;
  if (fixed > maxBytes) return skip({ code: 'memory-bound', message: `about ${Math.round(fixed / 2 ** 20)} MiB for weights and activations exceeds the bound of ${Math.round(maxBytes / 2 ** 20)} MiB` });
  const room = (maxBytes - fixed) / 4;
  const activations = plan.activations;
  const unitRng = new Rng((seed ^ 0x2545f491) >>> 0);
  const unitIndex = activations.map((t) => (t.elements > MAX_UNITS_PER_TAP ? spaced(t.elements, MAX_UNITS_PER_TAP, unitRng) : null));
  const segments = activations.map((t, i) => ({ elements: unitIndex[i]?.length ?? t.elements, weight: t.weight }));
  const neurons = segments.reduce((a, t) => a + t.elements, 0);
  const blocks = thin(plan.blocks, room / 8 / 32);
  // onnxruntime returns whole tensors even where fewer units are read.
  const perSample = activations.reduce((a, t) => a + t.elements, 0) + blocks.reduce((a, t) => a + t.elements, 0);
  if (perSample * 2 > room) return skip({ code: 'memory-bound', message: `${perSample} exposed activation values per sample exceed the memory bound` });
  const maps = thin(plan.maps, room / 2 - perSample);
  if (activations.length === 0 && maps.length === 0) return skip({ code: 'no-activations', message: 'no ReLU-like activations and no 4-D feature maps to read' });
  // Without an explicit sample count, big models get fewer samples by a rule of their MACs alone.
  if (options.samples === undefined) samples = defaultSamples(prep.macs, seeds);
  const batchMax = Math.max(1, Math.min(samples - 1, Math.floor(room / Math.max(1, perSample + prep.activationBytes / 16))));

  let ort: typeof Ort;
  try {
    ort = await loadOrt();
  } catch (e) {
    return skip({ code: 'session-failed', message: `onnxruntime-node could not be loaded: ${(e as Error).message}` });
  }
  const inputs = [...prep.shapes];
  const actNames = activations.map((t) => t.name);
  const blockNames = blocks.map((t) => t.name);
  const mapNames = maps.map((t) => t.name);
  const outputNames = prep.model.graph.outputs.map((o) => o.name);

  const per: Record<'naswot' | 'swap' | 'meco' | 'az_expressivity' | 'az_progressivity', number[]> = { naswot: [], swap: [], meco: [], az_expressivity: [], az_progressivity: [] };
  let used = samples;
  let batched = options.batch !== false && prep.batchable && batchMax > 1;
  let batchDim = prep.batchable;
  for (let s = 0; s < seeds; s++) {
    if (s > 0 && elapsed() > budget) break;
    const runSeed = (seed * 1009 + s) >>> 0;
    let session: Ort.InferenceSession | null = null;
    try {
      const copyFor = (batchDim: boolean) => runnableCopy(model, {
        externalWeights,
        inputShapes: prep.shapes, valueShapes: prep.valueShapes, batchDim, seed: runSeed, centerWeights: options.centerWeights ?? true,
        taps: [...activations, ...blocks, ...maps].map((t) => ({ name: t.name, dtype: t.dtype })),
      });
      let copy: ReturnType<typeof copyFor>;
      let opened: Ort.InferenceSession | Error;
      try {
        copy = copyFor(batchDim);
        opened = await openSession(ort, copy.bytes);
        if (opened instanceof Error && batchDim) {
          // onnxruntime rejected the batch-symbolic copy (a Reshape that hard-codes batch 1 deep
          // inside an attention block): the same copy with batch 1, samples one by one — the same
          // values, slower.
          batchDim = false;
          batched = false;
          copy = copyFor(false);
          opened = await openSession(ort, copy.bytes);
        }
      } catch (e) {
        if (e instanceof ProxySkip) return skip({ code: e.code, message: e.message });
        throw e;
      }
      if (opened instanceof Error) return skip({ code: 'session-failed', message: `onnxruntime rejected the runnable copy: ${firstLine(opened)}` });
      session = opened;
      const weightFeeds = copy.weights;
      const rng = new Rng(runSeed ^ 0x5bd1e995);
      const feedsFor = (batch: number): Record<string, Ort.Tensor> => {
        const feeds: Record<string, Ort.Tensor> = {};
        for (const [name, w] of weightFeeds) feeds[name] = new ort.Tensor('float32', w.data, w.dims);
        for (const [name, dims] of inputs) {
          const n = dims.reduce((a, b) => a * b, 1) * batch;
          const data = new Float32Array(n);
          rng.fillNormal(data, 1);
          const shape = [...dims];
          if (shape.length > 0) shape[0] = shape[0]! * batch;
          const dtype = prep.model.graph.inputs.find((v) => v.name === name)!.type!.dtype;
          feeds[name] = dtype === 'float32' ? new ort.Tensor('float32', data, shape) : dtype === 'float64' ? new ort.Tensor('float64', Float64Array.from(data), shape) : new ort.Tensor('float16', toHalf(data), shape);
        }
        return feeds;
      };
      const codes = new SignCodes(segments);
      // Separate streams, so batched and one-by-one runs draw the same inputs and the same rows.
      const rowRng = new Rng(runSeed ^ 0x165667b1);
      const rows = blocks.map((b) => new BlockRows(b.dims, rowRng));
      const take = (out: Ort.InferenceSession.OnnxValueMapType, batch: number): void => {
        for (const name of [...actNames, ...blockNames]) {
          const t = out[name] as Ort.Tensor | undefined;
          const tap = activations.find((a) => a.name === name) ?? blocks.find((b) => b.name === name)!;
          if (!t || t.dims[0] !== batch * tap.dims[0]! || t.size !== tap.elements * batch) {
            throw new ProxySkip('run-failed', `output '${name}' has dims [${t?.dims.join(', ')}], expected batch ${batch} of [${tap.dims.join(', ')}]`);
          }
        }
        for (const name of outputNames) {
          const t = out[name] as Ort.Tensor | undefined;
          if (batch > 1 && t && t.dims.length > 0 && t.dims[0] !== batch) throw new ProxySkip('run-failed', `graph output '${name}' does not carry the batch`);
        }
        const actData = actNames.map((n) => float32(out[n] as Ort.Tensor));
        const blockData = blockNames.map((n) => float32(out[n] as Ort.Tensor));
        for (let b = 0; b < batch; b++) {
          if (neurons > 0) codes.add(activations.map((t, i) => ({ data: actData[i]!, offset: b * t.elements, length: t.elements, index: unitIndex[i] })));
          blocks.forEach((t, i) => rows[i]!.add(blockData[i]!, b * t.elements, rowRng));
        }
      };
      const fetchAll = [...new Set([...outputNames, ...actNames, ...blockNames, ...mapNames])];
      const fetchMost = [...new Set([...outputNames, ...actNames, ...blockNames])];
      let out: Ort.InferenceSession.OnnxValueMapType;
      try {
        out = await session.run(feedsFor(1), fetchAll);
      } catch (e) {
        if (batchDim) {
          // The batch-symbolic copy builds but fails at run time (a Reshape whose leading 1 is
          // not the batch, read as "copy dim 0"): this seed again on the copy with batch 1,
          // samples one by one.
          batchDim = false;
          batched = false;
          s--;
          continue;
        }
        return skip({ code: 'run-failed', message: `onnxruntime failed to run the model: ${firstLine(e)}` });
      }
      let meco = 0;
      const mecoRng = new Rng(runSeed ^ 0x27d4eb2f);
      for (const t of maps) {
        const v = out[t.name] as Ort.Tensor | undefined;
        if (!v || v.size !== t.elements) continue;
        meco += mecoTerm(float32(v), 0, t.dims[1]!, t.dims[2]! * t.dims[3]!, mecoRng, options.mecoChannels, options.mecoPositions);
      }
      take(out, 1);
      let done = 1;
      while (done < samples) {
        if (elapsed() > budget && done >= 2) break;
        const batch = batched ? Math.min(batchMax, samples - done) : 1;
        const feeds = feedsFor(batch);
        try {
          take(await session.run(feeds, fetchMost), batch);
        } catch (e) {
          if (batch > 1) {
            // Not batch-agnostic after all (a hard-coded batch somewhere): the same samples one by one.
            batched = false;
            const again = splitFeeds(feeds, batch, ort, weightFeeds);
            for (const f of again) take(await session.run(f, fetchMost), 1);
          } else if (e instanceof ProxySkip) {
            return skip({ code: e.code, message: e.message });
          } else {
            return skip({ code: 'run-failed', message: `onnxruntime failed to run the model: ${firstLine(e)}` });
          }
        }
        done += batch;
      }
      if (done < 2) return skip({ code: 'time-budget', message: `one sample took longer than the ${budget} ms budget` }, done);
      used = Math.min(used, done);
      if (neurons > 0) {
        per.naswot.push(codes.naswot());
        per.swap.push(codes.swap());
      }
      per.meco.push(maps.length > 0 ? meco : NaN);
      const az = azScores(rows.map((r) => r.entropy()));
      per.az_expressivity.push(blocks.length > 0 ? az.expressivity : NaN);
      per.az_progressivity.push(blocks.length >= 2 ? az.progressivity : NaN);
    } catch (e) {
      if (e instanceof ProxySkip) return skip({ code: e.code, message: e.message });
      return skip({ code: 'run-failed', message: `proxy computation failed: ${firstLine(e)}` });
    } finally {
      if (session) await session.release().catch(() => undefined);
    }
  }

  const nulls: Partial<Record<ProxyName, string>> = {};
  const value = (name: ProxyName, xs: number[], why: string): number | null => {
    const m = xs.length === 0 ? null : mean(xs);
    if (m === null) nulls[name] = xs.length === 0 ? why : 'not finite';
    return m;
  };
  const naswot = value('naswot', per.naswot, 'no ReLU-like activations');
  const swap = value('swap', per.swap, 'no ReLU-like activations');
  const mu = options.swapMu ?? PROXY_DEFAULTS.swapMu;
  const sigma = options.swapSigma ?? PROXY_DEFAULTS.swapSigma;
  const proxies: Record<ProxyName, number | null> = {
    naswot,
    swap,
    swap_reg: swap === null ? null : swap * Math.exp(-((prep.params / 1e6 - mu) ** 2) / sigma),
    meco: value('meco', per.meco, 'no 4-D feature maps'),
    az_expressivity: value('az_expressivity', per.az_expressivity, 'no block outputs'),
    az_progressivity: value('az_progressivity', per.az_progressivity, 'fewer than two block outputs'),
    trainable_layers: plan.trainableLayers,
  };
  if (swap === null) nulls.swap_reg = nulls.swap!;
  return {
    proxies,
    seconds: elapsed() / 1000,
    samples: used,
    ...base,
    batched,
    taps: { activations: activations.length, neurons, maps: maps.length, blocks: blocks.length },
    ...(Object.keys(nulls).length > 0 ? { nulls } : {}),
  };
}

/**
 * An onnxruntime session on a runnable copy, or the error it was refused with. 'basic' graph
 * optimizations (constant folding, redundant-node elimination): onnxruntime-node 1.x crashes the
 * whole process (SIGSEGV, no exception) while applying its extended/layout optimizations to some
 * graphs — poolformerv2_s24 among the timm exports — and a crash here would take `serve` down.
 * Values agree with 'all' to ~1e-7 relative; speed was no worse when measured.
 */
async function openSession(ort: typeof Ort, bytes: Uint8Array): Promise<Ort.InferenceSession | Error> {
  try {
    return await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'basic', logSeverityLevel: 4,
    });
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function splitFeeds(feeds: Record<string, Ort.Tensor>, batch: number, ort: typeof Ort, shared: ReadonlyMap<string, unknown>): Record<string, Ort.Tensor>[] {
  const out: Record<string, Ort.Tensor>[] = Array.from({ length: batch }, () => ({}));
  for (const [name, t] of Object.entries(feeds)) {
    if (shared.has(name)) {
      for (const o of out) o[name] = t;
      continue;
    }
    const per = t.size / batch;
    const dims = [...t.dims];
    dims[0] = dims[0]! / batch;
    for (let b = 0; b < batch; b++) {
      const data = (t.data as Float32Array).slice(b * per, (b + 1) * per);
      out[b]![name] = new ort.Tensor(t.type as 'float32', data, dims);
    }
  }
  return out;
}

function toHalf(data: Float32Array): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    f[0] = data[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 112;
    out[i] = exp <= 0 ? sign : exp >= 31 ? sign | 0x7c00 : sign | (exp << 10) | ((x & 0x7fffff) >>> 13);
  }
  return out;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? m).slice(0, 300);
}

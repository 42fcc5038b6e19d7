/**
 * `computeProxies`: the adapter over onnxruntime-node. Builds the runnable copy (runnable.ts) with
 * a reduction tail over the taps (taps.ts, reduce.ts), runs every sample of a seed in one batch
 * when the graph allows (else one by one, the same values), and scores what the tail returns
 * (scores.ts). One intra-op thread, every session released. Never throws for a model: anything
 * that cannot run comes back as `skipped: {code, message}`.
 */
import type * as Ort from 'onnxruntime-node';
import type { Dim, Graph, Model, TensorType } from '../onnx-to-text/ir.ts';
import { profileModel } from '../onnx-to-text/profile.ts';
import { UsageError } from '../errors.ts';
import { dtypeCode } from '../onnx-to-text/reader.ts';
import { encodeModel } from './encode.ts';
import { isFloat, runnableCopy } from './runnable.ts';
import { Rng } from './rng.ts';
import { buildReduction, MAX_UNITS_PER_TAP, PATTERN_WEIGHTS, patternWeights, type Reduction } from './reduce.ts';
import { azScores, BlockScatter, mecoScore, SignCodes } from './scores.ts';
import { ProxySkip, type SkipReason } from './skip.ts';
import { planTaps, type Tap, type TapPlan } from './taps.ts';

/** Bumped whenever a definition, default or sampling rule changes a value. */
export const PROXY_VERSION = 'proxies-4';

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

/**
 * The default sample count for a model of `macs` multiply-accumulates (deterministic): 16 up to
 * SAMPLE_MACS_LIMIT, else 2. NASWOT and SWAP need 16 (the predictor masks them below, see
 * `asPredicted`), MeCo reads sample 0 and AZ takes AZ_ROWS rows from however many samples ran, so
 * bigger models pay two forward passes.
 */
export function defaultSamples(macs: number, seeds = 1): number {
  const full = PROXY_DEFAULTS.samples;
  if (!(macs > 0)) return full;
  return macs * seeds <= SAMPLE_MACS_LIMIT ? full : 2;
}

/** CPU ms per phase of computeProxies, accumulated when ONNX_PREDICT_PROXY_PHASES=1 (bench/proxies.ts prints them). */
export const PHASES = new Map<string, number>();
const PHASE_TIMING = process.env['ONNX_PREDICT_PROXY_PHASES'] === '1';
let lastTick = 0;
function tick(phase: string | null): void {
  if (!PHASE_TIMING) return;
  const u = process.cpuUsage();
  const now = (u.user + u.system) / 1000;
  if (phase !== null) PHASES.set(phase, (PHASES.get(phase) ?? 0) + now - lastTick);
  lastTick = now;
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

/** Seeds, inputs, runs and the reduction of one weight draw. */
interface SeedResult {
  readonly codes: SignCodes;
  readonly meco: number;
  readonly entropies: number[];
  readonly samples: number;
}

/**
 * Zero-cost proxies of `model` with seeded synthetic weights and N(0,1) inputs. Deterministic for
 * (model, options) as long as the time budget does not cut the run short.
 */
export async function computeProxies(model: Model, options: ProxyOptions = {}): Promise<ProxyReport> {
  checkOptions(options);
  tick(null);
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
  // Without an explicit sample count, big models get fewer samples by a rule of their MACs alone.
  if (options.samples === undefined) samples = defaultSamples(prep.macs, seeds);
  // Memory: weights live ~3× as initializers (synthetic floats, encoded bytes, onnxruntime's copy);
  // big models feed them as inputs instead (held once). So do models run on two samples or fewer:
  // parsing and prepacking initializers cost more than the two forward passes lose without them
  // (ResNet-50: 0.90 → 0.75 CPU-s, docs/PROXIES.md).
  const externalWeights = prep.params * 4 > EXTERNAL_WEIGHT_BYTES || samples <= 2;
  const weightBytes = prep.params * 4 * (externalWeights ? 1.25 : 3);
  // onnxruntime reuses activation buffers: a quarter of the sum of all node outputs bounds its arena
  // on the models measured (ViT-L/16, ResNet-50); the reduction's copies are counted per sample below.
  const fixed = weightBytes + prep.activationBytes / 4;
  if (fixed > maxBytes) return skip({ code: 'memory-bound', message: `about ${Math.round(fixed / 2 ** 20)} MiB for weights and activations exceeds the bound of ${Math.round(maxBytes / 2 ** 20)} MiB` });
  const room = (maxBytes - fixed) / 4;
  const activations = plan.activations;
  const neurons = activations.reduce((a, t) => a + Math.min(t.elements, MAX_UNITS_PER_TAP), 0);
  // MeCo and AZ read the activation inputs too (the maps that carry the signal, measured in
  // docs/PROXIES.md); graphs without ReLU-like activations fall back to every 4-D map and the merge outputs.
  const spatial = activations.filter((t) => (t.dims.length === 3 || t.dims.length === 4) && t.dims[0] === 1);
  // Only slices of them are copied (AZ_ROWS rows of ≤ AZ_CHANNELS per tap), so none is left out for memory.
  const blocks = spatial.length >= 2 ? spatial : plan.blocks.filter((t) => (t.dims.length === 3 || t.dims.length === 4) && t.dims[0] === 1);
  // Held per sample while the tail reduces them: the tapped tensors (kept alive until their tail
  // runs), the sign bytes and their float copy; AZ's slices and MeCo's sample-0 copies are small
  // beside them (the merge outputs, when they stand in, are copied whole).
  const perSample = activations.reduce((a, t) => a + t.elements, 0) + neurons * 1.25 + (blocks === spatial ? 0 : blocks.reduce((a, t) => a + t.elements, 0));
  if (perSample * 2 > room) return skip({ code: 'memory-bound', message: `${Math.round(perSample)} exposed activation values per sample exceed the memory bound` });
  const maps4 = activations.filter((t) => t.dims.length === 4 && t.dims[0] === 1);
  const maps = thin(maps4.length > 0 ? maps4 : plan.maps, room / 2 - perSample);
  if (activations.length === 0 && maps.length === 0) return skip({ code: 'no-activations', message: 'no ReLU-like activations and no 4-D feature maps to read' });
  const batchMax = Math.max(1, Math.min(samples, Math.floor(room / Math.max(1, perSample + prep.activationBytes / 16))));

  let ort: typeof Ort;
  try {
    ort = await loadOrt();
  } catch (e) {
    return skip({ code: 'session-failed', message: `onnxruntime-node could not be loaded: ${(e as Error).message}` });
  }
  tick('prepare');
  const opset = prep.model.opsetImports.get('') ?? prep.model.opsetImports.get('ai.onnx') ?? 0;
  // Before opset 7 the tail's ops lack numpy broadcasting: such a graph runs on its own, exposing
  // the taps, and the tail runs in a second session at TAIL_OPSET (same values, a copy more).
  const split = opset < 7;
  const level = optimizationLevel(model.graph);

  const per: Record<'naswot' | 'swap' | 'meco' | 'az_expressivity' | 'az_progressivity', number[]> = { naswot: [], swap: [], meco: [], az_expressivity: [], az_progressivity: [] };
  let used = samples;
  let batched = options.batch !== false && prep.batchable && batchMax > 1 && activations.every((t) => t.dims.length >= 2 && t.dims[0] === 1);
  // The tail reads dim 0 as the batch: every activation input must have it.
  let batchDim = prep.batchable && activations.every((t) => t.dims.length >= 2 && t.dims[0] === 1);
  let reduction: Reduction | null = null;
  for (let s = 0; s < seeds; s++) {
    if (s > 0 && elapsed() > budget) break;
    const runSeed = (seed * 1009 + s) >>> 0;
    let session: Runner | null = null;
    try {
      const copyFor = (batchDim: boolean) => {
        reduction = buildReduction({
          activations, maps, blocks, opset: split ? TAIL_OPSET : opset, samples, rng: new Rng(runSeed ^ 0x2545f491),
          ...(options.mecoChannels !== undefined ? { mecoChannels: options.mecoChannels } : {}),
          ...(options.mecoPositions !== undefined ? { mecoPositions: options.mecoPositions } : {}),
        });
        const common = {
          externalWeights,
          inputShapes: prep.shapes, valueShapes: prep.valueShapes, batchDim, seed: runSeed, centerWeights: options.centerWeights ?? true,
        };
        const extension = {
          nodes: reduction.nodes, initializers: reduction.initializers,
          inputs: [{ name: PATTERN_WEIGHTS, dtype: 'float32' as const, shape: ['rows', batchDim ? 'batch' : 1] }],
          outputs: reduction.outputs.map((name) => ({ name, dtype: 'float32' as const })),
        };
        // (A tail without outputs has nothing to run: the graph alone, as for any opset.)
        if (!split || reduction.outputs.length === 0) return { ...runnableCopy(model, { ...common, taps: [], extension }), tail: null };
        const taps = tappedValues(activations, maps, blocks);
        return { ...runnableCopy(model, { ...common, taps }), tail: { bytes: tailModel(extension, taps), taps: taps.map((t) => t.name) } };
      };
      let copy: ReturnType<typeof copyFor>;
      let opened: Runner | Error;
      try {
        copy = copyFor(batchDim);
        tick('build');
        opened = await openRunner(ort, copy, level);
        tick('create');
        if (opened instanceof Error && batchDim) {
          // onnxruntime rejected the batch-symbolic copy (a Reshape that hard-codes batch 1 deep
          // inside an attention block): the same copy with batch 1, samples one by one — the same
          // values, slower.
          batchDim = false;
          batched = false;
          copy = copyFor(false);
          opened = await openRunner(ort, copy, level);
        }
      } catch (e) {
        if (e instanceof ProxySkip) return skip({ code: e.code, message: e.message });
        throw e;
      }
      if (opened instanceof Error) return skip({ code: 'session-failed', message: `onnxruntime rejected the runnable copy: ${firstLine(opened)}` });
      session = opened;
      const red: Reduction = reduction!;
      let result: SeedResult | 'retry';
      try {
        result = await runSeedSamples(ort, session, red, copy.weights, prep, { runSeed, samples, batch: batched ? batchMax : 1, budget, elapsed });
      } catch (e) {
        if (e instanceof ProxySkip) return skip({ code: e.code, message: e.message });
        return skip({ code: 'run-failed', message: `onnxruntime failed to run the model: ${firstLine(e)}` });
      }
      if (result === 'retry') {
        if (!batched && !batchDim) return skip({ code: 'run-failed', message: 'the graph does not keep the samples apart' });
        // Not batch-agnostic after all (a hard-coded batch somewhere): this seed again with batch 1,
        // samples one by one (the same inputs, so the same values).
        if (batched) batched = false;
        else batchDim = false;
        s--;
        continue;
      }
      if (result.samples < 2) return skip({ code: 'time-budget', message: `one sample took longer than the ${budget} ms budget` }, result.samples);
      used = Math.min(used, result.samples);
      if (result.codes.neurons > 0) {
        per.naswot.push(result.codes.naswot());
        per.swap.push(result.codes.swap());
      }
      tick('signs');
      per.meco.push(red.meco.length > 0 || maps.length > 0 ? result.meco : NaN);
      // Stages: runs of taps of one spatial size (positions of a 4-D map, tokens of a 3-D one).
      const az = azScores(result.entropies, blocks.map((t) => (t.dims.length === 4 ? t.dims[2]! * t.dims[3]! : t.dims[1]!)));
      per.az_expressivity.push(blocks.length > 0 ? az.expressivity : NaN);
      per.az_progressivity.push(blocks.length >= 2 ? az.progressivity : NaN);
    } catch (e) {
      if (e instanceof ProxySkip) return skip({ code: e.code, message: e.message });
      return skip({ code: 'run-failed', message: `proxy computation failed: ${firstLine(e)}` });
    } finally {
      if (session) await session.release().catch(() => undefined);
    }
  }

  tick('release');
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
    taps: { activations: activations.length, neurons: (reduction as Reduction | null)?.neurons ?? neurons, maps: maps.length, blocks: blocks.length },
    ...(Object.keys(nulls).length > 0 ? { nulls } : {}),
  };
}

/**
 * The samples of one weight draw: runs of up to `batch` samples (all of them in one run when the
 * graph and memory allow), each returning only the reduction tail's outputs. 'retry' when the
 * runtime shapes show the batch is not the leading dimension (or a batched run fails).
 */
async function runSeedSamples(
  ort: typeof Ort, session: Runner, red: Reduction, weights: ReadonlyMap<string, { data: Float32Array; dims: readonly number[] }>, prep: Prepared,
  o: { runSeed: number; samples: number; batch: number; budget: number; elapsed: () => number },
): Promise<SeedResult | 'retry'> {
  const rng = new Rng(o.runSeed ^ 0x5bd1e995);
  const codes = new SignCodes(red.signs);
  const scatter = new BlockScatter(red.az, red.az.reduce((a, g) => a + g.blocks.length, 0));
  let meco = 0;
  let done = 0;
  // The graph outputs come along (small): their leading dimension shows whether the batch stayed apart.
  const graphOutputs = prep.model.graph.outputs.map((v) => ({ name: v.name, dims: v.type?.shape ?? null }));
  const fetches = [...new Set([...red.outputs, ...graphOutputs.map((v) => v.name)])];
  while (done < o.samples) {
    if (done >= 2 && o.elapsed() > o.budget) break;
    const b = Math.min(o.batch, o.samples - done);
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, w] of weights) feeds[name] = new ort.Tensor('float32', w.data, w.dims);
    for (const [name, dims] of prep.shapes) {
      const n = dims.reduce((a, x) => a * x, 1) * b;
      const data = new Float32Array(n);
      rng.fillNormal(data, 1);
      const shape = [...dims];
      if (shape.length > 0) shape[0] = shape[0]! * b;
      const dtype = prep.model.graph.inputs.find((v) => v.name === name)!.type!.dtype;
      feeds[name] = dtype === 'float32' ? new ort.Tensor('float32', data, shape) : dtype === 'float64' ? new ort.Tensor('float64', Float64Array.from(data), shape) : new ort.Tensor('float16', toHalf(data), shape);
    }
    feeds[PATTERN_WEIGHTS] = new ort.Tensor('float32', patternWeights(Math.ceil(b / 16), b), [Math.ceil(b / 16), b]);
    let out: Ort.InferenceSession.OnnxValueMapType;
    try {
      tick('feeds');
      out = await session.run(feeds, fetches);
      tick('run');
    } catch (e) {
      if (b > 1) return 'retry';
      throw e;
    }
    if (!shapesAgree(red, out, graphOutputs, b)) {
      for (const t of Object.values(out)) (t as Ort.Tensor).dispose?.();
      if (b > 1) return 'retry';
      throw new ProxySkip('run-failed', 'a tapped value does not have the shape static analysis gave it');
    }
    const data = (name: string) => float32(out[name] as Ort.Tensor);
    codes.addRun(b, red.signs.map((c) => data(c.patterns)), red.signs);
    tick('outputs');
    if (done === 0) meco = mecoScore(red.meco, red.meco.map((g) => data(g.cov)), red.meco.map((g) => data(g.mean)));
    tick('meco');
    scatter.addRun(b, red.az.map((g) => data(g.scatter)), red.az.map((g) => data(g.mean)));
    for (const t of Object.values(out)) (t as Ort.Tensor).dispose?.();
    tick('post');
    done += b;
  }
  const blocks = red.az.reduce((a, g) => a + g.blocks.length, 0);
  const entropies = Array.from({ length: blocks }, (_, i) => scatter.entropy(i));
  tick('az');
  return { codes, meco, entropies, samples: done };
}

/**
 * The batch stayed the leading dimension: graph outputs of static shape come back with dim 0 ×
 * `batch`, every sign chunk with all its units (a batch folded into dim 1 fails the MatMul or this).
 */
function shapesAgree(red: Reduction, out: Ort.InferenceSession.OnnxValueMapType, outputs: readonly { name: string; dims: readonly Dim[] | null }[], batch: number): boolean {
  for (const v of outputs) {
    const t = out[v.name] as Ort.Tensor | undefined;
    if (!t || !v.dims || v.dims.length === 0 || typeof v.dims[0] !== 'number') continue;
    if (t.dims.length !== v.dims.length || t.dims[0] !== v.dims[0] * batch) return false;
  }
  for (const c of red.signs) {
    const p = out[c.patterns] as Ort.Tensor | undefined;
    if (!p || p.dims[0] !== Math.ceil(batch / 16) || p.dims[1] !== c.units) return false;
  }
  return true;
}

/**
 * onnxruntime's layout optimisations (NCHWc convolutions, ~2× faster on CNNs) crash the process
 * (SIGSEGV, no exception) on some graphs — poolformerv2_s24 among the timm exports. They are used
 * only when every op is one of these (checked on every benchmark space and timm export made of
 * them, docs/PROXIES.md); any other graph gets 'basic'.
 */
export const LAYOUT_SAFE_OPS: ReadonlySet<string> = new Set([
  'Conv', 'Relu', 'Add', 'Sum', 'Mul', 'Sub', 'Div', 'AveragePool', 'MaxPool', 'GlobalAveragePool', 'GlobalMaxPool',
  'BatchNormalization', 'Gemm', 'MatMul', 'Flatten', 'Reshape', 'Constant', 'Concat', 'Identity', 'Clip', 'Sigmoid',
  'HardSigmoid', 'HardSwish', 'Pad', 'Squeeze', 'Unsqueeze', 'Shape', 'Gather', 'Slice', 'Softmax', 'ReduceMean',
]);

function optimizationLevel(graph: Graph): 'all' | 'basic' {
  return graph.nodes.every((n) => (n.domain === '' || n.domain === 'ai.onnx') && LAYOUT_SAFE_OPS.has(n.op)) ? 'all' : 'basic';
}

/** Opset of the reduction tail's own model when the graph's opset is older than 7. */
const TAIL_OPSET = 13;

/** What runSeedSamples needs of a session: one run of feeds to fetches, and release. */
interface Runner {
  run(feeds: Ort.InferenceSession.FeedsType, fetches: readonly string[]): Promise<Ort.InferenceSession.OnnxValueMapType>;
  release(): Promise<void>;
}

/** The distinct tapped values, in plan order. */
function tappedValues(...groups: (readonly Tap[])[]): { name: string; dtype: Tap['dtype'] }[] {
  const seen = new Map<string, { name: string; dtype: Tap['dtype'] }>();
  for (const g of groups) for (const t of g) if (!seen.has(t.name)) seen.set(t.name, { name: t.name, dtype: t.dtype });
  return [...seen.values()];
}

/** The reduction tail as a model of its own, reading the taps as graph inputs. */
function tailModel(
  ext: { nodes: Reduction['nodes']; initializers: Reduction['initializers']; inputs: readonly { name: string; shape: readonly Dim[] }[]; outputs: readonly { name: string }[] },
  taps: readonly { name: string; dtype: Tap['dtype'] }[],
): Uint8Array {
  const float = dtypeCode('float32');
  return encodeModel({
    irVersion: 7,
    producerName: 'onnx-predict proxies tail',
    opsets: [{ domain: '', version: TAIL_OPSET }],
    graph: {
      name: 'tail',
      nodes: ext.nodes,
      initializers: ext.initializers,
      inputs: [...taps.map((t) => ({ name: t.name, dataType: dtypeCode(t.dtype), shape: null })), ...ext.inputs.map((v) => ({ name: v.name, dataType: float, shape: v.shape }))],
      outputs: ext.outputs.map((v) => ({ name: v.name, dataType: float, shape: null })),
    },
  });
}

/** A session on the copy, or two (the graph exposing its taps, then the tail over them). */
async function openRunner(ort: typeof Ort, copy: { bytes: Uint8Array; tail: { bytes: Uint8Array; taps: readonly string[] } | null }, level: 'all' | 'basic'): Promise<Runner | Error> {
  const head = await openSession(ort, copy.bytes, level);
  if (head instanceof Error || !copy.tail) return head;
  const tail = await openSession(ort, copy.tail.bytes, 'basic');
  if (tail instanceof Error) {
    await head.release().catch(() => undefined);
    return tail;
  }
  const taps = copy.tail.taps;
  const tailOutputs = new Set(tail.outputNames);
  return {
    async run(feeds, fetches) {
      const { [PATTERN_WEIGHTS]: pw, ...headFeeds } = feeds;
      const wanted = fetches.filter((n) => !tailOutputs.has(n));
      const a = await head.run(headFeeds, [...new Set([...wanted, ...taps])]);
      try {
        const tailFeeds: Record<string, Ort.Tensor> = { [PATTERN_WEIGHTS]: pw! };
        for (const t of taps) tailFeeds[t] = a[t] as Ort.Tensor;
        const b = await tail.run(tailFeeds, fetches.filter((n) => tailOutputs.has(n)));
        const out: Ort.InferenceSession.OnnxValueMapType = { ...b };
        for (const n of wanted) (out as Record<string, Ort.OnnxValue>)[n] = a[n]!;
        return out;
      } finally {
        for (const t of taps) if (!wanted.includes(t)) (a[t] as Ort.Tensor).dispose?.();
      }
    },
    async release() {
      await Promise.all([head.release(), tail.release()]);
    },
  };
}

/**
 * An onnxruntime session on a runnable copy, or the error it was refused with: one intra-op and
 * one inter-op thread (CPU time is one core's; `batch` and the cache run one process per core),
 * the level `optimizationLevel` chose. The arena and memory-pattern defaults measured no worse.
 */
async function openSession(ort: typeof Ort, bytes: Uint8Array, level: 'all' | 'basic'): Promise<Ort.InferenceSession | Error> {
  try {
    return await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level, logSeverityLevel: 4,
    });
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
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

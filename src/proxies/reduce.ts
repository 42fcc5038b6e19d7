/**
 * In-graph reductions (proxies-4): instead of exposing every tapped tensor as a graph output and
 * copying it out of onnxruntime (tens of MB per run for an NB201 cell), the runnable copy gets a
 * small tail of standard ONNX nodes that reduce the taps to what the proxies need:
 *
 *   - sign codes of the activation inputs (c = [x > 0]) → per chunk of equal weight the per-unit
 *     sign patterns P = W·c (bit j of a unit = sample j), NASWOT's and SWAP's only input;
 *   - MeCo maps (sample 0) → per group of equal-shaped maps the k×k channel correlation matrices;
 *   - AZ blocks → per group of equal-shaped blocks the centred k×k channel scatter of their rows and
 *     the row means (so runs of several batches combine exactly, Chan's formula).
 *
 * Only ops whose signatures are stable from opset 7 on are used (Reshape, Gather, Concat, Greater,
 * Cast, Gemm with C, MatMul, Transpose, Mul, Add, Sub, Div, Sqrt, Abs, Shape) plus ReduceMean in
 * the form of the model's opset (axes attribute before 18, input from 18).
 * Pure: builds protobuf messages, runs nothing.
 */
import type { DType } from '../onnx-to-text/ir.ts';
import { dtypeCode } from '../onnx-to-text/reader.ts';
import type { PNode, PTensor } from './encode.ts';
import type { Rng } from './rng.ts';
import type { Tap } from './taps.ts';

/** Units read per activation tap; larger tensors are read at evenly spaced positions (NB201's largest has 16,384). */
export const MAX_UNITS_PER_TAP = 32768;
export const MECO_CHANNELS = 64;
export const MECO_POSITIONS = 256;
export const AZ_CHANNELS = 64;
/** Rows of AZ's covariance over all samples: 32 positions per sample at the default 16 samples. */
export const AZ_ROWS = 512;
/** Units per sign chunk: weighted counts stay exact in float32 (≤ 2^24 even with weight 4). */
const CHUNK_UNITS = 1 << 22;
/** Relative size under which a centred channel counts as constant (float32 rounding of its mean). */
export const CONSTANT_CHANNEL = 1e-5;

/** Name of the per-run input holding the pattern weights W (H × batch): W[h][j] = 2^(j − 16h) for j in [16h, 16h + 16). */
export const PATTERN_WEIGHTS = '__px_pw';

/** Evenly spaced indices: `k` of [0, n), starting at a seeded offset within the first stride. */
export function spaced(n: number, k: number, rng: Rng): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const stride = n / k;
  const off = rng.uniform() * stride;
  return Int32Array.from({ length: k }, (_, i) => Math.min(n - 1, Math.floor(off + i * stride)));
}

export interface SignChunk {
  /** Output (H × units): sign patterns. */
  readonly patterns: string;
  readonly units: number;
  /** Weight of every unit of the chunk (ReLU modules reading its tensor). */
  readonly weight: number;
}

export interface MecoGroup {
  /** Outputs: covariance (M × k × k, not normalised) and means (M × k × 1) of the k sampled channels over the positions read, sample 0. */
  readonly cov: string;
  readonly mean: string;
  readonly maps: number;
  readonly k: number;
  readonly positions: number;
  /** C / k: MeCo_opt's scaling of λ_min when channels are sampled. */
  readonly scale: number;
}

export interface AzGroup {
  /** Outputs: centred scatter (M × k × k) and row means (M × 1 × k) over the run's rows. */
  readonly scatter: string;
  readonly mean: string;
  /** Indices of the groups' blocks in graph order. */
  readonly blocks: readonly number[];
  readonly k: number;
  /** Rows each sample adds. */
  readonly rowsPerSample: number;
}

export interface Reduction {
  readonly nodes: PNode[];
  readonly initializers: PTensor[];
  /** Graph outputs to add (float32). */
  readonly outputs: string[];
  readonly signs: readonly SignChunk[];
  readonly neurons: number;
  readonly meco: readonly MecoGroup[];
  readonly az: readonly AzGroup[];
  /** Number of pattern words per unit (H): one per 16 samples. */
  readonly patternRows: number;
}

export interface ReductionPlan {
  readonly activations: readonly Tap[];
  readonly maps: readonly Tap[];
  readonly blocks: readonly Tap[];
  /** Default-domain opset of the model. */
  readonly opset: number;
  readonly samples: number;
  /** Seeded choices (unit positions, channel subsets, positions). */
  readonly rng: Rng;
  readonly mecoChannels?: number;
  readonly mecoPositions?: number;
}

class Builder {
  readonly nodes: PNode[] = [];
  readonly initializers: PTensor[] = [];
  private n = 0;
  constructor(private readonly opset: number) {}

  fresh(hint: string): string {
    return `__px_${hint}_${this.n++}`;
  }

  private readonly intCache = new Map<string, string>();

  ints(values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const key = `${dims.join(',')}:${Array.prototype.join.call(values, ',')}`;
    const known = this.intCache.get(key);
    if (known) return known;
    const name = this.fresh('i');
    this.intCache.set(key, name);
    this.initializers.push({ name, dims, dataType: dtypeCode('int64'), raw: int64Bytes(values) });
    return name;
  }

  floats(values: ArrayLike<number>, dims: readonly number[], dtype: DType = 'float32'): string {
    const name = this.fresh('f');
    let raw: Uint8Array;
    if (dtype === 'float64') raw = new Uint8Array(Float64Array.from(values).buffer);
    else if (dtype === 'float16') raw = new Uint8Array(Uint16Array.from(values, (v) => (v === 0 ? 0 : float16(v))).buffer);
    else raw = new Uint8Array(Float32Array.from(values).buffer);
    this.initializers.push({ name, dims, dataType: dtypeCode(dtype), raw });
    return name;
  }

  op(op: string, inputs: readonly string[], attrs: Record<string, number | readonly number[]> = {}, output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    const attributes = Object.entries(attrs).map(([name, v]) => (typeof v === 'number' ? { name, kind: 'int' as const, value: v } : { name, kind: 'ints' as const, value: v }));
    this.nodes.push({ name: out, op, domain: '', inputs, outputs: [out], attributes });
    return out;
  }

  reshape(x: string, dims: readonly number[]): string {
    return this.op('Reshape', [x, this.ints(dims)]);
  }

  gather(x: string, index: ArrayLike<number>, axis: number): string {
    return this.op('Gather', [x, this.ints(index)], { axis });
  }

  /** `count` elements along `axis` from `start`, every `step`-th: a strided Slice (opset 10 on), a Gather before. */
  stride(x: string, axis: number, start: number, count: number, step: number): string {
    return this.opset >= 10
      ? this.op('Slice', [x, this.ints([start]), this.ints([start + count * step]), this.ints([axis]), this.ints([step])])
      : this.gather(x, Int32Array.from({ length: count }, (_, i) => start + i * step), axis);
  }

  reduceMean(x: string, axis: number): string {
    return this.opset >= 18 ? this.op('ReduceMean', [x, this.ints([axis])], { keepdims: 1 }) : this.op('ReduceMean', [x], { axes: [axis], keepdims: 1 });
  }
}

function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  return new Uint8Array(out.buffer);
}

function float16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 112;
  return exp <= 0 ? sign : exp >= 31 ? sign | 0x7c00 : sign | (exp << 10) | ((x & 0x7fffff) >>> 13);
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  items.forEach((t, i) => {
    const k = key(t);
    (out.get(k) ?? out.set(k, []).get(k)!).push(i);
  });
  return out;
}

/** The reduction tail for `plan`; seeded choices are drawn from `plan.rng` in a fixed order. */
export function buildReduction(input: ReductionPlan): Reduction {
  let plan = input;
  const b = new Builder(plan.opset);
  const outputs: string[] = [];
  const rng = plan.rng;
  const patternRows = Math.ceil(plan.samples / 16);
  // (B, elements) views of the taps, shared by the three proxies.
  const flats = new Map<string, string>();
  const flat = (t: Tap): string => {
    const known = flats.get(t.name);
    if (known) return known;
    // A tap whose dim 0 is not 1 at batch 1 (a graph that folds patches into the batch) only runs
    // one sample at a time (computeProxies sees to it): its whole tensor is one sample's units.
    const f = t.dims[0] !== 1 || t.dims.length < 2 ? b.reshape(t.name, [1, -1]) : t.dims.length === 2 ? t.name : b.op('Flatten', [t.name], { axis: 1 });
    flats.set(t.name, f);
    return f;
  };

  // A 4-D tap of more units than are read is first thinned spatially by a 1×1 MaxPool of stride s
  // (every s-th row and column, all channels), which every proxy then reads: onnxruntime keeps
  // the pooled copy in its blocked NCHWc layout, so only the small grid is converted back, not the
  // whole tensor of every sample (Accel's 16 × 192 × 128 × 128 maps: 40 ms each).
  const pooledTaps = new Map<string, Tap>();
  const thinned = (t: Tap): Tap => {
    if (t.dims.length !== 4 || t.dims[0] !== 1 || t.elements <= MAX_UNITS_PER_TAP) return t;
    const known = pooledTaps.get(t.name);
    if (known) return { ...known, weight: t.weight };
    const [c, h, w] = [t.dims[1]!, t.dims[2]!, t.dims[3]!];
    let stride = 2;
    while (c * Math.ceil(h / stride) * Math.ceil(w / stride) > MAX_UNITS_PER_TAP && (Math.ceil(h / stride) > 1 || Math.ceil(w / stride) > 1)) stride++;
    const dims = [1, c, Math.ceil(h / stride), Math.ceil(w / stride)];
    const name = b.op('MaxPool', [t.name], { kernel_shape: [1, 1], strides: [stride, stride] });
    const tap: Tap = { ...t, name, dims, elements: dims[1]! * dims[2]! * dims[3]! };
    pooledTaps.set(t.name, tap);
    return tap;
  };
  plan = { ...plan, activations: plan.activations.map(thinned), maps: plan.maps.map(thinned), blocks: plan.blocks.map(thinned) };

  // ---- Sign codes of the activation inputs (NASWOT's kernel, SWAP's patterns), one chunk per
  // weight (taps read by one, two, ... ReLU modules) so no column is scaled in the graph.
  const signs: SignChunk[] = [];
  let neurons = 0;
  const chunkOf = new Map<number, { bools: string[]; units: number }>();
  const flush = (weight: number) => {
    const pending = chunkOf.get(weight);
    if (!pending || pending.units === 0) return;
    const cat = pending.bools.length === 1 ? pending.bools[0]! : b.op('Concat', pending.bools, { axis: 1 });
    const c = b.op('Cast', [cat], { to: dtypeCode('float32') });
    const patterns = b.op('MatMul', [PATTERN_WEIGHTS, c]);
    outputs.push(patterns);
    signs.push({ patterns, units: pending.units, weight });
    chunkOf.delete(weight);
  };
  const zeros = new Map<DType, string>();
  for (const t of plan.activations) {
    const units = Math.min(t.elements, MAX_UNITS_PER_TAP);
    let x = flat(t);
    if (t.elements > MAX_UNITS_PER_TAP) {
      // Every step-th unit from a seeded offset (one strided Slice): taps that are not 4-D, or
      // whose channels alone outnumber the units read.
      const step = Math.floor(t.elements / MAX_UNITS_PER_TAP);
      const off = Math.floor(rng.uniform() * (t.elements - MAX_UNITS_PER_TAP * step + 1));
      x = b.stride(x, 1, off, MAX_UNITS_PER_TAP, step);
    }
    const zero = zeros.get(t.dtype) ?? zeros.set(t.dtype, b.floats([0], [1], t.dtype)).get(t.dtype)!;
    if ((chunkOf.get(t.weight)?.units ?? 0) + units > CHUNK_UNITS) flush(t.weight);
    const pending = chunkOf.get(t.weight) ?? chunkOf.set(t.weight, { bools: [], units: 0 }).get(t.weight)!;
    pending.bools.push(b.op('Greater', [x, zero]));
    pending.units += units;
    neurons += units;
  }
  for (const w of [...chunkOf.keys()].sort((x, y) => x - y)) flush(w);

  // ---- MeCo: sample 0 of every map whose correlation can be non-singular (positions > channels
  // read): the channels' covariance over the positions and their means (JS turns them into the
  // correlation, zeroing constant channels).
  const mecoK = plan.mecoChannels ?? MECO_CHANNELS;
  const mecoP = plan.mecoPositions ?? MECO_POSITIONS;
  const meco: MecoGroup[] = [];
  const mecoMaps = plan.maps.filter((t) => t.dims.length === 4 && Math.min(t.dims[2]! * t.dims[3]!, mecoP) > Math.min(t.dims[1]!, mecoK));
  for (const idx of groupBy(mecoMaps, (t) => `${t.dtype}:${t.dims.join('x')}`).values()) {
    const t0 = mecoMaps[idx[0]!]!;
    const [c, hw] = [t0.dims[1]!, t0.dims[2]! * t0.dims[3]!];
    const chans = rng.subset(c, mecoK);
    const pos = spaced(hw, mecoP, rng);
    const k = chans.length;
    const p = pos.length;
    const firsts = idx.map((i) => b.gather(flat(mecoMaps[i]!), [0], 0));
    let x = firsts.length === 1 ? firsts[0]! : b.op('Concat', firsts, { axis: 0 });
    if (t0.dtype !== 'float32') x = b.op('Cast', [x], { to: dtypeCode('float32') });
    x = b.reshape(x, [idx.length, c, hw]);
    if (k < c) x = b.gather(x, chans, 1);
    if (p < hw) x = b.gather(x, pos, 2);
    const mean = b.reduceMean(x, 2);
    const xc = b.op('Sub', [x, mean]);
    const cov = b.op('MatMul', [xc, b.op('Transpose', [xc], { perm: [0, 2, 1] })]);
    outputs.push(cov, mean);
    meco.push({ cov, mean, maps: idx.length, k, positions: p, scale: c / k });
  }

  // ---- AZ: rows = AZ_ROWS / samples positions per sample (every stride-th from a seeded offset) ×
  // a seeded subset of AZ_CHANNELS channels; per group of equal-shaped blocks.
  const az: AzGroup[] = [];
  for (const idx of groupBy(plan.blocks, (t) => `${t.dtype}:${t.dims.join('x')}`).values()) {
    const t0 = plan.blocks[idx[0]!]!;
    const channelsLast = t0.dims.length === 3;
    const c = channelsLast ? t0.dims[2]! : t0.dims[1]!;
    const positions = channelsLast ? t0.dims[1]! : t0.dims[2]! * t0.dims[3]!;
    const chans = rng.subset(c, AZ_CHANNELS);
    // AZ_ROWS rows in all: AZ_POSITIONS per sample at 16 samples, more when fewer samples run.
    const wanted = Math.ceil(AZ_ROWS / plan.samples);
    const stride = Math.max(1, Math.floor(positions / wanted));
    const p = Math.min(positions, wanted);
    const off = Math.min(stride - 1, Math.floor(rng.uniform() * stride));
    const k = chans.length;
    // Channels-first maps whose positions are a multiple of the stride: one strided Slice over the
    // flattened (C·HW) row picks the same positions in every channel.
    const oneSlice = !channelsLast && positions === p * stride && plan.opset >= 10;
    const slice = (x: string, axis: number, start: number, count: number, step: number) => b.stride(x, axis, start, count, step);
    const parts = idx.map((i) => {
      const t = plan.blocks[i]!;
      if (p === positions) return channelsLast ? t.name : flat(t);
      if (oneSlice) return slice(flat(t), 1, off, c * p, stride);
      if (channelsLast) return slice(t.name, 1, off, p, stride);
      return slice(b.op('Flatten', [t.name], { axis: 2 }), 1, off, p, stride);
    });
    let x = parts.length === 1 ? parts[0]! : b.op('Concat', parts, { axis: 0 });
    if (t0.dtype !== 'float32') x = b.op('Cast', [x], { to: dtypeCode('float32') });
    // Block-major rows → (M, B·p, k) rows of channels.
    if (channelsLast) {
      x = b.reshape(x, [idx.length, -1, p, c]);
      if (k < c) x = b.gather(x, chans, 3);
    } else {
      x = b.reshape(x, [idx.length, -1, c, p]);
      if (k < c) x = b.gather(x, chans, 2);
      x = b.op('Transpose', [x], { perm: [0, 1, 3, 2] });
    }
    x = b.reshape(x, [idx.length, -1, k]);
    const mean = b.reduceMean(x, 1);
    const xc = b.op('Sub', [x, mean]);
    const scatter = b.op('MatMul', [b.op('Transpose', [xc], { perm: [0, 2, 1] }), xc]);
    outputs.push(scatter, mean);
    az.push({ scatter, mean, blocks: idx, k, rowsPerSample: p });
  }

  return { nodes: b.nodes, initializers: b.initializers, outputs, signs, neurons, meco, az, patternRows };
}

/** W (H × batch) for a run of `batch` samples: bit j of sample j's pattern word j / 16. */
export function patternWeights(rows: number, batch: number): Float32Array {
  const w = new Float32Array(rows * batch);
  for (let j = 0; j < batch; j++) w[Math.floor(j / 16) * batch + j] = 2 ** (j % 16);
  return w;
}

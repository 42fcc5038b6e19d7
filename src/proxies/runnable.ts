/**
 * A runnable copy of any model for the proxies: IR → ONNX bytes with seeded synthetic weights and
 * chosen intermediate values exposed as extra graph outputs. The file's own float payloads are
 * never read (stripped files work; the proxy measures the architecture); integer and small
 * constants are kept as the IR holds them. Our own small encoder over onnx-buf, because the
 * writer's GraphBuilder draws uniform weights and cannot re-emit an arbitrary IR graph.
 */
import type { AttributeValue, Dim, DType, Graph, Model, Node, Tensor } from '../onnx-to-text/ir.ts';
import { dtypeCode } from '../onnx-to-text/reader.ts';
import { encodeModel, type PAttribute, type PNode, type PTensor, type PValueInfo } from './encode.ts';
import { Rng } from './rng.ts';
import { ProxySkip } from './skip.ts';

/** Float element types we can synthesise payloads for. */
const FLOAT_TYPES: ReadonlySet<DType> = new Set(['float32', 'float64', 'float16']);

export function isFloat(dtype: DType): boolean {
  return FLOAT_TYPES.has(dtype);
}

/** What a float initializer is to the network, decided from its consumers. */
type Role =
  /** `fanIn` contiguous elements per output unit when `contiguous`, else strided by the output count. */
  | { kind: 'weight'; fanIn: number; contiguous: boolean }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'keep' }
  | { kind: 'normal'; std: number };

const WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Einsum']);
const NORM_OPS = new Set(['BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'RMSNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization']);

function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * Role of a float tensor consumed by `node` at input `slot`. Scalars and tiny constants with known
 * values (eps, 6 of HardSwish, √d of attention, 0.5 of GELU) keep their values: they are semantics.
 */
function roleOf(t: Tensor, node: Node | undefined, slot: number): Role {
  const n = product(t.dims);
  if (t.values !== undefined && (n <= 1 || node === undefined || !WEIGHT_OPS.has(node.op) && !NORM_OPS.has(node.op))) {
    if (n <= 64) return { kind: 'keep' };
  }
  if (node === undefined) return { kind: 'normal', std: 0.02 };
  const op = node.op;
  if (op === 'Conv' || op === 'ConvTranspose') {
    if (slot === 1) {
      const fanIn = op === 'Conv' ? product(t.dims.slice(1)) : (t.dims[0] ?? 1) * product(t.dims.slice(2));
      return { kind: 'weight', fanIn: Math.max(1, fanIn), contiguous: op === 'Conv' };
    }
    return { kind: 'zeros' };
  }
  if (op === 'Gemm') {
    if (slot === 2) return { kind: 'zeros' };
    const attr = node.attributes.get(slot === 1 ? 'transB' : 'transA');
    const trans = attr?.kind === 'int' && attr.value === 1;
    const fanIn = slot === 1 ? (trans ? t.dims[1] : t.dims[0]) : (trans ? t.dims[0] : t.dims[1]);
    return { kind: 'weight', fanIn: Math.max(1, fanIn ?? 1), contiguous: slot === 1 && trans };
  }
  if (op === 'MatMul') {
    const r = t.dims.length;
    const fanIn = slot === 1 ? (r >= 2 ? t.dims[r - 2] : t.dims[0]) : t.dims[r - 1];
    return { kind: 'weight', fanIn: Math.max(1, fanIn ?? 1), contiguous: false };
  }
  if (op === 'Einsum') return { kind: 'weight', fanIn: Math.max(1, t.dims[0] ?? 1), contiguous: false };
  if (op === 'BatchNormalization') return slot === 1 || slot === 4 ? { kind: 'ones' } : { kind: 'zeros' };
  if (NORM_OPS.has(op)) return slot === 1 ? { kind: 'ones' } : { kind: 'zeros' };
  if (op === 'PRelu') return { kind: 'normal', std: 0 }; // slope 0 behaves as ReLU; overwritten below
  if (op === 'Add' || op === 'Sub') return n > 64 ? { kind: 'normal', std: 0.02 } : { kind: 'zeros' };
  if (op === 'Mul' || op === 'Div') return { kind: 'ones' };
  return { kind: 'normal', std: 0.02 };
}

function fill(role: Role, count: number, rng: Rng, op: string | undefined, center: boolean, single = false): Float64Array | Float32Array {
  // float32 tensors are drawn straight into float32 (no double copy: a ResNet-50 has 25 M weights).
  const out = single ? new Float32Array(count) : new Float64Array(count);
  switch (role.kind) {
    case 'weight': {
      const std = Math.sqrt(2 / role.fanIn);
      const rows = count / role.fanIn;
      if (center && role.contiguous && out instanceof Float32Array && Number.isInteger(rows) && role.fanIn >= 2) {
        rng.fillCentredRows(out, rows, role.fanIn, std);
      } else {
        rng.fillNormal(out, std);
        if (center) centerWeights(out, role.fanIn, role.contiguous);
      }
      break;
    }
    case 'ones': out.fill(1); break;
    case 'zeros': break;
    case 'keep': break;
    case 'normal':
      if (op === 'PRelu') out.fill(0.25);
      else rng.fillNormal(out, role.std);
      break;
  }
  return out;
}

/**
 * Zero-mean weights per output unit. With BN folded away nothing re-centres a layer fed by ReLU
 * outputs (all ≥ 0): a filter's weight sum then fixes the sign of its whole channel, for every
 * input. Train-mode BN, which the published proxies ran with, removes that mean; so does this.
 */
function centerWeights(w: Float64Array | Float32Array, fanIn: number, contiguous: boolean): void {
  const outputs = Math.floor(w.length / fanIn);
  if (outputs * fanIn !== w.length || fanIn < 2) return;
  if (contiguous) {
    for (let o = 0; o < outputs; o++) {
      const base = o * fanIn;
      let sum = 0;
      for (let i = 0; i < fanIn; i++) sum += w[base + i]!;
      const mean = sum / fanIn;
      for (let i = 0; i < fanIn; i++) w[base + i]! -= mean;
    }
    return;
  }
  // Output units along the fast axis: column sums, row by row (same sums in the same order).
  const sums = new Float64Array(outputs);
  for (let i = 0; i < fanIn; i++) {
    const base = i * outputs;
    for (let o = 0; o < outputs; o++) sums[o]! += w[base + o]!;
  }
  for (let o = 0; o < outputs; o++) sums[o]! /= fanIn;
  for (let i = 0; i < fanIn; i++) {
    const base = i * outputs;
    for (let o = 0; o < outputs; o++) w[base + o]! -= sums[o]!;
  }
}

function float16Bits(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | (mant >>> 13);
}

function encodeFloats(values: ArrayLike<number>, dtype: DType): Uint8Array {
  if (dtype === 'float32' && values instanceof Float32Array) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  // Typed-array constructors convert natively; `.from` iterates.
  const native = values instanceof Float64Array;
  if (dtype === 'float64') return new Uint8Array((native ? values : Float64Array.from(values)).buffer);
  if (dtype === 'float16') {
    const u = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) u[i] = float16Bits(values[i]!);
    return new Uint8Array(u.buffer);
  }
  return new Uint8Array((native ? new Float32Array(values) : Float32Array.from(values)).buffer);
}

function encodeInts(values: readonly number[], dtype: DType): Uint8Array | null {
  switch (dtype) {
    case 'int64': return new Uint8Array(new BigInt64Array(values.map((v) => BigInt(Math.trunc(v)))).buffer);
    case 'uint64': return new Uint8Array(new BigUint64Array(values.map((v) => BigInt(Math.trunc(v)))).buffer);
    case 'int32': return new Uint8Array(Int32Array.from(values).buffer);
    case 'uint32': return new Uint8Array(Uint32Array.from(values).buffer);
    case 'int16': return new Uint8Array(Int16Array.from(values).buffer);
    case 'uint16': return new Uint8Array(Uint16Array.from(values).buffer);
    case 'int8': return new Uint8Array(Int8Array.from(values).buffer);
    case 'uint8': case 'bool': return Uint8Array.from(values);
    default: return null;
  }
}

export interface SynthContext {
  readonly rng: Rng;
  /** First consumer (node, input slot) of each value, for roles. */
  readonly consumers: ReadonlyMap<string, { node: Node; slot: number }>;
  readonly center: boolean;
  /** Length of dimension `axis` of a value, when static analysis knows it. */
  readonly dimOf: (value: string, axis: number) => number | null;
}

/**
 * Seeded indices for an integer table whose values the file does not carry (timm exports strip
 * relative-position index tables, [N, N] int64) when it only feeds Gather's indices: valid
 * indices into the gathered axis. Which synthetic bias lands where changes; the architecture,
 * whose bias table is synthetic anyway, does not. Null when the table feeds anything else or the
 * axis length is unknown.
 */
function gatherIndices(count: number, ctx: SynthContext, use: { node: Node; slot: number } | undefined): number[] | null {
  if (!use || use.node.op !== 'Gather' || use.slot !== 1) return null;
  const data = use.node.inputs[0] ?? '';
  const a = use.node.attributes.get('axis');
  const axis = a?.kind === 'int' ? a.value : 0;
  const n = ctx.dimOf(data, axis);
  if (n === null || !Number.isInteger(n) || n < 1) return null;
  return Array.from({ length: count }, () => Math.min(n - 1, Math.floor(ctx.rng.uniform() * n)));
}

/** A tensor for `t` under `name`: synthetic floats, kept integers; a skip when impossible. */
function tensorProto(t: Tensor, name: string, ctx: SynthContext): PTensor {
  const count = product(t.dims);
  const base = { name, dims: t.dims, dataType: dtypeCode(t.dtype) };
  if (isFloat(t.dtype)) {
    const use = ctx.consumers.get(t.name) ?? ctx.consumers.get(name);
    const role = roleOf(t, use?.node, use?.slot ?? 0);
    const data = role.kind === 'keep' && t.values !== undefined ? t.values : fill(role, count, ctx.rng, use?.node.op, ctx.center, t.dtype === 'float32');
    return { ...base, raw: encodeFloats(data, t.dtype) };
  }
  if (count === 0) return base;
  const synthetic = t.values === undefined ? gatherIndices(count, ctx, ctx.consumers.get(t.name) ?? ctx.consumers.get(name)) : null;
  if (synthetic) return { ...base, raw: encodeInts(synthetic, t.dtype)! };
  if (t.values === undefined || t.values.length !== count) {
    throw new ProxySkip('unsupported-constant', `${t.dtype} tensor '${t.name}' (${count} elements) has no decoded values`);
  }
  const raw = encodeInts(t.values, t.dtype);
  if (raw === null) throw new ProxySkip('unsupported-dtype', `tensor '${t.name}' has element type ${t.dtype}`);
  return { ...base, raw };
}

function attributeProto(name: string, v: AttributeValue, ctx: SynthContext, owner: string): PAttribute {
  switch (v.kind) {
    case 'float': case 'int': case 'string': case 'floats': case 'ints': case 'strings':
      return { name, kind: v.kind, value: v.value } as PAttribute;
    case 'tensor': return { name, kind: 'tensor', value: tensorProto(v.value, owner, ctx) };
    case 'tensors': return { name, kind: 'tensors', value: v.value.map((t) => tensorProto(t, t.name, ctx)) };
    case 'graph': case 'graphs':
      throw new ProxySkip('control-flow', `attribute '${name}' holds a subgraph (control flow is not run)`);
    default:
      throw new ProxySkip('unsupported-attribute', `attribute '${name}' of kind ${v.kind} cannot be re-encoded`);
  }
}

function valueInfo(name: string, dtype: DType, shape: readonly Dim[] | null): PValueInfo {
  return { name, dataType: dtypeCode(dtype), shape };
}

export interface RunnableOptions {
  /** Concrete input shapes (symbolic dims resolved), by input name; dim 0 is re-declared as `batch` when `batchDim`. */
  readonly inputShapes: ReadonlyMap<string, readonly number[]>;
  /** Declare dim 0 of every input symbolic so one session runs any batch size. */
  readonly batchDim: boolean;
  /** With `batchDim`: declare dim 0 as this many samples instead of symbolic (one run of them all). */
  readonly staticBatch?: number;
  /** Extra outputs to expose, with their element type. */
  readonly taps: readonly { name: string; dtype: DType }[];
  readonly seed: number;
  /** Zero-mean weights per output unit (see `centerWeights`). */
  readonly centerWeights: boolean;
  /** Inferred shapes of intermediate values: the axis an index table gathers from. */
  readonly valueShapes?: ReadonlyMap<string, { readonly shape: readonly Dim[] | null }>;
  /** Nodes appended after the model's (the reduction tail, reduce.ts), with their constants, inputs and outputs. */
  readonly extension?: {
    readonly nodes: readonly PNode[];
    readonly initializers: readonly PTensor[];
    readonly inputs: readonly { name: string; dtype: DType; shape: readonly Dim[] }[];
    readonly outputs: readonly { name: string; dtype: DType }[];
  };
}

/** The first consumer of every value in the graph. */
export function firstConsumers(graph: Graph): Map<string, { node: Node; slot: number }> {
  const out = new Map<string, { node: Node; slot: number }>();
  for (const node of graph.nodes) {
    node.inputs.forEach((name, slot) => {
      if (name !== '' && !out.has(name)) out.set(name, { node, slot });
    });
  }
  // Weights shared through Identity (torch exports tied weights so): the role is the Identity's consumer's.
  for (const node of graph.nodes) {
    if (node.op === 'Identity' && node.inputs[0] && node.outputs[0]) {
      const c = out.get(node.outputs[0]);
      if (c && out.get(node.inputs[0])?.node === node) out.set(node.inputs[0], c);
    }
  }
  return out;
}

/**
 * Encodes the runnable copy. Throws `ProxySkip` for what cannot be re-encoded (subgraphs, tensors
 * without values); the caller turns it into a typed reason.
 */
export function runnableBytes(model: Model, options: RunnableOptions): Uint8Array {
  return runnableCopy(model, options).bytes;
}

/** Float32 weights larger than this become graph inputs when `externalWeights` is set. */
const EXTERNAL_MIN_ELEMENTS = 4096;

/**
 * The runnable copy; with `externalWeights`, large float32 weights are graph inputs instead of
 * initializers and come back in `weights`, to be fed on every run: onnxruntime then reads them
 * from our buffers, so a 300M-parameter model holds its weights once, not three times.
 */
export function runnableCopy(model: Model, options: RunnableOptions & { externalWeights?: boolean }): { bytes: Uint8Array; weights: Map<string, { data: Float32Array; dims: readonly number[] }> } {
  const graph = model.graph;
  const dimOf = (value: string, axis: number): number | null => {
    const dims = graph.initializers.get(value)?.dims ?? options.valueShapes?.get(value)?.shape ?? null;
    if (!dims) return null;
    const d = dims[axis < 0 ? dims.length + axis : axis];
    return typeof d === 'number' ? d : null;
  };
  const ctx: SynthContext = { rng: new Rng(options.seed), consumers: firstConsumers(graph), center: options.centerWeights, dimOf };
  const initializers: PTensor[] = [];
  const weights = new Map<string, { data: Float32Array; dims: readonly number[] }>();
  for (const [name, t] of graph.initializers) {
    if (options.externalWeights && t.dtype === 'float32' && product(t.dims) > EXTERNAL_MIN_ELEMENTS) {
      const use = ctx.consumers.get(t.name);
      const role = roleOf(t, use?.node, use?.slot ?? 0);
      weights.set(name, { data: fill(role, product(t.dims), ctx.rng, use?.node.op, ctx.center, true) as Float32Array, dims: t.dims });
    } else {
      initializers.push(tensorProto(t, name, ctx));
    }
  }

  // Hard-coded batch 1 in Reshape targets (`view(1, -1)` exports): 0 copies dim 0 from the input,
  // identical at batch 1 and right for any batch.
  const constShape = new Map<string, readonly number[]>();
  for (const [name, t] of graph.initializers) if (t.dtype === 'int64' && t.values) constShape.set(name, t.values);
  for (const n of graph.nodes) {
    if (n.op !== 'Constant' || !n.outputs[0]) continue;
    const a = n.attributes.get('value_ints') ?? n.attributes.get('value');
    if (a?.kind === 'ints') constShape.set(n.outputs[0], a.value);
    else if (a?.kind === 'tensor' && a.value.dtype === 'int64' && a.value.values) constShape.set(n.outputs[0], a.value.values);
  }
  const nodes: PNode[] = [];
  let fixes = 0;
  for (const n of graph.nodes) {
    let inputs = [...n.inputs];
    if (n.op === 'Reshape' && options.batchDim) {
      const shape = constShape.get(inputs[1] ?? '');
      const allowZero = n.attributes.get('allowzero');
      if (shape && shape.length >= 2 && shape[0] === 1 && !(allowZero?.kind === 'int' && allowZero.value === 1)) {
        const fixed = `__proxies_shape_${fixes++}`;
        initializers.push({ name: fixed, dims: [shape.length], dataType: dtypeCode('int64'), raw: encodeInts([0, ...shape.slice(1)], 'int64')! });
        inputs = [inputs[0]!, fixed, ...inputs.slice(2)];
      }
    }
    nodes.push({
      name: n.name,
      op: n.op,
      domain: n.domain,
      inputs,
      outputs: n.outputs,
      attributes: [...n.attributes].map(([k, v]) => attributeProto(k, v, ctx, n.outputs[0] ?? k)),
    });
  }

  if (options.extension) {
    nodes.push(...options.extension.nodes);
    initializers.push(...options.extension.initializers);
  }

  const inputs = graph.inputs.map((v) => {
    const shape = options.inputShapes.get(v.name);
    if (!shape || !v.type) throw new ProxySkip('unsupported-input', `input '${v.name}' has no tensor type`);
    const dims: Dim[] = [...shape];
    if (options.batchDim && dims.length > 0) dims[0] = options.staticBatch !== undefined ? dims[0]! as number * options.staticBatch : 'batch';
    return valueInfo(v.name, v.type.dtype, dims);
  });
  for (const [name, w] of weights) inputs.push(valueInfo(name, 'float32', w.dims));
  for (const v of options.extension?.inputs ?? []) inputs.push(valueInfo(v.name, v.dtype, v.shape));
  const declared = new Set(graph.outputs.map((o) => o.name));
  const outputs = graph.outputs.map((o) => valueInfo(o.name, o.type?.dtype ?? 'float32', null));
  for (const t of [...options.taps, ...options.extension?.outputs ?? []]) if (!declared.has(t.name)) { outputs.push(valueInfo(t.name, t.dtype, null)); declared.add(t.name); }

  const bytes = encodeModel({
    irVersion: Math.max(4, model.irVersion),
    producerName: 'onnx-predict-proxies',
    opsets: [...model.opsetImports].map(([domain, version]) => ({ domain, version })),
    graph: { name: graph.name || 'proxies', nodes, initializers, inputs, outputs },
  });
  return { bytes, weights };
}

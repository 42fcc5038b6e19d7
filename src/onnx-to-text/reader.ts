/**
 * ONNX bytes → typed graph IR. A thin wrapper over the `onnx-buf` schema (protobuf-es): decoding
 * keeps tensor payloads as views into the input buffer and the IR keeps none of them except the
 * values of small numeric tensors that shape inference needs.
 */
import { fromBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  ModelProtoSchema,
  TensorProto_DataLocation,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type TensorProto,
  type TypeProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { InvalidModelError, LimitExceededError } from '../errors.ts';
import { indexGraph } from './graph.ts';
import type { AttributeValue, Dim, DType, Graph, Model, Node, Tensor, TensorType, ValueInfo } from './ir.ts';

/** Documented limits: inputs past them are rejected with a typed error, never a crash or a hang. */
export const READ_LIMITS = {
  /** Nesting depth of subgraphs (If/Loop/Scan bodies inside bodies). */
  maxGraphDepth: 64,
  /** Largest single dimension accepted in a shape or tensor (2^32). */
  maxDim: 2 ** 32,
  /** Largest element count of one tensor (2^36 elements). */
  maxElements: 2 ** 36,
  /** Nodes in all graphs of one model. */
  maxNodes: 2_000_000,
  /** Tensors with at most this many elements keep their decoded values in the IR. */
  smallTensorElements: 4096,
} as const;

/** Our convention for a weight payload that was deliberately dropped (docs/FORMAT.md). */
export const STRIPPED_LOCATION = 'onnx-predict:stripped';

const DTYPES: readonly DType[] = [
  'undefined', 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn',
  'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1', 'float8e8m0',
  'uint2', 'int2',
];

export function dtypeName(code: number): DType {
  return DTYPES[code] ?? 'undefined';
}

export function dtypeCode(dtype: DType): number {
  return DTYPES.indexOf(dtype);
}

/** Bytes per element, fractional for sub-byte types; 0 for strings/unknown. */
export function dtypeBytes(dtype: DType): number {
  switch (dtype) {
    case 'float64': case 'int64': case 'uint64': case 'complex64': return 8;
    case 'complex128': return 16;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'float16': case 'bfloat16': case 'int16': case 'uint16': return 2;
    case 'uint8': case 'int8': case 'bool': case 'float8e4m3fn': case 'float8e4m3fnuz':
    case 'float8e5m2': case 'float8e5m2fnuz': case 'float8e8m0': return 1;
    case 'uint4': case 'int4': case 'float4e2m1': return 0.5;
    case 'uint2': case 'int2': return 0.25;
    default: return 0;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

interface ReadState {
  nodes: number;
}

/**
 * Decodes an ONNX model. Throws `InvalidModelError` for bytes that are not a well-formed model
 * and `LimitExceededError` for models past `READ_LIMITS`.
 */
export function readModel(bytes: Uint8Array): Model {
  if (bytes.byteLength === 0) throw new InvalidModelError('empty input: 0 bytes');
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false });
  } catch (e) {
    // The decoder recurses per nested message: a stack overflow means hostile nesting.
    if (/call stack|recursion depth/.test((e as Error).message)) {
      throw new LimitExceededError('protobuf messages nested too deep');
    }
    throw new InvalidModelError(`not an ONNX protobuf: ${(e as Error).message}`, { cause: e });
  }
  if (proto.graph === undefined) {
    throw new InvalidModelError('not an ONNX model: no graph (is this an ONNX file?)');
  }
  if (proto.irVersion === 0n && proto.opsetImport.length === 0 && proto.graph.node.length === 0) {
    throw new InvalidModelError('not an ONNX model: no IR version, no opset and no nodes');
  }
  const state: ReadState = { nodes: 0 };
  const graph = readGraph(proto.graph, 0, state);
  checkAcyclic(graph);
  const opsetImports = new Map<string, number>();
  for (const o of proto.opsetImport) opsetImports.set(o.domain === 'ai.onnx' ? '' : o.domain, toInt(o.version, 'opset version'));
  const metadata = new Map<string, string>();
  for (const p of proto.metadataProps) metadata.set(p.key, p.value);
  return {
    irVersion: toInt(proto.irVersion, 'ir_version'),
    opsetImports,
    producer: { name: proto.producerName, version: proto.producerVersion },
    graph,
    metadata,
    functions: proto.functions.map((f) => (f.domain ? `${f.domain}.${f.name}` : f.name)),
  };
}

function readGraph(g: GraphProto, depth: number, state: ReadState): Graph {
  if (depth > READ_LIMITS.maxGraphDepth) {
    throw new LimitExceededError(`subgraphs nested deeper than ${READ_LIMITS.maxGraphDepth} levels`);
  }
  state.nodes += g.node.length;
  if (state.nodes > READ_LIMITS.maxNodes) {
    throw new LimitExceededError(`more than ${READ_LIMITS.maxNodes} nodes`);
  }
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer) initializers.set(t.name, readTensor(t));
  for (const s of g.sparseInitializer) {
    if (s.values !== undefined) {
      const dims = s.dims.map((d) => checkDim(d, s.values?.name ?? ''));
      initializers.set(s.values.name, { name: s.values.name, dtype: dtypeName(s.values.dataType), dims, location: 'inline' });
    }
  }
  const valueInfo = new Map<string, TensorType>();
  for (const v of g.valueInfo) {
    const t = readType(v.type, v.name);
    if (t !== null) valueInfo.set(v.name, t);
  }
  const nodes: Node[] = g.node.map((n) => ({
    name: n.name,
    op: n.opType,
    domain: n.domain === 'ai.onnx' ? '' : n.domain,
    inputs: n.input,
    outputs: n.output,
    attributes: new Map(n.attribute.map((a) => [a.name, readAttribute(a, depth, state)] as const)),
  }));
  return {
    name: g.name,
    nodes,
    inputs: g.input.filter((v) => !initializers.has(v.name)).map(readValueInfo),
    outputs: g.output.map(readValueInfo),
    initializers,
    valueInfo,
  };
}

function readValueInfo(v: ValueInfoProto): ValueInfo {
  return { name: v.name, type: readType(v.type, v.name) };
}

function readType(t: TypeProto | undefined, name: string): TensorType | null {
  if (t === undefined) return null;
  if (t.value.case !== 'tensorType' && t.value.case !== 'sparseTensorType') return null;
  const tt = t.value.value;
  const shape: Dim[] | null = tt.shape === undefined
    ? null
    : tt.shape.dim.map((d): Dim => {
        if (d.value.case === 'dimValue') {
          const n = checkDim(d.value.value, name);
          return n < 0 ? null : n;
        }
        if (d.value.case === 'dimParam') return d.value.value === '' ? null : d.value.value;
        return null;
      });
  return { dtype: dtypeName(tt.elemType), shape };
}

function checkDim(d: bigint, name: string): number {
  if (d > BigInt(READ_LIMITS.maxDim) || d < -1n) {
    throw new InvalidModelError(`dimension ${d} of '${name}' is out of range`);
  }
  return Number(d);
}

function toInt(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new InvalidModelError(`${what} ${v} is out of range`);
  }
  return Number(v);
}

/** int64 attribute values: clamp the INT64 sentinels (Slice ends = INT64_MAX) to safe integers. */
function intValue(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (v < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(v);
}

export function readTensor(t: TensorProto): Tensor {
  const dims = t.dims.map((d) => checkDim(d, t.name));
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > READ_LIMITS.maxElements) {
    throw new InvalidModelError(`tensor '${t.name}' claims ${count} elements`);
  }
  const dtype = dtypeName(t.dataType);
  if (t.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    const entries = new Map(t.externalData.map((e) => [e.key, e.value]));
    const location = entries.get('location') ?? '';
    const offset = entries.has('offset') ? Number(entries.get('offset')) : undefined;
    const length = entries.has('length') ? Number(entries.get('length')) : undefined;
    return {
      name: t.name,
      dtype,
      dims,
      location: location === STRIPPED_LOCATION ? 'stripped' : 'external',
      external: { location, ...(offset !== undefined ? { offset } : {}), ...(length !== undefined ? { length } : {}) },
    };
  }
  const values = count <= READ_LIMITS.smallTensorElements ? decodeValues(t, dtype, count) : undefined;
  const hasData = t.rawData.byteLength > 0 || t.floatData.length > 0 || t.int32Data.length > 0
    || t.int64Data.length > 0 || t.doubleData.length > 0 || t.uint64Data.length > 0 || t.stringData.length > 0;
  return { name: t.name, dtype, dims, location: hasData || count === 0 ? 'inline' : 'empty', ...(values ? { values } : {}) };
}

function decodeValues(t: TensorProto, dtype: DType, count: number): number[] | undefined {
  const raw = t.rawData;
  if (raw.byteLength > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size = dtypeBytes(dtype);
    if (size === 0 || !Number.isInteger(size) || raw.byteLength < count * size) return undefined;
    const out: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const o = i * size;
      switch (dtype) {
        case 'float32': out[i] = view.getFloat32(o, true); break;
        case 'float64': out[i] = view.getFloat64(o, true); break;
        case 'int64': out[i] = intValue(view.getBigInt64(o, true)); break;
        case 'uint64': out[i] = intValue(view.getBigUint64(o, true)); break;
        case 'int32': out[i] = view.getInt32(o, true); break;
        case 'uint32': out[i] = view.getUint32(o, true); break;
        case 'int16': out[i] = view.getInt16(o, true); break;
        case 'uint16': out[i] = view.getUint16(o, true); break;
        case 'int8': out[i] = view.getInt8(o); break;
        case 'uint8': case 'bool': out[i] = view.getUint8(o); break;
        default: return undefined;
      }
    }
    return out;
  }
  if (t.floatData.length > 0) return t.floatData.slice(0, count);
  if (t.doubleData.length > 0) return t.doubleData.slice(0, count);
  if (t.int64Data.length > 0) return t.int64Data.slice(0, count).map(intValue);
  if (t.uint64Data.length > 0) return t.uint64Data.slice(0, count).map(intValue);
  if (t.int32Data.length > 0 && dtype !== 'float16' && dtype !== 'bfloat16') return t.int32Data.slice(0, count);
  return undefined;
}

function readAttribute(a: AttributeProto, depth: number, state: ReadState): AttributeValue {
  if (a.refAttrName !== '') return { kind: 'ref', value: a.refAttrName };
  // Files from old exporters leave `type` unset: infer it from the populated field.
  const type = a.type !== AT.UNDEFINED ? a.type : inferAttributeType(a);
  switch (type) {
    case AT.FLOAT: return { kind: 'float', value: a.f };
    case AT.INT: return { kind: 'int', value: intValue(a.i) };
    case AT.STRING: return { kind: 'string', value: utf8.decode(a.s) };
    case AT.TENSOR: return a.t ? { kind: 'tensor', value: readTensor(a.t) } : { kind: 'tensors', value: [] };
    case AT.GRAPH:
      if (!a.g) throw new InvalidModelError(`graph attribute '${a.name}' has no graph`);
      return { kind: 'graph', value: readGraph(a.g, depth + 1, state) };
    case AT.FLOATS: return { kind: 'floats', value: a.floats };
    case AT.INTS: return { kind: 'ints', value: a.ints.map(intValue) };
    case AT.STRINGS: return { kind: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    case AT.TENSORS: return { kind: 'tensors', value: a.tensors.map(readTensor) };
    case AT.GRAPHS: return { kind: 'graphs', value: a.graphs.map((g) => readGraph(g, depth + 1, state)) };
    case AT.SPARSE_TENSOR: return { kind: 'sparse_tensor' };
    case AT.SPARSE_TENSORS: return { kind: 'sparse_tensors' };
    case AT.TYPE_PROTO: return { kind: 'type_proto' };
    case AT.TYPE_PROTOS: return { kind: 'type_protos' };
    default: throw new InvalidModelError(`attribute '${a.name}' has unknown type ${a.type}`);
  }
}

function inferAttributeType(a: AttributeProto): AT {
  if (a.g) return AT.GRAPH;
  if (a.t) return AT.TENSOR;
  if (a.floats.length > 0) return AT.FLOATS;
  if (a.ints.length > 0) return AT.INTS;
  if (a.strings.length > 0) return AT.STRINGS;
  if (a.graphs.length > 0) return AT.GRAPHS;
  if (a.tensors.length > 0) return AT.TENSORS;
  if (a.s.byteLength > 0) return AT.STRING;
  if (a.f !== 0) return AT.FLOAT;
  return AT.INT;
}

/**
 * Rejects graphs whose nodes form a cycle through their values. Values produced by no node
 * (graph inputs, initializers, outer-scope names) are sources. Nodes need not be sorted.
 */
export function checkAcyclic(graph: Graph): void {
  const stuck = indexGraph(graph).cyclic[0];
  if (stuck !== undefined) {
    const node = graph.nodes[stuck]!;
    throw new InvalidModelError(`graph has a cycle (through node '${node.name || node.op}')`);
  }
}

/**
 * ONNX bytes → typed graph IR, in two passes over the input and nothing in between:
 *  1. `scanModel` (wire.ts) walks the protobuf message tree counting nodes, graphs, nesting,
 *     tensors and list sizes, and refuses a model past `READ_LIMITS` before anything is built;
 *  2. a decoder written against onnx.proto's field numbers builds the IR straight from the
 *     bytes. Tensor payloads are never copied: the IR keeps only the values of small numeric
 *     tensors (shapes, axes, scalars) that shape inference needs.
 * Peak memory is therefore the input buffer plus the IR (docs/FORMAT.md has the measured figures).
 */
import { InvalidModelError } from '../errors.ts';
import { indexGraph } from './graph.ts';
import type { AttributeValue, Dim, DType, Graph, Model, Node, Tensor, TensorType, ValueInfo } from './ir.ts';
import { Cursor, I32, I64, LEN, READ_LIMITS, scanModel, VARINT, WireError, WireLimitError, type ScanCounts } from './wire.ts';

export { READ_LIMITS, scanModel, type ScanCounts };

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

/** Shared by every node without attributes (the IR is read-only). */
const NO_ATTRIBUTES: ReadonlyMap<string, AttributeValue> = new Map();

const codes: number[] = [];

/** UTF-8 text of `buf[a, b)`; short ASCII names (almost all of them) without TextDecoder or a view. */
function text(buf: Uint8Array, a: number, b: number): string {
  if (a === b) return '';
  if (b - a <= 64) {
    codes.length = b - a;
    let ascii = true;
    for (let i = a; i < b; i++) {
      const c = buf[i]!;
      if (c >= 0x80) { ascii = false; break; }
      codes[i - a] = c;
    }
    if (ascii) return String.fromCharCode.apply(null, codes);
  }
  return utf8.decode(buf.subarray(a, b));
}

/** Op types and domains repeat across nodes: keep one string per distinct value. */
const interned = new Map<string, string>();
function intern(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (interned.size < 4096) interned.set(s, s);
  return s;
}

export interface ReadOptions {
  /** How to name the input in error messages (a file name); errors then read `<source>: ...`. */
  readonly source?: string;
}

/**
 * Decodes an ONNX model. Throws `InvalidModelError` (exit 3, HTTP 400) for bytes that are not a
 * well-formed model and for models past `READ_LIMITS`, naming `options.source` when given.
 */
export function readModel(bytes: Uint8Array, options: ReadOptions = {}): Model {
  const prefix = options.source !== undefined && options.source !== '' ? `${options.source}: ` : '';
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof WireLimitError) {
      throw new InvalidModelError(`${prefix}model too large to read safely: ${e.message} (limits: docs/FORMAT.md)`, { cause: e });
    }
    if (e instanceof WireError) throw new InvalidModelError(`${prefix}not an ONNX protobuf: ${e.message}`, { cause: e });
    if (e instanceof InvalidModelError && prefix !== '') throw new InvalidModelError(`${prefix}${e.message}`, { cause: e });
    throw e;
  }
}

function decode(bytes: Uint8Array): Model {
  if (bytes.byteLength === 0) throw new InvalidModelError('empty input: 0 bytes');
  scanModel(bytes);
  const d = new Decoder(bytes);
  let irVersion = 0;
  let graphSpan: [number, number] | undefined;
  const opsetImports = new Map<string, number>();
  const metadata = new Map<string, string>();
  const functions: string[] = [];
  let producerName = '';
  let producerVersion = '';
  const cur = new Cursor(bytes, 0, bytes.byteLength);
  while (!cur.done) {
    const [f, wt] = d.tag(cur);
    switch (f) {
      case 1: irVersion = d.varint(cur, wt, 'ir_version'); break;
      case 2: producerName = d.string(cur, wt); break;
      case 3: producerVersion = d.string(cur, wt); break;
      case 7: graphSpan = d.message(cur, wt); break;
      case 8: {
        const [a, b] = d.message(cur, wt);
        let domain = '';
        let version = 0;
        d.each(a, b, (g, wt2, c2) => {
          if (g === 1) domain = d.string(c2, wt2);
          else if (g === 2) version = d.varint(c2, wt2, 'opset version');
          else return false;
          return true;
        });
        opsetImports.set(domain === 'ai.onnx' ? '' : domain, toInt(version, 'opset version'));
        break;
      }
      case 14: {
        const [k, v] = d.entry(cur, wt);
        metadata.set(k, v);
        break;
      }
      case 25: {
        const [a, b] = d.message(cur, wt);
        let name = '';
        let domain = '';
        d.each(a, b, (g, wt2, c2) => {
          if (g === 1) name = d.string(c2, wt2);
          else if (g === 10) domain = d.string(c2, wt2);
          else return false;
          return true;
        });
        functions.push(domain ? `${domain}.${name}` : name);
        break;
      }
      default: cur.skip(wt);
    }
  }
  if (graphSpan === undefined) throw new InvalidModelError('not an ONNX model: no graph (is this an ONNX file?)');
  const graph = d.graph(graphSpan[0], graphSpan[1]);
  if (irVersion === 0 && opsetImports.size === 0 && graph.nodes.length === 0) {
    throw new InvalidModelError('not an ONNX model: no IR version, no opset and no nodes');
  }
  checkAcyclic(graph);
  return {
    irVersion: toInt(irVersion, 'ir_version'),
    opsetImports,
    producer: { name: producerName, version: producerVersion },
    graph,
    metadata,
    functions,
  };
}

function toInt(v: number, what: string): number {
  if (!Number.isSafeInteger(v)) throw new InvalidModelError(`${what} ${v} is out of range`);
  return v;
}

/** int64 attribute values: clamp the INT64 sentinels (Slice ends = INT64_MAX) to safe integers. */
function intValue(v: number): number {
  if (v > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (v < Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  return v;
}

function checkDim(d: number, name: string): number {
  if (d > READ_LIMITS.maxDim || d < -1) throw new InvalidModelError(`dimension ${d} of '${name}' is out of range`);
  return d;
}

const AT = { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14 } as const;

const EXTERNAL = 1;

/** Field positions of one TensorProto, gathered in one pass; values are decoded only when small. */
interface TensorFields {
  name: string;
  dataType: number;
  dims: number[];
  dataLocation: number;
  external: [string, string][];
  raw: [number, number] | undefined;
  /** Typed data fields present (4 float, 5 int32, 6 string, 7 int64, 10 double, 11 uint64). */
  typed: Set<number>;
  hasData: boolean;
}

/** The IR builder over a scanned buffer: every limit has been checked, so recursion is bounded. */
class Decoder {
  private readonly scratchIn: string[][] = [];
  private readonly scratchOut: string[][] = [];
  private level = 0;
  constructor(private readonly buf: Uint8Array) {}

  tag(cur: Cursor): [number, number] {
    const t = cur.uint();
    return [Math.floor(t / 8), t & 7];
  }

  each(start: number, end: number, on: (field: number, wt: number, cur: Cursor) => boolean): void {
    const cur = new Cursor(this.buf, start, end);
    while (cur.pos < end) {
      const t = cur.uint();
      const wt = t & 7;
      if (!on((t - wt) / 8, wt, cur)) cur.skip(wt);
    }
  }

  message(cur: Cursor, wt: number): [number, number] {
    if (wt !== LEN) throw new WireError('a part of the model is malformed (is this an ONNX file?)');
    return cur.span();
  }

  string(cur: Cursor, wt: number): string {
    if (wt !== LEN) throw new WireError('a part of the model is malformed (is this an ONNX file?)');
    const len = cur.uint();
    const a = cur.pos;
    if (len > cur.end - a) throw new WireError(`a field claims ${len} bytes but only ${cur.end - a} remain (truncated or not an ONNX file)`);
    cur.pos = a + len;
    return text(this.buf, a, a + len);
  }

  varint(cur: Cursor, wt: number, what: string): number {
    if (wt !== VARINT) throw new WireError(`${what} is not a number (is this an ONNX file?)`);
    return cur.int64();
  }

  entry(cur: Cursor, wt: number): [string, string] {
    const [a, b] = this.message(cur, wt);
    let k = '';
    let v = '';
    this.each(a, b, (g, wt2, c2) => {
      if (g === 1) k = this.string(c2, wt2);
      else if (g === 2) v = this.string(c2, wt2);
      else return false;
      return true;
    });
    return [k, v];
  }

  /** Repeated int64 (packed or not) appended to `out`. */
  ints(cur: Cursor, wt: number, out: number[]): void {
    if (wt === LEN) {
      const [a, b] = cur.span();
      const c = new Cursor(this.buf, a, b);
      while (!c.done) out.push(c.int64());
    } else if (wt === VARINT) out.push(cur.int64());
    else throw new WireError('a list of integers is malformed');
  }

  floats(cur: Cursor, wt: number, out: number[]): void {
    if (wt === LEN) {
      const [a, b] = cur.span();
      if ((b - a) % 4 !== 0) throw new WireError('a list of floats ends mid-value');
      const c = new Cursor(this.buf, a, b);
      while (!c.done) out.push(c.float32());
    } else if (wt === I32) out.push(cur.float32());
    else throw new WireError('a list of floats is malformed');
  }

  graph(start: number, end: number): Graph {
    let name = '';
    // Node spans as flat start/end pairs: one number array, not a tuple per node.
    const nodeSpans: number[] = [];
    const initializers = new Map<string, Tensor>();
    const inputs: [number, number][] = [];
    const outputs: [number, number][] = [];
    const valueInfo = new Map<string, TensorType>();
    this.each(start, end, (f, wt, cur) => {
      switch (f) {
        case 1: { const [a, b] = this.message(cur, wt); nodeSpans.push(a, b); return true; }
        case 2: name = this.string(cur, wt); return true;
        case 5: { const [a, b] = this.message(cur, wt); const t = this.tensor(a, b); initializers.set(t.name, t); return true; }
        case 15: { const [a, b] = this.message(cur, wt); const t = this.sparse(a, b); if (t) initializers.set(t.name, t); return true; }
        case 11: inputs.push(this.message(cur, wt)); return true;
        case 12: outputs.push(this.message(cur, wt)); return true;
        case 13: {
          const [a, b] = this.message(cur, wt);
          const v = this.valueInfo(a, b);
          if (v.type !== null) valueInfo.set(v.name, v.type);
          return true;
        }
        default: return false;
      }
    });
    const nodes: Node[] = new Array<Node>(nodeSpans.length / 2);
    for (let i = 0; i < nodes.length; i++) nodes[i] = this.node(nodeSpans[2 * i]!, nodeSpans[2 * i + 1]!);
    const graphInputs: ValueInfo[] = [];
    for (const [a, b] of inputs) {
      const v = this.valueInfo(a, b);
      if (!initializers.has(v.name)) graphInputs.push(v);
    }
    return { name, nodes, inputs: graphInputs, outputs: outputs.map(([a, b]) => this.valueInfo(a, b)), initializers, valueInfo };
  }

  /** A NodeProto. Written without per-field closures: a node-heavy file has a million of them. */
  node(start: number, end: number): Node {
    let name = '';
    let op = '';
    let domain = '';
    // Scratch lists copied out at their exact length: a pushed-to array reserves 17 slots.
    // One pair per nesting level: an attribute's subgraph decodes its nodes mid-way through ours.
    const level = this.level++;
    const inputs = (this.scratchIn[level] ??= []);
    const outputs = (this.scratchOut[level] ??= []);
    inputs.length = 0;
    outputs.length = 0;
    let attributes: Map<string, AttributeValue> | undefined;
    const cur = new Cursor(this.buf, start, end);
    while (cur.pos < end) {
      const t = cur.uint();
      const wt = t & 7;
      switch ((t - wt) / 8) {
        case 1: inputs.push(this.string(cur, wt)); break;
        case 2: outputs.push(this.string(cur, wt)); break;
        case 3: name = this.string(cur, wt); break;
        case 4: op = intern(this.string(cur, wt)); break;
        case 7: domain = intern(this.string(cur, wt)); break;
        case 5: {
          const [a, b] = this.message(cur, wt);
          const [k, v] = this.attribute(a, b);
          (attributes ??= new Map()).set(k, v);
          break;
        }
        default: cur.skip(wt);
      }
    }
    this.level--;
    return { name, op, domain: domain === 'ai.onnx' ? '' : domain, inputs: inputs.slice(), outputs: outputs.slice(), attributes: attributes ?? NO_ATTRIBUTES };
  }

  attribute(start: number, end: number): [string, AttributeValue] {
    let name = '';
    let ref = '';
    let type: number = AT.UNDEFINED;
    let f32 = 0;
    let i64 = 0;
    let s: [number, number] | undefined;
    let t: [number, number] | undefined;
    let g: [number, number] | undefined;
    const floats: number[] = [];
    const ints: number[] = [];
    const strings: [number, number][] = [];
    const tensors: [number, number][] = [];
    const graphs: [number, number][] = [];
    this.each(start, end, (f, wt, cur) => {
      switch (f) {
        case 1: name = this.string(cur, wt); return true;
        case 21: ref = this.string(cur, wt); return true;
        case 20: type = this.varint(cur, wt, 'an attribute type'); return true;
        case 2: if (wt !== I32) throw new WireError(`attribute '${name}' has a malformed float`); f32 = cur.float32(); return true;
        case 3: i64 = this.varint(cur, wt, `attribute '${name}'`); return true;
        case 4: s = this.message(cur, wt); return true;
        case 5: t = this.message(cur, wt); return true;
        case 6: g = this.message(cur, wt); return true;
        case 7: this.floats(cur, wt, floats); return true;
        case 8: this.ints(cur, wt, ints); return true;
        case 9: strings.push(this.message(cur, wt)); return true;
        case 10: tensors.push(this.message(cur, wt)); return true;
        case 11: graphs.push(this.message(cur, wt)); return true;
        default: return false;
      }
    });
    if (ref !== '') return [name, { kind: 'ref', value: ref }];
    // Files from old exporters leave `type` unset: infer it from the populated field.
    if (type === AT.UNDEFINED) {
      type = g ? AT.GRAPH : t ? AT.TENSOR : floats.length > 0 ? AT.FLOATS : ints.length > 0 ? AT.INTS : strings.length > 0 ? AT.STRINGS
        : graphs.length > 0 ? AT.GRAPHS : tensors.length > 0 ? AT.TENSORS : s && s[1] > s[0] ? AT.STRING : f32 !== 0 ? AT.FLOAT : AT.INT;
    }
    const str = (span: [number, number] | undefined): string => (span === undefined ? '' : text(this.buf, span[0], span[1]));
    switch (type) {
      case AT.FLOAT: return [name, { kind: 'float', value: f32 }];
      case AT.INT: return [name, { kind: 'int', value: intValue(i64) }];
      case AT.STRING: return [name, { kind: 'string', value: str(s) }];
      case AT.TENSOR: return [name, t ? { kind: 'tensor', value: this.tensor(t[0], t[1]) } : { kind: 'tensors', value: [] }];
      case AT.GRAPH:
        if (!g) throw new InvalidModelError(`graph attribute '${name}' has no graph`);
        return [name, { kind: 'graph', value: this.graph(g[0], g[1]) }];
      case AT.FLOATS: return [name, { kind: 'floats', value: floats }];
      case AT.INTS: return [name, { kind: 'ints', value: ints.map(intValue) }];
      case AT.STRINGS: return [name, { kind: 'strings', value: strings.map(str) }];
      case AT.TENSORS: return [name, { kind: 'tensors', value: tensors.map(([a, b]) => this.tensor(a, b)) }];
      case AT.GRAPHS: return [name, { kind: 'graphs', value: graphs.map(([a, b]) => this.graph(a, b)) }];
      case AT.SPARSE_TENSOR: return [name, { kind: 'sparse_tensor' }];
      case AT.SPARSE_TENSORS: return [name, { kind: 'sparse_tensors' }];
      case AT.TYPE_PROTO: return [name, { kind: 'type_proto' }];
      case AT.TYPE_PROTOS: return [name, { kind: 'type_protos' }];
      default: throw new InvalidModelError(`attribute '${name}' has unknown type ${type}`);
    }
  }

  private tensorFields(start: number, end: number): TensorFields {
    const tf: TensorFields = { name: '', dataType: 0, dims: [], dataLocation: 0, external: [], raw: undefined, typed: new Set(), hasData: false };
    this.each(start, end, (f, wt, cur) => {
      switch (f) {
        case 1: this.ints(cur, wt, tf.dims); return true;
        case 2: tf.dataType = this.varint(cur, wt, 'a tensor data type'); return true;
        case 8: tf.name = this.string(cur, wt); return true;
        case 9: tf.raw = this.message(cur, wt); if (tf.raw[1] > tf.raw[0]) tf.hasData = true; return true;
        case 13: tf.external.push(this.entry(cur, wt)); return true;
        case 14: tf.dataLocation = this.varint(cur, wt, 'a tensor data location'); return true;
        case 4: case 5: case 6: case 7: case 10: case 11: {
          // Packed payloads may be empty; an unpacked element is one value.
          if (wt === LEN) { const [a, b] = cur.span(); if (b > a || f === 6) { tf.typed.add(f); tf.hasData = true; } } else { cur.skip(wt); tf.typed.add(f); tf.hasData = true; }
          return true;
        }
        default: return false;
      }
    });
    return tf;
  }

  tensor(start: number, end: number): Tensor {
    const tf = this.tensorFields(start, end);
    const dims = tf.dims.map((d) => checkDim(d, tf.name));
    const count = dims.reduce((a, b) => a * b, 1);
    if (count > READ_LIMITS.maxElements) throw new InvalidModelError(`tensor '${tf.name}' claims ${count} elements`);
    const dtype = dtypeName(tf.dataType);
    if (tf.dataLocation === EXTERNAL) {
      const entries = new Map(tf.external);
      const location = entries.get('location') ?? '';
      const offset = entries.has('offset') ? Number(entries.get('offset')) : undefined;
      const length = entries.has('length') ? Number(entries.get('length')) : undefined;
      return {
        name: tf.name,
        dtype,
        dims,
        location: location === STRIPPED_LOCATION ? 'stripped' : 'external',
        external: { location, ...(offset !== undefined ? { offset } : {}), ...(length !== undefined ? { length } : {}) },
      };
    }
    const limit = isFloatLike(dtype) ? READ_LIMITS.smallTensorElements : READ_LIMITS.integerTensorElements;
    const values = count <= limit ? this.values(start, end, tf, dtype, count) : undefined;
    return { name: tf.name, dtype, dims, location: tf.hasData || count === 0 ? 'inline' : 'empty', ...(values ? { values } : {}) };
  }

  /** Values of a small tensor: raw_data first, else the first typed field present (as protobuf orders them). */
  private values(start: number, end: number, tf: TensorFields, dtype: DType, count: number): number[] | undefined {
    if (tf.raw && tf.raw[1] > tf.raw[0]) return rawValues(this.buf, tf.raw[0], tf.raw[1], dtype, count);
    const field = [4, 10, 7, 11, 5].find((f) => tf.typed.has(f));
    if (field === undefined || (field === 5 && (dtype === 'float16' || dtype === 'bfloat16'))) return undefined;
    const out: number[] = [];
    this.each(start, end, (f, wt, cur) => {
      if (f !== field) return false;
      if (out.length >= count) { cur.skip(wt); return true; }
      if (field === 4) this.floats(cur, wt, out);
      else if (field === 10) {
        if (wt === LEN) { const [a, b] = cur.span(); const c = new Cursor(this.buf, a, b); while (!c.done) out.push(c.float64()); } else if (wt === I64) out.push(cur.float64()); else throw new WireError('a list of doubles is malformed');
      } else if (field === 11) {
        // uint64: an unsigned varint; values past 2^53 clamp like int64 sentinels.
        if (wt === LEN) { const [a, b] = cur.span(); const c = new Cursor(this.buf, a, b); while (!c.done) out.push(c.uint()); } else if (wt === VARINT) out.push(cur.uint()); else throw new WireError('a list of integers is malformed');
      } else {
        const before = out.length;
        this.ints(cur, wt, out);
        // int32_data holds int32 values sign-extended to 64 bits, and int64_data clamps at 2^53.
        for (let i = before; i < out.length; i++) out[i] = intValue(out[i]!);
      }
      return true;
    });
    return out.length > count ? out.slice(0, count) : out;
  }

  sparse(start: number, end: number): Tensor | undefined {
    let values: TensorFields | undefined;
    const dims: number[] = [];
    this.each(start, end, (f, wt, cur) => {
      if (f === 1) { const [a, b] = this.message(cur, wt); values = this.tensorFields(a, b); return true; }
      if (f === 3) { this.ints(cur, wt, dims); return true; }
      return false;
    });
    if (values === undefined) return undefined;
    const v = values;
    return { name: v.name, dtype: dtypeName(v.dataType), dims: dims.map((d) => checkDim(d, v.name)), location: 'inline' };
  }

  valueInfo(start: number, end: number): ValueInfo {
    let name = '';
    let type: [number, number] | undefined;
    this.each(start, end, (f, wt, cur) => {
      if (f === 1) name = this.string(cur, wt);
      else if (f === 2) type = this.message(cur, wt);
      else return false;
      return true;
    });
    return { name, type: type === undefined ? null : this.type(type[0], type[1], name) };
  }

  /** A TypeProto: tensor and sparse tensor types are kept; sequences, maps and optionals are null. */
  private type(start: number, end: number, name: string): TensorType | null {
    let tensor: [number, number] | undefined;
    this.each(start, end, (f, wt, cur) => {
      // The `value` oneof: the last member written wins.
      if (f === 1 || f === 8) tensor = this.message(cur, wt);
      else if (f === 4 || f === 5 || f === 9) { cur.skip(wt); tensor = undefined; }
      else return false;
      return true;
    });
    if (tensor === undefined) return null;
    let elemType = 0;
    let shape: Dim[] | null = null;
    this.each(tensor[0], tensor[1], (f, wt, cur) => {
      if (f === 1) elemType = this.varint(cur, wt, 'an element type');
      else if (f === 2) {
        const [a, b] = this.message(cur, wt);
        shape = [];
        const dims = shape;
        this.each(a, b, (g, wt2, c2) => {
          if (g !== 1) return false;
          const [p, q] = this.message(c2, wt2);
          let dim: Dim = null;
          this.each(p, q, (h, wt3, c3) => {
            if (h === 1) { const n = checkDim(this.varint(c3, wt3, 'a dimension'), name); dim = n < 0 ? null : n; }
            else if (h === 2) { const sym = this.string(c3, wt3); dim = sym === '' ? null : sym; }
            else return false;
            return true;
          });
          dims.push(dim);
          return true;
        });
      } else return false;
      return true;
    });
    return { dtype: dtypeName(elemType), shape };
  }
}

function rawValues(buf: Uint8Array, start: number, end: number, dtype: DType, count: number): number[] | undefined {
  const size = dtypeBytes(dtype);
  if (size === 0 || !Number.isInteger(size) || end - start < count * size) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset + start, end - start);
  const out: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    switch (dtype) {
      case 'float32': out[i] = view.getFloat32(o, true); break;
      case 'float64': out[i] = view.getFloat64(o, true); break;
      case 'int64': out[i] = intValue(Number(view.getBigInt64(o, true))); break;
      case 'uint64': out[i] = intValue(Number(view.getBigUint64(o, true))); break;
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

/** Integer and bool element types: index and shape data (everything else keeps only small values). */
const INTEGER_DTYPES: ReadonlySet<DType> = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);
function isFloatLike(dtype: DType): boolean {
  return !INTEGER_DTYPES.has(dtype);
}

/**
 * Protobuf wire format, read in place: a cursor over the input bytes and the pre-scan that counts
 * what a model would cost to decode (nodes, graphs, nesting, tensors, attribute and repeated-field
 * sizes) before any object is built. reader.ts refuses a model whose counts pass `READ_LIMITS`
 * and only then decodes. Nothing here allocates in proportion to the input.
 * Field numbers are those of onnx.proto (onnx/onnx, IR version 10).
 */

/** Wire types. Groups (3, 4) are deprecated and never written for ONNX. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** A malformed byte stream, described for a user; reader.ts turns it into an InvalidModelError. */
export class WireError extends Error {}

/** Bytes that do not even split into protobuf fields: the usual sign of a non-ONNX file. */
const NOT_FIELDS = 'its bytes are not protobuf fields (is this an ONNX file?)';

/** Thrown by the scan when a count passes a limit; reader.ts turns it into an InvalidModelError. */
export class WireLimitError extends Error {}

const TWO32 = 2 ** 32;

/** A cursor over `buf[pos, end)`. */
export class Cursor {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint of up to 53 bits (tags and lengths). */
  uint(): number {
    const b = this.buf;
    let p = this.pos;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw new WireError('the file ends in the middle of a value (truncated?)');
      const byte = b[p++]!;
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = p;
        return x;
      }
      mul *= 128;
    }
    throw new WireError('it holds a malformed number (is this an ONNX file?)');
  }

  /**
   * A varint read as a signed int64 (two's complement), returned as a float64 number: exact up to
   * 2^53 in magnitude, approximate beyond (callers clamp or range-check).
   */
  int64(): number {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw new WireError('the file ends in the middle of a value (truncated?)');
      const byte = b[p++]!;
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else if (shift === 28) { lo |= (byte & 0x0f) << 28; hi |= (byte & 0x7f) >>> 4; }
      else hi |= (byte & 0x7f) << (shift - 32);
      shift += 7;
      if (byte < 0x80) {
        this.pos = p;
        lo >>>= 0;
        if (hi & 0x80000000) {
          // Negative: -(~x + 1).
          const nlo = (~lo >>> 0) + 1;
          const nhi = ~hi >>> 0;
          return -(nhi * TWO32 + nlo);
        }
        return (hi >>> 0) * TWO32 + lo;
      }
    }
    throw new WireError('it holds a malformed number (is this an ONNX file?)');
  }

  float32(): number {
    if (this.pos + 4 > this.end) throw new WireError('the file ends in the middle of a value (truncated?)');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.pos + 8 > this.end) throw new WireError('the file ends in the middle of a value (truncated?)');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** Start and end of a length-delimited payload; the cursor moves past it. */
  span(): [number, number] {
    const len = this.uint();
    const start = this.pos;
    if (len > this.end - start) throw new WireError(`a field claims ${len} bytes but only ${this.end - start} remain (truncated or not an ONNX file)`);
    this.pos = start + len;
    return [start, start + len];
  }

  /** Skips one field's value of wire type `wt`. */
  skip(wt: number): void {
    switch (wt) {
      case VARINT: this.uint(); return;
      case I64: this.advance(8); return;
      case LEN: this.span(); return;
      case I32: this.advance(4); return;
      default: throw new WireError(NOT_FIELDS);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError('the file ends in the middle of a field (truncated?)');
    this.pos += n;
  }
}

// ---------------------------------------------------------------------------------------------
// Pre-scan

/** Documented limits (docs/FORMAT.md): a model past any of them is refused before decoding. */
export const READ_LIMITS = {
  /** Total input size: protobuf's own 2 GiB ceiling. Larger models keep weights as external data. */
  maxBytes: 2 ** 31 - 1,
  /**
   * Nodes in all graphs of one model (main graph, subgraphs, functions, training graphs). Reading
   * and profiling cost ~0.9 KB per node (docs/FORMAT.md), so this caps a node-dense file near
   * 0.5 GB; real exports have at most tens of thousands.
   */
  maxNodes: 500_000,
  /** Graphs (main, every If/Loop/Scan body, functions and training graphs). */
  maxGraphs: 100_000,
  /** Nesting depth of subgraphs (If/Loop/Scan bodies inside bodies). */
  maxGraphDepth: 64,
  /** Nesting depth of protobuf messages of any kind (types inside types, graphs inside attributes). */
  maxMessageDepth: 512,
  /** Tensors: initializers, sparse initializers, tensor attributes. */
  maxTensors: 1_000_000,
  /** Attributes over all nodes. */
  maxAttributes: 2_000_000,
  /** Input and output names over all nodes. */
  maxValueRefs: 4_000_000,
  /** Graph inputs, outputs and value_info entries over all graphs. */
  maxValueInfos: 2_000_000,
  /** Elements of one repeated attribute (ints, floats, strings, tensors, graphs). */
  maxAttributeElements: 1_000_000,
  /** Elements of all list attributes together. */
  maxTotalAttributeElements: 16_000_000,
  /** Inputs or outputs of one node. */
  maxNodeArity: 100_000,
  /** Rank of one tensor or declared type. */
  maxRank: 64,
  /** Largest single dimension accepted in a shape or tensor (2^32). */
  maxDim: 2 ** 32,
  /** Largest element count of one tensor (2^36 elements). */
  maxElements: 2 ** 36,
  /** Tensors with at most this many elements keep their decoded values in the IR. */
  smallTensorElements: 4096,
  /**
   * Integer and bool tensors with at most this many elements keep their values too: they are
   * index and shape data (a Swin relative-position index has 38,416–331,776 entries) that a
   * runnable copy must reproduce exactly (src/proxies). Values cost 8 bytes per element, about
   * what int64 costs in the file, so memory stays a small multiple of the file size.
   */
  integerTensorElements: 1 << 20,
} as const;

/** What the scan counted. */
export interface ScanCounts {
  bytes: number;
  nodes: number;
  graphs: number;
  maxGraphDepth: number;
  tensors: number;
  attributes: number;
  valueRefs: number;
  valueInfos: number;
  attributeElements: number;
}

type Limits = { readonly [K in keyof typeof READ_LIMITS]: number };

/**
 * Walks the message tree of a ModelProto without building anything, counting what decoding would
 * allocate, and throws `WireLimitError` at the first count past `limits` (or `WireError` for bytes
 * that are not a protobuf). Cost: one pass over the field headers; tensor payloads are skipped.
 */
export function scanModel(buf: Uint8Array, limits: Limits = READ_LIMITS): ScanCounts {
  const c: ScanCounts = { bytes: buf.byteLength, nodes: 0, graphs: 0, maxGraphDepth: 0, tensors: 0, attributes: 0, valueRefs: 0, valueInfos: 0, attributeElements: 0 };
  if (buf.byteLength > limits.maxBytes) throw new WireLimitError(`the file is ${buf.byteLength} bytes, over protobuf's limit of ${limits.maxBytes}`);
  const s = new Scanner(buf, c, limits);
  s.model(0, buf.byteLength);
  return c;
}

class Scanner {
  constructor(private readonly buf: Uint8Array, private readonly c: ScanCounts, private readonly l: Limits) {}

  private enter(depth: number): void {
    if (depth > this.l.maxMessageDepth) throw new WireLimitError(`protobuf messages nested deeper than ${this.l.maxMessageDepth} levels`);
  }

  /** Iterates fields; `on` returns true when it consumed the value, false to skip it. */
  private fields(start: number, end: number, on: (field: number, wt: number, cur: Cursor) => boolean): void {
    const cur = new Cursor(this.buf, start, end);
    while (!cur.done) {
      const tag = cur.uint();
      const field = Math.floor(tag / 8);
      const wt = tag & 7;
      if (field === 0) throw new WireError(NOT_FIELDS);
      if (!on(field, wt, cur)) cur.skip(wt);
    }
  }

  /** A sub-message at the cursor: checks the wire type, returns its span. */
  private sub(wt: number, cur: Cursor, what: string): [number, number] {
    if (wt !== LEN) throw new WireError(`${what} is malformed (is this an ONNX file?)`);
    return cur.span();
  }

  model(start: number, end: number): void {
    this.fields(start, end, (f, wt, cur) => {
      switch (f) {
        case 7: { const [a, b] = this.sub(wt, cur, 'the graph'); this.graph(a, b, 1, 1); return true; }
        case 20: { const [a, b] = this.sub(wt, cur, 'a training_info'); this.trainingInfo(a, b, 1); return true; }
        case 25: { const [a, b] = this.sub(wt, cur, 'a function'); this.func(a, b, 1); return true; }
        default: return false;
      }
    });
  }

  private trainingInfo(start: number, end: number, depth: number): void {
    this.enter(depth);
    this.fields(start, end, (f, wt, cur) => {
      if (f === 1 || f === 3) { const [a, b] = this.sub(wt, cur, 'a training graph'); this.graph(a, b, 1, depth + 1); return true; }
      return false;
    });
  }

  private func(start: number, end: number, depth: number): void {
    this.enter(depth);
    this.c.graphs++;
    this.fields(start, end, (f, wt, cur) => {
      if (f === 7) { const [a, b] = this.sub(wt, cur, 'a function node'); this.node(a, b, 1, depth + 1); return true; }
      return false;
    });
  }

  private graph(start: number, end: number, graphDepth: number, depth: number): void {
    this.enter(depth);
    const c = this.c;
    if (graphDepth > this.l.maxGraphDepth) throw new WireLimitError(`subgraphs nested deeper than ${this.l.maxGraphDepth} levels`);
    if (graphDepth > c.maxGraphDepth) c.maxGraphDepth = graphDepth;
    if (++c.graphs > this.l.maxGraphs) throw new WireLimitError(`more than ${this.l.maxGraphs} graphs and subgraphs`);
    this.fields(start, end, (f, wt, cur) => {
      switch (f) {
        case 1: { const [a, b] = this.sub(wt, cur, 'a node'); this.node(a, b, graphDepth, depth + 1); return true; }
        case 5: { const [a, b] = this.sub(wt, cur, 'an initializer'); this.tensor(a, b, depth + 1); return true; }
        case 15: { const [a, b] = this.sub(wt, cur, 'a sparse initializer'); this.sparse(a, b, depth + 1); return true; }
        case 11: case 12: case 13: {
          const [a, b] = this.sub(wt, cur, 'a value_info');
          if (++c.valueInfos > this.l.maxValueInfos) throw new WireLimitError(`more than ${this.l.maxValueInfos} graph inputs, outputs and value_info entries`);
          this.valueInfo(a, b, depth + 1);
          return true;
        }
        default: return false;
      }
    });
  }

  private node(start: number, end: number, graphDepth: number, depth: number): void {
    this.enter(depth);
    const c = this.c;
    if (++c.nodes > this.l.maxNodes) throw new WireLimitError(`more than ${this.l.maxNodes} nodes`);
    let ins = 0;
    let outs = 0;
    this.fields(start, end, (f, wt, cur) => {
      switch (f) {
        case 1: case 2:
          if (wt !== LEN) throw new WireError('a node input or output name is malformed (is this an ONNX file?)');
          cur.span();
          if (f === 1 ? ++ins > this.l.maxNodeArity : ++outs > this.l.maxNodeArity) throw new WireLimitError(`a node with more than ${this.l.maxNodeArity} ${f === 1 ? 'inputs' : 'outputs'}`);
          if (++c.valueRefs > this.l.maxValueRefs) throw new WireLimitError(`more than ${this.l.maxValueRefs} node input and output names`);
          return true;
        case 5: {
          const [a, b] = this.sub(wt, cur, 'an attribute');
          if (++c.attributes > this.l.maxAttributes) throw new WireLimitError(`more than ${this.l.maxAttributes} attributes`);
          this.attribute(a, b, graphDepth, depth + 1);
          return true;
        }
        default: return false;
      }
    });
  }

  private attribute(start: number, end: number, graphDepth: number, depth: number): void {
    this.enter(depth);
    const counts = [0, 0, 0, 0, 0];
    const bump = (k: number, n: number): void => {
      counts[k]! += n;
      if (counts[k]! > this.l.maxAttributeElements) throw new WireLimitError(`an attribute with more than ${this.l.maxAttributeElements} elements`);
      this.c.attributeElements += n;
      if (this.c.attributeElements > this.l.maxTotalAttributeElements) throw new WireLimitError(`more than ${this.l.maxTotalAttributeElements} attribute list elements in all`);
    };
    this.fields(start, end, (f, wt, cur) => {
      switch (f) {
        case 5: { const [a, b] = this.sub(wt, cur, 'a tensor attribute'); this.tensor(a, b, depth + 1); return true; }
        case 6: { const [a, b] = this.sub(wt, cur, 'a graph attribute'); this.graph(a, b, graphDepth + 1, depth + 1); return true; }
        case 7: // floats: packed fixed32 or one per field
          if (wt === LEN) { const [a, b] = cur.span(); bump(0, Math.ceil((b - a) / 4)); } else { cur.skip(wt); bump(0, 1); }
          return true;
        case 8: // ints: packed varints or one per field
          if (wt === LEN) { const [a, b] = cur.span(); bump(1, countVarints(this.buf, a, b)); } else { cur.skip(wt); bump(1, 1); }
          return true;
        case 9: cur.skip(wt); bump(2, 1); return true;
        case 10: { const [a, b] = this.sub(wt, cur, 'a tensor attribute'); bump(3, 1); this.tensor(a, b, depth + 1); return true; }
        case 11: { const [a, b] = this.sub(wt, cur, 'a graph attribute'); bump(4, 1); this.graph(a, b, graphDepth + 1, depth + 1); return true; }
        case 22: { const [a, b] = this.sub(wt, cur, 'a sparse tensor attribute'); this.sparse(a, b, depth + 1); return true; }
        case 23: { const [a, b] = this.sub(wt, cur, 'a sparse tensor attribute'); bump(3, 1); this.sparse(a, b, depth + 1); return true; }
        case 14: case 15: { const [a, b] = this.sub(wt, cur, 'a type attribute'); this.type(a, b, depth + 1); return true; }
        default: return false;
      }
    });
  }

  private tensor(start: number, end: number, depth: number): void {
    this.enter(depth);
    if (++this.c.tensors > this.l.maxTensors) throw new WireLimitError(`more than ${this.l.maxTensors} tensors`);
    let rank = 0;
    this.fields(start, end, (f, wt, cur) => {
      if (f !== 1) return false;
      if (wt === LEN) { const [a, b] = cur.span(); rank += countVarints(this.buf, a, b); } else { cur.skip(wt); rank++; }
      if (rank > this.l.maxRank) throw new WireLimitError(`a tensor of rank over ${this.l.maxRank}`);
      return true;
    });
  }

  private sparse(start: number, end: number, depth: number): void {
    this.enter(depth);
    this.fields(start, end, (f, wt, cur) => {
      if (f === 1 || f === 2) { const [a, b] = this.sub(wt, cur, 'a sparse tensor part'); this.tensor(a, b, depth + 1); return true; }
      return false;
    });
  }

  private valueInfo(start: number, end: number, depth: number): void {
    this.enter(depth);
    this.fields(start, end, (f, wt, cur) => {
      if (f === 2) { const [a, b] = this.sub(wt, cur, 'a value type'); this.type(a, b, depth + 1); return true; }
      return false;
    });
  }

  /** TypeProto and its nested kinds (sequence of map of optional of ...). */
  private type(start: number, end: number, depth: number): void {
    this.enter(depth);
    this.fields(start, end, (f, wt, cur) => {
      switch (f) {
        case 1: case 8: { const [a, b] = this.sub(wt, cur, 'a tensor type'); this.tensorType(a, b, depth + 1); return true; }
        case 4: case 9: { const [a, b] = this.sub(wt, cur, 'a sequence type'); this.elemType(a, b, depth + 1, [1]); return true; }
        case 5: { const [a, b] = this.sub(wt, cur, 'a map type'); this.elemType(a, b, depth + 1, [2]); return true; }
        default: return false;
      }
    });
  }

  private elemType(start: number, end: number, depth: number, typeFields: readonly number[]): void {
    this.enter(depth);
    this.fields(start, end, (f, wt, cur) => {
      if (!typeFields.includes(f)) return false;
      const [a, b] = this.sub(wt, cur, 'an element type');
      this.type(a, b, depth + 1);
      return true;
    });
  }

  private tensorType(start: number, end: number, depth: number): void {
    this.enter(depth);
    this.fields(start, end, (f, wt, cur) => {
      if (f !== 2) return false;
      const [a, b] = this.sub(wt, cur, 'a shape');
      let rank = 0;
      this.fields(a, b, (g, wt2, cur2) => {
        if (g !== 1) return false;
        cur2.skip(wt2);
        if (++rank > this.l.maxRank) throw new WireLimitError(`a declared shape of rank over ${this.l.maxRank}`);
        return true;
      });
      return true;
    });
  }
}

/** Varints in a packed field: bytes without the continuation bit. */
export function countVarints(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (buf[i]! < 0x80) n++;
  return n;
}

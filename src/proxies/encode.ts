/**
 * A small protobuf writer for the subset of ONNX the runnable copy needs (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto). Messages are plain objects; payloads
 * (raw_data) are referenced, not copied, until the one final concatenation. About 10× faster than
 * building the messages with @bufbuild/protobuf and encoding them (measured on NB201 cells), which
 * matters when one cell's proxies cost a few tens of milliseconds.
 */
import type { Dim } from '../onnx-to-text/ir.ts';

export interface PTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** TensorProto.DataType code. */
  readonly dataType: number;
  readonly raw?: Uint8Array;
}

export type PAttribute =
  | { readonly name: string; readonly kind: 'float'; readonly value: number }
  | { readonly name: string; readonly kind: 'int'; readonly value: number }
  | { readonly name: string; readonly kind: 'string'; readonly value: string }
  | { readonly name: string; readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly name: string; readonly kind: 'tensor'; readonly value: PTensor }
  | { readonly name: string; readonly kind: 'tensors'; readonly value: readonly PTensor[] };

export interface PNode {
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly PAttribute[];
}

export interface PValueInfo {
  readonly name: string;
  readonly dataType: number;
  /** null: no shape (any rank). */
  readonly shape: readonly Dim[] | null;
}

export interface PModel {
  readonly irVersion: number;
  readonly producerName: string;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly graph: {
    readonly name: string;
    readonly nodes: readonly PNode[];
    readonly initializers: readonly PTensor[];
    readonly inputs: readonly PValueInfo[];
    readonly outputs: readonly PValueInfo[];
  };
}

const utf8 = new TextEncoder();

/** An encoded message as a list of parts (payloads referenced) and its length. */
class Parts {
  readonly list: Uint8Array[] = [];
  length = 0;
  private buf = new Uint8Array(64);
  private at = 0;

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    this.seal();
    this.buf = new Uint8Array(Math.max(1024, n));
  }

  /** Moves the scratch bytes written so far into the list. */
  private seal(): void {
    if (this.at === 0) return;
    this.list.push(this.buf.subarray(0, this.at));
    this.buf = this.buf.subarray(this.at);
    this.at = 0;
  }

  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      // Negative int64: two's complement over 10 bytes.
      let big = BigInt.asUintN(64, BigInt(v));
      for (let i = 0; i < 9; i++) { this.buf[this.at++] = Number(big & 0x7fn) | 0x80; big >>= 7n; }
      this.buf[this.at++] = Number(big);
      this.length += 10;
      return;
    }
    let n = 0;
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
      n++;
    }
    this.buf[this.at++] = v;
    this.length += n + 1;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    if (data.length <= 64) {
      this.ensure(data.length);
      this.buf.set(data, this.at);
      this.at += data.length;
    } else {
      this.seal();
      this.list.push(data);
    }
    this.length += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  fixed32Float(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.at, 4).setFloat32(0, v, true);
    this.at += 4;
    this.length += 4;
  }

  /** A length-delimited field whose body is `m` (a message, or a packed repeated scalar). */
  message(field: number, m: Parts): void {
    this.tag(field, 2);
    this.varint(m.length);
    this.seal();
    for (const x of m.finish()) this.list.push(x);
    this.length += m.length;
  }

  finish(): Uint8Array[] {
    this.seal();
    return this.list;
  }
}

function tensor(t: PTensor): Parts {
  const p = new Parts();
  if (t.dims.length > 0) {
    const d = new Parts();
    for (const x of t.dims) d.varint(x);
    p.message(1, d);
  }
  p.tag(2, 0);
  p.varint(t.dataType);
  p.string(8, t.name);
  if (t.raw) p.bytes(9, t.raw);
  return p;
}

function attribute(a: PAttribute): Parts {
  const p = new Parts();
  p.string(1, a.name);
  switch (a.kind) {
    case 'float': p.fixed32Float(2, a.value); p.tag(20, 0); p.varint(1); break;
    case 'int': p.tag(3, 0); p.varint(a.value); p.tag(20, 0); p.varint(2); break;
    case 'string': p.string(4, a.value); p.tag(20, 0); p.varint(3); break;
    case 'tensor': p.message(5, tensor(a.value)); p.tag(20, 0); p.varint(4); break;
    case 'floats': {
      const f = new Float32Array(a.value);
      p.bytes(7, new Uint8Array(f.buffer));
      p.tag(20, 0); p.varint(6);
      break;
    }
    case 'ints': {
      const d = new Parts();
      for (const x of a.value) d.varint(x);
      p.message(8, d);
      p.tag(20, 0); p.varint(7);
      break;
    }
    case 'strings': for (const s of a.value) p.string(9, s); p.tag(20, 0); p.varint(8); break;
    case 'tensors': for (const t of a.value) p.message(10, tensor(t)); p.tag(20, 0); p.varint(9); break;
  }
  return p;
}

function node(n: PNode): Parts {
  const p = new Parts();
  for (const i of n.inputs) p.string(1, i);
  for (const o of n.outputs) p.string(2, o);
  if (n.name) p.string(3, n.name);
  p.string(4, n.op);
  for (const a of n.attributes) p.message(5, attribute(a));
  if (n.domain) p.string(7, n.domain);
  return p;
}

function valueInfo(v: PValueInfo): Parts {
  const tt = new Parts();
  tt.tag(1, 0);
  tt.varint(v.dataType);
  if (v.shape) {
    const shape = new Parts();
    for (const d of v.shape) {
      const dim = new Parts();
      if (typeof d === 'number') { dim.tag(1, 0); dim.varint(d); } else if (typeof d === 'string') dim.string(2, d);
      shape.message(1, dim);
    }
    tt.message(2, shape);
  }
  const type = new Parts();
  type.message(1, tt);
  const p = new Parts();
  p.string(1, v.name);
  p.message(2, type);
  return p;
}

/** ModelProto bytes. */
export function encodeModel(m: PModel): Uint8Array {
  const g = new Parts();
  for (const n of m.graph.nodes) g.message(1, node(n));
  g.string(2, m.graph.name);
  for (const t of m.graph.initializers) g.message(5, tensor(t));
  for (const v of m.graph.inputs) g.message(11, valueInfo(v));
  for (const v of m.graph.outputs) g.message(12, valueInfo(v));
  const p = new Parts();
  p.tag(1, 0);
  p.varint(m.irVersion);
  p.string(2, m.producerName);
  p.message(7, g);
  for (const o of m.opsets) {
    const op = new Parts();
    if (o.domain) op.string(1, o.domain);
    op.tag(2, 0);
    op.varint(o.version);
    p.message(8, op);
  }
  const parts = p.finish();
  const out = new Uint8Array(p.length);
  let at = 0;
  for (const x of parts) { out.set(x, at); at += x.length; }
  if (at !== p.length) throw new Error(`encoder length mismatch: ${at} vs ${p.length}`);
  return out;
}

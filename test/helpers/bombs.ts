/**
 * Decompression-bomb-like ONNX files: valid protobuf, small on disk relative to what a naive
 * decoder allocates for them. Encoded by hand (field numbers of onnx.proto) straight into one
 * buffer, so even the 10 M-node file of bench/bombs.ts builds in seconds; tests use small counts
 * just over READ_LIMITS.
 */

const enc = new TextEncoder();

/** A growable byte buffer with protobuf primitives. */
class Out {
  buf: Uint8Array;
  len = 0;
  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  varint(v: number): this {
    this.room(10);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.len++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    this.buf[this.len++] = x;
    return this;
  }
  tag(field: number, wt: number): this {
    return this.varint(field * 8 + wt);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }
  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** ValueInfoProto of a float tensor of the given shape. */
function valueInfo(name: string, shape: readonly number[]): Uint8Array {
  const dims = new Out();
  for (const d of shape) dims.bytes(1, new Out().int(1, d).done());
  const tensorType = new Out().int(1, 1).bytes(2, dims.done()).done();
  const type = new Out().bytes(1, tensorType).done();
  return new Out().string(1, name).bytes(2, type).done();
}

/** ModelProto around graph bytes: IR 8, opset 13. */
function model(graph: Uint8Array): Uint8Array {
  const opset = new Out().string(1, '').int(2, 13).done();
  return new Out(graph.length + 64).int(1, 8).string(2, 'onnx-predict bombs').bytes(7, graph).bytes(8, opset).done();
}

/** Short value names: base-36 counters. */
const nameOf = (i: number): string => i.toString(36);

/**
 * A graph of `n` chained Identity nodes (`x → 0 → 1 → ... → n-1`). About 18–26 bytes per node:
 * 10 M nodes make the ~180–250 MB file that took `stats` to a V8 out-of-memory abort.
 */
export function identityChain(n: number): Uint8Array {
  const g = new Out(Math.max(1 << 16, n * 27 + 256));
  chain(g, n, 'X', '', 'Identity');
  g.string(2, 'identity_chain').bytes(11, valueInfo('X', [1])).bytes(12, valueInfo(nameOf(n - 1), [1]));
  return model(g.done());
}

/** Appends `n` chained nodes `input → prefix0 → prefix1 ...` as graph field 1, written in place. */
function chain(g: Out, n: number, input: string, prefix: string, opType: string): void {
  const op = enc.encode(opType);
  const pre = enc.encode(prefix);
  const first = enc.encode(input);
  const name = new Uint8Array(16);
  let prev = first;
  let prevLen = first.length;
  const prevBuf = new Uint8Array(32);
  for (let i = 0; i < n; i++) {
    // Output name: prefix + base-36 digits of i, written without a string.
    name.set(pre, 0);
    let len = pre.length;
    const digits = i.toString(36);
    for (let k = 0; k < digits.length; k++) name[len++] = digits.charCodeAt(k);
    const body = 2 + prevLen + 2 + len + 2 + op.length;
    g.room(body + 8);
    g.tag(1, 2).varint(body);
    g.tag(1, 2).varint(prevLen);
    g.buf.set(prev.subarray(0, prevLen), g.len); g.len += prevLen;
    g.tag(2, 2).varint(len);
    g.buf.set(name.subarray(0, len), g.len); g.len += len;
    g.tag(4, 2).varint(op.length);
    g.buf.set(op, g.len); g.len += op.length;
    prevBuf.set(name.subarray(0, len));
    prev = prevBuf;
    prevLen = len;
  }
}

/**
 * `depth` levels of If nodes, each level's then-branch holding `perLevel` Identity nodes and the
 * next level: legal nesting (under the 64 limit) with a large total node count.
 * 21 levels × 500 k nodes is the ~213 MB file of issue 14.
 */
export function nestedIfs(depth: number, perLevel: number): Uint8Array {
  const level = (d: number): Uint8Array => {
    const g = new Out(perLevel * 30 + 256);
    chain(g, perLevel, 'c', `${d}_`, 'Identity');
    if (d < depth) {
      const sub = level(d + 1);
      const attr = new Out(sub.length + 32).string(1, 'then_branch').bytes(6, sub).int(20, 5).done();
      const attr2 = new Out(64).string(1, 'else_branch').bytes(6, new Out().string(2, 'empty').bytes(12, valueInfo('c', [1])).done()).int(20, 5).done();
      g.bytes(1, new Out(sub.length + 96).string(1, 'c').string(2, `if${d}`).string(4, 'If').bytes(5, attr).bytes(5, attr2).done());
    }
    g.string(2, `level${d}`).bytes(12, valueInfo(`${d}_${nameOf(perLevel - 1)}`, [1]));
    return g.done();
  };
  const main = level(1);
  // The outermost graph declares its input: the rest read it from the outer scope.
  const g = new Out(main.length + 64);
  g.buf.set(main);
  g.len = main.length;
  g.bytes(11, valueInfo('c', [1]));
  return model(g.done());
}

export type RepeatedKind = 'attribute-ints' | 'node-inputs' | 'tensor-dims' | 'attribute-strings';

/**
 * One node or tensor with a huge repeated field, `n` elements of 1–3 bytes each: a naive decoder
 * allocates an object (a BigInt, a string) per element.
 */
export function hugeRepeated(kind: RepeatedKind, n: number): Uint8Array {
  const g = new Out(n * 4 + 256);
  switch (kind) {
    case 'attribute-ints': {
      const packed = new Out(n + 16);
      for (let i = 0; i < n; i++) packed.varint(i & 0x7f);
      const attr = new Out(n + 32).string(1, 'value_ints').bytes(8, packed.done()).int(20, 7).done();
      g.bytes(1, new Out(n + 64).string(2, 'y').string(4, 'Constant').bytes(5, attr).done());
      break;
    }
    case 'attribute-strings': {
      const attr = new Out(n * 3 + 32).string(1, 'strings');
      for (let i = 0; i < n; i++) { attr.buf[attr.len++] = 0x4a; attr.buf[attr.len++] = 1; attr.buf[attr.len++] = 0x61; }
      attr.int(20, 8);
      g.bytes(1, new Out(n * 3 + 64).string(2, 'y').string(4, 'Identity').string(1, 'x').bytes(5, attr.done()).done());
      break;
    }
    case 'node-inputs': {
      const node = new Out(n * 3 + 64);
      for (let i = 0; i < n; i++) { node.buf[node.len++] = 0x0a; node.buf[node.len++] = 1; node.buf[node.len++] = 0x78; }
      node.string(2, 'y').string(4, 'Sum');
      g.bytes(1, node.done());
      break;
    }
    case 'tensor-dims': {
      const packed = new Out(n + 16);
      for (let i = 0; i < n; i++) packed.varint(1);
      const t = new Out(n + 32).bytes(1, packed.done()).int(2, 1).string(8, 'w').done();
      g.bytes(5, t);
      g.bytes(1, new Out().string(1, 'w').string(2, 'y').string(4, 'Identity').done());
      break;
    }
  }
  g.string(2, kind).bytes(11, valueInfo('x', [1])).bytes(12, valueInfo('y', [1]));
  return model(g.done());
}

/**
 * A legal model under every limit that costs quadratic time in a profiler copying the outer
 * scope into each subgraph: `mainNodes` chained Relu nodes (`X → r0 → r1 ...`, base-36), then
 * `ifs` If nodes with one-node branches reading the chain's end.
 */
export function manySmallSubgraphs(mainNodes: number, ifs: number): Uint8Array {
  const g = new Out(mainNodes * 24 + ifs * 160 + 1024);
  chain(g, mainNodes, 'X', 'r', 'Relu');
  const last = `r${(mainNodes - 1).toString(36)}`;
  const branch = (k: number, side: string): Uint8Array => new Out()
    .bytes(1, new Out(64).string(1, last).string(2, `${side}${k}`).string(4, 'Relu').done())
    .string(2, `${side}_${k}`)
    .bytes(12, valueInfo(`${side}${k}`, [1, 4]))
    .done();
  g.bytes(1, new Out(64).string(1, 'X').string(2, 'cond').string(4, 'Cast').bytes(5, new Out().string(1, 'to').int(3, 9).int(20, 2).done()).done());
  for (let k = 0; k < ifs; k++) {
    const then = new Out(256).string(1, 'then_branch').bytes(6, branch(k, 't')).int(20, 5).done();
    const other = new Out(256).string(1, 'else_branch').bytes(6, branch(k, 'e')).int(20, 5).done();
    g.bytes(1, new Out(512).string(1, 'cond').string(2, `if${k}`).string(4, 'If').bytes(5, then).bytes(5, other).done());
  }
  g.string(2, 'many_subgraphs').bytes(11, valueInfo('X', [1, 4])).bytes(12, valueInfo(last, [1, 4]));
  return model(g.done());
}

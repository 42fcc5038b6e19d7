/**
 * The corrupt-input corpus: each entry is bytes that must be rejected with a typed error
 * (CLI exit 3), in bounded time and memory. Built in code so nothing binary is committed.
 */
import { GraphBuilder } from '../../src/onnx-to-text/writer.ts';

export interface BadInput {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Pattern the one-line error message must match. */
  readonly message: RegExp;
}

/** A small valid conv net used as the base for corruptions. */
export function smallNet(weights: 'random' | 'stripped' = 'random'): Uint8Array {
  const b = new GraphBuilder({ weights, seed: 7 });
  const x = b.input('input', [1, 3, 16, 16]);
  const c = b.op('Conv', [x, b.weight('conv.weight', [8, 3, 3, 3]), b.weight('conv.bias', [8])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const r = b.op('Relu', [c]);
  const p = b.op('GlobalAveragePool', [r]);
  const f = b.op('Flatten', [p], { axis: 1 });
  b.node('Gemm', [f, b.weight('fc.weight', [10, 8]), b.weight('fc.bias', [10])], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', [1, 10]);
  return b.toBytes();
}

function cycle(): Uint8Array {
  const b = new GraphBuilder({ weights: 'zeros' });
  b.input('x', [1, 4]);
  b.node('Add', ['x', 'c'], {}, { outputs: ['a'] });
  b.node('Relu', ['a'], {}, { outputs: ['b'] });
  b.node('Relu', ['b'], {}, { outputs: ['c'] });
  b.output('c', [1, 4]);
  return b.toBytes();
}

function hugeDims(): Uint8Array {
  const b = new GraphBuilder({ weights: 'zeros' });
  const x = b.input('x', [2 ** 40, 3]);
  b.node('Relu', [x], {}, { outputs: ['y'] });
  b.output('y', [2 ** 40, 3]);
  return b.toBytes();
}

/** Protobuf field: tag + length-delimited payload. */
function field(tag: number, payload: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = payload.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return concat(new Uint8Array([tag, ...len]), payload);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Graphs nested `depth` deep through If.then_branch, encoded by hand: the protobuf library's
 * recursive encoder itself overflows the stack at this depth.
 */
function deepSubgraphs(depth: number): Uint8Array {
  const text = (s: string) => new TextEncoder().encode(s);
  let graph = field(0x12, text('leaf'));
  for (let i = 0; i < depth; i++) {
    const attr = concat(field(0x0a, text('then_branch')), field(0x32, graph), new Uint8Array([0xa0, 0x01, 5]));
    const node = concat(field(0x0a, text('cond')), field(0x12, text(`o${i}`)), field(0x22, text('If')), field(0x2a, attr));
    graph = concat(field(0x0a, node), field(0x12, text(`g${i}`)));
  }
  return concat(new Uint8Array([0x08, 0x08]), field(0x3a, graph), field(0x42, new Uint8Array([0x10, 13])));
}

/** Field 7 (graph), wire type 2, with a length prefix of ~2 GiB and 16 bytes behind it. */
function lengthBomb(): Uint8Array {
  return new Uint8Array([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, ...new Array<number>(16).fill(0x12)]);
}

function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

export function badInputs(): BadInput[] {
  const net = smallNet();
  return [
    { name: 'empty', bytes: new Uint8Array(0), message: /empty/ },
    { name: 'truncated', bytes: net.subarray(0, Math.floor(net.length * 0.6)), message: /not an ONNX protobuf|premature|invalid/i },
    { name: 'random-bytes', bytes: seededBytes(4096, 42), message: /not an ONNX/ },
    { name: 'png-renamed', bytes: PNG, message: /not an ONNX/ },
    { name: 'cycle', bytes: cycle(), message: /cycle/ },
    { name: 'dims-2^40', bytes: hugeDims(), message: /out of range/ },
    { name: 'subgraphs-1000-deep', bytes: deepSubgraphs(1000), message: /nested deeper|too deep/ },
    { name: 'length-bomb', bytes: lengthBomb(), message: /not an ONNX protobuf/ },
  ];
}

/**
 * A decoding bomb for the server benches and tests: a valid ONNX model of `nodes` chained
 * `Identity` nodes (10 M nodes ≈ 180 MB), encoded straight to protobuf wire format so that making
 * it costs no more memory than its bytes. (The core's own bomb generators live in test/helpers.)
 */

function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function field(no: number, payload: Uint8Array | number[]): number[] {
  const out: number[] = [];
  varint((no << 3) | 2, out);
  varint(payload.length, out);
  for (const b of payload) out.push(b);
  return out;
}

const str = (s: string): number[] => [...new TextEncoder().encode(s)];

/** ValueInfoProto {name, type: tensor float [1]}. */
function valueInfo(name: string): number[] {
  const dim = field(1, [0x08, 0x01]); // Dimension.dim_value = 1
  const shape = field(2, dim); // TensorShapeProto.dim
  const tensor = [0x08, 0x01, ...shape]; // Tensor.elem_type = FLOAT, shape
  const type = field(1, tensor); // TypeProto.tensor_type
  return [...field(1, str(name)), ...field(2, type)];
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.';

/** A 4-character name per index (64^4 ≈ 16.7 M names). */
function name4(i: number, out: Uint8Array, at: number): void {
  for (let k = 3; k >= 0; k--) {
    out[at + k] = ALPHABET.charCodeAt(i & 63);
    i >>>= 6;
  }
}

/**
 * `nodes` `Identity` nodes, each reading the graph input's chain value name (18 bytes a node:
 * 10 M nodes ≈ 180 MB, under the default 256 MB body limit). Valid protobuf, valid ONNX framing;
 * the reader must refuse it on its node limit, and must do so before building 10 M objects.
 */
export function identityBomb(nodes: number): Uint8Array {
  if (nodes > 64 ** 4) throw new RangeError(`nodes must be at most ${64 ** 4}, got ${nodes}`);
  const head: number[] = [0x08, 0x08, ...field(8, [0x10, 13])];
  const tail = [...field(2, str('bomb')), ...field(11, valueInfo('aaaa')), ...field(12, valueInfo('aaaa'))];
  // NodeProto {input: <4 chars>, op_type: "Identity"} = 6 + 10 bytes; framed as GraphProto.node: 18.
  const NODE = 18;
  const graphLen = nodes * NODE + tail.length;
  const graphHeader: number[] = [];
  varint((7 << 3) | 2, graphHeader);
  varint(graphLen, graphHeader);
  const out = new Uint8Array(head.length + graphHeader.length + graphLen);
  out.set(head, 0);
  out.set(graphHeader, head.length);
  const op = [0x22, 8, ...str('Identity')];
  let at = head.length + graphHeader.length;
  for (let i = 0; i < nodes; i++) {
    out[at] = 0x0a; // GraphProto.node
    out[at + 1] = 16;
    out[at + 2] = 0x0a; // NodeProto.input
    out[at + 3] = 4;
    name4(i, out, at + 4);
    out.set(op, at + 8);
    at += NODE;
  }
  out.set(tail, at);
  return out;
}

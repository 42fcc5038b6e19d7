/**
 * The reader's own protobuf decoder: encodings other writers use (unpacked lists, typed data
 * fields instead of raw_data, negative int64, attributes without a type), the pre-scan's counts,
 * and errors that name the file and say what is wrong without protobuf internals.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AT, AttributeProtoSchema, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, OperatorSetIdProtoSchema, TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { OnnxPredictError } from '../src/errors.ts';
import { readModel, scanModel } from '../src/onnx-to-text/reader.ts';
import { smallNet } from './helpers/bad-inputs.ts';

function modelWith(graph: Parameters<typeof create<typeof GraphProtoSchema>>[1]): Uint8Array {
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: 'ai.onnx', version: 13n })],
    graph: create(GraphProtoSchema, graph),
  }));
}

describe('decoding what other writers write', () => {
  it('typed data fields, negative int64, doubles and attributes without a type', () => {
    const bytes = modelWith({
      name: 'g',
      initializer: [
        create(TensorProtoSchema, { name: 'shape', dims: [2n], dataType: 7, int64Data: [-1n, 9007199254740993n] }),
        create(TensorProtoSchema, { name: 'f', dims: [3], dataType: 1, floatData: [0.5, -2, 3] } as never),
        create(TensorProtoSchema, { name: 'd', dims: [1n], dataType: 11, doubleData: [1.25] }),
        create(TensorProtoSchema, { name: 'i', dims: [2n], dataType: 6, int32Data: [-7, 8] }),
      ],
      node: [create(NodeProtoSchema, {
        opType: 'Foo', domain: 'ai.onnx', input: ['shape'], output: ['y'],
        attribute: [
          create(AttributeProtoSchema, { name: 'untyped_ints', ints: [3n, -4n] }),
          create(AttributeProtoSchema, { name: 'untyped_float', f: 1.5 }),
          create(AttributeProtoSchema, { name: 'big', type: AT.INT, i: 9223372036854775807n }),
          create(AttributeProtoSchema, { name: 's', type: AT.STRING, s: new TextEncoder().encode('héllo') }),
        ],
      })],
    });
    const m = readModel(bytes);
    expect(m.opsetImports.get('')).toBe(13);
    const t = m.graph.initializers;
    // int64 past 2^53 clamps like the INT64 sentinels.
    expect(t.get('shape')?.values).toEqual([-1, Number.MAX_SAFE_INTEGER]);
    expect(t.get('f')?.values).toEqual([0.5, -2, 3]);
    expect(t.get('d')?.values).toEqual([1.25]);
    expect(t.get('i')?.values).toEqual([-7, 8]);
    const n = m.graph.nodes[0]!;
    expect(n.domain).toBe('');
    expect(n.attributes.get('untyped_ints')).toEqual({ kind: 'ints', value: [3, -4] });
    expect(n.attributes.get('untyped_float')).toEqual({ kind: 'float', value: 1.5 });
    expect(n.attributes.get('big')).toEqual({ kind: 'int', value: Number.MAX_SAFE_INTEGER });
    expect(n.attributes.get('s')).toEqual({ kind: 'string', value: 'héllo' });
  });

  it('unpacked repeated ints read like packed ones', () => {
    // Attribute `axes` with ints 1 and 2 written one per field (tag 0x40), as proto2 writers do.
    const attr = [0x0a, 4, ...new TextEncoder().encode('axes'), 0x40, 1, 0x40, 2, 0xa0, 0x01, 7];
    const node = [0x22, 3, ...new TextEncoder().encode('Foo'), 0x2a, attr.length, ...attr];
    const graph = [0x0a, node.length, ...node];
    const bytes = new Uint8Array([0x08, 8, 0x3a, graph.length, ...graph, 0x42, 2, 0x10, 13]);
    expect(readModel(bytes).graph.nodes[0]!.attributes.get('axes')).toEqual({ kind: 'ints', value: [1, 2] });
  });

  it('the pre-scan counts without decoding', () => {
    const c = scanModel(smallNet());
    expect(c).toMatchObject({ nodes: 5, graphs: 1, maxGraphDepth: 1, tensors: 4 });
    // Conv 3 + 1, Relu 1 + 1, GlobalAveragePool 1 + 1, Flatten 1 + 1, Gemm 3 + 1 input/output names.
    expect(c.valueRefs).toBe(14);
  });
});

describe('BAD CALL / EXPECTED FAILURE: corrupt files are named and explained', () => {
  const net = smallNet();
  const cases: readonly [string, Uint8Array, RegExp][] = [
    ['truncated', net.subarray(0, Math.floor(net.length * 0.6)), /truncated/],
    ['a length past the end', new Uint8Array([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 1, 2]), /claims \d+ bytes but only 2 remain/],
    ['a varint without end', new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /malformed number/],
  ];
  for (const [what, bytes, reason] of cases) {
    it(`${what}: INVALID_MODEL naming the file, in user terms`, () => {
      let err: unknown;
      try { readModel(bytes, { source: 'models/net.onnx' }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(OnnxPredictError);
      const e = err as OnnxPredictError;
      expect(e.code).toBe('INVALID_MODEL');
      expect(e.message).toMatch(/^models\/net\.onnx: not an ONNX protobuf: /);
      expect(e.message).toMatch(reason);
      expect(e.message).not.toMatch(/wire type|encoding|BinaryReader|premature EOF|invalid wire|RangeError|varint/i);
    });
  }

  it('a model-level problem names the file too', () => {
    expect(() => readModel(new Uint8Array([0x08, 0x08]), { source: 'x.onnx' })).toThrow(/^x\.onnx: not an ONNX model: no graph/);
  });
});

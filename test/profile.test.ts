/**
 * Shape and cost rules of the static profile, on small graphs made with GraphBuilder.
 */
import { describe, expect, it } from 'vitest';
import type { Dim } from '../src/onnx-to-text/ir.ts';
import { lookupOp, OP_TABLE } from '../src/onnx-to-text/ops/table.ts';
import type { OpCategory } from '../src/onnx-to-text/ops/types.ts';
import { profileModel, type Profile } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';

function profile(build: (b: GraphBuilder) => void, opset = 13): Profile {
  const b = new GraphBuilder({ opset });
  build(b);
  return profileModel(readModel(b.toBytes()));
}

function shapeOf(p: Profile, name: string): readonly Dim[] | null | undefined {
  return p.shapes.get(name)?.shape;
}

/** Builds one node over the given inputs and returns its first output's shape. */
function one(op: string, inputs: (b: GraphBuilder) => string[], attrs: Record<string, never> | Record<string, unknown> = {}, opset = 13): { shape: readonly Dim[] | null | undefined; p: Profile } {
  let out = '';
  const p = profile((b) => { out = b.op(op, inputs(b), attrs as never); }, opset);
  return { shape: shapeOf(p, out), p };
}

describe('op table', () => {
  it('covers the operators of CNN and transformer zoos', () => {
    const required = [
      'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'Gemm', 'MatMul',
      'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'Add', 'Sub', 'Mul', 'Div',
      'Pow', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Gelu', 'HardSwish', 'Clip', 'Where', 'Equal', 'Concat', 'Split', 'Slice',
      'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Resize', 'Upsample', 'Gather', 'ReduceMean', 'ReduceSum',
      'Softmax', 'LogSoftmax', 'Pad', 'Einsum', 'Expand', 'Tile', 'Shape', 'Size', 'ConstantOfShape', 'Constant', 'Range',
      'Cast', 'Identity', 'Dropout', 'QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger',
      'MatMulInteger', 'TopK', 'ArgMax', 'NonMaxSuppression', 'If', 'Loop', 'Scan', 'LSTM', 'GRU',
    ];
    expect(required.filter((op) => lookupOp('', op) === undefined)).toEqual([]);
  });

  it('gives every entry a known category and only linear ops MACs', () => {
    const categories = { conv: 0, matmul: 0, recurrent: 0, norm: 0, pool: 0, elementwise: 0, reduce: 0, layout: 0, shape: 0, quant: 0, control: 0, dynamic: 0 } satisfies Record<OpCategory, number>;
    for (const spec of Object.values(OP_TABLE)) categories[spec.category]++;
    for (const [k, n] of Object.entries(categories)) expect(n, k).toBeGreaterThan(0);
  });

  it('reports unknown ops as diagnostics, never throws', () => {
    const p = profile((b) => { b.op('FancyOp', [b.input('x', [1, 2])]); b.node('Foo', ['x'], {}, { domain: 'com.example' }); });
    expect(p.diagnostics.filter((d) => d.kind === 'unsupported-op').map((d) => d.kind === 'unsupported-op' && d.op)).toEqual(['FancyOp', 'Foo']);
    expect(p.totals.shapeCoverage).toBe(0);
  });
});

describe('convolution and pooling', () => {
  it('Conv: pads, strides, dilations, groups and MACs', () => {
    const { shape, p } = one('Conv', (b) => [b.input('x', [1, 32, 56, 56]), b.weight('w', [64, 8, 3, 3]), b.weight('b', [64])], { pads: [2, 2, 2, 2], strides: [2, 2], dilations: [2, 2], group: 4 });
    expect(shape).toEqual([1, 64, 28, 28]);
    expect(p.nodes[0]!.macs).toBe(64 * 28 * 28 * 8 * 9);
    expect(p.nodes[0]!.elementOps).toBe(64 * 28 * 28);
    expect(p.totals.params).toBe(64 * 8 * 9 + 64);
  });

  it('Conv: auto_pad SAME_UPPER and VALID, 1-D', () => {
    expect(one('Conv', (b) => [b.input('x', [1, 3, 15, 15]), b.weight('w', [8, 3, 3, 3])], { auto_pad: 'SAME_UPPER', strides: [2, 2] }).shape).toEqual([1, 8, 8, 8]);
    expect(one('Conv', (b) => [b.input('x', [1, 3, 15, 15]), b.weight('w', [8, 3, 3, 3])], { auto_pad: 'VALID', strides: [2, 2] }).shape).toEqual([1, 8, 7, 7]);
    expect(one('Conv', (b) => [b.input('x', [2, 4, 100]), b.weight('w', [6, 4, 5])], {}).shape).toEqual([2, 6, 96]);
  });

  it('Conv keeps a symbolic batch and counts MACs per sample', () => {
    const { shape, p } = one('Conv', (b) => [b.input('x', ['N', 3, 8, 8]), b.weight('w', [4, 3, 1, 1])]);
    expect(shape).toEqual(['N', 4, 8, 8]);
    expect(p.nodes[0]!.macs).toBe(4 * 64 * 3);
  });

  it('ConvTranspose: strides, output_padding, groups, output_shape', () => {
    const r = one('ConvTranspose', (b) => [b.input('x', [1, 8, 10, 10]), b.weight('w', [8, 2, 3, 3])], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], group: 2 });
    expect(r.shape).toEqual([1, 4, 20, 20]);
    expect(r.p.nodes[0]!.macs).toBe(8 * 100 * 2 * 9);
    expect(one('ConvTranspose', (b) => [b.input('x', [1, 8, 10, 10]), b.weight('w', [8, 2, 3, 3])], { strides: [3, 3], output_shape: [31, 32] }).shape).toEqual([1, 2, 31, 32]);
  });

  it('MaxPool: ceil_mode drops a window that starts in the padding; indices output', () => {
    let outs: string[] = [];
    const p = profile((b) => { outs = b.node('MaxPool', [b.input('x', [1, 1, 5, 5])], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, { outputs: 2 }); });
    expect(shapeOf(p, outs[0]!)).toEqual([1, 1, 3, 3]);
    expect(one('MaxPool', (b) => [b.input('x', [1, 1, 6, 6])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }).shape).toEqual([1, 1, 4, 4]);
    expect(p.shapes.get(outs[1]!)?.dtype).toBe('int64');
    expect(one('MaxPool', (b) => [b.input('x', [1, 1, 5, 5])], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }).shape).toEqual([1, 1, 3, 3]);
    expect(one('MaxPool', (b) => [b.input('x', [1, 1, 5, 5])], { kernel_shape: [2, 2], strides: [2, 2] }).shape).toEqual([1, 1, 2, 2]);
    expect(one('MaxPool', (b) => [b.input('x', [1, 1, 5, 5])], { kernel_shape: [3, 3], dilations: [2, 2] }).shape).toEqual([1, 1, 1, 1]);
  });

  it('AveragePool/LpPool SAME_UPPER; global pools', () => {
    expect(one('AveragePool', (b) => [b.input('x', [1, 2, 7, 7])], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }).shape).toEqual([1, 2, 4, 4]);
    expect(one('LpPool', (b) => [b.input('x', [1, 2, 7])], { kernel_shape: [3] }).shape).toEqual([1, 2, 5]);
    expect(one('GlobalAveragePool', (b) => [b.input('x', ['N', 512, 7, 7])]).shape).toEqual(['N', 512, 1, 1]);
    expect(one('GlobalMaxPool', (b) => [b.input('x', [1, 5, 3, 3, 3])]).shape).toEqual([1, 5, 1, 1, 1]);
  });

  it('quantized conv and matmul variants', () => {
    const q = one('QLinearConv', (b) => [b.input('x', [1, 3, 8, 8], 'uint8'), b.input('xs', []), b.input('xz', [], 'uint8'), b.weight('w', [4, 3, 3, 3]), b.input('ws', []), b.input('wz', [], 'uint8'), b.input('ys', []), b.input('yz', [], 'uint8')]);
    expect(q.shape).toEqual([1, 4, 6, 6]);
    expect(q.p.nodes[0]!.macs).toBe(4 * 36 * 27);
    expect(one('ConvInteger', (b) => [b.input('x', [1, 3, 8, 8], 'uint8'), b.input('w', [4, 3, 3, 3], 'uint8')]).p.shapes.get('convinteger_out')?.dtype).toBe('int32');
    const m = one('QLinearMatMul', (b) => [b.input('a', [2, 5, 8], 'uint8'), b.input('as', []), b.input('az', [], 'uint8'), b.input('b', [8, 3], 'uint8'), b.input('bs', []), b.input('bz', [], 'uint8'), b.input('ys', []), b.input('yz', [], 'uint8')]);
    expect(m.shape).toEqual([2, 5, 3]);
    expect(m.p.nodes[0]!.macs).toBe(2 * 5 * 3 * 8);
    expect(one('MatMulInteger', (b) => [b.input('a', [4, 8], 'uint8'), b.input('b', [8, 2], 'uint8')]).shape).toEqual([4, 2]);
    expect(one('QuantizeLinear', (b) => [b.input('x', [2, 3]), b.input('s', []), b.input('z', [], 'int8')]).p.shapes.get('quantizelinear_out')).toEqual({ dtype: 'int8', shape: [2, 3] });
    expect(one('DequantizeLinear', (b) => [b.input('x', [2, 3], 'int8'), b.input('s', [])]).p.shapes.get('dequantizelinear_out')).toEqual({ dtype: 'float32', shape: [2, 3] });
  });
});

describe('linear algebra and normalisation', () => {
  it('Gemm with transposes and bias', () => {
    const r = one('Gemm', (b) => [b.input('a', [64, 10]), b.weight('w', [20, 64]), b.weight('c', [20])], { transA: 1, transB: 1 });
    expect(r.shape).toEqual([10, 20]);
    expect(r.p.nodes[0]!.macs).toBe(10 * 20 * 64);
    expect(r.p.nodes[0]!.elementOps).toBe(200);
  });

  it('MatMul: batch broadcasting and 1-D operands', () => {
    const r = one('MatMul', (b) => [b.input('a', ['B', 1, 7, 16]), b.input('b', [12, 16, 5])]);
    expect(r.shape).toEqual(['B', 12, 7, 5]);
    expect(r.p.nodes[0]!.macs).toBe(12 * 7 * 5 * 16);
    expect(one('MatMul', (b) => [b.input('a', [16]), b.input('b', [3, 16, 5])]).shape).toEqual([3, 5]);
    expect(one('MatMul', (b) => [b.input('a', [3, 4, 16]), b.input('b', [16])]).shape).toEqual([3, 4]);
  });

  it('Einsum: explicit, implicit and ellipsis equations', () => {
    const r = one('Einsum', (b) => [b.input('q', [2, 8, 10, 64]), b.input('k', [2, 8, 12, 64])], { equation: 'bhid,bhjd->bhij' });
    expect(r.shape).toEqual([2, 8, 10, 12]);
    expect(r.p.nodes[0]!.macs).toBe(2 * 8 * 10 * 12 * 64);
    expect(one('Einsum', (b) => [b.input('a', [3, 4]), b.input('b', [4, 5])], { equation: 'ij,jk' }).shape).toEqual([3, 5]);
    expect(one('Einsum', (b) => [b.input('a', [7, 3, 4]), b.input('b', [4, 5])], { equation: '...ij,jk->...ik' }).shape).toEqual([7, 3, 5]);
    expect(one('Einsum', (b) => [b.input('a', [3, 3])], { equation: 'ii->i' }).shape).toEqual([3]);
  });

  it('norms keep the input shape; LayerNorm statistics reduce from axis', () => {
    expect(one('BatchNormalization', (b) => [b.input('x', [1, 8, 4, 4]), b.weight('s', [8]), b.weight('b', [8]), b.weight('m', [8]), b.weight('v', [8])]).shape).toEqual([1, 8, 4, 4]);
    let outs: string[] = [];
    const p = profile((b) => { outs = b.node('LayerNormalization', [b.input('x', [2, 5, 16]), b.weight('g', [16])], { axis: -1 }, { outputs: 3 }); }, 17);
    expect(outs.map((o) => shapeOf(p, o))).toEqual([[2, 5, 16], [2, 5, 1], [2, 5, 1]]);
    expect(one('InstanceNormalization', (b) => [b.input('x', [1, 3, 4, 4]), b.weight('s', [3]), b.weight('b', [3])]).shape).toEqual([1, 3, 4, 4]);
    expect(one('GroupNormalization', (b) => [b.input('x', [1, 6, 4, 4]), b.weight('s', [2]), b.weight('b', [2])], { num_groups: 2 }, 18).shape).toEqual([1, 6, 4, 4]);
  });

  it('LSTM: outputs and MACs', () => {
    let outs: string[] = [];
    const p = profile((b) => { outs = b.node('LSTM', [b.input('x', [5, 2, 10]), b.weight('w', [2, 80, 10]), b.weight('r', [2, 80, 20])], { hidden_size: 20, direction: 'bidirectional' }, { outputs: 3 }); });
    expect(outs.map((o) => shapeOf(p, o))).toEqual([[5, 2, 2, 20], [2, 2, 20], [2, 2, 20]]);
    expect(p.nodes[0]!.macs).toBe(5 * 2 * 2 * 4 * 20 * 30);
  });
});

describe('elementwise', () => {
  it('numpy broadcasting, symbols and comparison dtypes', () => {
    expect(one('Add', (b) => [b.input('a', ['N', 1, 5]), b.input('b', [4, 1])]).shape).toEqual(['N', 4, 5]);
    expect(one('Mul', (b) => [b.input('a', [1]), b.input('b', ['S', 'S'])]).shape).toEqual(['S', 'S']);
    expect(one('Equal', (b) => [b.input('a', [3, 1]), b.input('b', [1, 4])]).p.shapes.get('equal_out')).toEqual({ dtype: 'bool', shape: [3, 4] });
    expect(one('Where', (b) => [b.input('c', [3, 1], 'bool'), b.input('x', [1, 4]), b.input('y', [])]).shape).toEqual([3, 4]);
    expect(one('Sum', (b) => [b.input('a', [3]), b.input('b', [2, 3]), b.input('c', [1, 1])]).shape).toEqual([2, 3]);
  });

  it('unary ops keep shape and weight their cost per element', () => {
    for (const op of ['Relu', 'Sigmoid', 'Tanh', 'Erf', 'Gelu', 'HardSwish', 'Clip', 'Sqrt', 'Exp', 'Neg', 'Softmax', 'LogSoftmax']) {
      const r = one(op, (b) => [b.input('x', [2, 3])]);
      expect(r.shape, op).toEqual([2, 3]);
      expect(r.p.nodes[0]!.elementOps, op).toBeGreaterThan(0);
      expect(r.p.nodes[0]!.macs, op).toBe(0);
    }
    expect(one('Sigmoid', (b) => [b.input('x', [2, 3])]).p.nodes[0]!.elementOps).toBe(6 * 16);
  });

  it('Cast, Dropout, Identity', () => {
    expect(one('Cast', (b) => [b.input('x', [2])], { to: 7 }).p.shapes.get('cast_out')).toEqual({ dtype: 'int64', shape: [2] });
    let outs: string[] = [];
    const p = profile((b) => { outs = b.node('Dropout', [b.input('x', [2, 2])], {}, { outputs: 2 }); });
    expect(p.shapes.get(outs[1]!)).toEqual({ dtype: 'bool', shape: [2, 2] });
  });
});

describe('layout', () => {
  it('Concat and Split (attribute, input, equal and num_outputs forms)', () => {
    expect(one('Concat', (b) => [b.input('a', ['N', 3, 4]), b.input('b', ['N', 5, 4])], { axis: 1 }).shape).toEqual(['N', 8, 4]);
    const split = (attrsOrInput: 'attr' | 'input' | 'equal' | 'num', opset: number): (readonly Dim[] | null | undefined)[] => {
      let outs: string[] = [];
      const p = profile((b) => {
        const x = b.input('x', [2, 10]);
        const ins = attrsOrInput === 'input' ? [x, b.int64('s', [3, 7])] : [x];
        const attrs: Record<string, number | number[]> = attrsOrInput === 'attr' ? { axis: 1, split: [3, 7] } : attrsOrInput === 'num' ? { axis: 1, num_outputs: 3 } : { axis: 1 };
        outs = b.node('Split', ins, attrs, { outputs: attrsOrInput === 'num' ? 3 : 2 });
      }, opset);
      return outs.map((o) => shapeOf(p, o));
    };
    expect(split('attr', 11)).toEqual([[2, 3], [2, 7]]);
    expect(split('input', 13)).toEqual([[2, 3], [2, 7]]);
    expect(split('equal', 13)).toEqual([[2, 5], [2, 5]]);
    expect(split('num', 18)).toEqual([[2, 4], [2, 4], [2, 2]]);
  });

  it('Slice: attribute form (opset < 10) and input form with negative steps and clamping', () => {
    expect(one('Slice', (b) => [b.input('x', [20, 10, 5])], { starts: [0, 1], ends: [3, 1000], axes: [0, 1] }, 9).shape).toEqual([3, 9, 5]);
    expect(one('Slice', (b) => [b.input('x', [20, 10, 5]), b.int64('s', [-1]), b.int64('e', [-1000]), b.int64('a', [1]), b.int64('st', [-2])]).shape).toEqual([20, 5, 5]);
    expect(one('Slice', (b) => [b.input('x', ['N', 10]), b.int64('s', [2]), b.int64('e', [-2]), b.int64('a', [-1])]).shape).toEqual(['N', 6]);
  });

  it('Reshape: 0, -1, allowzero, attribute form', () => {
    expect(one('Reshape', (b) => [b.input('x', [2, 3, 4]), b.int64('s', [0, -1])]).shape).toEqual([2, 12]);
    expect(one('Reshape', (b) => [b.input('x', ['N', 3, 4]), b.int64('s', [0, 2, -1])]).shape).toEqual(['N', 2, 6]);
    expect(one('Reshape', (b) => [b.input('x', [0, 3]), b.int64('s', [0, 3])], { allowzero: 1 }, 14).shape).toEqual([0, 3]);
    expect(one('Reshape', (b) => [b.input('x', [2, 3, 4])], { shape: [4, -1] }, 4).shape).toEqual([4, 6]);
  });

  it('Reshape target computed by a Shape → Gather → Unsqueeze → Concat chain (torch export)', () => {
    let out = '';
    const p = profile((b) => {
      const x = b.input('x', ['batch', 197, 768]);
      const s = b.op('Shape', [x]);
      const n = b.op('Gather', [s, b.int64('i', [0], [])], { axis: 0 });
      const u = b.op('Unsqueeze', [n, b.int64('ax', [0])]);
      const c = b.op('Concat', [u, b.int64('rest', [-1, 12, 64])], { axis: 0 });
      out = b.op('Reshape', [x, c]);
    });
    expect(shapeOf(p, out)).toEqual(['batch', 197, 12, 64]);
    expect(p.totals.shapeCoverage).toBe(1);
  });

  it('Shape arithmetic: Mul/Div/Cast on constant shape values; Shape start/end; Size', () => {
    let out = '';
    const p = profile((b) => {
      const x = b.input('x', [2, 6, 8]);
      const s = b.node('Shape', [x], { start: 1 })[0]!;
      const prod = b.op('Mul', [s, b.int64('two', [2], [])]);
      const half = b.op('Div', [prod, b.int64('four', [4], [])]);
      out = b.op('ConstantOfShape', [b.op('Cast', [half], { to: 7 })]);
    }, 15);
    expect(shapeOf(p, out)).toEqual([3, 4]);
    expect(one('Size', (b) => [b.input('x', [2, 3])]).shape).toEqual([]);
  });

  it('Transpose, Flatten, Squeeze/Unsqueeze across opsets', () => {
    expect(one('Transpose', (b) => [b.input('x', [1, 2, 3])], { perm: [2, 0, 1] }).shape).toEqual([3, 1, 2]);
    expect(one('Transpose', (b) => [b.input('x', [1, 2, 3])]).shape).toEqual([3, 2, 1]);
    // Symbolic products stay exact monomials.
    expect(one('Flatten', (b) => [b.input('x', ['N', 2, 3, 4])], { axis: 2 }).shape).toEqual(['2*N', 12]);
    expect(one('Flatten', (b) => [b.input('x', ['N', 2, 3, 4])]).shape).toEqual(['N', 24]);
    expect(one('Squeeze', (b) => [b.input('x', [1, 3, 1, 2])], { axes: [0, -2] }, 11).shape).toEqual([3, 2]);
    expect(one('Squeeze', (b) => [b.input('x', [1, 3, 1, 2]), b.int64('a', [2])]).shape).toEqual([1, 3, 2]);
    expect(one('Squeeze', (b) => [b.input('x', [1, 3, 1, 2])]).shape).toEqual([3, 2]);
    expect(one('Unsqueeze', (b) => [b.input('x', [3, 4])], { axes: [0, 3] }, 11).shape).toEqual([1, 3, 4, 1]);
    expect(one('Unsqueeze', (b) => [b.input('x', [3, 4]), b.int64('a', [-1])]).shape).toEqual([3, 4, 1]);
  });

  it('Resize (scales, sizes) and Upsample', () => {
    expect(one('Resize', (b) => [b.input('x', [1, 3, 10, 10]), '', b.input('unused', [0]) && addFloats(b, 'sc', [1, 1, 2, 2])], { mode: 'linear' }).shape).toEqual([1, 3, 20, 20]);
    expect(one('Resize', (b) => [b.input('x', [1, 3, 10, 10]), '', '', b.int64('sz', [1, 3, 7, 9])]).shape).toEqual([1, 3, 7, 9]);
    expect(one('Upsample', (b) => [b.input('x', [1, 3, 4, 4])], { scales: { floats: [1, 1, 2, 3] } }, 7).shape).toEqual([1, 3, 8, 12]);
    expect(one('Upsample', (b) => [b.input('x', [1, 3, 4, 4]), addFloats(b, 's', [1, 1, 2, 2])], {}, 9).shape).toEqual([1, 3, 8, 8]);
  });

  it('Gather, Expand, Tile, Pad (attribute and input forms)', () => {
    expect(one('Gather', (b) => [b.input('x', [5, 6, 7]), b.input('i', [2, 3], 'int64')], { axis: 1 }).shape).toEqual([5, 2, 3, 7]);
    expect(one('Expand', (b) => [b.input('x', [3, 1]), b.int64('s', [2, 1, 4])]).shape).toEqual([2, 3, 4]);
    expect(one('Tile', (b) => [b.input('x', [3, 1]), b.int64('r', [2, 5])]).shape).toEqual([6, 5]);
    expect(one('Pad', (b) => [b.input('x', [1, 3, 4, 4])], { pads: [0, 0, 1, 2, 0, 0, 3, 4] }, 2).shape).toEqual([1, 3, 8, 10]);
    expect(one('Pad', (b) => [b.input('x', [1, 3, 4, 4]), b.int64('p', [0, 0, 1, 1, 0, 0, 1, 1])]).shape).toEqual([1, 3, 6, 6]);
  });
});

describe('reductions and dynamic ops', () => {
  it('Reduce*: axes attribute vs input, keepdims', () => {
    expect(one('ReduceMean', (b) => [b.input('x', [2, 3, 4])], { axes: [1], keepdims: 0 }).shape).toEqual([2, 4]);
    expect(one('ReduceSum', (b) => [b.input('x', [2, 3, 4]), b.int64('a', [-1])]).shape).toEqual([2, 3, 1]);
    expect(one('ReduceMax', (b) => [b.input('x', [2, 3, 4])], { keepdims: 0 }).shape).toEqual([]);
    expect(one('ReduceMean', (b) => [b.input('x', [2, 3, 4]), b.int64('a', [0, 2])], { keepdims: 1 }, 18).shape).toEqual([1, 3, 1]);
    expect(one('ArgMax', (b) => [b.input('x', [2, 3, 4])], { axis: 1, keepdims: 0 }).p.shapes.get('argmax_out')).toEqual({ dtype: 'int64', shape: [2, 4] });
  });

  it('TopK, Range, Constant', () => {
    let outs: string[] = [];
    const p = profile((b) => { outs = b.node('TopK', [b.input('x', [3, 10]), b.int64('k', [4])], { axis: -1 }, { outputs: 2 }); });
    expect(outs.map((o) => shapeOf(p, o))).toEqual([[3, 4], [3, 4]]);
    expect(one('Range', (b) => [b.int64('s', [1], []), b.int64('l', [10], []), b.int64('d', [3], [])]).shape).toEqual([3]);
    expect(one('Constant', () => [], { value_ints: [1, 2, 3] }).shape).toEqual([3]);
  });

  it('data-dependent ops give unknown extents, not failures', () => {
    expect(one('NonZero', (b) => [b.input('x', [3, 4])]).shape).toEqual([2, null]);
    expect(one('NonMaxSuppression', (b) => [b.input('b', [1, 6, 4]), b.input('s', [1, 1, 6])]).shape).toEqual([null, 3]);
  });
});

describe('graph handling', () => {
  it('profiles unsorted graphs in dependency order', () => {
    const p = profile((b) => {
      b.node('Relu', ['mid'], {}, { outputs: ['out'] });
      b.node('Transpose', [b.input('x', [2, 3])], {}, { outputs: ['mid'] });
    });
    expect(shapeOf(p, 'out')).toEqual([3, 2]);
    expect(p.nodes.map((n) => n.op)).toEqual(['Relu', 'Transpose']);
  });

  it('declared value_info wins over inference and conflicts are reported', () => {
    const b = new GraphBuilder();
    b.node('Relu', [b.input('x', [2, 3])], {}, { outputs: ['y'] });
    b.output('y', [2, 4]);
    const model = readModel(b.toBytes());
    const p = profileModel(model);
    expect(shapeOf(p, 'y')).toEqual([2, 4]);
    expect(p.diagnostics).toContainEqual({ kind: 'shape-mismatch', node: '/Relu', value: 'y', declared: [2, 4], inferred: [2, 3] });
    expect(shapeOf(profileModel(model, { useDeclaredTypes: false }), 'y')).toEqual([2, 3]);
  });

  it('counts each initializer once, skips int64 shape tensors, and reports stripped weights', () => {
    const p = profile((b) => {
      const w = b.weight('w', [4, 4]);
      const x = b.input('x', [1, 4]);
      const a = b.op('MatMul', [x, w]);
      const c = b.op('MatMul', [a, w]);
      b.op('Reshape', [c, b.int64('s', [-1])]);
    });
    expect(p.totals.params).toBe(16);
    expect(p.nodes.map((n) => n.params)).toEqual([16, 0, 0]);
    expect(p.diagnostics).toContainEqual({ kind: 'stripped-weights', count: 1 });
    expect(p.opCounts).toEqual({ MatMul: 2, Reshape: 1 });
    expect(p.totals.flops).toBe(2 * p.totals.macs + p.totals.elementOps);
  });
});

/** A float32 initializer with known values (Resize scales), written as a Constant node. */
function addFloats(b: GraphBuilder, prefix: string, values: number[]): string {
  return b.node('Constant', [], { value_floats: { floats: values } }, { outputs: [b.fresh(prefix)] })[0]!;
}

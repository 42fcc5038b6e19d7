/**
 * Builder-made graphs for the text golden tests. Each mirrors a shape of network the product meets:
 * the ONNX-Net reference example, NAS-Bench-201 / -101 style cell networks, a PyTorch-style export
 * of a conv/BN net (for the canonicalisation check), the odd corners of chain_slim, a long chain.
 */
import { GraphBuilder } from '../../../src/onnx-to-text/writer.ts';

export interface TextFixture {
  readonly name: string;
  readonly bytes: () => Uint8Array;
}

const SAME3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };

/** The conv/pool/residual net of the ONNX-Net notes (docs/TEXT.md reproduces their text for it). */
export function referenceNet(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('input', [1, 3, 32, 32]);
  const c1 = b.op('Conv', [x, b.weight('w', [16, 3, 3, 3]), b.weight('b', [16])], SAME3);
  const r1 = b.op('Relu', [c1]);
  const c2 = b.op('Conv', [r1, b.weight('w', [16, 16, 3, 3]), b.weight('b', [16])], SAME3);
  const r2 = b.op('Relu', [c2]);
  const p = b.op('AveragePool', [c1], SAME3);
  const s = b.op('Add', [r2, p]);
  const g = b.op('GlobalAveragePool', [s]);
  const f = b.op('Flatten', [g], { axis: 1 });
  b.node('Gemm', [f, b.weight('fc', [10, 16]), b.weight('fcb', [10])], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', [1, 10]);
  return b.toBytes();
}

type Nb201Op = 'none' | 'skip_connect' | 'nor_conv_1x1' | 'nor_conv_3x3' | 'avg_pool_3x3';

/** A NAS-Bench-201 style network: stem, 3 stages of `cells` cells, residual reductions, head. */
export function nb201Net(arch: readonly Nb201Op[], cells = 5, batchNorm: 'separate' | 'folded' = 'separate', none: 'omit' | 'mul-zero' = 'omit'): Uint8Array {
  const b = new GraphBuilder();
  const convBn = (x: string, cin: number, cout: number, k: number, stride: number): string => {
    const attrs = { dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: Array(4).fill((k - 1) / 2), strides: [stride, stride] };
    if (batchNorm === 'folded') return b.op('Conv', [x, b.weight('w', [cout, cin, k, k]), b.weight('b', [cout])], attrs);
    const c = b.op('Conv', [x, b.weight('w', [cout, cin, k, k])], attrs);
    return b.op('BatchNormalization', [c, b.weight('g', [cout]), b.weight('beta', [cout]), b.weight('m', [cout]), b.weight('v', [cout])], { epsilon: { float: 1e-5 } });
  };
  const edge = (op: Nb201Op, x: string, c: number): string | null => {
    switch (op) {
      case 'none': return none === 'omit' ? null : b.op('Mul', [x, b.node('Constant', [], { value_float: { float: 0 } })[0] as string]);
      case 'skip_connect': return x;
      case 'nor_conv_1x1': return convBn(b.op('Relu', [x]), c, c, 1, 1);
      case 'nor_conv_3x3': return convBn(b.op('Relu', [x]), c, c, 3, 1);
      case 'avg_pool_3x3': return b.op('AveragePool', [x], { count_include_pad: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
    }
  };
  const sum = (xs: readonly (string | null)[]): string | null => {
    const live = xs.filter((v): v is string => v !== null);
    if (live.length === 0) return null;
    return live.slice(1).reduce((acc, v) => b.op('Add', [acc, v]), live[0] as string);
  };
  // Edge order as NB201 strings it: |op~0|+|op~0|op~1|+|op~0|op~1|op~2|.
  const cell = (x: string, c: number): string => {
    const n1 = sum([edge(arch[0] ?? 'none', x, c)]);
    const n2 = sum([edge(arch[1] ?? 'none', x, c), n1 && edge(arch[2] ?? 'none', n1, c)]);
    const n3 = sum([edge(arch[3] ?? 'none', x, c), n1 && edge(arch[4] ?? 'none', n1, c), n2 && edge(arch[5] ?? 'none', n2, c)]);
    // An all-zero output: NB201 outputs zeros; a Mul by 0 keeps the graph connected.
    return n3 ?? b.op('Mul', [x, b.weight('zero', [1])]);
  };
  const reduction = (x: string, cin: number, cout: number): string => {
    const a = convBn(b.op('Relu', [x]), cin, cout, 3, 2);
    const a2 = convBn(b.op('Relu', [a]), cout, cout, 3, 1);
    const p = b.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    const s = b.op('Conv', [p, b.weight('w', [cout, cin, 1, 1])], { kernel_shape: [1, 1], strides: [1, 1] });
    return b.op('Add', [a2, s]);
  };
  let x = convBn(b.input('input', [1, 3, 32, 32]), 3, 16, 3, 1);
  const widths = [16, 32, 64];
  widths.forEach((c, stage) => {
    if (stage > 0) x = reduction(x, widths[stage - 1] as number, c);
    for (let k = 0; k < cells; k++) x = cell(x, c);
  });
  x = b.op('Relu', [batchNorm === 'folded' ? x : b.op('BatchNormalization', [x, b.weight('g', [64]), b.weight('beta', [64]), b.weight('m', [64]), b.weight('v', [64])])]);
  const g = b.op('GlobalAveragePool', [x]);
  const f = b.op('Flatten', [g], { axis: 1 });
  b.node('Gemm', [f, b.weight('fc', [10, 64]), b.weight('fcb', [10])], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, { outputs: ['logits'] });
  b.output('logits', [1, 10]);
  return b.toBytes();
}

export const NB201_ARCH: readonly Nb201Op[] = ['nor_conv_3x3', 'skip_connect', 'avg_pool_3x3', 'nor_conv_1x1', 'none', 'nor_conv_3x3'];

/** A NAS-Bench-101 style cell network: 1x1 projections, branches, concat of branch outputs, add of the input projection. */
export function nb101Net(): Uint8Array {
  const b = new GraphBuilder();
  const cbr = (x: string, cin: number, cout: number, k: number): string => {
    const c = b.op('Conv', [x, b.weight('w', [cout, cin, k, k])], { kernel_shape: [k, k], pads: Array(4).fill((k - 1) / 2), strides: [1, 1] });
    const n = b.op('BatchNormalization', [c, b.weight('g', [cout]), b.weight('beta', [cout]), b.weight('m', [cout]), b.weight('v', [cout])]);
    return b.op('Relu', [n]);
  };
  const cell = (x: string, c: number): string => {
    const half = c / 2;
    const v1 = cbr(cbr(x, c, half, 1), half, half, 3);
    const v2 = b.op('MaxPool', [cbr(x, c, half, 1)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
    const v3 = cbr(v1, half, half, 3);
    const cat = b.op('Concat', [v3, v2], { axis: 1 });
    return b.op('Add', [cat, cbr(x, c, c, 1)]);
  };
  let x = cbr(b.input('input', [1, 3, 32, 32]), 3, 128, 3);
  for (let k = 0; k < 3; k++) x = cell(x, 128);
  x = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  x = cbr(x, 128, 256, 1);
  for (let k = 0; k < 3; k++) x = cell(x, 256);
  const g = b.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  b.node('Gemm', [g, b.weight('fc', [10, 256]), b.weight('fcb', [10])], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', [1, 10]);
  return b.toBytes();
}

/** A PyTorch-style export: symbolic batch, Identity, Shape→Gather→Concat→Reshape flatten, Constant, Clip(0,6). */
export function torchStyleNet(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('input', ['batch', 3, 32, 32]);
  const c = b.op('Conv', [x, b.weight('w', [8, 3, 3, 3]), b.weight('b', [8])], { dilations: [1, 1], group: 1, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  const lo = b.node('Constant', [], { value_float: { float: 0 } })[0] as string;
  const hi = b.node('Constant', [], { value_float: { float: 6 } })[0] as string;
  const r = b.op('Clip', [c, lo, hi]);
  const dw = b.op('Conv', [r, b.weight('w', [8, 1, 3, 3])], { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
  const id = b.op('Identity', [dw]);
  const g = b.op('GlobalAveragePool', [id]);
  const shape = b.op('Shape', [g]);
  const idx = b.node('Constant', [], { value_ints: [0] })[0] as string;
  const batch = b.op('Gather', [shape, idx], { axis: 0 });
  const minus1 = b.int64('minus1', [-1]);
  const target = b.op('Concat', [batch, minus1], { axis: 0 });
  const flat = b.op('Reshape', [g, target]);
  b.node('Gemm', [flat, b.weight('fc', [10, 8]), b.weight('fcb', [10])], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', ['batch', 10]);
  return b.toBytes();
}

/**
 * The odd corners of chain_slim: a leading Constant (garbled `Constan)`), a float list and a
 * strings attribute, an omitted optional input (`prev`), a multi-output Split, a chain restarted
 * right after a forced close (`Op()`), a graph output in mid-chain.
 */
export function quirksNet(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 4, 8, 8]);
  const k = b.node('Constant', [], { value_float: { float: 0.5 } })[0] as string;
  const m = b.op('Mul', [x, k]);
  const up = b.op('Resize', [m, '', b.weight('scales', [4])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric' });
  const [s1, s2] = b.node('Split', [up], { axis: 1 }, { outputs: 2 }) as [string, string];
  const a = b.op('Relu', [s1]);
  const t = b.op('Tanh', [s2]);
  const e = b.op('Elu', [a], { alpha: { float: 1 } });
  const lrn = b.op('LRN', [t], { size: 3 });
  const mix = b.op('Concat', [e, lrn], { axis: 1 });
  const n = b.op('LayerNormalization', [mix, b.weight('ln', [16])], { axis: -1 });
  const ro = b.op('Transpose', [n], { perm: [0, 2, 3, 1] });
  b.node('Softmax', [ro], {}, { outputs: ['probs'] });
  b.node('Cast', [ro], { to: 1 }, { outputs: ['raw'] });
  b.node('DepthToSpace', [ro], { blocksize: 2, mode: 'DCR' }, { outputs: ['d2s'] });
  b.output('probs', ['N', 16, 16, 4]);
  b.output('raw', ['N', 16, 16, 4]);
  b.output('d2s', []);
  void b.node('Custom', ['probs'], { tags: ['a b', "it's"], w: { floats: [0.1, 1, 1e-5] } }, { domain: 'com.example', outputs: ['custom_out'] });
  return b.toBytes();
}

/** `n` nodes of conv 3x3 → relu pairs in one chain: the long-input budget and speed case. */
export function longChain(n: number): Uint8Array {
  const b = new GraphBuilder();
  let x = b.input('input', [1, 16, 32, 32]);
  const w = b.weight('w', [16, 16, 3, 3]);
  for (let i = 0; i < n / 2; i++) x = b.op('Relu', [b.op('Conv', [x, w], SAME3)]);
  b.node('GlobalAveragePool', [x], {}, { outputs: ['out'] });
  b.output('out', [1, 16, 1, 1]);
  return b.toBytes();
}

export const FIXTURES: readonly TextFixture[] = [
  { name: 'reference', bytes: referenceNet },
  { name: 'nb201', bytes: () => nb201Net(NB201_ARCH) },
  { name: 'nb101', bytes: nb101Net },
  { name: 'torch-style', bytes: torchStyleNet },
  { name: 'quirks', bytes: quirksNet },
];

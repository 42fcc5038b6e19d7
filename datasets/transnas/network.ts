/**
 * Writes a TransNAS-Bench-101 micro network (MacroNet `64-41414-<cell>` backbone + FFDecoder
 * classification head) as PyTorch's exporter would in eval mode:
 * - Conv→BN pairs folded into one Conv with a bias; the BN after FactorizedReduce's Concat stays a
 *   BatchNormalization node;
 * - a node's `torch.stack(features).sum(0)` as Unsqueeze → Concat(axis 0) → ReduceSum(axes [0]);
 * - Zero as `Mul(x, 0)` (same shape) or ConstantOfShape (channels and stride change);
 * - AdaptiveAvgPool2d(1) → GlobalAveragePool, `torch.flatten(x, 1)` → Flatten, Linear → Gemm.
 * Pure: no I/O.
 */
import type { WeightMode } from '../../src/onnx-to-text/writer.ts';
import { Net } from '../lib/net.ts';
import { BASE_CHANNELS, cells, EDGES, FINAL_CHANNELS, RESOLUTION, type MicroCell } from './space.ts';

export interface TransnasBuildOptions {
  readonly weights: WeightMode;
  readonly seed: number;
  readonly classes: number;
  readonly resolution?: number;
}

interface Value {
  readonly name: string;
  readonly c: number;
  readonly h: number;
}

function conv(net: Net, x: Value, scope: string, outC: number, k: number, stride: number, bias: boolean): Value {
  const name = net.conv(scope, x.name, { cin: x.c, cout: outC, k, stride, bias });
  const pad = k >> 1;
  return { name, c: outC, h: Math.floor((x.h + 2 * pad - k) / stride) + 1 };
}

function reluConvBn(net: Net, x: Value, scope: string, outC: number, k: number, stride: number): Value {
  const r = net.relu(`${scope}/op/op.0`, x.name);
  return conv(net, { ...x, name: r }, `${scope}/op/op.1`, outC, k, stride, true);
}

function factorizedReduce(net: Net, x: Value, scope: string, outC: number, stride: number): Value {
  const g = net.b;
  const r = net.relu(`${scope}/relu`, x.name);
  const a = conv(net, { ...x, name: r }, `${scope}/convs.0`, outC >> 1, 1, stride, false);
  const padded = net.node(`${scope}/pad`, 'Pad', [r, g.int64('pads', [0, 0, 0, 0, 0, 0, 1, 1])], { mode: 'constant' });
  const sliced = net.node(scope, 'Slice', [padded, g.int64('starts', [1, 1]), g.int64('ends', [2 ** 53 - 1, 2 ** 53 - 1]), g.int64('axes', [2, 3]), g.int64('steps', [1, 1])]);
  const b = conv(net, { name: sliced, c: x.c, h: x.h }, `${scope}/convs.1`, outC - (outC >> 1), 1, stride, false);
  const cat = net.node(scope, 'Concat', [a.name, b.name], { axis: 1 });
  return { name: net.batchNorm(`${scope}/bn`, cat, outC), c: outC, h: a.h };
}

function edge(net: Net, digit: number, x: Value, scope: string, outC: number, stride: number): Value {
  const reshapes = stride !== 1 || x.c !== outC;
  switch (digit) {
    case 0: {
      if (!reshapes) {
        const zero = net.node(scope, 'Constant', [], { value_float: { float: 0 } });
        return { ...x, name: net.node(scope, 'Mul', [x.name, zero]) };
      }
      const h = Math.floor((x.h + 1) / stride);
      return { name: net.node(scope, 'ConstantOfShape', [net.b.int64('zeros_shape', [1, outC, h, h])]), c: outC, h };
    }
    case 1:
      return reshapes ? factorizedReduce(net, x, scope, outC, stride) : x;
    case 2:
      return reluConvBn(net, x, scope, outC, 1, stride);
    case 3:
      return reluConvBn(net, x, scope, outC, 3, stride);
    default:
      throw new RangeError(`op digit must be 0-3, got ${digit}`);
  }
}

export function buildTransnasNetwork(cell: MicroCell, options: TransnasBuildOptions): Uint8Array {
  const res = options.resolution ?? RESOLUTION;
  const net = new Net({ weights: options.weights, seed: options.seed, graphName: 'main_graph' });
  let x: Value = { name: net.b.input('input', [1, 3, res, res]), c: 3, h: res };
  x = conv(net, x, 'encoder/stem/stem.0', BASE_CHANNELS / 2, 3, 2, true);
  x = reluConvBn(net, x, 'encoder/stem/stem.2', BASE_CHANNELS, 3, 2);

  for (const s of cells()) {
    const scope = `encoder/layer${s.layer}/layer${s.layer}.${s.cell}`;
    const nodes: Value[] = [x];
    for (let to = 1; to <= 3; to++) {
      const parts: Value[] = [];
      EDGES.forEach(([t, from], i) => {
        if (t === to) parts.push(edge(net, cell[i]!, nodes[from]!, `${scope}/edges.${i}`, s.outC, from === 0 ? s.stride : 1));
      });
      // torch.stack(features).sum(0)
      const axes = net.b.int64('axes', [0]);
      const unsq = parts.map((v) => net.node(scope, 'Unsqueeze', [v.name, axes]));
      const cat = net.node(scope, 'Concat', unsq, { axis: 0 });
      nodes.push({ name: net.node(scope, 'ReduceSum', [cat, axes], { keepdims: 0 }), c: s.outC, h: parts[0]!.h });
    }
    x = nodes[3]!;
  }

  const pooled = net.node('decoder/avgpool', 'GlobalAveragePool', [x.name]);
  const flat = net.node('decoder', 'Flatten', [pooled], { axis: 1 });
  const w = net.b.weight('decoder.fc.weight', [options.classes, FINAL_CHANNELS]);
  const b = net.b.weight('decoder.fc.bias', [options.classes]);
  net.b.node('Gemm', [flat, w, b], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, { name: '/decoder/fc/Gemm', outputs: ['output'] });
  net.b.output('output', [1, options.classes]);
  return net.toBytes();
}

/**
 * The NAS-Bench-201 network (NATS-Bench topology search space, `TinyNetwork` with `InferCell`s):
 * stem Conv3x3(3→C)+BN; 3 stages of N=5 cells with C = 16/32/64, a ResNet basic block (stride 2)
 * between stages; BN+ReLU; global average pool; Linear. Written as PyTorch's exporter emits it in
 * eval mode: BN folded into the preceding Conv; `view(N, -1)` a Reshape by a Constant; Identity edges vanish; every `none` edge is the
 * `Zero` module's `x.mul(0.)` (a Mul by a Constant 0) that still feeds the node's sum, since
 * `InferCell` keeps a layer for every edge; the head returns the logits only. Input channels, input
 * size and classes are parameters: NAS-Bench-360's NinaPro skeleton (datasets/nb201-ninapro) is this
 * network with a 1-channel 16×52 input and 18 classes.
 */
import { Net } from '../lib/net.ts';
import type { Nb201Cell, Nb201Op } from './arch.ts';

export interface Nb201NetOptions {
  readonly weights: 'random' | 'zeros' | 'stripped';
  readonly seed: number;
  /** Classes of the head; 10 for CIFAR-10 (the default, and what the dataset files use). */
  readonly classes?: number;
  /** Input side; 32 for CIFAR (ImageNet16-120 used 16). */
  readonly resolution?: number;
  /** Input height × width when not square (NinaPro: 16 × 52); overrides `resolution`. */
  readonly inputSize?: readonly [number, number];
  /** Input channels of the stem: 3 for images, 1 for NinaPro's sEMG windows. */
  readonly inputChannels?: number;
  /** Stem width C (16). */
  readonly channels?: number;
  readonly cellsPerStage?: number;
}

function edge(net: Net, scope: string, op: Nb201Op, x: string, c: number): string {
  switch (op) {
    case 'skip_connect':
      return x;
    case 'none': {
      const zero = net.node(scope, 'Constant', [], { value_float: { float: 0 } });
      return net.node(scope, 'Mul', [x, zero]);
    }
    case 'avg_pool_3x3':
      return net.node(`${scope}/op`, 'AveragePool', [x], {
        ceil_mode: 0, count_include_pad: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1],
      });
    case 'nor_conv_1x1':
    case 'nor_conv_3x3': {
      const k = op === 'nor_conv_1x1' ? 1 : 3;
      const r = net.relu(`${scope}/op/op.0`, x);
      return net.conv(`${scope}/op/op.1`, r, { cin: c, cout: c, k, bias: true });
    }
  }
}

function cell(net: Net, scope: string, cellOps: Nb201Cell, x: string, c: number): string {
  const nodes = [x];
  let layer = 0;
  for (const edges of cellOps) {
    const terms = edges.map((op, i) => edge(net, `${scope}/layers.${layer++}`, op, nodes[i]!, c));
    nodes.push(net.sum(scope, terms));
  }
  return nodes[nodes.length - 1]!;
}

function resBlock(net: Net, scope: string, x: string, cin: number, cout: number): string {
  let a = net.relu(`${scope}/conv_a/op/op.0`, x);
  a = net.conv(`${scope}/conv_a/op/op.1`, a, { cin, cout, k: 3, stride: 2, bias: true });
  let b = net.relu(`${scope}/conv_b/op/op.0`, a);
  b = net.conv(`${scope}/conv_b/op/op.1`, b, { cin: cout, cout, k: 3, bias: true });
  const pooled = net.node(`${scope}/downsample/downsample.0`, 'AveragePool', [x], {
    ceil_mode: 0, count_include_pad: 1, kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2],
  });
  const residual = net.conv(`${scope}/downsample/downsample.1`, pooled, { cin, cout, k: 1, pad: 0, bias: false });
  return net.add(scope, residual, b);
}

export function buildNb201Network(cellOps: Nb201Cell, options: Nb201NetOptions): Uint8Array {
  const C = options.channels ?? 16;
  const N = options.cellsPerStage ?? 5;
  const classes = options.classes ?? 10;
  const res = options.resolution ?? 32;
  const [h, w] = options.inputSize ?? [res, res];
  const cin = options.inputChannels ?? 3;
  const net = new Net({ weights: options.weights, seed: options.seed, graphName: 'main_graph' });
  const input = net.b.input('input', [1, cin, h, w]);
  let x = net.conv('stem/stem.0', input, { cin, cout: C, k: 3, bias: true });
  let c = C;
  let index = 0;
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      x = resBlock(net, `cells.${index++}`, x, c, c * 2);
      c *= 2;
    }
    for (let i = 0; i < N; i++) x = cell(net, `cells.${index++}`, cellOps, x, c);
  }
  x = net.batchNorm('lastact/lastact.0', x, c);
  x = net.relu('lastact/lastact.1', x);
  x = net.node('global_pooling', 'GlobalAveragePool', [x]);
  x = net.node('', 'Reshape', [x, net.node('', 'Constant', [], { value_ints: [1, -1] })]);
  const logits = net.b.node('Gemm', [x, net.b.weight('classifier.weight', [classes, c]), net.b.weight('classifier.bias', [classes])],
    { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, { name: '/classifier/Gemm', outputs: ['logits'] })[0]!;
  net.b.output(logits, [1, classes]);
  return net.toBytes();
}

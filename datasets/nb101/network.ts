/**
 * The NAS-Bench-101 network (`model_builder.py`): stem Conv3x3(3→128)-BN-ReLU; 3 stacks of 3
 * modules (cells) with 128/256/512 channels, MaxPool 2×2 stride 2 before stacks 2 and 3; global
 * average pool; dense to 10 classes. Inside a module, vertex channels follow
 * `compute_vertex_channels`; a vertex sums its interior inputs (sliced to its channel count where
 * needed) and then a 1×1 projection of the module input; vertices feeding the output are
 * concatenated, and a projection of the input is added when input connects to output.
 * Written as PyTorch's exporter emits a faithful port in eval mode: BN folded into Conv,
 * `x[:, :c]` a Slice with Constant operands, `mean(x, (2, 3))` a ReduceMean.
 */
import { Net } from '../lib/net.ts';
import { vertexChannels, type Nb101Spec } from './spec.ts';

export interface Nb101NetOptions {
  readonly weights: 'random' | 'zeros' | 'stripped';
  readonly seed: number;
  readonly stemChannels?: number;
  readonly stacks?: number;
  readonly modulesPerStack?: number;
  readonly classes?: number;
  readonly resolution?: number;
}

function convBnRelu(net: Net, scope: string, x: string, cin: number, cout: number, k: number): string {
  return net.relu(scope, net.conv(scope, x, { cin, cout, k, bias: true }));
}

function truncate(net: Net, scope: string, x: string, have: number, want: number): string {
  if (have === want) return x;
  const c = (v: number) => net.node(scope, 'Constant', [], { value_ints: [v] });
  return net.node(scope, 'Slice', [x, c(0), c(want), c(1), c(1)]);
}

function module(net: Net, scope: string, spec: Nb101Spec, x: string, cin: number, cout: number): string {
  const m = spec.matrix;
  const n = spec.ops.length;
  const ch = vertexChannels(cin, cout, m);
  const tensors = [x];
  const concat: string[] = [];
  for (let t = 1; t < n - 1; t++) {
    const vs = `${scope}/vertex_${t}`;
    const addIn: string[] = [];
    for (let src = 1; src < t; src++) if (m[src]![t]) addIn.push(truncate(net, vs, tensors[src]!, ch[src]!, ch[t]!));
    if (m[0]![t]) addIn.push(convBnRelu(net, `${vs}/projection`, x, cin, ch[t]!, 1));
    const vin = net.sum(vs, addIn);
    const op = spec.ops[t];
    const out = op === 'maxpool3x3'
      ? net.node(`${vs}/op`, 'MaxPool', [vin], { ceil_mode: 0, dilations: [1, 1], kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] })
      : convBnRelu(net, `${vs}/op`, vin, ch[t]!, ch[t]!, op === 'conv1x1-bn-relu' ? 1 : 3);
    tensors.push(out);
    if (m[t]![n - 1]) concat.push(out);
  }
  if (concat.length === 0) return convBnRelu(net, `${scope}/output/projection`, x, cin, cout, 1);
  let out = concat.length === 1 ? concat[0]! : net.node(scope, 'Concat', concat, { axis: 1 });
  if (m[0]![n - 1]) out = net.add(scope, out, convBnRelu(net, `${scope}/output/projection`, x, cin, cout, 1));
  return out;
}

export function buildNb101Network(spec: Nb101Spec, options: Nb101NetOptions): Uint8Array {
  const stem = options.stemChannels ?? 128;
  const stacks = options.stacks ?? 3;
  const perStack = options.modulesPerStack ?? 3;
  const classes = options.classes ?? 10;
  const res = options.resolution ?? 32;
  const net = new Net({ weights: options.weights, seed: options.seed, graphName: 'main_graph' });
  const input = net.b.input('input', [1, 3, res, res]);
  let x = convBnRelu(net, 'stem', input, 3, stem, 3);
  let c = stem;
  let layer = 0;
  for (let s = 0; s < stacks; s++) {
    let cout = c;
    if (s > 0) {
      x = net.node(`layers.${layer++}`, 'MaxPool', [x], { ceil_mode: 0, dilations: [1, 1], kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2] });
      cout = c * 2;
    }
    for (let i = 0; i < perStack; i++) {
      x = module(net, `layers.${layer++}`, spec, x, c, cout);
      c = cout;
    }
  }
  x = net.node('', 'ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const logits = net.b.node('Gemm', [x, net.b.weight('classifier.weight', [classes, c]), net.b.weight('classifier.bias', [classes])],
    { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, { name: '/classifier/Gemm', outputs: ['logits'] })[0]!;
  net.b.output(logits, [1, classes]);
  return net.toBytes();
}

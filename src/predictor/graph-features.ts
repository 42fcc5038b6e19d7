/**
 * What the predictor reads from a graph besides the encoder's text embedding:
 *  - one short English phrase per compute node (op, kernel, stride, groups), embedded per node by
 *    the text encoder and pooled over the graph (`GraphView.nodeTexts` + `edges`), and
 *  - space-agnostic numeric descriptors from the static profile (log params/MACs, depth in
 *    weighted layers, op mix), the `NUMERIC_FEATURES` table.
 * Pure: no I/O, no encoder.
 */
import type { Graph, Model, Node, TensorType } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';

/** Ops that carry no signal of their own in an exported graph: folded away before analysis. */
const PASS_THROUGH = new Set(['Identity', 'Dropout', 'Cast', 'Constant', 'Shape', 'Gather', 'Unsqueeze', 'Squeeze']);

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'Einsum']);

export interface GraphView {
  /** One phrase per kept node, in graph order. */
  readonly nodeTexts: readonly string[];
  /** Directed edges between kept nodes (indices into nodeTexts). */
  readonly edges: readonly (readonly [number, number])[];
  readonly numeric: Readonly<Record<NumericFeature, number>>;
}

export const NUMERIC_FEATURES = [
  'log_params', 'log_macs', 'log_nodes', 'depth_weighted', 'log_depth_weighted', 'n_weighted',
  'frac_conv3', 'frac_conv1', 'frac_depthwise', 'n_pool', 'n_add', 'n_concat', 'n_mul',
  'log_resolution', 'log_max_channels', 'log_mean_conv_macs', 'paths_log', 'n_skip_adds',
  'min_depth_weighted', 'mean_depth_weighted', 'frac_min_over_max_depth',
] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];

function ints(n: Node, name: string): readonly number[] | undefined {
  const a = n.attributes.get(name);
  return a?.kind === 'ints' ? a.value : undefined;
}
function int(n: Node, name: string): number | undefined {
  const a = n.attributes.get(name);
  return a?.kind === 'int' ? a.value : undefined;
}

function kernelOf(n: Node, g: Graph): readonly number[] | undefined {
  const k = ints(n, 'kernel_shape');
  if (k) return k;
  const w = g.initializers.get(n.inputs[1] ?? '');
  return w && w.dims.length > 2 ? w.dims.slice(2) : undefined;
}

function channelsOf(t: TensorType | undefined): number | undefined {
  const d = t?.shape?.[1];
  return typeof d === 'number' ? d : undefined;
}

function dimsText(k: readonly number[]): string {
  return k.every((v) => v === k[0]) ? `${k[0]}x${k[0]}` : k.join('x');
}

/** A short English phrase for a node: what a reader of the architecture would say about it. */
export function nodePhrase(n: Node, g: Graph, shapes: ReadonlyMap<string, TensorType>): string {
  const out = shapes.get(n.outputs[0] ?? '');
  const inp = shapes.get(n.inputs[0] ?? '');
  switch (n.op) {
    case 'Conv': case 'QLinearConv': case 'ConvInteger': {
      const k = kernelOf(n, g);
      const s = ints(n, 'strides')?.[0] ?? 1;
      const group = int(n, 'group') ?? 1;
      const cin = channelsOf(inp);
      const kind = group > 1 && cin !== undefined && group === cin ? 'depthwise convolution' : group > 1 ? `grouped convolution (${group} groups)` : 'convolution';
      return `${k ? dimsText(k) : ''} ${kind}${s > 1 ? ` with stride ${s}` : ''}`.trim();
    }
    case 'ConvTranspose': return `${dimsText(kernelOf(n, g) ?? [1])} transposed convolution`;
    case 'MaxPool': case 'AveragePool': {
      const k = ints(n, 'kernel_shape') ?? [1];
      const s = ints(n, 'strides')?.[0] ?? 1;
      return `${dimsText(k)} ${n.op === 'MaxPool' ? 'max' : 'average'} pooling${s > 1 ? ` with stride ${s}` : ''}`;
    }
    case 'GlobalAveragePool': return 'global average pooling';
    case 'GlobalMaxPool': return 'global max pooling';
    case 'Gemm': case 'MatMul': {
      const w = g.initializers.get(n.inputs[1] ?? '');
      return w ? 'fully connected layer' : 'matrix multiplication of activations';
    }
    case 'Add': {
      const both = n.inputs.every((i) => !g.initializers.has(i));
      return both ? 'residual addition' : 'bias addition';
    }
    case 'Mul': return n.inputs.some((i) => g.initializers.has(i)) ? 'scaling by a constant' : 'elementwise multiplication';
    case 'Concat': return `concatenation of ${n.inputs.length} tensors`;
    case 'Relu': return 'relu activation';
    case 'Sigmoid': return 'sigmoid activation';
    case 'Softmax': return 'softmax';
    case 'BatchNormalization': return 'batch normalization';
    case 'LayerNormalization': return 'layer normalization';
    case 'Flatten': case 'Reshape': return 'reshape';
    default: return n.op.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  }
}

/**
 * Reduces the graph to its compute nodes: pass-through ops are contracted, each kept node gets a
 * phrase, and edges follow data flow through the contracted nodes.
 */
export function graphView(model: Model, profile: Profile): GraphView {
  const g = model.graph;
  const shapes = profile.shapes;
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
  const keep = g.nodes.map((n) => !PASS_THROUGH.has(n.op));
  const keptIndex = new Int32Array(g.nodes.length).fill(-1);
  const nodeTexts: string[] = [];
  g.nodes.forEach((n, i) => {
    if (keep[i]) {
      keptIndex[i] = nodeTexts.length;
      nodeTexts.push(nodePhrase(n, g, shapes));
    }
  });
  // Kept producers reachable from a value, looking through contracted nodes (memoised).
  const sources = new Map<number, readonly number[]>();
  const sourcesOf = (nodeIdx: number): readonly number[] => {
    if (keep[nodeIdx]) return [keptIndex[nodeIdx]!];
    const cached = sources.get(nodeIdx);
    if (cached) return cached;
    sources.set(nodeIdx, []);
    const out = new Set<number>();
    for (const inp of g.nodes[nodeIdx]!.inputs) {
      const p = producer.get(inp);
      if (p !== undefined) for (const s of sourcesOf(p)) out.add(s);
    }
    const r = [...out];
    sources.set(nodeIdx, r);
    return r;
  };
  const edges: [number, number][] = [];
  g.nodes.forEach((n, i) => {
    if (!keep[i]) return;
    const seen = new Set<number>();
    for (const inp of n.inputs) {
      const p = producer.get(inp);
      if (p === undefined) continue;
      for (const s of sourcesOf(p)) if (!seen.has(s)) {
        seen.add(s);
        edges.push([s, keptIndex[i]!]);
      }
    }
  });
  return { nodeTexts, edges, numeric: numericFeatures(model, profile, nodeTexts.length, edges, keptIndex) };
}

function numericFeatures(model: Model, profile: Profile, kept: number, edges: readonly (readonly [number, number])[], keptIndex: Int32Array): Record<NumericFeature, number> {
  const g = model.graph;
  const keptNodes: Node[] = [];
  g.nodes.forEach((n, i) => { if (keptIndex[i]! >= 0) keptNodes.push(n); });
  const weighted: number[] = keptNodes.map((n) => (WEIGHTED.has(n.op) && n.inputs.slice(1).some((x) => g.initializers.has(x)) ? 1 : 0));
  // Longest path counted in weighted layers, and the number of input→output paths (log), in one
  // pass over the kept nodes in graph order (edges always point forward in a sorted graph).
  const depth = new Float64Array(kept);
  const paths = new Float64Array(kept);
  // Shortest path in weighted layers (a conv-free skip route gives 0) and the weighted depth
  // summed over all paths (mean depth = sum / paths): how much of the signal bypasses convs.
  const minDepth = new Float64Array(kept);
  const depthSum = new Float64Array(kept);
  const preds: number[][] = Array.from({ length: kept }, () => []);
  for (const [a, b] of edges) preds[b]!.push(a);
  for (let i = 0; i < kept; i++) {
    let d = 0;
    let p = 0;
    for (const a of preds[i]!) {
      if (a < i) {
        d = Math.max(d, depth[a]!);
        p += paths[a]!;
      }
    }
    depth[i] = d + weighted[i]!;
    paths[i] = preds[i]!.length === 0 ? 1 : Math.max(1, p);
    let mn = Infinity;
    let sum = 0;
    for (const a of preds[i]!) {
      if (a < i) {
        mn = Math.min(mn, minDepth[a]!);
        sum += depthSum[a]!;
      }
    }
    minDepth[i] = (mn === Infinity ? 0 : mn) + weighted[i]!;
    depthSum[i] = sum + weighted[i]! * paths[i]!;
  }
  let maxDepth = 0;
  for (const d of depth) maxDepth = Math.max(maxDepth, d);
  const sinks = new Set(Array.from({ length: kept }, (_, i) => i));
  for (const [a] of edges) sinks.delete(a);
  let totalPaths = 0;
  let totalDepthSum = 0;
  let shortest = Infinity;
  for (const s of sinks) {
    totalPaths += paths[s]!;
    totalDepthSum += depthSum[s]!;
    shortest = Math.min(shortest, minDepth[s]!);
  }
  if (shortest === Infinity) shortest = 0;
  const meanDepth = totalPaths > 0 ? totalDepthSum / totalPaths : 0;

  const convs = keptNodes.filter((n) => n.op === 'Conv');
  const kernelIs = (n: Node, k: number) => (kernelOf(n, g) ?? []).every((v) => v === k);
  const depthwise = convs.filter((n) => (int(n, 'group') ?? 1) > 1).length;
  const count = (ops: readonly string[]) => keptNodes.filter((n) => ops.includes(n.op)).length;
  const convMacs = profile.nodes.filter((p) => p.op === 'Conv' && p.macs !== null).map((p) => p.macs!);
  let maxChannels = 0;
  for (const p of profile.nodes) {
    for (const t of p.outputTypes) {
      const c = t?.shape && t.shape.length === 4 ? t.shape[1] : undefined;
      if (typeof c === 'number') maxChannels = Math.max(maxChannels, c);
    }
  }
  const inputShape = g.inputs[0]?.type?.shape;
  const res = inputShape && inputShape.length === 4 && typeof inputShape[2] === 'number' ? inputShape[2] : 0;
  const skipAdds = keptNodes.filter((n) => n.op === 'Add' && n.inputs.every((i) => !g.initializers.has(i))).length;
  const log = (x: number) => Math.log10(1 + Math.max(0, x));
  return {
    log_params: log(profile.totals.params),
    log_macs: log(profile.totals.macs),
    log_nodes: log(kept),
    depth_weighted: maxDepth,
    log_depth_weighted: log(maxDepth),
    n_weighted: weighted.reduce((a, b) => a + b, 0),
    frac_conv3: convs.length ? convs.filter((n) => kernelIs(n, 3)).length / convs.length : 0,
    frac_conv1: convs.length ? convs.filter((n) => kernelIs(n, 1)).length / convs.length : 0,
    frac_depthwise: convs.length ? depthwise / convs.length : 0,
    n_pool: count(['MaxPool', 'AveragePool']),
    n_add: count(['Add']),
    n_concat: count(['Concat']),
    n_mul: count(['Mul']),
    log_resolution: log(res),
    log_max_channels: log(maxChannels),
    log_mean_conv_macs: log(convMacs.length ? convMacs.reduce((a, b) => a + b, 0) / convMacs.length : 0),
    paths_log: log(totalPaths),
    n_skip_adds: skipAdds,
    min_depth_weighted: shortest,
    mean_depth_weighted: meanDepth,
    frac_min_over_max_depth: maxDepth > 0 ? shortest / maxDepth : 0,
  };
}

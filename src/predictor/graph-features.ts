/**
 * What the predictor reads from a graph besides the encoder's text embedding:
 *  - one short English phrase per compute node and the edges between them, written by
 *    `describeNodes` (src/onnx-to-text/text/nodes.ts), embedded per node by the text encoder and
 *    pooled over the graph (`GraphView.nodeTexts` + `edges`), and
 *  - space-agnostic numeric descriptors from the static profile (log params/MACs, depth in
 *    weighted layers, op mix), the `NUMERIC_FEATURES` table.
 * Pure: no I/O, no encoder.
 */
import type { Model } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';
import { describeNodes, type DescribedNode } from '../onnx-to-text/text/index.ts';

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

/**
 * The graph as the predictor reads it: the node phrases and edges of `describeNodes`, and the
 * numeric descriptors computed from them and the profile.
 */
export function graphView(model: Model, profile: Profile): GraphView {
  const d = describeNodes(model, profile);
  return { nodeTexts: d.phrases, edges: d.edges, numeric: numericFeatures(model, profile, d.nodes, d.edges) };
}

function numericFeatures(model: Model, profile: Profile, described: readonly DescribedNode[], edges: readonly (readonly [number, number])[]): Record<NumericFeature, number> {
  const g = model.graph;
  const kept = described.length;
  const weighted: number[] = described.map((d) => (d.weighted ? 1 : 0));
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

  const convs = described.filter((d) => d.node.op === 'Conv');
  const kernelIs = (d: DescribedNode, k: number) => (d.kernel ?? []).every((v) => v === k);
  const depthwise = convs.filter((d) => d.group > 1).length;
  const count = (ops: readonly string[]) => described.filter((d) => ops.includes(d.node.op)).length;
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
  const skipAdds = described.filter((d) => d.node.op === 'Add' && d.allDynamic).length;
  const log = (x: number) => Math.log10(1 + Math.max(0, x));
  return {
    log_params: log(profile.totals.params),
    log_macs: log(profile.totals.macs),
    log_nodes: log(kept),
    depth_weighted: maxDepth,
    log_depth_weighted: log(maxDepth),
    n_weighted: weighted.reduce((a, b) => a + b, 0),
    frac_conv3: convs.length ? convs.filter((d) => kernelIs(d, 3)).length / convs.length : 0,
    frac_conv1: convs.length ? convs.filter((d) => kernelIs(d, 1)).length / convs.length : 0,
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

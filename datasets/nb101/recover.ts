/**
 * Graph → NAS-Bench-101 module hash, from structure alone (node names are not read). Splits the
 * network at the stem and the stride-2 MaxPools into stacks of equally long modules, decodes each
 * module back to a cell graph (vertices, edges, ops) and hashes it with `hashSpec`; all modules
 * must agree. Isomorphic cells hash alike, so this checks the file against the benchmark's key.
 */
import { OnnxPredictError } from '../../src/errors.ts';
import type { Model, Node } from '../../src/onnx-to-text/ir.ts';
import { GraphIndex } from '../lib/graph-index.ts';
import { hashSpec, type Nb101Label, type Nb101Spec } from './spec.ts';

function fail(why: string): never {
  throw new OnnxPredictError('DATASET_ERROR', `not a NAS-Bench-101 network: ${why}`);
}

/** Decodes the module from input value `x` to output value `out`. */
function decodeModule(g: GraphIndex, x: string, out: string): Nb101Spec {
  const vertices = new Map<string, { op: Nb101Label; sources: Set<string>; fromInput: boolean; at: number }>();
  const isProjection = (v: string): boolean => {
    const relu = g.made(v, 'Relu');
    const conv = relu && g.made(relu.inputs[0], 'Conv');
    return !!conv && conv.inputs[0] === x && g.ints(conv, 'kernel_shape')?.[0] === 1;
  };
  const terms = (v: string): string[] => {
    const add = g.made(v, 'Add');
    return add ? [...terms(add.inputs[0]!), ...terms(add.inputs[1]!)] : [v];
  };
  const vertex = (v: string): string => {
    if (vertices.has(v)) return v;
    let op: Nb101Label;
    let vin: string;
    let last: Node;
    const relu = g.made(v, 'Relu');
    const conv = relu && g.made(relu.inputs[0], 'Conv');
    const pool = g.made(v, 'MaxPool');
    if (conv && relu) {
      const k = g.ints(conv, 'kernel_shape')?.[0];
      op = k === 3 ? 'conv3x3-bn-relu' : k === 1 ? 'conv1x1-bn-relu' : fail(`Conv '${conv.name}' kernel ${k}`);
      vin = conv.inputs[0]!;
      last = relu;
    } else if (pool && g.ints(pool, 'kernel_shape')?.[0] === 3) {
      op = 'maxpool3x3';
      vin = pool.inputs[0]!;
      last = pool;
    } else {
      return fail(`value '${v}' is not a vertex output`);
    }
    const info = { op, sources: new Set<string>(), fromInput: false, at: g.position.get(last)! };
    vertices.set(v, info);
    for (const t of terms(vin)) {
      if (isProjection(t)) info.fromInput = true;
      else info.sources.add(vertex(g.made(t, 'Slice')?.inputs[0] ?? t));
    }
    return v;
  };
  let inputToOutput = false;
  const add = g.made(out, 'Add');
  if (add) {
    if (!isProjection(add.inputs[1]!)) fail('module output Add has no input projection');
    inputToOutput = true;
    out = add.inputs[0]!;
  } else if (isProjection(out)) {
    return { matrix: [[0, 1], [0, 0]], ops: ['input', 'output'] };
  }
  const cat = g.made(out, 'Concat');
  const concat = (cat ? cat.inputs : [out]).map(vertex);
  const order = [...vertices.entries()].sort((a, b) => a[1].at - b[1].at).map(([v]) => v);
  const id = new Map(order.map((v, i) => [v, i + 1]));
  const n = order.length + 2;
  const matrix: (0 | 1)[][] = Array.from({ length: n }, () => Array<0 | 1>(n).fill(0));
  for (const v of order) {
    const info = vertices.get(v)!;
    const j = id.get(v)!;
    if (info.fromInput) matrix[0]![j] = 1;
    for (const s of info.sources) matrix[id.get(s)!]![j] = 1;
  }
  for (const v of concat) matrix[id.get(v)!]![n - 1] = 1;
  if (inputToOutput) matrix[0]![n - 1] = 1;
  return { matrix, ops: ['input', ...order.map((v) => vertices.get(v)!.op), 'output'] };
}

/** The NB101 module hash of a network built by `buildNb101Network` (or an equivalent export). */
export function recoverNb101Hash(model: Model): string {
  const g = new GraphIndex(model.graph);
  const nodes = model.graph.nodes;
  const stemRelu = nodes.findIndex((n) => n.op === 'Relu');
  const mean = nodes.findIndex((n) => n.op === 'ReduceMean');
  if (stemRelu < 0 || mean < 0) fail('no stem or no global average pool');
  const cuts = [stemRelu];
  nodes.forEach((n, i) => {
    if (n.op === 'MaxPool' && g.ints(n, 'kernel_shape')?.[0] === 2) cuts.push(i);
  });
  cuts.push(mean);
  const hashes = new Set<string>();
  for (let s = 0; s + 1 < cuts.length; s++) {
    const begin = cuts[s]!;
    let x = nodes[begin]!.outputs[0]!;
    const end = s + 2 < cuts.length ? cuts[s + 1]! : mean;
    const span = end - begin - 1;
    const modules = 3;
    if (span % modules !== 0) fail(`stack ${s} has ${span} nodes, not ${modules} equal modules`);
    for (let m = 1; m <= modules; m++) {
      const out = nodes[begin + (m * span) / modules]!.outputs[0]!;
      hashes.add(hashSpec(decodeModule(g, x, out)));
      x = out;
    }
  }
  if (cuts.length !== 4) fail(`expected 3 stacks, found ${cuts.length - 1}`);
  if (hashes.size !== 1) fail(`modules decode to different cells: ${[...hashes].join(', ')}`);
  return [...hashes][0]!;
}

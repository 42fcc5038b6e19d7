/**
 * Graph → NAS-Bench-201 arch string, from structure alone (node names are not read). Walks back
 * from the logits: head, then cells and the two residual blocks down to the stem; every cell must
 * decode to the same string. Used to check that a generated file really is the arch it claims.
 */
import { OnnxPredictError } from '../../src/errors.ts';
import type { Model } from '../../src/onnx-to-text/ir.ts';
import { GraphIndex } from '../lib/graph-index.ts';
import { formatArch, type Nb201Op } from './arch.ts';

interface Edge {
  readonly op: Nb201Op;
  readonly source: string;
  /** The edge's output value (for skip, the source itself). */
  readonly value: string;
}

function fail(why: string): never {
  throw new OnnxPredictError('DATASET_ERROR', `not a NAS-Bench-201 network: ${why}`);
}

class Nb201Reader {
  constructor(private readonly g: GraphIndex) {}

  /** The op that made `e`; skip when `e` is `expected` or made by no edge op. */
  edge(e: string, expected?: string): Edge {
    if (e === expected) return { op: 'skip_connect', source: e, value: e };
    const mul = this.g.made(e, 'Mul');
    if (mul) {
      const c = this.g.made(mul.inputs[1], 'Constant');
      const v = c?.attributes.get('value_float') ?? c?.attributes.get('value');
      if (!c || (v?.kind === 'float' && v.value !== 0)) fail(`Mul '${mul.name}' is not a multiplication by 0`);
      return { op: 'none', source: mul.inputs[0]!, value: e };
    }
    const pool = this.g.made(e, 'AveragePool');
    if (pool && this.g.ints(pool, 'kernel_shape')?.[0] === 3) return { op: 'avg_pool_3x3', source: pool.inputs[0]!, value: e };
    const conv = this.g.made(e, 'Conv');
    const relu = conv && this.g.made(conv.inputs[0], 'Relu');
    if (conv && relu) {
      const k = this.g.ints(conv, 'kernel_shape')?.[0];
      if (k !== 1 && k !== 3) fail(`Conv '${conv.name}' has kernel ${k}`);
      return { op: k === 1 ? 'nor_conv_1x1' : 'nor_conv_3x3', source: relu.inputs[0]!, value: e };
    }
    return { op: 'skip_connect', source: e, value: e };
  }

  add(v: string, what: string): [string, string] {
    const n = this.g.made(v, 'Add');
    if (!n) fail(`${what} is not an Add`);
    return [n.inputs[0]!, n.inputs[1]!];
  }

  /** Decodes the cell whose output is `n3`: its six ops and its input. */
  cell(n3: string): { arch: string; input: string } {
    const [l, c] = this.add(n3, 'cell node 3');
    const [a, b] = this.add(l, 'cell node 3 partial sum');
    const e23 = this.g.made(c, 'Add') ? this.edge(c, c) : this.edge(c);
    const n2 = e23.source;
    const [a2, b2] = this.add(n2, 'cell node 2');
    const e03 = this.edge(a);
    const n0 = e03.source;
    const e02 = this.edge(a2, n0);
    if (e02.source !== n0) fail('edge 0→2 does not start at the cell input');
    const found = new Set<string>();
    let input = '';
    const candidates = new Set([n0, b, b2, this.edge(b).source, this.edge(b2).source]);
    for (const n1 of candidates) {
      const e01 = n1 === n0 ? this.edge(n1, n0) : this.edge(n1);
      if (e01.source !== n0 || (n1 !== n0 && e01.op === 'skip_connect')) continue;
      const e12 = this.edge(b2, n1);
      const e13 = this.edge(b, n1);
      if (e12.source !== n1 || e13.source !== n1) continue;
      const edges = [e01, e02, e12, e03, e13, e23];
      const made = edges.filter((e) => e.op !== 'skip_connect').map((e) => e.value);
      if (new Set(made).size !== made.length) continue; // each layer makes its own value
      found.add(formatArch([[e01.op], [e02.op, e12.op], [e03.op, e13.op, e23.op]]));
      input = n0;
    }
    if (found.size !== 1) fail(found.size === 0 ? 'a cell matches no arch' : `a cell is ambiguous: ${[...found].join(', ')}`);
    return { arch: [...found][0]!, input };
  }

  /** A stride-2 ResNet basic block ending at `v`, or undefined. Returns the block input. */
  resBlock(v: string): string | undefined {
    const add = this.g.made(v, 'Add');
    const conv = add && this.g.made(add.inputs[0], 'Conv');
    const pool = conv && this.g.made(conv.inputs[0], 'AveragePool');
    if (!pool || this.g.ints(pool, 'kernel_shape')?.[0] !== 2) return undefined;
    return pool.inputs[0]!;
  }
}

/** The arch string of a NAS-Bench-201 network built by `buildNb201Network` (or an equivalent export). */
export function recoverNb201Arch(model: Model): string {
  const g = new GraphIndex(model.graph);
  const r = new Nb201Reader(g);
  const out = model.graph.outputs[0]?.name;
  const gemm = g.made(out, 'Gemm');
  const flat = gemm && g.made(gemm.inputs[0], ['Reshape', 'Flatten']);
  const gap = flat && g.made(flat.inputs[0], 'GlobalAveragePool');
  const relu = gap && g.made(gap.inputs[0], 'Relu');
  const bn = relu && g.made(relu.inputs[0], 'BatchNormalization');
  if (!bn) fail('head is not BN → ReLU → GlobalAveragePool → Reshape → Gemm');
  const stages: string[][] = [[]];
  let v = bn.inputs[0]!;
  for (;;) {
    const stem = g.made(v, 'Conv');
    if (stem && stem.inputs[0] === model.graph.inputs[0]?.name) break;
    const blockInput = r.resBlock(v);
    if (blockInput !== undefined) {
      stages.push([]);
      v = blockInput;
      continue;
    }
    const { arch, input } = r.cell(v);
    stages[stages.length - 1]!.push(arch);
    v = input;
  }
  const all = stages.flat();
  if (stages.length !== 3 || stages.some((s) => s.length !== stages[0]!.length) || all.length === 0) {
    fail(`expected 3 stages of equal cell count, found ${stages.map((s) => s.length).join('/')}`);
  }
  if (new Set(all).size !== 1) fail(`cells differ: ${[...new Set(all)].join(', ')}`);
  return all[0]!;
}

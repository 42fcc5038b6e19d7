/**
 * Static profile: shape inference over the IR, then per-node and total params, MACs and
 * activation sizes. Pure: no I/O.
 *
 * NOTE: first cut — shapes come only from graph inputs, initializers and `value_info`.
 * The full per-op shape rules land with the Foundation issue (see docs/PROFILE.md).
 */
import type { Graph, Model, TensorType } from './ir.ts';
import { elementCount } from './ir.ts';

/** Why a node's numbers are incomplete. */
export type Diagnostic =
  | { readonly kind: 'unsupported-op'; readonly node: string; readonly op: string; readonly domain: string }
  | { readonly kind: 'unknown-shape'; readonly node: string; readonly op: string }
  | { readonly kind: 'missing-external-data'; readonly tensor: string }
  | { readonly kind: 'stripped-weights'; readonly count: number };

export interface NodeProfile {
  readonly index: number;
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  /** Parameters: elements of initializers this node reads (each initializer counted once, at first use). */
  readonly params: number;
  /** Multiply-accumulates; null when shapes are unknown. */
  readonly macs: number | null;
  /** Elements written to the node's outputs; null when unknown. */
  readonly outputElements: number | null;
  readonly outputTypes: readonly (TensorType | null)[];
}

export interface Profile {
  /** Inferred types for every value the inference reached (graph inputs, initializers, node outputs). */
  readonly shapes: ReadonlyMap<string, TensorType>;
  readonly nodes: readonly NodeProfile[];
  readonly totals: {
    readonly nodes: number;
    readonly params: number;
    readonly macs: number;
    readonly activationElements: number;
    /** Share of nodes whose output shapes are all fully known. */
    readonly shapeCoverage: number;
  };
  readonly opCounts: Readonly<Record<string, number>>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Infers the types of all values in the main graph. */
export function inferShapes(model: Model): Map<string, TensorType> {
  return profileGraph(model.graph).shapes as Map<string, TensorType>;
}

export function profileModel(model: Model): Profile {
  return profileGraph(model.graph);
}

function profileGraph(graph: Graph): Profile {
  const shapes = new Map<string, TensorType>();
  for (const v of graph.inputs) if (v.type) shapes.set(v.name, v.type);
  for (const [name, t] of graph.initializers) shapes.set(name, { dtype: t.dtype, shape: [...t.dims] });
  for (const [name, t] of graph.valueInfo) shapes.set(name, t);
  for (const v of graph.outputs) if (v.type) shapes.set(v.name, v.type);
  const seen = new Set<string>();
  const opCounts: Record<string, number> = {};
  const nodes: NodeProfile[] = graph.nodes.map((n, index) => {
    let params = 0;
    for (const i of n.inputs) {
      const t = graph.initializers.get(i);
      if (t && !seen.has(i)) {
        seen.add(i);
        params += t.dims.reduce((a, b) => a * b, 1);
      }
    }
    const key = n.domain ? `${n.domain}.${n.op}` : n.op;
    opCounts[key] = (opCounts[key] ?? 0) + 1;
    const outputTypes = n.outputs.map((o) => shapes.get(o) ?? null);
    const outs = outputTypes.map((t) => (t ? elementCount(t.shape) : null));
    const outputElements = outs.every((x) => x !== null) ? outs.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
    return { index, name: n.name, op: n.op, domain: n.domain, params, macs: null, outputElements, outputTypes };
  });
  const known = nodes.filter((n) => n.outputElements !== null).length;
  return {
    shapes,
    nodes,
    totals: {
      nodes: nodes.length,
      params: nodes.reduce((a, n) => a + n.params, 0),
      macs: nodes.reduce((a, n) => a + (n.macs ?? 0), 0),
      activationElements: nodes.reduce((a, n) => a + (n.outputElements ?? 0), 0),
      shapeCoverage: nodes.length === 0 ? 1 : known / nodes.length,
    },
    opCounts,
    diagnostics: [],
  };
}

/**
 * Static profile: shape inference over the IR, then per-node and total params, MACs, element
 * ops and activation sizes. Pure: no I/O. Op knowledge (shape and cost rules) lives in
 * ops/table.ts; this module only walks graphs. Conventions: docs/PROFILE.md.
 */
import { attrsOf, indexGraph } from './graph.ts';
import type { Dim, Graph, Model, Node, Shape, TensorType } from './ir.ts';
import { countElements, numel } from './ops/dims.ts';
import { lookupOp, MAX_CONST_ELEMENTS, NO_COST, opKey } from './ops/table.ts';
import type { Cost, InferValue, OpContext } from './ops/types.ts';

/** Why a node's numbers are incomplete or the file disagrees with inference. */
export type Diagnostic =
  | { readonly kind: 'unsupported-op'; readonly node: string; readonly op: string; readonly domain: string }
  /** Inputs fully known, outputs not: the node where shape knowledge is lost. */
  | { readonly kind: 'unknown-shape'; readonly node: string; readonly op: string }
  | { readonly kind: 'missing-external-data'; readonly tensor: string }
  | { readonly kind: 'stripped-weights'; readonly count: number }
  /** The file declares a type for a value that contradicts our inference; the declaration wins. */
  | { readonly kind: 'shape-mismatch'; readonly node: string; readonly value: string; readonly declared: Shape; readonly inferred: Shape };

export type DiagnosticKind = Diagnostic['kind'];

export interface NodeProfile {
  readonly index: number;
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  /**
   * Parameters: elements of initializers this node reads at an input that can reach a graph
   * output (each initializer counted once, at its first such read; see `liveInputs`).
   */
  readonly params: number;
  /** Multiply-accumulates of the linear core (Conv, Gemm, MatMul, Einsum, RNNs); null when shapes are unknown. */
  readonly macs: number | null;
  /** Non-MAC arithmetic (bias adds, activations, norms, pools), weighted per docs/PROFILE.md; null when unknown. */
  readonly elementOps: number | null;
  /** 2 × macs + elementOps; null when either is unknown. */
  readonly flops: number | null;
  /** Elements written to the node's outputs; null when unknown. */
  readonly outputElements: number | null;
  readonly outputTypes: readonly (TensorType | null)[];
  /** Nodes inside this node's subgraphs (If/Loop/Scan bodies), recursively. */
  readonly subgraphNodes: number;
}

export interface Profile {
  /** Inferred types for every value the inference reached (graph inputs, initializers, node outputs). */
  readonly shapes: ReadonlyMap<string, TensorType>;
  readonly nodes: readonly NodeProfile[];
  readonly totals: {
    readonly nodes: number;
    readonly params: number;
    readonly macs: number;
    readonly elementOps: number;
    readonly flops: number;
    readonly activationElements: number;
    /** Share of nodes whose output shapes are all fully known. */
    readonly shapeCoverage: number;
    /** Share of nodes whose MACs/elementOps are known. */
    readonly costCoverage: number;
    /** Nodes of the main graph with an output shape not fully known (rank or a dimension). */
    readonly nodesWithoutShapes: number;
    /** Nodes of the main graph whose MACs or element ops could not be counted: `macs` is then a lower bound. */
    readonly nodesWithoutCosts: number;
    /** Every node's shapes and costs known: `macs` and `flops` are exact under docs/PROFILE.md's conventions. */
    readonly complete: boolean;
    /** Nodes in subgraphs, recursively (not included in `nodes`). */
    readonly subgraphNodes: number;
    /** Initializers whose payload was dropped (STRIPPED_LOCATION); their dims still count as params. */
    readonly strippedInitializers: number;
  };
  readonly opCounts: Readonly<Record<string, number>>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Infers the types of all values in the main graph. */
export function inferShapes(model: Model): Map<string, TensorType> {
  return profileModel(model).shapes as Map<string, TensorType>;
}

export interface ProfileOptions {
  /**
   * Merge the file's declared types (`value_info`, graph outputs) into inference; default true.
   * False profiles from graph inputs and initializers alone, which is how tests check our shape
   * rules against a file's declarations.
   */
  readonly useDeclaredTypes?: boolean;
}

export function profileModel(model: Model, options: ProfileOptions = {}): Profile {
  const opsets = new Map(model.opsetImports);
  return profileGraph(model.graph, opsets, null, options.useDeclaredTypes ?? true);
}

// ---------------------------------------------------------------------------------------------

/** Declared (file) type and inferred type of one value merged: declaration wins, inference fills gaps. */
function mergeTypes(declared: TensorType, inferred: InferValue | null): { value: InferValue; conflict: boolean } {
  if (!inferred) return { value: declared, conflict: false };
  const dtype = declared.dtype !== 'undefined' ? declared.dtype : inferred.dtype;
  const ds = declared.shape;
  const is = inferred.shape;
  if (ds === null) return { value: withValues(dtype, is, inferred.values), conflict: false };
  if (is === null) return { value: { dtype, shape: ds }, conflict: false };
  if (ds.length !== is.length) return { value: { dtype, shape: ds }, conflict: true };
  let conflict = false;
  const shape = ds.map((d, i): Dim => {
    const x = is[i] ?? null;
    if (typeof d === 'number') {
      if (typeof x === 'number' && x !== d) conflict = true;
      return d;
    }
    // A concrete inferred extent beats a symbolic or missing declaration.
    return typeof x === 'number' ? x : d ?? x;
  });
  return { value: withValues(dtype, shape, conflict ? undefined : inferred.values), conflict };
}

function withValues(dtype: InferValue['dtype'], shape: Shape, values: readonly Dim[] | undefined): InferValue {
  return values ? { dtype, shape, values } : { dtype, shape };
}

/** Rank and every dim known, a symbol counting as known (shape coverage, docs/PROFILE.md). */
function isFullyKnown(v: InferValue | null | undefined): boolean {
  return !!v && countElements(v.shape) !== null;
}

/** The value's type; the value itself when it carries no constant values (no copy per node). */
function toTensorType(v: InferValue): TensorType {
  return !('values' in v) ? v : { dtype: v.dtype, shape: v.shape };
}

/**
 * Value types visible in one graph: its own, then its enclosing graphs'. A chain rather than a
 * copy: a graph with many small If/Loop bodies must not copy the outer scope into each of them.
 */
class Scope {
  readonly local = new Map<string, InferValue>();
  constructor(private readonly parent: Scope | null) {}
  get(name: string): InferValue | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walks the scope chain in a loop, not by recursion
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const v = s.local.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  set(name: string, v: InferValue): void {
    this.local.set(name, v);
  }
}

type GraphResult = Profile;

function profileGraph(graph: Graph, opsets: ReadonlyMap<string, number>, outer: Scope | null, useDeclared: boolean): GraphResult {
  const values = new Scope(outer);
  const diagnostics: Diagnostic[] = [];
  for (const v of graph.inputs) if (v.type) values.set(v.name, v.type);
  let stripped = 0;
  for (const [name, t] of graph.initializers) {
    values.set(name, t.values && t.values.length <= MAX_CONST_ELEMENTS ? { dtype: t.dtype, shape: [...t.dims], values: t.values } : { dtype: t.dtype, shape: [...t.dims] });
    if (t.location === 'stripped') stripped++;
    if (t.location === 'external') diagnostics.push({ kind: 'missing-external-data', tensor: name });
  }
  if (stripped > 0) diagnostics.push({ kind: 'stripped-weights', count: stripped });
  // Declared types of graph outputs act like value_info for the nodes producing them.
  const declared = new Map<string, TensorType>(useDeclared ? graph.valueInfo : []);
  if (useDeclared) for (const o of graph.outputs) if (o.type && !declared.has(o.name)) declared.set(o.name, o.type);

  const seenInit = new Set<string>();
  const live = liveInputs(graph, opsets);
  const opCounts: Record<string, number> = {};
  const profiles: NodeProfile[] = new Array<NodeProfile>(graph.nodes.length);
  for (const index of indexGraph(graph).order) {
    const node = graph.nodes[index]!;
    profiles[index] = profileNode(node, index, graph, opsets, values, declared, seenInit, live[index] ?? null, diagnostics, useDeclared);
    const key = opKey(node.domain, node.op);
    opCounts[key] = (opCounts[key] ?? 0) + 1;
  }

  let params = 0, macs = 0, elementOps = 0, activation = 0, known = 0, costKnown = 0, subgraphNodes = 0;
  for (const p of profiles) {
    params += p.params;
    macs += p.macs ?? 0;
    elementOps += p.elementOps ?? 0;
    activation += p.outputElements ?? 0;
    subgraphNodes += p.subgraphNodes;
    if (p.outputElements !== null) known++;
    if (p.macs !== null && p.elementOps !== null) costKnown++;
  }
  const shapes = new Map<string, TensorType>();
  for (const [name, v] of values.local) shapes.set(name, toTensorType(v));
  const n = profiles.length;
  return {
    shapes,
    nodes: profiles,
    totals: {
      nodes: n,
      params,
      macs,
      elementOps,
      flops: 2 * macs + elementOps,
      activationElements: activation,
      shapeCoverage: n === 0 ? 1 : known / n,
      costCoverage: n === 0 ? 1 : costKnown / n,
      nodesWithoutShapes: n - known,
      nodesWithoutCosts: n - costKnown,
      complete: known === n && costKnown === n,
      subgraphNodes,
      strippedInitializers: stripped,
    },
    opCounts,
    diagnostics,
  };
}

/**
 * Per node, which input slots can influence a graph output: a backward walk from the graph
 * outputs through the op table's `inputUse` rules. Params count only initializers read at a live
 * slot, so a tensor feeding nothing but dead values (an exporter's derived copy of a weight for
 * statistics nobody reads) is not a parameter. `null` entries (every slot live) for a graph
 * without outputs, where there is nothing to walk back from.
 */
function liveInputs(graph: Graph, opsets: ReadonlyMap<string, number>): readonly (readonly boolean[] | null)[] {
  const nodes = graph.nodes;
  if (graph.outputs.length === 0) return nodes.map(() => null);
  const live = new Set<string>(graph.outputs.map((o) => o.name));
  const out: (readonly boolean[] | null)[] = new Array<readonly boolean[] | null>(nodes.length).fill(null);
  const order = indexGraph(graph).order;
  for (let j = order.length - 1; j >= 0; j--) {
    const index = order[j]!;
    const node = nodes[index]!;
    const liveOutputs = node.outputs.map((o) => o !== '' && live.has(o));
    let slots: readonly boolean[];
    if (!liveOutputs.some((x) => x)) {
      slots = node.inputs.map(() => false);
    } else {
      const attrs = attrsOf(node);
      const rule = lookupOp(node.domain, node.op)?.inputUse;
      slots = rule ? rule({ node, opset: opsets.get(node.domain) ?? 1, attrs }, liveOutputs) : node.inputs.map(() => true);
      // A subgraph reads outer values by name, without listing them as node inputs.
      for (const g of attrs.graphs()) for (const name of outerReads(g)) live.add(name);
    }
    node.inputs.forEach((name, k) => { if (name !== '' && slots[k] === true) live.add(name); });
    out[index] = slots;
  }
  return out;
}

/** Names a graph (and its nested subgraphs) reads but does not define: its outer-scope reads. */
function outerReads(graph: Graph): Set<string> {
  const defined = new Set<string>([...graph.initializers.keys(), ...graph.inputs.map((v) => v.name)]);
  for (const n of graph.nodes) for (const o of n.outputs) defined.add(o);
  const reads = new Set<string>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i !== '' && !defined.has(i)) reads.add(i);
    for (const g of attrsOf(n).graphs()) for (const i of outerReads(g)) if (!defined.has(i)) reads.add(i);
  }
  return reads;
}

function profileNode(
  node: Node,
  index: number,
  graph: Graph,
  opsets: ReadonlyMap<string, number>,
  values: Scope,
  declared: ReadonlyMap<string, TensorType>,
  seenInit: Set<string>,
  liveSlots: readonly boolean[] | null,
  diagnostics: Diagnostic[],
  useDeclared: boolean,
): NodeProfile {
  let params = 0;
  for (const [k, i] of node.inputs.entries()) {
    const t = graph.initializers.get(i);
    if (t && !seenInit.has(i) && (liveSlots === null || liveSlots[k] === true)) {
      seenInit.add(i);
      // int64 initializers are shapes, axes and indices in practice, not learned weights.
      if (t.dtype !== 'int64') params += numel(t.dims) ?? 0;
    }
  }
  const inputs = node.inputs.map((name) => (name === '' ? null : (values.get(name) ?? null)));
  const attrs = attrsOf(node);
  const ctx: OpContext = { node, opset: opsets.get(node.domain) ?? (node.domain === '' ? 1 : 1), inputs, attrs };
  const spec = lookupOp(node.domain, node.op);
  const name = node.name || `${node.op}_${index}`;

  let inferred: readonly (InferValue | null)[] = [];
  if (spec === undefined) {
    diagnostics.push({ kind: 'unsupported-op', node: name, op: node.op, domain: node.domain });
  } else {
    try {
      inferred = spec.infer(ctx);
    } catch {
      // A rule meeting a malformed node must not take the whole profile down: treat as unknown.
      inferred = [];
    }
  }

  const outputTypes: (TensorType | null)[] = [];
  const finals: (InferValue | null)[] = [];
  node.outputs.forEach((out, k) => {
    if (out === '') { outputTypes.push(null); finals.push(null); return; }
    let v = inferred[k] ?? null;
    const d = declared.get(out);
    if (d) {
      const m = mergeTypes(d, v);
      if (m.conflict) diagnostics.push({ kind: 'shape-mismatch', node: name, value: out, declared: d.shape, inferred: v?.shape ?? null });
      v = m.value;
    }
    if (v) values.set(out, v);
    finals.push(v);
    outputTypes.push(v ? toTensorType(v) : null);
  });

  let subgraphNodes = 0, subParams = 0, subMacs = 0, subOps = 0;
  for (const g of attrs.graphs()) {
    // Bodies see the outer scope; their costs count once (trip counts are not static).
    const sub = profileGraph(g, opsets, values, useDeclared);
    subgraphNodes += sub.totals.nodes + sub.totals.subgraphNodes;
    subParams += sub.totals.params;
    subMacs += sub.totals.macs;
    subOps += sub.totals.elementOps;
    for (const x of sub.diagnostics) if (x.kind === 'unsupported-op') diagnostics.push(x);
  }

  const outsKnown = node.outputs.length > 0 && finals.every((v, k) => node.outputs[k] === '' || isFullyKnown(v));
  const elems = outsKnown ? finals.reduce((a, v) => a + (v ? (countElements(v.shape) ?? 0) : 0), 0) : null;
  if (spec !== undefined && !outsKnown && inputs.every((v, k) => node.inputs[k] === '' || isFullyKnown(v))) {
    diagnostics.push({ kind: 'unknown-shape', node: name, op: node.op });
  }

  let cost: Cost | null = null;
  if (spec !== undefined) {
    try {
      cost = spec.cost ? spec.cost(ctx, finals) : NO_COST;
    } catch {
      cost = null;
    }
  }
  const macs = cost === null ? null : cost.macs + subMacs;
  const elementOps = cost === null ? null : cost.elementOps + subOps;
  return {
    index,
    name: node.name,
    op: node.op,
    domain: node.domain,
    params: params + subParams,
    macs,
    elementOps,
    flops: macs === null || elementOps === null ? null : 2 * macs + elementOps,
    outputElements: elems,
    outputTypes,
    subgraphNodes,
  };
}

/**
 * One view of a graph's structure: who produces each value, who reads it, a dependency order, and
 * typed attribute accessors. Built once per graph and memoised (the IR is immutable), so the
 * reader's cycle check, the profile, the text modes and the predictor's features share one copy.
 * Pure: no I/O.
 */
import type { AttributeValue, Graph, Node } from './ir.ts';

export interface GraphIndex {
  readonly graph: Graph;
  /** Index of the node writing `value` (the last one, for a file that writes a name twice). */
  producer(value: string): number | undefined;
  /** Indices of the nodes reading `value`, in file order, each once. */
  consumers(value: string): readonly number[];
  /**
   * Node indices in dependency order: file order when the file is already sorted, otherwise
   * Kahn's order taking the lowest ready index first. Nodes on a cycle (the reader refuses such
   * files) come last, in file order, so every node is still visited once.
   */
  readonly order: readonly number[];
  /** True when file order is already a dependency order. */
  readonly sorted: boolean;
  /** Nodes that can never run because they sit on (or behind) a cycle; empty for a valid file. */
  readonly cyclic: readonly number[];
}

const cache = new WeakMap<Graph, GraphIndex>();

/** The memoised index of `graph`. */
export function indexGraph(graph: Graph): GraphIndex {
  let ix = cache.get(graph);
  if (ix === undefined) {
    ix = build(graph);
    cache.set(graph, ix);
  }
  return ix;
}

function build(graph: Graph): GraphIndex {
  const nodes = graph.nodes;
  const n = nodes.length;
  const producer = new Map<string, number>();
  for (let i = 0; i < n; i++) for (const o of nodes[i]!.outputs) if (o !== '') producer.set(o, i);

  let sorted = true;
  for (let i = 0; i < n && sorted; i++) {
    for (const x of nodes[i]!.inputs) {
      const p = x === '' ? undefined : producer.get(x);
      if (p !== undefined && p >= i) { sorted = false; break; }
    }
  }

  let order: number[];
  const cyclic: number[] = [];
  if (sorted) {
    order = Array.from({ length: n }, (_, i) => i);
  } else {
    // Kahn over distinct producer → consumer pairs.
    const indegree = new Int32Array(n);
    const succ: number[][] = Array.from({ length: n }, () => []);
    for (let i = 0; i < n; i++) {
      for (const x of new Set(nodes[i]!.inputs)) {
        const p = x === '' ? undefined : producer.get(x);
        if (p === undefined) continue;
        const list = succ[p]!;
        if (list[list.length - 1] !== i) { list.push(i); indegree[i]! += 1; }
      }
    }
    const heap = new MinHeap();
    for (let i = 0; i < n; i++) if (indegree[i] === 0) heap.push(i);
    order = [];
    const done = new Uint8Array(n);
    while (heap.size > 0) {
      const i = heap.pop();
      order.push(i);
      done[i] = 1;
      for (const c of succ[i]!) if (--indegree[c]! === 0) heap.push(c);
    }
    if (order.length < n) {
      for (let i = 0; i < n; i++) if (!done[i]) cyclic.push(i);
      for (const i of cyclic) order.push(i);
    }
  }

  // Consumer lists are built on first use: the profile and the reader never ask.
  let consumerLists: Map<string, number[]> | undefined;
  const none: readonly number[] = Object.freeze([]);
  const consumers = (value: string): readonly number[] => {
    if (consumerLists === undefined) {
      consumerLists = new Map();
      for (let i = 0; i < n; i++) {
        for (const x of nodes[i]!.inputs) {
          if (x === '') continue;
          let list = consumerLists.get(x);
          if (list === undefined) consumerLists.set(x, (list = []));
          if (list[list.length - 1] !== i) list.push(i);
        }
      }
    }
    return consumerLists.get(value) ?? none;
  };
  return { graph, producer: (value) => producer.get(value), consumers, order, sorted, cyclic };
}

/** Binary min-heap of node indices (Kahn's ready set, lowest index first). */
class MinHeap {
  private readonly a: number[] = [];
  get size(): number { return this.a.length; }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

// ---------------------------------------------------------------------------------------------
// Attributes

/**
 * Attribute access with ONNX defaults. Lenient where old exporters are: an INT where INTS is
 * expected reads as a one-element list, a FLOAT where an INT is expected is truncated.
 */
export interface Attrs {
  has(name: string): boolean;
  int(name: string, def: number): number;
  float(name: string, def: number): number;
  string(name: string, def: string): string;
  ints(name: string): readonly number[] | undefined;
  floats(name: string): readonly number[] | undefined;
  raw(name: string): AttributeValue | undefined;
  /** Every subgraph of the node (If branches, Loop/Scan bodies), in attribute order. */
  graphs(): readonly Graph[];
}

/** A class so profiling a large graph allocates no closures per node. */
class NodeAttrs implements Attrs {
  constructor(private readonly attributes: ReadonlyMap<string, AttributeValue>) {}
  has(n: string): boolean { return this.attributes.has(n); }
  int(n: string, def: number): number { const a = this.attributes.get(n); return a?.kind === 'int' ? a.value : a?.kind === 'float' ? Math.trunc(a.value) : def; }
  float(n: string, def: number): number { const a = this.attributes.get(n); return a?.kind === 'float' || a?.kind === 'int' ? a.value : def; }
  string(n: string, def: string): string { const a = this.attributes.get(n); return a?.kind === 'string' ? a.value : def; }
  ints(n: string): readonly number[] | undefined { const a = this.attributes.get(n); return a?.kind === 'ints' ? a.value : a?.kind === 'int' ? [a.value] : undefined; }
  floats(n: string): readonly number[] | undefined { const a = this.attributes.get(n); return a?.kind === 'floats' ? a.value : a?.kind === 'float' ? [a.value] : undefined; }
  raw(n: string): AttributeValue | undefined { return this.attributes.get(n); }
  graphs(): readonly Graph[] {
    const out: Graph[] = [];
    for (const a of this.attributes.values()) {
      if (a.kind === 'graph') out.push(a.value);
      else if (a.kind === 'graphs') for (const g of a.value) out.push(g);
    }
    return out;
  }
}

/** Typed attribute accessors over one node. */
export function attrsOf(node: Node): Attrs {
  return new NodeAttrs(node.attributes);
}

/** Small constant values known without inference: inline initializers and Constant nodes. */
export function constantValues(graph: Graph): ReadonlyMap<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const [name, t] of graph.initializers) if (t.values) out.set(name, t.values);
  for (const n of graph.nodes) {
    if (n.op !== 'Constant' || !n.outputs[0]) continue;
    for (const a of n.attributes.values()) {
      if (a.kind === 'float' || a.kind === 'int') out.set(n.outputs[0], [a.value]);
      else if (a.kind === 'floats' || a.kind === 'ints') out.set(n.outputs[0], a.value);
      else if (a.kind === 'tensor' && a.value.values) out.set(n.outputs[0], a.value.values);
    }
  }
  return out;
}

/**
 * The product's words for a graph: one short English phrase per compute node (op, kernel, stride,
 * groups), as a reader of the architecture would say it, and the data-flow edges between those
 * nodes. The predictor embeds each phrase and pools over the graph; the shipped checkpoint stores
 * embeddings of these exact phrases, so test/text-nodes.test.ts pins them byte for byte.
 * Which ops are folded away and how each is phrased is op knowledge: ops/catalog.ts.
 * Pure: no I/O.
 */
import { attrsOf, indexGraph } from '../graph.ts';
import type { Graph, Model, Node, TensorType } from '../ir.ts';
import { opFacets, type Phrase, type PhraseKind } from '../ops/catalog.ts';
import type { Profile } from '../profile.ts';

/** One described (kept) node. */
export interface DescribedNode {
  /** Index into `graph.nodes`. */
  readonly index: number;
  readonly node: Node;
  readonly phrase: string;
  /** A weighted layer (catalog `weighted`) whose weight input is an initializer. */
  readonly weighted: boolean;
  /** Kernel extents: the `kernel_shape` attribute, else the weight initializer's spatial dims. */
  readonly kernel: readonly number[] | undefined;
  /** The `group` attribute (1 when absent). */
  readonly group: number;
  /** No input is an initializer (an Add of two activations: a skip connection). */
  readonly allDynamic: boolean;
}

export interface NodeDescriptions {
  /** Kept nodes in graph (file) order. */
  readonly nodes: readonly DescribedNode[];
  /** `nodes[i].phrase`, for callers that only embed. */
  readonly phrases: readonly string[];
  /** Directed edges between kept nodes (indices into `nodes`), following data flow through folded nodes. */
  readonly edges: readonly (readonly [number, number])[];
}

function kernelOf(n: Node, g: Graph): readonly number[] | undefined {
  const k = attrsOf(n).ints('kernel_shape');
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

interface PhraseContext {
  readonly node: Node;
  readonly graph: Graph;
  readonly shapes: ReadonlyMap<string, TensorType>;
}

type PhraseFn<K extends PhraseKind> = (p: Extract<Phrase, { kind: K }>, c: PhraseContext) => string;

/** One function per phrase kind; a kind added to the catalog without one breaks the build. */
const PHRASE_FNS: { readonly [K in PhraseKind]: PhraseFn<K> } = {
  words: (p) => p.words,
  skip: () => '',
  conv: (_p, { node, graph, shapes }) => {
    const a = attrsOf(node);
    const k = kernelOf(node, graph);
    const s = a.ints('strides')?.[0] ?? 1;
    const group = a.int('group', 1);
    const cin = channelsOf(shapes.get(node.inputs[0] ?? ''));
    const kind = group > 1 && cin !== undefined && group === cin ? 'depthwise convolution' : group > 1 ? `grouped convolution (${group} groups)` : 'convolution';
    return `${k ? dimsText(k) : ''} ${kind}${s > 1 ? ` with stride ${s}` : ''}`.trim();
  },
  'conv-transpose': (_p, { node, graph }) => `${dimsText(kernelOf(node, graph) ?? [1])} transposed convolution`,
  pool: (p, { node }) => {
    const a = attrsOf(node);
    const k = a.ints('kernel_shape') ?? [1];
    const s = a.ints('strides')?.[0] ?? 1;
    return `${dimsText(k)} ${p.words}${s > 1 ? ` with stride ${s}` : ''}`;
  },
  linear: (_p, { node, graph }) => (graph.initializers.has(node.inputs[1] ?? '') ? 'fully connected layer' : 'matrix multiplication of activations'),
  add: (_p, { node, graph }) => (node.inputs.every((i) => !graph.initializers.has(i)) ? 'residual addition' : 'bias addition'),
  mul: (_p, { node, graph }) => (node.inputs.some((i) => graph.initializers.has(i)) ? 'scaling by a constant' : 'elementwise multiplication'),
  concat: (_p, { node }) => `concatenation of ${node.inputs.length} tensors`,
};

function phraseOf(p: Phrase, c: PhraseContext): string {
  return (PHRASE_FNS[p.kind] as PhraseFn<PhraseKind>)(p, c);
}

/**
 * Reduces the main graph to its compute nodes: folded (`skip`) ops are contracted, each kept node
 * gets a phrase, and edges follow data flow through the contracted nodes. Shapes come from the
 * profile (depthwise convs are recognised by their input channels).
 */
export function describeNodes(model: Model, profile: Profile): NodeDescriptions {
  const g = model.graph;
  const ix = indexGraph(g);
  const shapes = profile.shapes;
  const count = g.nodes.length;
  const keptIndex = new Int32Array(count).fill(-1);
  const nodes: DescribedNode[] = [];
  for (let i = 0; i < count; i++) {
    const node = g.nodes[i]!;
    const facets = opFacets(node.domain, node.op);
    if (facets.phrase.kind === 'skip') continue;
    keptIndex[i] = nodes.length;
    nodes.push({
      index: i,
      node,
      phrase: phraseOf(facets.phrase, { node, graph: g, shapes }),
      weighted: facets.weighted && node.inputs.slice(1).some((x) => g.initializers.has(x)),
      kernel: kernelOf(node, g),
      group: attrsOf(node).int('group', 1),
      allDynamic: node.inputs.every((x) => !g.initializers.has(x)),
    });
  }
  // Kept producers reachable from each folded node, looking through folded nodes. Iterative
  // (post-order on an explicit stack): a chain of a million Identity nodes must not overflow.
  const sources = new Map<number, readonly number[]>();
  const open = new Uint8Array(count);
  const sourcesOf = (start: number): readonly number[] => {
    if (keptIndex[start]! >= 0) return [keptIndex[start]!];
    const stack = [start];
    while (stack.length > 0) {
      const i = stack[stack.length - 1]!;
      if (sources.has(i)) { stack.pop(); continue; }
      const inputs = g.nodes[i]!.inputs;
      if (!open[i]) {
        open[i] = 1;
        for (const inp of inputs) {
          const p = ix.producer(inp);
          if (p !== undefined && keptIndex[p]! < 0 && !sources.has(p) && !open[p]) stack.push(p);
        }
        continue;
      }
      stack.pop();
      const out = new Set<number>();
      for (const inp of inputs) {
        const p = ix.producer(inp);
        if (p === undefined) continue;
        if (keptIndex[p]! >= 0) out.add(keptIndex[p]!);
        // A node still open here sits on a cycle (the reader refuses those): it adds nothing.
        else for (const x of sources.get(p) ?? []) out.add(x);
      }
      sources.set(i, [...out]);
    }
    return sources.get(start)!;
  };
  const edges: [number, number][] = [];
  for (const d of nodes) {
    const seen = new Set<number>();
    for (const inp of d.node.inputs) {
      const p = ix.producer(inp);
      if (p === undefined) continue;
      for (const s of sourcesOf(p)) if (!seen.has(s)) {
        seen.add(s);
        edges.push([s, keptIndex[d.index]!]);
      }
    }
  }
  return { nodes, phrases: nodes.map((d) => d.phrase), edges };
}

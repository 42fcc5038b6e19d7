/** Producer/consumer lookups over the IR, for recovering architectures from generated graphs. */
import { attrsOf, indexGraph, type GraphIndex as CoreIndex } from '../../src/onnx-to-text/graph.ts';
import type { Graph, Node } from '../../src/onnx-to-text/ir.ts';

export class GraphIndex {
  readonly position = new Map<Node, number>();
  /** Producers from onnx-to-text's memoised graph index (shared with the profile and the texts). */
  private readonly index: CoreIndex;

  constructor(readonly graph: Graph) {
    this.index = indexGraph(graph);
    graph.nodes.forEach((n, i) => this.position.set(n, i));
  }

  /** The node producing `value` if it has op `op` (any of `op` when an array). */
  made(value: string | undefined, op: string | readonly string[]): Node | undefined {
    if (value === undefined) return undefined;
    const at = this.index.producer(value);
    const n = at === undefined ? undefined : this.graph.nodes[at];
    if (!n) return undefined;
    return (typeof op === 'string' ? n.op === op : op.includes(n.op)) ? n : undefined;
  }

  ints(node: Node, name: string): readonly number[] | undefined {
    return attrsOf(node).ints(name);
  }
}

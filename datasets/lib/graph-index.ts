/** Producer/consumer lookups over the IR, for recovering architectures from generated graphs. */
import { attrsOf } from '../../src/onnx-to-text/graph.ts';
import type { Graph, Node } from '../../src/onnx-to-text/ir.ts';

export class GraphIndex {
  readonly producer = new Map<string, Node>();
  readonly position = new Map<Node, number>();

  constructor(readonly graph: Graph) {
    graph.nodes.forEach((n, i) => {
      this.position.set(n, i);
      for (const o of n.outputs) this.producer.set(o, n);
    });
  }

  /** The node producing `value` if it has op `op` (any of `op` when an array). */
  made(value: string | undefined, op: string | readonly string[]): Node | undefined {
    if (value === undefined) return undefined;
    const n = this.producer.get(value);
    if (!n) return undefined;
    return (typeof op === 'string' ? n.op === op : op.includes(n.op)) ? n : undefined;
  }

  ints(node: Node, name: string): readonly number[] | undefined {
    return attrsOf(node).ints(name);
  }
}

/**
 * NAS-Bench-201 cell strings: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`. Node j (1..3) sums one edge
 * from every earlier node i, in order i = 0..j-1; the string lists the six edge ops in that order.
 */
import { OnnxPredictError } from '../../src/errors.ts';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Edge ops by target node: `[[op01], [op02, op12], [op03, op13, op23]]`. */
export type Nb201Cell = readonly (readonly Nb201Op[])[];

function isOp(s: string): s is Nb201Op {
  return (NB201_OPS as readonly string[]).includes(s);
}

export function parseArch(arch: string): Nb201Cell {
  const bad = (why: string): never => {
    throw new OnnxPredictError('DATASET_ERROR', `invalid NAS-Bench-201 arch '${arch}': ${why}`);
  };
  const nodes = arch.split('+');
  if (nodes.length !== 3) bad('expected 3 nodes separated by +');
  return nodes.map((node, j) => {
    if (!node.startsWith('|') || !node.endsWith('|')) bad(`node ${j + 1} must be wrapped in |...|`);
    const edges = node.slice(1, -1).split('|');
    if (edges.length !== j + 1) bad(`node ${j + 1} needs ${j + 1} edges`);
    return edges.map((e, i) => {
      const [op, src] = e.split('~');
      if (op === undefined || !isOp(op)) bad(`unknown op '${op}'`);
      if (src !== String(i)) bad(`edge '${e}' must come from node ${i}`);
      return op as Nb201Op;
    });
  });
}

export function formatArch(cell: Nb201Cell): string {
  return cell.map((edges) => `|${edges.map((op, i) => `${op}~${i}`).join('|')}|`).join('+');
}

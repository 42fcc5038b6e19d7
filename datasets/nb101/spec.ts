/**
 * NAS-Bench-101 cell specs: an upper-triangular adjacency matrix over ≤ 7 vertices (0 = input,
 * last = output) and one op per vertex. Pruning, the channel-splitting rule and the module hash
 * follow the benchmark's documented definitions (`model_spec.py`, `model_builder.py`,
 * `graph_util.py` of google-research/nasbench), re-implemented here.
 */
import { createHash } from 'node:crypto';
import { OnnxPredictError } from '../../src/errors.ts';

export const NB101_OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'] as const;
export type Nb101Op = (typeof NB101_OPS)[number];
export type Nb101Label = 'input' | 'output' | Nb101Op;

export interface Nb101Spec {
  /** matrix[i][j] = 1 for an edge i → j (i < j). */
  readonly matrix: readonly (readonly (0 | 1)[])[];
  readonly ops: readonly Nb101Label[];
}

/** Compact text form used in datasets/nb101/nb101.csv: ops as one letter each, upper triangle as bits. */
const OP_CODE = { input: 'I', output: 'O', 'conv3x3-bn-relu': '3', 'conv1x1-bn-relu': '1', maxpool3x3: 'M' } as const satisfies Record<Nb101Label, string>;
const CODE_OP = Object.fromEntries(Object.entries(OP_CODE).map(([k, v]) => [v, k])) as Record<string, Nb101Label>;

function bad(what: string): never {
  throw new OnnxPredictError('DATASET_ERROR', `invalid NAS-Bench-101 spec: ${what}`);
}

export function encodeSpec(spec: Nb101Spec): { ops: string; matrix: string } {
  const n = spec.ops.length;
  let bits = '';
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) bits += spec.matrix[i]![j] ? '1' : '0';
  return { ops: spec.ops.map((o) => OP_CODE[o]).join(''), matrix: bits };
}

export function decodeSpec(ops: string, bits: string): Nb101Spec {
  const n = ops.length;
  if (n < 2 || n > 7) bad(`${n} vertices`);
  if (bits.length !== (n * (n - 1)) / 2 || /[^01]/.test(bits)) bad(`matrix bits '${bits}' for ${n} vertices`);
  const labels = [...ops].map((c) => CODE_OP[c] ?? bad(`op code '${c}'`));
  if (labels[0] !== 'input' || labels[n - 1] !== 'output' || labels.slice(1, -1).some((l) => l === 'input' || l === 'output')) bad(`ops '${ops}'`);
  const matrix: (0 | 1)[][] = Array.from({ length: n }, () => Array<0 | 1>(n).fill(0));
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) matrix[i]![j] = bits[k++] === '1' ? 1 : 0;
  return { matrix, ops: labels };
}

/** Drops vertices not on an input → output path, as `ModelSpec._prune` does. */
export function pruneSpec(spec: Nb101Spec): Nb101Spec {
  const n = spec.ops.length;
  const fromInput = new Set([0]);
  for (let j = 1; j < n; j++) for (const i of fromInput) if (spec.matrix[i]![j]) { fromInput.add(j); break; }
  const toOutput = new Set([n - 1]);
  for (let i = n - 2; i >= 0; i--) for (const j of toOutput) if (spec.matrix[i]![j]) { toOutput.add(i); break; }
  const keep = [...Array(n).keys()].filter((v) => fromInput.has(v) && toOutput.has(v));
  if (!keep.includes(0) || !keep.includes(n - 1)) bad('no path from input to output');
  if (keep.length === n) return spec;
  return { matrix: keep.map((i) => keep.map((j) => spec.matrix[i]![j]!)), ops: keep.map((v) => spec.ops[v]!) };
}

/** `compute_vertex_channels`: output channels split over the vertices feeding the output. */
export function vertexChannels(inputChannels: number, outputChannels: number, m: Nb101Spec['matrix']): number[] {
  const n = m.length;
  const ch = Array<number>(n).fill(0);
  ch[0] = inputChannels;
  ch[n - 1] = outputChannels;
  if (n === 2) return ch;
  let inDegreeOut = 0;
  for (let v = 1; v < n - 1; v++) inDegreeOut += m[v]![n - 1]!;
  const interior = Math.floor(outputChannels / inDegreeOut);
  let correction = outputChannels % inDegreeOut;
  for (let v = 1; v < n - 1; v++) {
    if (!m[v]![n - 1]) continue;
    ch[v] = interior;
    if (correction) {
      ch[v]! += 1;
      correction--;
    }
  }
  for (let v = n - 3; v > 0; v--) {
    if (m[v]![n - 1]) continue;
    for (let dst = v + 1; dst < n - 1; dst++) if (m[v]![dst]) ch[v] = Math.max(ch[v]!, ch[dst]!);
  }
  return ch;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** `ModelSpec.hash_spec`: the isomorphism-invariant module hash NAS-Bench-101 keys its data by. */
export function hashSpec(spec: Nb101Spec): string {
  const m = spec.matrix;
  const n = m.length;
  const labeling = spec.ops.map((o, v) => (v === 0 ? -1 : v === n - 1 ? -2 : NB101_OPS.indexOf(o as Nb101Op)));
  const inDeg = [...Array(n).keys()].map((v) => m.reduce((s, row) => s + row[v]!, 0));
  const outDeg = m.map((row) => row.reduce<number>((s, x) => s + x, 0));
  let hashes = labeling.map((l, v) => md5(`(${outDeg[v]}, ${inDeg[v]}, ${l})`));
  for (let round = 0; round < n; round++) {
    hashes = hashes.map((h, v) => {
      const ins = hashes.filter((_, w) => m[w]![v]).sort().join('');
      const outs = hashes.filter((_, w) => m[v]![w]).sort().join('');
      return md5(`${ins}|${outs}|${h}`);
    });
  }
  return md5(`[${[...hashes].sort().map((h) => `'${h}'`).join(', ')}]`);
}

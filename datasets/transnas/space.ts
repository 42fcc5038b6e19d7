/**
 * TransNAS-Bench-101 micro space as data. A cell of 4 nodes; node j sums one op over each earlier
 * node. Cell code digits (TransNAS-Bench `cell_ops.py` OPS): 0 = zero, 1 = skip (identity, or
 * FactorizedReduce when stride/channels change), 2 = ReLU-Conv1x1-BN, 3 = ReLU-Conv3x3-BN.
 * Macro skeleton `64-41414`: stem to 64 channels at 1/4 resolution, then five layers of two cells;
 * layer code 4 doubles channels with stride 2, code 1 keeps both.
 *
 * NASLib keys an architecture by the op tuple t and queries TransNAS-Bench with
 * `'64-41414-{}_{}{}_{}{}{}'.format(*t)`, so t's digits are the TransNAS digits in that order.
 * Pure module: no I/O.
 */
import { OnnxPredictError } from '../../src/errors.ts';

export const BASE_CHANNELS = 64;
export const MACRO_CODE = '41414';
export const CELLS_PER_LAYER = 2;
/** `cfg['input_dim']` of the classification configs. */
export const RESOLUTION = 256;

export type OpDigit = 0 | 1 | 2 | 3;
/** Six digits: node1←node0; node2←node0, node1; node3←node0, node1, node2. */
export type MicroCell = readonly [OpDigit, OpDigit, OpDigit, OpDigit, OpDigit, OpDigit];

/** (to-node, from-node) of each digit position. */
export const EDGES: readonly (readonly [number, number])[] = [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]];

export interface Task {
  readonly name: string;
  /** Classes the benchmark trained with (`target_dim`; the final5k subset: 63→47 scenes, 100→75 objects). */
  readonly classes: number;
  /** Classes NASLib's model uses for the same task (its zero-cost `params` proxy counts this head). */
  readonly naslibClasses: number;
}

/** Tasks with accuracy-like labels (valid top-1 %) whose network is encoder + linear head. */
export const TASKS: readonly Task[] = [
  { name: 'class_scene', classes: 47, naslibClasses: 63 },
  { name: 'class_object', classes: 75, naslibClasses: 100 },
];

export function transnasString(cell: MicroCell): string {
  const [a, b, c, d, e, f] = cell;
  return `${BASE_CHANNELS}-${MACRO_CODE}-${a}_${b}${c}_${d}${e}${f}`;
}

export function parseTransnasString(s: string): MicroCell {
  const m = /^64-41414-([0-3])_([0-3])([0-3])_([0-3])([0-3])([0-3])$/.exec(s);
  if (!m) throw new OnnxPredictError('DATASET_ERROR', `bad TransNAS-Bench micro string '${s}' (expected like '64-41414-1_02_333')`);
  return m.slice(1).map(Number) as unknown as MicroCell;
}

/** NASLib's key: a tuple string like `(1, 0, 0, 2, 1, 0)`. */
export function parseNaslibTuple(s: string): MicroCell {
  const m = /^\((\d), (\d), (\d), (\d), (\d), (\d)\)$/.exec(s);
  if (!m || m.slice(1).some((d) => Number(d) > 3)) throw new OnnxPredictError('DATASET_ERROR', `bad NASLib TransNAS micro key '${s}'`);
  return m.slice(1).map(Number) as unknown as MicroCell;
}

/** Position of the cell among all 4^6 micro cells (digits read as a base-4 number). */
export function cellIndex(cell: MicroCell): number {
  return cell.reduce<number>((acc, d) => acc * 4 + d, 0);
}

export interface CellSpec {
  readonly layer: number;
  readonly cell: number;
  readonly inC: number;
  readonly outC: number;
  readonly stride: number;
}

export function cells(): CellSpec[] {
  const out: CellSpec[] = [];
  let c = BASE_CHANNELS;
  [...MACRO_CODE].forEach((code, layer) => {
    const t = Number(code);
    const outC = t % 2 === 0 ? c * 2 : c;
    const stride = t > 2 ? 2 : 1;
    for (let i = 0; i < CELLS_PER_LAYER; i++) out.push({ layer, cell: i, inC: i === 0 ? c : outC, outC, stride: i === 0 ? stride : 1 });
    c = outC;
  });
  return out;
}

export const FINAL_CHANNELS = cells().at(-1)!.outC;

/**
 * Parameters as PyTorch counts them for encoder + linear head (BatchNorm γ, β included; convs
 * without bias), from the cell code alone. With `classes = naslibClasses` this is NASLib's
 * zero-cost `params` proxy (× 1e6).
 */
export function publishedStyleParams(cell: MicroCell, classes: number): number {
  let p = 3 * (BASE_CHANNELS / 2) * 9 + 2 * (BASE_CHANNELS / 2) + (BASE_CHANNELS / 2) * BASE_CHANNELS * 9 + 2 * BASE_CHANNELS;
  for (const s of cells()) {
    EDGES.forEach(([, from], i) => {
      const inC = from === 0 ? s.inC : s.outC;
      const stride = from === 0 ? s.stride : 1;
      const d = cell[i]!;
      if (d === 2) p += inC * s.outC + 2 * s.outC;
      else if (d === 3) p += inC * s.outC * 9 + 2 * s.outC;
      else if (d === 1 && (stride !== 1 || inC !== s.outC)) p += 2 * inC * (s.outC / 2) + 2 * s.outC;
    });
  }
  return p + FINAL_CHANNELS * classes + classes;
}

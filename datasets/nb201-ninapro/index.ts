/**
 * NAS-Bench-201 cells trained on NinaPro DB5 (NAS-Bench-360's precomputed NB201 benchmark): all
 * 15,625 cells of the NB201 space on NinaPro's skeleton — the same `TinyNetwork` as CIFAR NB201
 * (datasets/nb201/network.ts, reused with parameters) with a **1-channel** stem, a **18-class**
 * head and NinaPro's **1×1×16×52** sEMG window as input. Label `ninapro`: test top-1 % after 200
 * epochs, one seed (777). Table: `nb201_nb360_labels.csv.gz`, an exact gzip of
 * `../shared/data/nb201_nb360_ninapro_darcy/nb201_nb360_labels.csv` (SOURCE.md).
 *
 * Darcy Flow is not a target: its value is `1 − relative L2 error` of a dense 85×85 regression
 * network without pooling, another graph and not an accuracy. It travels in `extra.darcyScore`.
 *
 * @example
 *   const entries = await nb201NinaproSpace.entries();
 *   const onnx = nb201NinaproSpace.build(entries[0]!, { weights: 'stripped', seed: 0 });
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { OnnxPredictError } from '../../src/errors.ts';
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';
import { parseArch, type Nb201Cell } from '../nb201/arch.ts';
import { buildNb201Network } from '../nb201/network.ts';

export const NB201_NINAPRO_SPACE = 'nb201-ninapro';
export const NINAPRO_TARGET = 'ninapro';
/** `eval_acc1es['ori-test@199']` of the 200-epoch run with seed 777: the last epoch, one seed. */
export const NINAPRO_LABEL_KIND = 'test@200ep-seed777';
/** NB360's NinaPro input: the (N, 52, 16) arrays transposed to (N, 16, 52) and given a channel axis. */
export const NINAPRO_INPUT = Object.freeze({ channels: 1, height: 16, width: 52, classes: 18 });
/** The family of every NB201 cell, on any dataset: NB201 rows of one cell share `archKey` = the cell string. */
export const NB201_FAMILY = 'nb201';

const TABLE_URL = new URL('./nb201_nb360_labels.csv.gz', import.meta.url);
const HEADER = 'nb201_index,arch_str,ninapro_test_acc,darcy_score,cifar100_test_acc_nb201v11,iso_rep_index';

/** What `extra` holds for an nb201-ninapro entry. */
export interface NinaproExtra {
  /** Darcy Flow `1 − relative L2` (higher is better; not an accuracy, not a target). */
  readonly darcyScore: number;
  /** NB201 v1.1 CIFAR-100 test accuracy as the source table carries it (the `nb201` space has its own). */
  readonly cifar100Nb201v11: number;
  /** HW-NAS-Bench-360's isomorphism representative (used there for latency only). */
  readonly isoRepIndex: number;
}

export interface Nb201ParamOptions {
  readonly inputChannels?: number;
  readonly classes?: number;
  readonly channels?: number;
  readonly cellsPerStage?: number;
}

/**
 * Parameters of the NB201 `TinyNetwork` for a cell in the benchmark's convention (conv kernels, BN
 * γ and β, Linear weight and bias; the convs have no bias), from the cell alone: the stem
 * Conv3×3 + BN, one ReLU-Conv-BN per conv edge, the two ResNet blocks (two Conv3×3 + BN and a
 * bias-free Conv1×1 shortcut), the last BN and the classifier. It reproduces NB201's published
 * CIFAR-10 count (`nb201.csv`) wherever that count is whole, which `test/datasets-nb201-ninapro.test.ts` checks.
 */
export function nb201BenchmarkParams(cell: Nb201Cell, options: Nb201ParamOptions = {}): number {
  const cin = options.inputChannels ?? 3;
  const classes = options.classes ?? 10;
  const C = options.channels ?? 16;
  const N = options.cellsPerStage ?? 5;
  const ops = cell.flat();
  const k1 = ops.filter((op) => op === 'nor_conv_1x1').length;
  const k3 = ops.filter((op) => op === 'nor_conv_3x3').length;
  const perCell = (c: number) => k1 * c * c + k3 * 9 * c * c + (k1 + k3) * 2 * c;
  const resBlock = (a: number, b: number) => 9 * a * b + 2 * b + 9 * b * b + 2 * b + a * b;
  let p = 9 * cin * C + 2 * C;
  for (const c of [C, 2 * C, 4 * C]) p += N * perCell(c);
  p += resBlock(C, 2 * C) + resBlock(2 * C, 4 * C);
  p += 2 * 4 * C + 4 * C * classes + classes;
  return p;
}

export function parseNinaproTable(text: string): ArchEntry[] {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== HEADER) throw new OnnxPredictError('DATASET_ERROR', `nb201_nb360_labels.csv must start with '${HEADER}'`);
  return lines.slice(1).map((l, i): ArchEntry => {
    const [index, arch, ninapro, darcy, c100, iso] = l.split(',');
    const nums = [index, ninapro, darcy, c100, iso].map(Number);
    if (arch === undefined || iso === undefined || nums.some((n) => !Number.isFinite(n)) || nums[0] !== i) {
      throw new OnnxPredictError('DATASET_ERROR', `nb201_nb360_labels.csv:${i + 2}: malformed row '${l}'`);
    }
    const cell = parseArch(arch);
    const extra: NinaproExtra = { darcyScore: nums[2]!, cifar100Nb201v11: nums[3]!, isoRepIndex: nums[4]! };
    return Object.freeze({
      space: NB201_NINAPRO_SPACE,
      index: i,
      arch,
      labels: Object.freeze({ [NINAPRO_TARGET]: nums[1]! }),
      labelKind: Object.freeze({ [NINAPRO_TARGET]: NINAPRO_LABEL_KIND }),
      publishedParams: nb201BenchmarkParams(cell, { inputChannels: NINAPRO_INPUT.channels, classes: NINAPRO_INPUT.classes }),
      family: NB201_FAMILY,
      archKey: arch,
      extra: Object.freeze({ ...extra }),
    });
  });
}

let cache: Promise<readonly ArchEntry[]> | undefined;

export const nb201NinaproSpace: SpaceBuilder = Object.freeze({
  space: NB201_NINAPRO_SPACE,
  description: 'NAS-Bench-201 cells on NinaPro DB5 (NAS-Bench-360): 15,625 cells, 1-channel 16×52 sEMG input, 18 classes; label: test top-1 % after 200 epochs, seed 777',
  entries: () => (cache ??= Promise.resolve(Object.freeze(parseNinaproTable(gunzipSync(readFileSync(TABLE_URL)).toString('utf8'))))),
  build(entry: ArchEntry, options) {
    if (entry.space !== NB201_NINAPRO_SPACE) throw new OnnxPredictError('DATASET_ERROR', `nb201-ninapro builder got an entry of space '${entry.space}'`);
    return buildNb201Network(parseArch(entry.arch), {
      weights: options.weights, seed: options.seed, inputChannels: NINAPRO_INPUT.channels,
      inputSize: [NINAPRO_INPUT.height, NINAPRO_INPUT.width], classes: NINAPRO_INPUT.classes,
    });
  },
} satisfies SpaceBuilder);

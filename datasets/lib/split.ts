/**
 * Split conventions (docs/DATASETS.md):
 * - zero-shot: train on every NB101 record, test on every NB201 record (ONNX-Net's protocol);
 * - in-space: a seeded random split of one space's records, `splitBySeed`.
 */
import { shuffled } from './random.ts';
import type { ManifestRecord } from './types.ts';

export const ZERO_SHOT = Object.freeze({ train: Object.freeze(['nb101']), test: Object.freeze(['nb201']) });

export interface Split<T> {
  readonly train: T[];
  readonly test: T[];
}

/**
 * A deterministic seeded split. Records are ordered by id first, so the result depends only on the
 * set of records and the seed, not on their order in the input. `testSize` defaults to all the rest.
 */
export function splitBySeed<T extends { readonly id: string }>(records: readonly T[], options: { trainSize: number; testSize?: number; seed: number }): Split<T> {
  const { trainSize, seed } = options;
  const n = records.length;
  if (!Number.isInteger(trainSize) || trainSize < 0 || trainSize > n) {
    throw new RangeError(`trainSize must be an integer in [0, ${n}], got ${trainSize}`);
  }
  const testSize = options.testSize ?? n - trainSize;
  if (!Number.isInteger(testSize) || testSize < 0 || trainSize + testSize > n) {
    throw new RangeError(`testSize must be an integer in [0, ${n - trainSize}], got ${testSize}`);
  }
  const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const order = shuffled(sorted, seed);
  return { train: order.slice(0, trainSize), test: order.slice(trainSize, trainSize + testSize) };
}

/** ONNX-Net's zero-shot protocol over records of several spaces: train NB101, test NB201. */
export function zeroShotSplit<T extends Pick<ManifestRecord, 'space'>>(records: readonly T[]): Split<T> {
  return {
    train: records.filter((r) => ZERO_SHOT.train.includes(r.space)),
    test: records.filter((r) => ZERO_SHOT.test.includes(r.space)),
  };
}

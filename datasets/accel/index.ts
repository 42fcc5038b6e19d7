/**
 * Accel-NASBench (afzalxo/Accel-NASBench): 5,138 MnasNet/EfficientNet-B0-style networks with
 * ImageNet top-1 after the benchmark's proxy training. Labels come from `labels.tsv` beside this
 * file (see its header for source and license); the network is built by `network.ts`.
 *
 * @example
 *   const entries = await accelSpace.entries();
 *   const onnx = accelSpace.build(entries[0]!, { weights: 'stripped', seed: 0 });
 */
import { malformedRow, tsvRows } from '../lib/table.ts';
import { readFileSync } from 'node:fs';
import { OnnxPredictError } from '../../src/errors.ts';
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';
import { buildAccelNetwork } from './network.ts';
import { bnChannels, parseKey } from './space.ts';

export const ACCEL_SPACE = 'accel';
/** 16 epochs, progressive resize 160→192 px, eval at 256 px (center crop ratio 224/256), 1 seed. */
export const ACCEL_LABEL_KIND = 'top1-val@16ep-proxy';
/**
 * Its own target, not `imagenet`: a 16-epoch proxy training reaches 43–67 % where the same
 * network trained fully (timm's `imagenet`, 41–88 %) reaches far more, so the two are different
 * quantities and must not share a calibration.
 */
export const ACCEL_TARGET = 'imagenet-16ep';

const TABLE_URL = new URL('./labels.tsv', import.meta.url);

export function parseAccelTable(text: string): ArchEntry[] {
  const out: ArchEntry[] = [];
  for (const row of tsvRows(text, 'index\tkey\ttop1\ttop5\tparams')) {
    const [index, key, top1, top5, params] = row.cols;
    const nums = [index, top1, top5, params].map(Number);
    if (key === undefined || nums.some((n) => !Number.isFinite(n))) throw malformedRow(row);
    const config = parseKey(key);
    out.push({
      space: ACCEL_SPACE,
      index: nums[0]!,
      arch: key,
      labels: { [ACCEL_TARGET]: nums[1]! },
      labelKind: { [ACCEL_TARGET]: ACCEL_LABEL_KIND },
      publishedParams: nums[3]!,
      extra: { top5: nums[2]!, bnChannels: bnChannels(config) },
    });
  }
  out.sort((a, b) => a.index - b.index);
  return out;
}

let cache: ArchEntry[] | undefined;

export const accelSpace: SpaceBuilder = {
  space: ACCEL_SPACE,
  description: 'Accel-NASBench: 5,138 MnasNet/EfficientNet-B0-style ImageNet nets (7 blocks × expansion, kernel, depth, SE; ReLU), 256 px; label: ImageNet top-1 % after 16-epoch proxy training',
  async entries() {
    cache ??= parseAccelTable(readFileSync(TABLE_URL, 'utf8'));
    return cache;
  },
  build(entry, options) {
    if (entry.space !== ACCEL_SPACE) throw new OnnxPredictError('DATASET_ERROR', `accel builder got an entry of space '${entry.space}'`);
    return buildAccelNetwork(parseKey(entry.arch), options);
  },
};

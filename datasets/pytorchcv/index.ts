/**
 * pytorchcv (imgclsmob) zoo: one space, one entry per (model, dataset) row of the zoo's measured
 * table — ImageNet-1k classifiers of ~40 families at their evaluation size, and hand-designed 32×32
 * CIFAR-10/100 and SVHN networks, CUB-200 fine-tunes — exported by `export.py` beside this file
 * (random weights, float payloads stripped, gzipped under `graphs/`). Each entry carries one label,
 * its dataset's top-1 %: targets `imagenet`, `cifar10`, `cifar100`, `svhn`, `cub200`.
 *
 * Folds: `family` (datasets/lib/zoo_export.py `pytorchcv_family`) for leave-family-out, and
 * `archKey` shared by one architecture's rows on several datasets (`resnet20_cifar10`,
 * `resnet20_svhn` → `resnet20`) and with timm/pycls rows of the same design (`resnet50`).
 *
 * @example
 *   const entries = await pytorchcvSpace.entries();
 *   const onnx = pytorchcvSpace.build(entries[0]!, { weights: 'stripped', seed: 0 });
 */
import { readFileSync } from 'node:fs';
import { OnnxPredictError } from '../../src/errors.ts';
import { malformedRow } from '../lib/table.ts';
import { namedRows, numberCell, storedGraph, zooExtra } from '../lib/zoo.ts';
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';

export const PYTORCHCV_SPACE = 'pytorchcv';

const TABLE_URL = new URL('./labels.tsv', import.meta.url);
const GRAPHS_URL = new URL('./graphs/', import.meta.url);
export const PYTORCHCV_COLUMNS = ['model', 'dataset', 'target', 'img_size', 'family', 'arch_key', 'top1', 'top5', 'params', 'built_params',
  'macs_m', 'caption', 'provenance', 'nodes', 'export_s'] as const;

/** The source CSV's `dataset` → our target. */
export const PYTORCHCV_TARGETS = Object.freeze({ imagenet1k: 'imagenet', cifar10: 'cifar10', cifar100: 'cifar100', svhn: 'svhn', cub200: 'cub200' });

/** What `extra` holds for a pytorchcv entry. */
export interface PytorchcvExtra {
  /** `pytorchcv.model_provider.get_model` name (`resnet20_cifar10`). */
  readonly model: string;
  /** The source table's dataset (`imagenet1k`, `cifar10`, `cifar100`, `svhn`, `cub200`). */
  readonly dataset: string;
  readonly target: string;
  readonly imgSize: number;
  /** ImageNet top-5 %, or null (other datasets). */
  readonly top5: number | null;
  /** The package's parameter count (`params_meta`, what `get_model` builds). */
  readonly tableParams: number;
  /** Σ p.numel() of the model built at export time. */
  readonly builtParams: number;
  /** The zoo's "FLOPs/2" in millions (its MAC count). */
  readonly tableMacsM: number;
  readonly caption: string;
  /** "Converted from GL model" (the zoo author's Gluon training) or "From [repo]" (ported weights). */
  readonly provenance: string;
  readonly nodes: number;
  readonly exportSeconds: number;
  readonly graph: string;
}

export function parsePytorchcvTable(text: string): ArchEntry[] {
  const out: ArchEntry[] = [];
  for (const { row, get } of namedRows(text, PYTORCHCV_COLUMNS)) {
    const model = get('model');
    const dataset = get('dataset');
    const target = (PYTORCHCV_TARGETS as Record<string, string>)[dataset];
    const family = get('family');
    const archKey = get('arch_key');
    if (!model || !family || !archKey || target === undefined || target !== get('target')) throw malformedRow(row);
    const n = (c: string) => numberCell(row, get(c));
    const imgSize = n('img_size');
    const extra: PytorchcvExtra = {
      model, dataset, target, imgSize, top5: get('top5') === '' ? null : n('top5'), tableParams: n('params'),
      builtParams: n('built_params'), tableMacsM: n('macs_m'), caption: get('caption'), provenance: get('provenance'),
      nodes: n('nodes'), exportSeconds: n('export_s'), graph: `${model}.onnx.gz`,
    };
    out.push({
      space: PYTORCHCV_SPACE,
      index: out.length,
      arch: model,
      labels: { [target]: n('top1') },
      labelKind: { [target]: `top1@${imgSize}` },
      publishedParams: extra.tableParams,
      family,
      archKey,
      extra: { ...extra },
    });
  }
  return out;
}

/** The typed `extra` of a pytorchcv entry. */
export function pytorchcvExtra(entry: ArchEntry): PytorchcvExtra {
  return zooExtra<PytorchcvExtra>(PYTORCHCV_SPACE, entry);
}

let cache: ArchEntry[] | undefined;

export const pytorchcvSpace: SpaceBuilder = {
  space: PYTORCHCV_SPACE,
  description: 'pytorchcv (imgclsmob) zoo: ImageNet-1k classifiers of ~40 families at their eval size, 32×32 CIFAR-10/100 and SVHN ResNet-style nets, CUB-200 fine-tunes; stripped weights; label: measured top-1 % of the released weights on the row\'s dataset',
  async entries() {
    try {
      cache ??= parsePytorchcvTable(readFileSync(TABLE_URL, 'utf8'));
    } catch (e) {
      if (e instanceof OnnxPredictError) throw e;
      throw new OnnxPredictError('DATASET_ERROR', `cannot read label table '${TABLE_URL.pathname}'`, { cause: e });
    }
    return cache;
  },
  build(entry, options) {
    return storedGraph(PYTORCHCV_SPACE, GRAPHS_URL, pytorchcvExtra(entry).graph, options);
  },
};

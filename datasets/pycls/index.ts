/**
 * pycls "Designing Network Design Spaces" baselines: 36 ImageNet models — RegNetX/Y 200MF–32GF,
 * ResNet-50/101/152, ResNeXt-50/101/152 (32×4d), EfficientNet-B0–B5 — trained with **one uniform
 * 100-epoch recipe** (mean of 5 runs), the cleanest ImageNet signal we have. Rebuilt from each
 * YAML's architecture section by pycls 0.1.1 and exported by `export.py` beside this file (random
 * weights, float payloads stripped, gzipped under `graphs/`). Target `imagenet`; the label kind
 * `top1@<size>:uniform-100ep` and `extra.recipe` mark the uniform-recipe group, so its rows can be
 * ranked among themselves (the space is that group).
 *
 * @example
 *   const entries = await pyclsSpace.entries();
 *   const onnx = pyclsSpace.build(entries[0]!, { weights: 'stripped', seed: 0 });
 */
import { readFileSync } from 'node:fs';
import { OnnxPredictError } from '../../src/errors.ts';
import { malformedRow } from '../lib/table.ts';
import { namedRows, numberCell, storedGraph, zooExtra } from '../lib/zoo.ts';
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';

export const PYCLS_SPACE = 'pycls';
/** The one training protocol of every row (MODEL_ZOO.md): SGD, cosine, 100 epochs, no EMA or extra augmentation; mean of 5 runs. */
export const PYCLS_RECIPE = 'pycls-dds-uniform-100ep-mean5';

const TABLE_URL = new URL('./labels.tsv', import.meta.url);
const GRAPHS_URL = new URL('./graphs/', import.meta.url);
export const PYCLS_COLUMNS = ['model', 'model_type', 'img_size', 'family', 'arch_key', 'top1', 'params_m', 'gflops', 'acts_m',
  'built_params', 'epochs', 'batch_size', 'config_path', 'arch_params', 'nodes', 'export_s'] as const;

/** What `extra` holds for a pycls entry. */
export interface PyclsExtra {
  /** pycls's model name (`RegNetX-200MF`, `ResNeXt-50`, `EfficientNet-B0`). */
  readonly model: string;
  /** `regnet`, `anynet` (ResNet/ResNeXt) or `effnet`. */
  readonly modelType: string;
  readonly imgSize: number;
  readonly recipe: string;
  /** MODEL_ZOO.md's figures: params (M, one decimal), GFLOPs, activations (M). */
  readonly paramsM: number;
  readonly gflops: number;
  readonly actsM: number;
  /** Σ p.numel() of the model pycls 0.1.1 built at export. */
  readonly builtParams: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly configPath: string;
  /** The YAML's architecture section. */
  readonly archParams: Readonly<Record<string, unknown>>;
  readonly nodes: number;
  readonly exportSeconds: number;
  readonly graph: string;
}

export function parsePyclsTable(text: string): ArchEntry[] {
  const out: ArchEntry[] = [];
  for (const { row, get } of namedRows(text, PYCLS_COLUMNS)) {
    const model = get('model');
    const family = get('family');
    const archKey = get('arch_key');
    if (!model || !family || !archKey || !['regnet', 'anynet', 'effnet'].includes(get('model_type'))) throw malformedRow(row);
    let archParams: Record<string, unknown>;
    try {
      archParams = JSON.parse(get('arch_params')) as Record<string, unknown>;
    } catch {
      throw malformedRow(row);
    }
    const n = (c: string) => numberCell(row, get(c));
    const imgSize = n('img_size');
    const extra: PyclsExtra = {
      model, modelType: get('model_type'), imgSize, recipe: PYCLS_RECIPE, paramsM: n('params_m'), gflops: n('gflops'), actsM: n('acts_m'),
      builtParams: n('built_params'), epochs: n('epochs'), batchSize: n('batch_size'), configPath: get('config_path'), archParams,
      nodes: n('nodes'), exportSeconds: n('export_s'), graph: `${model}.onnx.gz`,
    };
    out.push({
      space: PYCLS_SPACE,
      index: out.length,
      arch: model,
      labels: { imagenet: n('top1') },
      labelKind: { imagenet: `top1@${imgSize}:uniform-100ep` },
      // MODEL_ZOO.md gives millions to one decimal; the exact count is pycls's own build (equal to it to 0.05 M, checked by the test).
      publishedParams: extra.builtParams,
      family,
      archKey,
      extra: { ...extra },
    });
  }
  return out;
}

/** The typed `extra` of a pycls entry. */
export function pyclsExtra(entry: ArchEntry): PyclsExtra {
  return zooExtra<PyclsExtra>(PYCLS_SPACE, entry);
}

let cache: ArchEntry[] | undefined;

export const pyclsSpace: SpaceBuilder = {
  space: PYCLS_SPACE,
  description: 'pycls DDS baselines: 36 RegNetX/Y, ResNet, ResNeXt, EfficientNet ImageNet models at their crop size, stripped weights; label: ImageNet-1k top-1 %, one uniform 100-epoch recipe, mean of 5 runs',
  async entries() {
    try {
      cache ??= parsePyclsTable(readFileSync(TABLE_URL, 'utf8'));
    } catch (e) {
      if (e instanceof OnnxPredictError) throw e;
      throw new OnnxPredictError('DATASET_ERROR', `cannot read label table '${TABLE_URL.pathname}'`, { cause: e });
    }
    return cache;
  },
  build(entry, options) {
    return storedGraph(PYCLS_SPACE, GRAPHS_URL, pyclsExtra(entry).graph, options);
  },
};

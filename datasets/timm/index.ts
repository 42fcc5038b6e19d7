/**
 * timm (pytorch-image-models) zoo: real ImageNet architectures exported to ONNX by
 * `export.py` beside this file (random weights, float payloads stripped, gzipped under `graphs/`),
 * labelled with ImageNet-1k top-1 from timm's published results (`labels.tsv`, one recipe per
 * architecture and resolution: the best top-1 tag). `build()` returns the stored bytes.
 *
 * @example
 *   const entries = await timmSpace.entries();
 *   const onnx = timmSpace.build(entries[0]!, { weights: 'stripped', seed: 0 });
 */
import { malformedRow, tsvRows } from '../lib/table.ts';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { OnnxPredictError } from '../../src/errors.ts';
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';

export const TIMM_SPACE = 'timm';

const TABLE_URL = new URL('./labels.tsv', import.meta.url);
const GRAPHS_URL = new URL('./graphs/', import.meta.url);
const HEADER = 'arch\timg_size\tfamily\tarch_key\ttag\ttop1\ttop5\trecipes\tparam_count_m\ttimm_params\tnodes\texport_s';

/** What `extra` holds for a timm entry. */
export interface TimmExtra {
  /** timm architecture name (`timm.create_model` argument). */
  readonly model: string;
  readonly imgSize: number;
  /** Name prefix with aliases merged (datasets/lib/zoo_export.py `family_of`); the leave-family-out group. */
  readonly family: string;
  /** Architecture key shared with the other zoos (zoo_export.py `arch_key`: `resnet50d` → `resnet50`). */
  readonly archKey: string;
  /** The pretrained tag whose top-1 is the label. */
  readonly tag: string;
  readonly top5: number;
  /** Tags the results table lists for this architecture at this resolution. */
  readonly recipes: number;
  /** timm's `param_count` column, millions. */
  readonly paramCountM: number;
  readonly nodes: number;
  readonly exportSeconds: number;
  /** Gzipped stripped ONNX file under `graphs/`. */
  readonly graph: string;
}

/** `<arch>@<img_size>`, the entry's `arch` key. */
export function timmKey(model: string, imgSize: number): string {
  return `${model}@${imgSize}`;
}

export function parseTimmTable(text: string): ArchEntry[] {
  const out: ArchEntry[] = [];
  for (const row of tsvRows(text, HEADER)) {
    const f = row.cols;
    const [model, size, family, archKey, tag] = f;
    const nums = [f[1], f[5], f[6], f[7], f[8], f[9], f[10], f[11]].map(Number);
    if (f.length !== 12 || !model || !family || !archKey || !tag || nums.some((n) => !Number.isFinite(n))) throw malformedRow(row);
    const [imgSize, top1, top5, recipes, paramCountM, timmParams, nodes, exportSeconds] = nums as [number, number, number, number, number, number, number, number];
    const extra: TimmExtra = { model, imgSize, family, archKey, tag, top5, recipes, paramCountM, nodes, exportSeconds, graph: `${model}-${size}.onnx.gz` };
    out.push({
      space: TIMM_SPACE,
      index: out.length,
      arch: timmKey(model, imgSize),
      labels: { imagenet: top1 },
      // The recipe (pretrained tag) rides along: a known architecture's answer names where its number comes from.
      labelKind: { imagenet: `top1@${imgSize} ${model}.${tag}` },
      publishedParams: timmParams,
      family,
      archKey,
      extra: { ...extra },
    });
  }
  return out;
}

/** The typed `extra` of a timm entry. */
export function timmExtra(entry: ArchEntry): TimmExtra {
  if (entry.space !== TIMM_SPACE || !entry.extra) throw new OnnxPredictError('DATASET_ERROR', `not a timm entry: '${entry.arch}' (space '${entry.space}')`);
  return entry.extra as unknown as TimmExtra;
}

let cache: ArchEntry[] | undefined;

/** All timm entries, keyed by `arch` (`<model>@<img_size>`): the family lookup for manifests. */
export async function timmEntriesByArch(): Promise<ReadonlyMap<string, ArchEntry>> {
  return new Map((await timmSpace.entries()).map((e) => [e.arch, e]));
}

export const timmSpace: SpaceBuilder = {
  space: TIMM_SPACE,
  description: 'timm zoo: real ImageNet-1k classifiers from pytorch-image-models (CNNs, ViTs, hybrids), exported at their eval resolution, stripped weights; label: published ImageNet-1k top-1 % of the best recipe',
  async entries() {
    cache ??= parseTimmTable(readFileSync(TABLE_URL, 'utf8'));
    return cache;
  },
  build(entry, options) {
    const extra = timmExtra(entry);
    if (options.weights !== 'stripped') {
      throw new OnnxPredictError('DATASET_ERROR', `timm graphs are stored without weights; weights '${options.weights}' is not available (parameter 'weights'; use 'stripped')`);
    }
    return new Uint8Array(gunzipSync(readFileSync(new URL(extra.graph, GRAPHS_URL))));
  },
};

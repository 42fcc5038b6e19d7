/**
 * The benchmark datasets: one lazily imported `SpaceBuilder` per search space, `buildDataset`,
 * which writes `<out>/<id>.onnx` + `<out>/manifest.jsonl` for a space (docs/DATASETS.md), and
 * `registerDatasetSpaces`, which fills src's space registry (src/predictor/spaces.ts) so the
 * CLI and the public `buildDataset` can build them without src/ importing datasets/.
 *
 * @example
 *   await buildDataset('nb201', { out: 'data/nb201', limit: 100, seed: 0 });
 *   const records = readManifest('data/nb201/manifest.jsonl');
 */
import { OnnxPredictError } from '../src/errors.ts';
import { spaces, type BuildDatasetOptions, type BuildSummary, type SpaceRegistry } from '../src/predictor/spaces.ts';
import type { SpaceBuilder, SpaceTable } from './lib/types.ts';
import { SPACE_DESCRIPTIONS, SPACE_TARGETS, TARGETS } from './targets.ts';

export const SPACES = Object.freeze({
  nb201: async () => (await import('./nb201/builder.ts')).nb201,
  nb101: async () => (await import('./nb101/builder.ts')).nb101,
  accel: async () => (await import('./accel/index.ts')).accelSpace,
  'transnas-micro': async () => (await import('./transnas/index.ts')).transnasMicroSpace,
  timm: async () => (await import('./timm/index.ts')).timmSpace,
  'nb201-ninapro': async () => (await import('./nb201-ninapro/index.ts')).nb201NinaproSpace,
  pytorchcv: async () => (await import('./pytorchcv/index.ts')).pytorchcvSpace,
  pycls: async () => (await import('./pycls/index.ts')).pyclsSpace,
} satisfies SpaceTable);

export type SpaceName = keyof typeof SPACES;

export function isSpaceName(name: string): name is SpaceName {
  return Object.hasOwn(SPACES, name);
}

/** The builder for `space`; a DATASET_ERROR naming the known spaces otherwise. */
export async function getSpace(space: string): Promise<SpaceBuilder> {
  if (!isSpaceName(space)) {
    throw new OnnxPredictError('DATASET_ERROR', `unknown space '${space}' (parameter 'space'); known: ${Object.keys(SPACES).join(', ')}`);
  }
  return SPACES[space]();
}

/** Builds (or resumes building) the dataset of `space` into `options.out`. */
export async function buildDataset(space: string, options: BuildDatasetOptions): Promise<BuildSummary> {
  // The runner (reader, profile, protobuf) loads only when something is built.
  const { buildSpace } = await import('./lib/build.ts');
  return buildSpace(await getSpace(space), options);
}

/** Registers every space of `SPACES`, with its targets and their domains (datasets/targets.ts), in `registry` (default: src's process-wide one). Cheap: nothing loads until a build. */
export function registerDatasetSpaces(registry: SpaceRegistry = spaces): SpaceRegistry {
  for (const name of Object.keys(SPACES) as SpaceName[]) {
    registry.register({
      name,
      description: SPACE_DESCRIPTIONS[name],
      targets: SPACE_TARGETS[name].map((t) => TARGETS[t]),
      build: (options) => buildDataset(name, options),
    });
  }
  return registry;
}

export type { BuildDatasetOptions, BuildSummary } from '../src/predictor/spaces.ts';
export { readManifest, MANIFEST_FILE } from '../src/predictor/manifest.ts';
export { splitBySeed, zeroShotSplit, ZERO_SHOT } from './lib/split.ts';
export { TARGETS, SPACE_TARGETS } from './targets.ts';
export type { ArchEntry, ManifestRecord, SpaceBuilder, Target, WeightMode } from './lib/types.ts';

/**
 * The dataset contract: every search space is a `SpaceBuilder` that lists its architectures
 * (`ArchEntry`, with the benchmark's own labels) and writes one ONNX file per architecture.
 * `buildDataset` (build.ts) turns a builder into `<out>/<id>.onnx` files plus `<out>/manifest.jsonl`
 * whose lines are `ManifestRecord`s. Accuracy labels are always percent (0–100).
 */
import type { WeightMode } from '../../src/onnx-to-text/writer.ts';

export type { WeightMode };
/** One line of `manifest.jsonl` (the format lives in src/predictor/manifest.ts). */
export type { ManifestRecord } from '../../src/predictor/manifest.ts';

/** A label's dataset. Open-ended: spaces may add their own (TransNAS tasks, ...). */
export type Target = 'cifar10' | 'cifar100' | 'imagenet16-120' | 'imagenet' | (string & {});

export interface ArchEntry {
  /** Space key, as in `SPACES` (datasets/index.ts). */
  readonly space: string;
  /** Position in the builder's deterministic `entries()` order (the benchmark's index where it has one). */
  readonly index: number;
  /** The benchmark's own key for the architecture (NB201 arch string, NB101 module hash, ...). */
  readonly arch: string;
  /** Accuracy in percent, keyed by `Target`. */
  readonly labels: Readonly<Record<string, number>>;
  /** What each label measures, e.g. 'test@200ep', 'valid@108ep'. Same keys as `labels`. */
  readonly labelKind: Readonly<Record<string, string>>;
  /** The benchmark's own parameter count for the network we build (for the params gate); as published, so not always whole. */
  readonly publishedParams?: number;
  /**
   * Leave-family-out group: architectures of one design lineage (`resnet`, `regnet`, `nb201`),
   * named alike across spaces (docs/DATASETS.md, "Families and shared keys"). Absent: the space name.
   */
  readonly family?: string;
  /**
   * The architecture's identity across spaces and label datasets (`resnet50` in timm, pytorchcv
   * and pycls; an NB201 cell string on CIFAR and on NinaPro): records sharing it belong in one
   * cross-validation fold. Absent: `arch`.
   */
  readonly archKey?: string;
  /** Space-specific data the builder needs (cell graph, block settings, ...). JSON-serializable. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface BuildOptions {
  readonly weights: WeightMode;
  /** Seed for 'random' weights. */
  readonly seed: number;
}

export interface SpaceBuilder {
  readonly space: string;
  /** One line: what the space is, which network, which labels. */
  readonly description: string;
  /** All architectures, in a deterministic order. Loaded from the label tables shipped in the repo. */
  entries(): Promise<readonly ArchEntry[]>;
  /** ONNX bytes of the architecture's network as PyTorch would export it in eval mode. */
  build(entry: ArchEntry, options: BuildOptions): Uint8Array;
}

/** Lazily loaded builders, keyed by space name. */
export type SpaceTable = Readonly<Record<string, () => Promise<SpaceBuilder>>>;

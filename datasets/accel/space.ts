/**
 * The Accel-NASBench search space as data: the fixed EfficientNet-B0-like skeleton, the per-block
 * choices, the compact architecture key used in `labels.tsv`, and the parameter count the
 * benchmark reports (thop: conv weights + BatchNorm gamma/beta + SE biases + classifier).
 *
 * Source of the skeleton: `searchables/searchables.py` and `models/accelbenchnet.py` of GitHub
 * `afzalxo/ANB-DatasetCollection` (the authors' data-collection code); see docs/DATASETS.md.
 * Pure module: no I/O.
 */
import { OnnxPredictError } from '../../src/errors.ts';

export const NUM_BLOCKS = 7;
export const STRIDES = [1, 2, 2, 2, 1, 2, 1] as const;
export const IN_CHANNELS = [32, 16, 24, 40, 80, 112, 192] as const;
export const OUT_CHANNELS = [16, 24, 40, 80, 112, 192, 320] as const;
export const STEM_CHANNELS = 32;
/** `last_channel=None` in AccelNet, so the head conv is 4 × 320. */
export const HEAD_CHANNELS = 4 * 320;
export const NUM_CLASSES = 1000;
/** The benchmark's validation resolution (`val_resolution = 256` in the collection config). */
export const RESOLUTION = 256;

export const EXPANSIONS = [1, 4, 6] as const;
export const KERNELS = [3, 5] as const;
/** Blocks 0–4 and 6 use 1–3 layers; the released data also has 4 layers in block 5. */
export const MAX_LAYERS = 4;

export interface BlockConfig {
  readonly e: number;
  readonly k: number;
  readonly l: number;
  readonly se: boolean;
}

export type AccelConfig = readonly BlockConfig[];

/** torchvision's `_make_divisible(v, 8)`: round to a multiple of 8, never more than 10 % down. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** One MBConv layer as AccelNet instantiates it. */
export interface LayerSpec {
  readonly block: number;
  readonly inC: number;
  readonly outC: number;
  /** Expanded (depthwise) channels. */
  readonly midC: number;
  readonly kernel: number;
  readonly stride: number;
  readonly se: boolean;
  /** SE bottleneck: `max(1, in_channels // 4)` (of the layer input, not the expanded width). */
  readonly squeezeC: number;
  readonly residual: boolean;
}

export function layers(config: AccelConfig): LayerSpec[] {
  const out: LayerSpec[] = [];
  config.forEach((b, block) => {
    for (let j = 0; j < b.l; j++) {
      const inC = j === 0 ? IN_CHANNELS[block]! : OUT_CHANNELS[block]!;
      const outC = OUT_CHANNELS[block]!;
      const stride = j === 0 ? STRIDES[block]! : 1;
      out.push({
        block, inC, outC, midC: makeDivisible(inC * b.e), kernel: b.k, stride, se: b.se,
        squeezeC: Math.max(1, Math.floor(inC / 4)), residual: stride === 1 && inC === outC,
      });
    }
  });
  return out;
}

/**
 * Parameters as the benchmark counts them (thop over the PyTorch module, BatchNorm affine
 * parameters included), computed from the configuration alone. Matches the published `params`
 * column exactly for all 5,138 records (docs/DATASETS.md).
 */
export function publishedStyleParams(config: AccelConfig): number {
  let p = 3 * STEM_CHANNELS * 9 + 2 * STEM_CHANNELS;
  for (const L of layers(config)) {
    if (L.midC !== L.inC) p += L.inC * L.midC + 2 * L.midC;
    p += L.midC * L.kernel * L.kernel + 2 * L.midC;
    if (L.se) p += L.midC * L.squeezeC + L.squeezeC + L.squeezeC * L.midC + L.midC;
    p += L.midC * L.outC + 2 * L.outC;
  }
  p += OUT_CHANNELS[NUM_BLOCKS - 1]! * HEAD_CHANNELS + 2 * HEAD_CHANNELS;
  p += HEAD_CHANNELS * NUM_CLASSES + NUM_CLASSES;
  return p;
}

/**
 * Channels of every BatchNorm in the network. Folding a BN into its conv turns its 2·C affine
 * parameters into C bias values, so an eval-mode export has `publishedStyleParams − bnChannels`.
 */
export function bnChannels(config: AccelConfig): number {
  let c = STEM_CHANNELS + HEAD_CHANNELS;
  for (const L of layers(config)) c += (L.midC !== L.inC ? L.midC : 0) + L.midC + L.outC;
  return c;
}

/**
 * Compact key: per block `<e><k><l><s|n>` (s = squeeze-excite), blocks joined by '-',
 * e.g. `631n-452n-633n-653n-652n-132n-132n`.
 */
export function formatKey(config: AccelConfig): string {
  return config.map((b) => `${b.e}${b.k}${b.l}${b.se ? 's' : 'n'}`).join('-');
}

export function parseKey(key: string): AccelConfig {
  const parts = key.split('-');
  if (parts.length !== NUM_BLOCKS || !parts.every((p) => /^[146][35][1-4][sn]$/.test(p))) {
    throw new OnnxPredictError('DATASET_ERROR', `bad Accel-NASBench key '${key}' (expected 7 blocks like '631n' joined by '-')`);
  }
  return parts.map((p) => ({ e: Number(p[0]), k: Number(p[1]), l: Number(p[2]), se: p[3] === 's' }));
}

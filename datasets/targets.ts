/**
 * The label targets of the benchmark spaces and the task each measures: input resolution (max of
 * H, W), input channels, output classes of the networks the labels came from. Static facts from
 * the sources (docs/DATASETS.md), registered with each space (`registerDatasetSpaces`) so that
 * `onnx-predict info` can list them without loading a builder; `test/datasets-targets.test.ts`
 * checks every space's entries against it.
 *
 * The domain is the *task's*, which for NB201's CIFAR-100 and ImageNet16-120 labels differs from
 * the one CIFAR-10 graph the dataset stores per cell (10 classes, 32 px).
 */
import type { SpaceTarget } from '../src/predictor/spaces.ts';

const t = (name: string, description: string, resolution: readonly [number, number], channels: readonly number[], classes: readonly number[]): SpaceTarget =>
  Object.freeze({ name, description, domain: Object.freeze({ resolution, channels, classes }) });

export const TARGETS = Object.freeze({
  cifar10: t('cifar10', 'CIFAR-10 test top-1 % (NB201: 200 ep, seed mean; NB101: validation, 108 ep; pytorchcv: released weights)', [32, 32], [3], [10]),
  cifar100: t('cifar100', 'CIFAR-100 test top-1 % (NB201: x-test, 200 ep; pytorchcv: released weights)', [32, 32], [3], [100]),
  'imagenet16-120': t('imagenet16-120', 'ImageNet16-120 x-test top-1 %, 200 ep (NB201)', [16, 16], [3], [120]),
  imagenet: t('imagenet', 'ImageNet-1k validation top-1 % of fully trained models (timm best recipe, pytorchcv released weights, pycls uniform 100-ep recipe)', [106, 672], [3], [1000]),
  'imagenet-16ep': t('imagenet-16ep', 'ImageNet-1k validation top-1 % after Accel-NASBench\'s 16-epoch proxy training', [256, 256], [3], [1000]),
  class_scene: t('class_scene', 'TransNAS-Bench-101 scene classification validation top-1 % (best of 25 ep)', [256, 256], [3], [47]),
  class_object: t('class_object', 'TransNAS-Bench-101 object classification validation top-1 % (best of 25 ep)', [256, 256], [3], [75]),
  ninapro: t('ninapro', 'NinaPro DB5 sEMG gesture test top-1 %, 200 ep, seed 777 (NAS-Bench-360); input 1×16×52', [52, 52], [1], [18]),
  svhn: t('svhn', 'SVHN test top-1 % of released weights (pytorchcv), trained at 32×32', [32, 32], [3], [10]),
  cub200: t('cub200', 'CUB-200-2011 test top-1 % of released weights (pytorchcv fine-tunes)', [224, 448], [3], [200]),
} satisfies Record<string, SpaceTarget>);

export type TargetName = keyof typeof TARGETS;

/** Each space's targets, in the order its description lists them. */
export const SPACE_TARGETS = Object.freeze({
  nb201: ['cifar10', 'cifar100', 'imagenet16-120'],
  nb101: ['cifar10'],
  accel: ['imagenet-16ep'],
  'transnas-micro': ['class_scene', 'class_object'],
  timm: ['imagenet'],
  'nb201-ninapro': ['ninapro'],
  pytorchcv: ['imagenet', 'cifar10', 'cifar100', 'svhn', 'cub200'],
  pycls: ['imagenet'],
} satisfies Record<string, readonly TargetName[]>);

/** Short descriptions for `onnx-predict info` (the builders' own `description` needs their module loaded). */
export const SPACE_DESCRIPTIONS = Object.freeze({
  nb201: 'NAS-Bench-201 cells (15,625), CIFAR-10 network',
  nb101: 'NAS-Bench-101 cells (20,001 sampled)',
  accel: 'Accel-NASBench MnasNet-style ImageNet nets (5,138)',
  'transnas-micro': 'TransNAS-Bench-101 micro cells × 2 tasks (1,422)',
  timm: 'timm zoo ImageNet classifiers (stored graphs)',
  'nb201-ninapro': 'NAS-Bench-201 cells (15,625) on NinaPro DB5: 1-channel 16×52 input, 18 classes',
  pytorchcv: 'pytorchcv zoo: ImageNet, CIFAR-10/100, SVHN, CUB-200 classifiers (stored graphs)',
  pycls: 'pycls RegNetX/Y, ResNet(X), EfficientNet baselines, one uniform recipe (stored graphs)',
} satisfies Record<keyof typeof SPACE_TARGETS, string>);

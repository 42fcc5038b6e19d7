/**
 * NAS-Bench-201 (NATS-Bench topology space): all 15,625 cells. One file per arch holds the CIFAR-10
 * network (32×32 input, 10 classes) and carries all three labels, as ONNX-Net does; the
 * CIFAR-100 and ImageNet16-120 networks differ only in the classifier (100/120 classes) and, for
 * ImageNet16-120, the 16×16 input. Labels: 200-epoch test accuracy, mean over seeds.
 */
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';
import { readTable } from '../lib/table.ts';
import { parseArch } from './arch.ts';
import { buildNb201Network } from './network.ts';

const COLUMNS = ['index', 'arch', 'cifar10', 'cifar100', 'imagenet16_120', 'params'] as const;

export const NB201_LABEL_KIND = Object.freeze({
  cifar10: 'test@200ep',
  cifar100: 'x-test@200ep',
  'imagenet16-120': 'x-test@200ep',
});

let cache: Promise<readonly ArchEntry[]> | undefined;

async function load(): Promise<readonly ArchEntry[]> {
  const rows = await readTable(new URL('./nb201.csv', import.meta.url), COLUMNS);
  return Object.freeze(rows.map(([index, arch, c10, c100, in16, params]): ArchEntry => Object.freeze({
    space: 'nb201',
    index: Number(index),
    arch: arch!,
    labels: Object.freeze({ cifar10: Number(c10), cifar100: Number(c100), 'imagenet16-120': Number(in16) }),
    labelKind: NB201_LABEL_KIND,
    publishedParams: Number(params),
  })));
}

export const nb201: SpaceBuilder = Object.freeze({
  space: 'nb201',
  description: 'NAS-Bench-201 / NATS-Bench tss: 15,625 cells, CIFAR-10 network; 200-epoch test accuracy on CIFAR-10, CIFAR-100, ImageNet16-120',
  entries: () => (cache ??= load()),
  build: (entry: ArchEntry, options) => buildNb201Network(parseArch(entry.arch), { weights: options.weights, seed: options.seed }),
} satisfies SpaceBuilder);

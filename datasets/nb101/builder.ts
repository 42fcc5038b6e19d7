/**
 * NAS-Bench-101: the 20,001 architectures of the nasbench-vis sample with their recovered cell
 * graphs. Label: 108-epoch CIFAR-10 validation accuracy (percent); no test accuracy is available.
 * `arch` is the benchmark's module hash; the cell graph travels in `extra` (compact form).
 */
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';
import { readTable } from '../lib/table.ts';
import { buildNb101Network } from './network.ts';
import { decodeSpec } from './spec.ts';

const COLUMNS = ['index', 'hash', 'ops', 'matrix', 'valid_108', 'params'] as const;

export const NB101_LABEL_KIND = Object.freeze({ cifar10: 'valid@108ep' });

let cache: Promise<readonly ArchEntry[]> | undefined;

async function load(): Promise<readonly ArchEntry[]> {
  const rows = await readTable(new URL('./nb101.csv', import.meta.url), COLUMNS);
  return Object.freeze(rows.map(([index, hash, ops, matrix, acc, params]): ArchEntry => Object.freeze({
    space: 'nb101',
    index: Number(index),
    arch: hash!,
    labels: Object.freeze({ cifar10: Number(acc) }),
    labelKind: NB101_LABEL_KIND,
    publishedParams: Number(params),
    extra: Object.freeze({ ops: ops!, matrix: matrix! }),
  })));
}

function specOf(entry: ArchEntry): ReturnType<typeof decodeSpec> {
  const { ops, matrix } = entry.extra ?? {};
  if (typeof ops !== 'string' || typeof matrix !== 'string') throw new TypeError(`entry '${entry.arch}' has no NB101 cell graph in 'extra'`);
  return decodeSpec(ops, matrix);
}

export const nb101: SpaceBuilder = Object.freeze({
  space: 'nb101',
  description: 'NAS-Bench-101: 20,001 cells (nasbench-vis sample), CIFAR-10 network; 108-epoch CIFAR-10 validation accuracy',
  entries: () => (cache ??= load()),
  build: (entry: ArchEntry, options) => buildNb101Network(specOf(entry), { weights: options.weights, seed: options.seed }),
} satisfies SpaceBuilder);

/**
 * `onnx-predict dataset build <space>`: ONNX files + manifest.jsonl for a registered search space
 * (the CLI entry registers datasets/'s spaces in src/predictor/spaces.ts before parsing), with the
 * committed proxies of the space and, with `--proxies`, the missing ones computed.
 * `onnx-predict dataset proxies <dir>`: the proxies of an existing dataset folder (resumable).
 */
import { availableParallelism } from 'node:os';
import { Argument, Option, type Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../integers.ts';
import type { WeightMode } from '../onnx-to-text/writer.ts';
import { spaces } from '../predictor/spaces.ts';
import type { CliIO } from './io.ts';

const cores = () => Math.max(1, availableParallelism());

export function registerDataset(program: Command, io: CliIO): void {
  const dataset = program.command('dataset').description('benchmark datasets as ONNX graphs with measured accuracies');
  const space = new Argument('<space>', 'search space');
  if (spaces.names().length > 0) space.choices(spaces.names());
  dataset
    .command('build')
    .description('write ONNX files + manifest.jsonl for a search space (resumable, deterministic); the committed proxies come along')
    .addArgument(space)
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--limit <n>', 'a seeded random sample of n architectures (default: all)', (v) => parsePositiveInt('limit', v))
    .option('--seed <s>', 'seed for the sample and random weights', (v) => parseNonNegativeInt('seed', v), 0)
    .addOption(new Option('--weights <mode>', 'weight payloads').choices(['stripped', 'random', 'zeros']).default('stripped'))
    .option('--proxies', 'also compute the zero-cost proxies the committed cache lacks (docs/PROXIES.md)')
    .option('--workers <n>', 'worker threads for the build, child processes for the proxies (default: the number of cores)', (v) => parsePositiveInt('workers', v))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action(async (name: string, opts: { out: string; limit?: number; seed: number; weights: WeightMode; workers?: number; proxies?: boolean; progress?: boolean }) => {
      const { progressBar } = await import('./progress.ts');
      const bar = progressBar(`build ${name}`, { force: opts.progress === true });
      const workers = opts.workers ?? cores();
      try {
        const summary = await spaces.build(name, {
          out: opts.out,
          seed: opts.seed,
          weights: opts.weights,
          workers,
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        const proxies = await datasetProxies(opts.out, { compute: opts.proxies === true, workers, progress: opts.progress === true, io });
        io.stdout(`${JSON.stringify({ ...summary, proxies })}\n`);
      } finally {
        bar.stop();
      }
    });
  dataset
    .command('proxies')
    .description('compute the zero-cost proxies a built dataset folder lacks (resumable; committed ones are read first)')
    .argument('<dir>', 'dataset folder (manifest.jsonl + ONNX files)')
    .option('--workers <n>', 'child processes (default: the number of cores)', (v) => parsePositiveInt('workers', v))
    .option('--limit <n>', 'compute at most n of the missing (a seeded random sample)', (v) => parsePositiveInt('limit', v))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action(async (dir: string, opts: { workers?: number; limit?: number; progress?: boolean }) => {
      const proxies = await datasetProxies(dir, { compute: true, workers: opts.workers ?? cores(), progress: opts.progress === true, io, ...(opts.limit !== undefined ? { limit: opts.limit } : {}) });
      io.stdout(`${JSON.stringify(proxies)}\n`);
    });
}

/**
 * The committed proxies of a dataset folder, and the missing ones computed when `compute` (with a
 * progress bar and an ETA); the coverage either way. Shared by `dataset`, `eval` and `train`.
 */
export async function datasetProxies(dir: string, o: { compute: boolean; workers?: number; progress?: boolean; limit?: number; io: CliIO; label?: string; manifest?: string }): Promise<Record<string, unknown>> {
  const cache = await import('../proxies/cache.ts');
  if (!o.compute) {
    const imported = cache.importCommitted(dir, o.manifest);
    const { total, withProxies, skipped, missing, version } = cache.proxyCoverage(dir, cache.DEFAULT_SETTINGS, o.manifest);
    return { dir, version, total, imported, coverage: total > 0 ? withProxies / total : 0, withProxies, skippedModels: skipped, missing };
  }
  const { progressBar } = await import('./progress.ts');
  const bar = progressBar(o.label ?? `proxies ${dir}`, { force: o.progress === true });
  try {
    const s = await cache.cacheProxies({
      dir,
      ...(o.manifest !== undefined ? { manifest: o.manifest } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      onProgress: (p) => { if (p.todo > 0) bar.update(p.done, p.todo); },
    });
    bar.stop();
    const { coverage, ...rest } = s;
    return { ...rest, coverage: coverage.total > 0 ? coverage.withProxies / coverage.total : 0, withProxies: coverage.withProxies, skippedModels: coverage.skipped, missing: coverage.missing };
  } finally {
    bar.stop();
  }
}

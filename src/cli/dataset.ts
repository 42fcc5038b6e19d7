/**
 * `onnx-predict dataset build <space>`: ONNX files + manifest.jsonl for a registered search space
 * (the CLI entry registers datasets/'s spaces in src/predictor/spaces.ts before parsing).
 */
import { Argument, Option, type Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../integers.ts';
import type { WeightMode } from '../onnx-to-text/writer.ts';
import { spaces } from '../predictor/spaces.ts';
import type { CliIO } from './io.ts';

export function registerDataset(program: Command, io: CliIO): void {
  const dataset = program.command('dataset').description('benchmark datasets as ONNX graphs with measured accuracies');
  const space = new Argument('<space>', 'search space');
  if (spaces.names().length > 0) space.choices(spaces.names());
  dataset
    .command('build')
    .description('write ONNX files + manifest.jsonl for a search space (resumable, deterministic)')
    .addArgument(space)
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--limit <n>', 'a seeded random sample of n architectures (default: all)', (v) => parsePositiveInt('limit', v))
    .option('--seed <s>', 'seed for the sample and random weights', (v) => parseNonNegativeInt('seed', v), 0)
    .addOption(new Option('--weights <mode>', 'weight payloads').choices(['stripped', 'random', 'zeros']).default('stripped'))
    .option('--workers <n>', 'worker threads', (v) => parsePositiveInt('workers', v), 1)
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action(async (name: string, opts: { out: string; limit?: number; seed: number; weights: WeightMode; workers: number; progress?: boolean }) => {
      const { progressBar } = await import('./progress.ts');
      const bar = progressBar(`build ${name}`, { force: opts.progress === true });
      try {
        const summary = await spaces.build(name, {
          out: opts.out,
          seed: opts.seed,
          weights: opts.weights,
          workers: opts.workers,
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        io.stdout(`${JSON.stringify(summary)}\n`);
      } finally {
        bar.stop();
      }
    });
}

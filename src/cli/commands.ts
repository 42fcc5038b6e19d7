/**
 * Subcommand definitions. Each action parses its flags, calls the public API, prints.
 */
import { Argument, Option, type Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './main.ts';
import { progressBar } from './progress.ts';

export function registerCommands(program: Command, io: CliIO): void {
  program
    .command('describe')
    .description('print the graph as text')
    .argument('<model>', 'ONNX file')
    .addOption(new Option('-m, --mode <mode>', 'text mode').choices(api.TEXT_MODES).default(api.DEFAULT_TEXT_MODE))
    .option('--max-chars <n>', 'character budget for the text (default: mode default)', (v) => api.parsePositiveInt('max-chars', v))
    .action(async (file: string, opts: { mode: api.TextMode; maxChars?: number }) => {
      const model = await api.loadModelFile(file);
      io.stdout(`${api.describeModel(model, { mode: opts.mode, ...(opts.maxChars !== undefined ? { maxChars: opts.maxChars } : {}) })}\n`);
    });

  program
    .command('stats')
    .description('static profile: params, MACs, shapes, op counts')
    .argument('<model>', 'ONNX file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => {
      const model = await api.loadModelFile(file);
      const report = api.stats(model, file);
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${api.formatStats(report)}\n`);
    });

  const dataset = program.command('dataset').description('benchmark datasets as ONNX graphs with measured accuracies');
  dataset
    .command('build')
    .description('write ONNX files + manifest.jsonl for a search space (resumable, deterministic)')
    .addArgument(new Argument('<space>', 'search space').choices(api.DATASET_SPACES))
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--limit <n>', 'a seeded random sample of n architectures (default: all)', (v) => api.parsePositiveInt('limit', v))
    .option('--seed <s>', 'seed for the sample and random weights', (v) => api.parseNonNegativeInt('seed', v), 0)
    .addOption(new Option('--weights <mode>', 'weight payloads').choices(['stripped', 'random', 'zeros']).default('stripped'))
    .option('--workers <n>', 'worker threads', (v) => api.parsePositiveInt('workers', v), 1)
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action(async (space: string, opts: { out: string; limit?: number; seed: number; weights: api.WeightMode; workers: number; progress?: boolean }) => {
      const bar = progressBar(`build ${space}`, { force: opts.progress === true });
      try {
        const summary = await api.buildDataset(space, {
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

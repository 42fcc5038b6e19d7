/**
 * `onnx-predict train`: fit a predictor checkpoint on built datasets or the user's own manifests.
 * The zero-cost proxies of every manifest are completed first (committed caches, then the missing
 * ones computed with a progress bar) unless `--no-proxies`; the summary states their coverage.
 */
import { Option, type Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './io.ts';

export function registerTrain(program: Command, io: CliIO): void {
  program
    .command('train')
    .description('train a predictor checkpoint from built datasets or your own manifest')
    .option('--spaces <list>', 'built spaces under --data (comma-separated)', (v) => v.split(',').filter((x) => x !== ''))
    .option('--manifest <path...>', 'manifest.jsonl files of your own (ONNX files + accuracies)')
    .option('--data <dir>', 'folder holding <space>/manifest.jsonl', 'data')
    .option('--targets <list>', 'targets to learn (default: every label present)', (v) => v.split(','))
    .option('--train-size <n>', 'seeded sample of n architectures per space', (v) => api.parsePositiveInt('train-size', v))
    .option('--seed <s>', 'seed', (v) => api.parseNonNegativeInt('seed', v), 0)
    .addOption(new Option('--representation <r>', 'features').choices(api.REPRESENTATIONS).default('node-graph'))
    .requiredOption('-o, --out <dir>', 'checkpoint folder to write')
    .option('--name <name>', 'checkpoint name shown by `info`', 'custom')
    .addOption(new Option('--head <preset>', 'head: linear, mlp-small, mlp, or auto (chosen on held-out data)').choices(Object.keys(api.HEAD_PRESETS)).default('auto'))
    .option('--no-proxies', 'train without zero-cost proxies (none computed or read)')
    .option('--workers <n>', 'child processes computing missing proxies (default: the number of cores)', (v) => api.parsePositiveInt('workers', v))
    .option('--progress', 'show progress even when stderr is not a terminal')
    .action(async (opts: { spaces?: string[]; manifest?: string[]; data: string; targets?: string[]; trainSize?: number; seed: number; representation: api.Representation; out: string; name: string; head: api.HeadPreset; proxies: boolean; workers?: number; progress?: boolean }) => {
      const manifests = [...(opts.spaces ?? []).map((s) => `${opts.data}/${s}/manifest.jsonl`), ...(opts.manifest ?? [])];
      if (manifests.length === 0) throw new api.UsageError('train needs --spaces or --manifest');
      if (opts.proxies) {
        const { datasetProxies } = await import('./dataset.ts');
        const { dirname } = await import('node:path');
        for (const m of manifests) {
          await datasetProxies(dirname(m), { compute: true, manifest: m, progress: opts.progress === true, io, label: `proxies ${m}`, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
        }
      }
      const { progressBar } = await import('./progress.ts');
      const bar = progressBar('train', { force: opts.progress === true });
      const encoder = await api.loadEncoder({});
      try {
        const summary = await api.trainPredictor({
          manifests, out: opts.out, seed: opts.seed, representation: opts.representation, encoder: api.textEmbedder(encoder), name: opts.name, head: api.HEAD_PRESETS[opts.head],
          useProxies: opts.proxies,
          ...(opts.targets ? { targets: opts.targets } : {}),
          ...(opts.trainSize !== undefined ? { trainSize: opts.trainSize } : {}),
          onProgress: (_s, d, t) => bar.update(d, t),
        });
        bar.stop();
        io.stdout(`${JSON.stringify(summary)}\n`);
      } finally {
        bar.stop();
        await encoder.dispose();
      }
    });
}

/**
 * Subcommand definitions. Each action parses its flags, calls the public API, prints.
 */
import { Argument, Option, type Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './main.ts';
import { progressBar } from './progress.ts';
import { registerBatch } from './batch.ts';
import { registerServe } from '../server/command.ts';

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

  program
    .command('predict')
    .description('predict accuracy (default command: `onnx-predict model.onnx`)')
    .argument('<model>', 'ONNX file')
    .option('-t, --target <target>', 'only this target (cifar10, cifar100, imagenet16-120, imagenet, ...)')
    .option('--json', 'print one JSON object')
    .option('-k, --neighbors <k>', 'nearest known architectures to show', (v) => api.parseNonNegativeInt('neighbors', v), 3)
    .option('--checkpoint <dir>', 'predictor checkpoint folder (default: the shipped one)')
    .action(async (file: string, opts: { target?: string; json?: boolean; neighbors: number; checkpoint?: string }) => {
      const predictor = api.loadPredictor(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {});
      try {
        const report = await api.predictFile(predictor, file, { neighbors: opts.neighbors, ...(opts.target !== undefined ? { target: opts.target } : {}) });
        io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${api.formatPrediction(report)}\n`);
      } finally {
        await predictor.dispose();
      }
    });

  program
    .command('info')
    .description('encoder and predictor versions, training data, evaluation figures')
    .option('--json', 'print one JSON object')
    .option('--checkpoint <dir>', 'predictor checkpoint folder')
    .action((opts: { json?: boolean; checkpoint?: string }) => {
      const info = api.predictorInfo(opts.checkpoint);
      io.stdout(opts.json ? `${JSON.stringify(info)}\n` : `${api.formatInfo(info)}\n`);
    });

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
    .option('--progress', 'show progress even when stderr is not a terminal')
    .action(async (opts: { spaces?: string[]; manifest?: string[]; data: string; targets?: string[]; trainSize?: number; seed: number; representation: api.Representation; out: string; name: string; head: api.HeadPreset; progress?: boolean }) => {
      const manifests = [...(opts.spaces ?? []).map((s) => `${opts.data}/${s}/manifest.jsonl`), ...(opts.manifest ?? [])];
      if (manifests.length === 0) throw new api.UsageError('train needs --spaces or --manifest');
      const bar = progressBar('train', { force: opts.progress === true });
      const encoder = await api.loadEncoder({});
      try {
        const summary = await api.trainPredictor({
          manifests, out: opts.out, seed: opts.seed, representation: opts.representation, encoder: api.textEmbedder(encoder), name: opts.name, head: api.HEAD_PRESETS[opts.head],
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

  program
    .command('eval')
    .description('rank-correlation evaluation: in-space, zero-shot or leave-one-space-out')
    .addOption(new Option('--protocol <p>', 'protocol').choices(api.PROTOCOLS).makeOptionMandatory())
    .option('--train <spaces>', 'training spaces (comma-separated)', (v) => v.split(',').filter((x) => x !== ''))
    .requiredOption('--test <space>', 'test space')
    .option('--target <t>', 'label to rank', 'cifar10')
    .option('--train-size <n>', 'training architectures', (v) => api.parsePositiveInt('train-size', v))
    .option('--test-size <n>', 'test architectures (default: all)', (v) => api.parsePositiveInt('test-size', v))
    .option('--seed <s>', 'seed', (v) => api.parseNonNegativeInt('seed', v), 0)
    .option('--data <dir>', 'folder holding <space>/manifest.jsonl', 'data')
    .addOption(new Option('--representation <r>', 'features').choices(api.REPRESENTATIONS).default('node-graph'))
    .option('--json', 'print one JSON object')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .action(async (opts: { protocol: api.Protocol; train?: string[]; test: string; target: string; trainSize?: number; testSize?: number; seed: number; data: string; representation: api.Representation; json?: boolean; progress?: boolean }) => {
      const train = opts.train ?? (opts.protocol === 'in-space' ? [opts.test] : []);
      if (train.length === 0) throw new api.UsageError(`--train is required for --protocol ${opts.protocol}`);
      const bar = progressBar('eval', { force: opts.progress === true });
      const encoder = opts.representation === 'numeric-only' ? null : await api.loadEncoder({});
      try {
        const report = await api.evaluate({
          protocol: opts.protocol, train, test: opts.test, target: opts.target, seed: opts.seed, dataDir: opts.data,
          representation: opts.representation, head: api.HEAD_CANDIDATES,
          embeddings: encoder ? new api.PhraseEmbeddings(api.textEmbedder(encoder)) : null,
          encoderKey: encoder ? `${encoder.id}/${encoder.dtype}` : 'none', encoderDim: encoder?.dim ?? 384,
          ...(opts.trainSize !== undefined ? { trainSize: opts.trainSize } : {}),
          ...(opts.testSize !== undefined ? { testSize: opts.testSize } : {}),
          selectionSpaces: api.defaultSelectionSpaces(opts.protocol, opts.data, train, opts.test),
          onProgress: (_s, d, t) => bar.update(d, t),
        });
        bar.stop();
        io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${api.formatEval(report)}\n`);
      } finally {
        bar.stop();
        await encoder?.dispose();
      }
    });

  registerBatch(program, io);
  registerServe(program, io);
}

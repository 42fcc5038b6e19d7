/** `onnx-predict eval`: rank correlation in-space, zero-shot, leave-one-space-out or few-shot, with params/MACs baselines. */
import { Option, type Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './io.ts';

export function registerEval(program: Command, io: CliIO): void {
  program
    .command('eval')
    .description('rank-correlation evaluation: in-space, zero-shot, leave-one-space-out or few-shot')
    .addOption(new Option('--protocol <p>', 'protocol').choices([...api.PROTOCOLS, 'few-shot']).makeOptionMandatory())
    .option('--known <k>', `few-shot: known-result counts, comma-separated (default ${api.FEW_SHOT_KS.join(',')})`, (v) => v.split(',').map((x) => api.parsePositiveInt('known', x)))
    .option('--draws <n>', 'few-shot: seeded draws of the known results per k', (v) => api.parsePositiveInt('draws', v), 10)
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
    .action(async (opts: { protocol: api.Protocol | 'few-shot'; known?: number[]; draws: number; train?: string[]; test: string; target: string; trainSize?: number; testSize?: number; seed: number; data: string; representation: api.Representation; json?: boolean; progress?: boolean }) => {
      const train = opts.train ?? (opts.protocol === 'in-space' ? [opts.test] : []);
      if (opts.protocol !== 'few-shot' && opts.known !== undefined) throw new api.UsageError('--known belongs to --protocol few-shot');
      if (train.length === 0) throw new api.UsageError(`--train is required for --protocol ${opts.protocol}`);
      const { progressBar } = await import('./progress.ts');
      const bar = progressBar('eval', { force: opts.progress === true });
      const encoder = opts.representation === 'numeric-only' ? null : await api.loadEncoder({});
      try {
        if (opts.protocol === 'few-shot') {
          if (opts.testSize !== undefined) throw new api.UsageError('--test-size does not apply to --protocol few-shot (the known results are drawn from the whole test space)');
          const report = await api.evaluateFewShot({
            train, test: opts.test, target: opts.target, seed: opts.seed, dataDir: opts.data,
            representation: opts.representation, head: api.HEAD_CANDIDATES,
            embeddings: encoder ? new api.PhraseEmbeddings(api.textEmbedder(encoder)) : null,
            encoderKey: encoder ? `${encoder.id}/${encoder.dtype}` : 'none', encoderDim: encoder?.dim ?? 384,
            ...(opts.trainSize !== undefined ? { trainSize: opts.trainSize } : {}),
            ...(opts.known !== undefined ? { ks: opts.known } : {}),
            draws: opts.draws,
            selectionSpaces: api.defaultSelectionSpaces('loso', opts.data, train, opts.test),
            onProgress: (_s, d, t) => bar.update(d, t),
          });
          bar.stop();
          io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${api.formatFewShot(report)}\n`);
          return;
        }
        const report = await api.evaluate({
          protocol: opts.protocol as api.Protocol, train, test: opts.test, target: opts.target, seed: opts.seed, dataDir: opts.data,
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
}

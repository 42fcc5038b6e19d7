/**
 * `onnx-predict eval`: rank correlation in-space, zero-shot, leave-one-space-out or few-shot, with
 * params/MACs baselines. The zero-cost proxies of every space it reads are completed first
 * (committed caches, then the missing ones computed, with a progress bar) unless `--no-proxies`;
 * the output states their coverage either way.
 */
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
    .option('--no-proxies', 'evaluate without zero-cost proxies (none computed or read)')
    .option('--workers <n>', 'child processes computing missing proxies (default: the number of cores)', (v) => api.parsePositiveInt('workers', v))
    .option('--json', 'print one JSON object')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .action(async (opts: { protocol: api.Protocol | 'few-shot'; known?: number[]; draws: number; train?: string[]; test: string; target: string; trainSize?: number; testSize?: number; seed: number; data: string; representation: api.Representation; proxies: boolean; workers?: number; json?: boolean; progress?: boolean }) => {
      const train = opts.train ?? (opts.protocol === 'in-space' ? [opts.test] : []);
      if (opts.protocol !== 'few-shot' && opts.known !== undefined) throw new api.UsageError('--known belongs to --protocol few-shot');
      if (train.length === 0) throw new api.UsageError(`--train is required for --protocol ${opts.protocol}`);
      const selectionSpaces = api.defaultSelectionSpaces(opts.protocol === 'few-shot' ? 'loso' : opts.protocol, opts.data, train, opts.test);
      const proxySpaces = [...new Set([...train, opts.test, ...selectionSpaces.map((s) => s.space)])];
      const proxies: Record<string, unknown> = {};
      if (opts.proxies) {
        const { datasetProxies } = await import('./dataset.ts');
        const { join } = await import('node:path');
        for (const space of proxySpaces) {
          proxies[space] = await datasetProxies(join(opts.data, space), { compute: true, progress: opts.progress === true, io, label: `proxies ${space}`, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
        }
      }
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
            useProxies: opts.proxies,
            selectionSpaces,
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
          useProxies: opts.proxies,
          ...(opts.trainSize !== undefined ? { trainSize: opts.trainSize } : {}),
          ...(opts.testSize !== undefined ? { testSize: opts.testSize } : {}),
          selectionSpaces,
          onProgress: (_s, d, t) => bar.update(d, t),
        });
        bar.stop();
        const used = { version: api.PROXY_VERSION, used: opts.proxies, testCoverage: report.proxyCoverage, spaces: proxies };
        const line = opts.proxies
          ? `  proxies:     ${api.PROXY_VERSION} on ${(report.proxyCoverage * 100).toFixed(1)}% of the test architectures${report.proxyCoverage < 1 ? ' (the others could not run them: see proxies.jsonl)' : ''}`
          : '  proxies:     none (--no-proxies)';
        io.stdout(opts.json ? `${JSON.stringify({ ...report, proxies: used })}\n` : `${api.formatEval(report)}\n${line}\n`);
      } finally {
        bar.stop();
        await encoder?.dispose();
      }
    });
}

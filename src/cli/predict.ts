/** `onnx-predict predict <model>` (also `onnx-predict <model>`): predicted accuracy per target, interval, nearest known architectures. */
import type { Command } from 'commander';
import { parseNonNegativeInt } from '../integers.ts';
import type { CliIO } from './io.ts';

export function registerPredict(program: Command, io: CliIO): void {
  program
    .command('predict')
    .description('predict accuracy (default command: `onnx-predict model.onnx`)')
    .argument('<model>', 'ONNX file')
    .option('-t, --target <target>', 'only this target (cifar10, cifar100, imagenet16-120, imagenet, ...)')
    .option('--json', 'print one JSON object')
    .option('-k, --neighbors <k>', 'nearest known architectures to show', (v) => parseNonNegativeInt('neighbors', v), 3)
    .option('--checkpoint <dir>', 'predictor checkpoint folder (default: the shipped one)')
    .option('--all-targets', 'also show targets the model does not fit and training proxies (JSON always has every target, marked inDomain)')
    .option('-v, --verbose', 'warnings as full sentences (default: a code and a few words)')
    .option('--no-proxies', 'skip the zero-cost proxies (faster; the prediction uses the graph structure only)')
    .option('--seed <s>', 'seed of the proxies\' synthetic weights and inputs', (v) => parseNonNegativeInt('seed', v), 0)
    .action(async (file: string, opts: { target?: string; json?: boolean; neighbors: number; checkpoint?: string; allTargets?: boolean; verbose?: boolean; proxies: boolean; seed: number }) => {
      const api = await import('../index.ts');
      const predictor = api.loadPredictor(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {});
      try {
        const report = await api.predictFile(predictor, file, {
          neighbors: opts.neighbors, proxies: opts.proxies, proxyOptions: { seed: opts.seed },
          ...(opts.target !== undefined ? { target: opts.target } : {}),
        });
        io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${api.formatPrediction(report, { allTargets: opts.allTargets === true || opts.target !== undefined, verbose: opts.verbose === true })}\n`);
      } finally {
        await predictor.dispose();
      }
    });
}

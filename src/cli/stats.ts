/** `onnx-predict stats <model>`: the static profile (params, MACs, shapes, op counts). Loads no encoder, predictor or index. */
import type { Command } from 'commander';
import type { CliIO } from './io.ts';

export function registerStats(program: Command, io: CliIO): void {
  program
    .command('stats')
    .description('static profile: params, MACs, shapes, op counts')
    .argument('<model>', 'ONNX file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { json?: boolean }) => {
      const api = await import('../index.ts');
      const model = await api.loadModelFile(file);
      const report = api.stats(model, file);
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${api.formatStats(report)}\n`);
    });
}

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
      const [{ loadModelFile, stats }, { formatStats }] = await Promise.all([import('../inspect.ts'), import('../stats.ts')]);
      const report = stats(await loadModelFile(file), file);
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${formatStats(report)}\n`);
    });
}

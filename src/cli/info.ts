/** `onnx-predict info`: encoder, predictor, training data and validation figures of a checkpoint. */
import type { Command } from 'commander';
import type { CliIO } from './io.ts';

export function registerInfo(program: Command, io: CliIO): void {
  program
    .command('info')
    .description('encoder and predictor versions, training data, evaluation figures')
    .option('--json', 'print one JSON object')
    .option('--checkpoint <dir>', 'predictor checkpoint folder')
    .action(async (opts: { json?: boolean; checkpoint?: string }) => {
      const api = await import('../index.ts');
      const info = api.predictorInfo(opts.checkpoint);
      // The dataset spaces registered at the CLI entry (datasets/), with their targets' domains.
      const datasetSpaces = api.spaces.list();
      io.stdout(opts.json ? `${JSON.stringify({ ...info, spaces: datasetSpaces.map(({ name, description, targets }) => ({ name, description, targets })) })}\n` : `${api.formatInfo(info)}\n${api.formatSpaces(datasetSpaces)}\n`);
    });
}

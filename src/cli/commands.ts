/**
 * Subcommand definitions. Each action parses its flags, calls the public API, prints.
 */
import { Option, type Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './main.ts';

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
}

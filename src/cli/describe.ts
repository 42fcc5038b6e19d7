/** `onnx-predict describe <model>`: the graph as text, in one of the text modes (docs/TEXT.md). */
import { Option, type Command } from 'commander';
import { parsePositiveInt } from '../integers.ts';
import { DEFAULT_TEXT_MODE, TEXT_MODES, type TextMode } from '../onnx-to-text/text/index.ts';
import type { CliIO } from './io.ts';

export function registerDescribe(program: Command, io: CliIO): void {
  program
    .command('describe')
    .description('print the graph as text')
    .argument('<model>', 'ONNX file')
    .addOption(new Option('-m, --mode <mode>', 'text mode').choices(TEXT_MODES).default(DEFAULT_TEXT_MODE))
    .option('--max-chars <n>', 'character budget for the text (default: mode default)', (v) => parsePositiveInt('max-chars', v))
    .action(async (file: string, opts: { mode: TextMode; maxChars?: number }) => {
      const { loadModelFile, describeModel } = await import('../inspect.ts');
      const model = await loadModelFile(file);
      io.stdout(`${describeModel(model, { mode: opts.mode, ...(opts.maxChars !== undefined ? { maxChars: opts.maxChars } : {}) })}\n`);
    });
}

/**
 * The `onnx-predict` command line: a thin adapter over the public API in src/index.ts.
 * Parsing by commander; every failure is mapped to an exit code by `ERROR_TABLE` in one place.
 */
import { Command, CommanderError, Option } from 'commander';
import { isOnnxPredictError, toOnnxPredictError } from '../errors.ts';
import { registerCommands } from './commands.ts';
import { VERSION } from '../index.ts';

export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const defaultIO: CliIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** Names that are subcommands; anything else in first position is taken as a model file to predict. */
const SUBCOMMANDS = new Set(['describe', 'stats', 'dataset', 'predict', 'info', 'train', 'eval', 'batch', 'serve', 'help']);

export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  // `onnx-predict model.onnx` is shorthand for `onnx-predict predict model.onnx`.
  const first = args.find((a) => !a.startsWith('-'));
  if (first !== undefined && !SUBCOMMANDS.has(first) && args[0] === first) args.unshift('predict');

  const program = new Command('onnx-predict')
    .description('Predict the accuracy of a neural network from its ONNX file alone.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--debug', 'print stack traces on errors'))
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .showHelpAfterError(false);
  registerCommands(program, io);

  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      io.stderr(`onnx-predict: ${e.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    const err = isOnnxPredictError(e) ? e : toOnnxPredictError(e);
    io.stderr(`onnx-predict: ${err.message}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return err.exitCode;
  }
}

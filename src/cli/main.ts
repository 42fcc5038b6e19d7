/**
 * The `onnx-predict` command line: a thin adapter over the public API in src/index.ts.
 * Parsing by commander; every failure is mapped to an exit code by `ERROR_TABLE` in one place.
 * Only the command that runs is loaded (see ./commands.ts); the others are listed by name.
 */
import { Command, CommanderError, Help, Option } from 'commander';
import { isOnnxPredictError, toOnnxPredictError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { COMMANDS, type CommandEntry } from './commands.ts';
import { processIO, type CliIO } from './io.ts';

export type { CliIO } from './io.ts';

/** The command `args` run: its first word, or the word after `help`; undefined for bare flags. */
function commandWord(args: readonly string[]): string | undefined {
  const first = args[0];
  if (first === undefined || first.startsWith('-')) return undefined;
  return first === 'help' ? args.find((a, i) => i > 0 && !a.startsWith('-')) : first;
}

export async function main(argv: readonly string[], io: CliIO = processIO, commands: readonly CommandEntry[] = COMMANDS): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  // `onnx-predict model.onnx` is shorthand for `onnx-predict predict model.onnx`.
  const names = new Set([...commands.map((c) => c.name), 'help']);
  const first = args.find((a) => !a.startsWith('-'));
  if (first !== undefined && !names.has(first) && args[0] === first) args.unshift('predict');

  try {
    const program = new Command('onnx-predict')
      .description('Predict the accuracy of a neural network from its ONNX file alone.')
      .version(VERSION, '-V, --version')
      .addOption(new Option('--debug', 'print stack traces on errors'))
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
      .showHelpAfterError(false);
    const running = commandWord(args);
    for (const entry of commands) {
      if (entry.name === running) (await entry.load())(program, io);
      else program.command(entry.name).description(entry.description);
    }
    // Commands that were not loaded are listed with the usage their entry declares.
    const usage = new Map(commands.map((c) => [c.name, c.usage]));
    const help = new Help();
    program.configureHelp({
      subcommandTerm: (cmd) => {
        const u = usage.get(cmd.name());
        return u === undefined ? help.subcommandTerm(cmd) : `${cmd.name()}${u === '' ? '' : ` ${u}`}`;
      },
    });

    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // `onnx-predict` alone: the help went to stderr; that is a usage error.
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
      io.stderr(`onnx-predict: ${e.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    const err = isOnnxPredictError(e) ? e : toOnnxPredictError(e);
    io.stderr(`onnx-predict: ${err.message}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return err.exitCode;
  }
}

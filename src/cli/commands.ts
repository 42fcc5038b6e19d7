/**
 * The commands, one line each, in the order `--help` lists them. A command's module is imported
 * only when that command runs (or its help is asked for), so `--help`, `--version` and light
 * commands never load the heavy ones. `usage` and `description` are what the top-level help
 * shows without loading the module; test/cli.test.ts checks they match what the module registers.
 *
 * To add a command: write src/cli/<name>.ts exporting `register…(program, io)` and add a line here.
 */
import type { Command } from 'commander';
import type { CliIO } from './io.ts';

export type Register = (program: Command, io: CliIO) => void;

export interface CommandEntry {
  readonly name: string;
  /** Arguments as commander prints them after the name, e.g. '[options] <model>' ('' for none). */
  readonly usage: string;
  readonly description: string;
  readonly load: () => Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = Object.freeze([
  { name: 'predict', usage: '[options] <model>', description: 'predict accuracy (default command: `onnx-predict model.onnx`)', load: async () => (await import('./predict.ts')).registerPredict },
  { name: 'describe', usage: '[options] <model>', description: 'print the graph as text', load: async () => (await import('./describe.ts')).registerDescribe },
  { name: 'stats', usage: '[options] <model>', description: 'static profile: params, MACs, shapes, op counts', load: async () => (await import('./stats.ts')).registerStats },
  { name: 'proxies', usage: '[options] <model>', description: 'zero-cost proxies (NASWOT, SWAP, MeCo, AZ-style, trainable layers) run from the ONNX file', load: async () => (await import('./proxies.ts')).registerProxies },
  { name: 'info', usage: '[options]', description: 'encoder and predictor versions, training data, evaluation figures', load: async () => (await import('./info.ts')).registerInfo },
  { name: 'dataset', usage: '', description: 'benchmark datasets as ONNX graphs with measured accuracies', load: async () => (await import('./dataset.ts')).registerDataset },
  { name: 'train', usage: '[options]', description: 'train a predictor checkpoint from built datasets or your own manifest', load: async () => (await import('./train.ts')).registerTrain },
  { name: 'eval', usage: '[options]', description: 'rank-correlation evaluation: in-space, zero-shot, leave-one-space-out or few-shot', load: async () => (await import('./eval.ts')).registerEval },
  { name: 'batch', usage: '[options] <inputs...>', description: 'score many ONNX files (directories, globs, @list.txt) into a CSV or JSONL file, resumable', load: async () => (await import('./batch.ts')).registerBatch },
  { name: 'worker', usage: '[options]', description: 'score files from a Redis queue filled by `batch --queue`, until SIGTERM (docs/DISTRIBUTED.md)', load: async () => (await import('./worker.ts')).registerWorker },
  { name: 'serve', usage: '[options]', description: 'HTTP predict service (POST /v1/predict, /v1/describe, /v1/predict/batch; GET /v1/health, /v1/info, /openapi.json)', load: async () => (await import('./serve.ts')).registerServe },
] satisfies CommandEntry[]);

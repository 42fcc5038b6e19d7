/**
 * `onnx-predict worker`: a long-running process that takes score jobs from a Redis queue (the
 * ones `batch --queue` enqueues) until SIGTERM or SIGINT, then finishes the jobs in hand and
 * exits 0. bullmq loads only when this command runs.
 */
import type { Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './io.ts';

export function registerWorker(program: Command, io: CliIO): void {
  program
    .command('worker')
    .description('score files from a Redis queue filled by `batch --queue`, until SIGTERM (docs/DISTRIBUTED.md)')
    .requiredOption('--queue <url>', 'Redis address: redis://HOST:PORT[/DB]')
    .option('--queue-name <name>', 'queue name, the same as the producer\'s (default: onnx-predict)')
    .option('-j, --concurrency <n>', 'jobs at once, each in its own worker process', (v) => api.parsePositiveInt('concurrency', v), 1)
    .option('--checkpoint <dir>', 'predictor checkpoint folder: the producer\'s (default: the shipped one)')
    .option('--lock-ms <ms>', 'job lock time: a dead worker\'s job is taken over this long after it died', (v) => api.parsePositiveInt('lock-ms', v), 30_000)
    .action(async (opts: { queue: string; queueName?: string; concurrency: number; checkpoint?: string; lockMs: number }) => {
      const { startQueueWorker } = await import('../batch/queue/worker.ts');
      const handle = await startQueueWorker({
        queue: opts.queue, concurrency: opts.concurrency, lockMs: opts.lockMs,
        ...(opts.queueName !== undefined ? { queueName: opts.queueName } : {}),
        ...(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {}),
        log: (line) => io.stderr(`onnx-predict ${line}\n`),
      });
      await handle.ready;
      const stop = await Promise.race([
        new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        }),
        handle.crashed,
      ]);
      if (stop instanceof Error) {
        await handle.close().catch(() => ({ jobs: 0 }));
        // Exit 1: a supervisor (systemd, Kubernetes) restarts the process with fresh threads.
        throw new api.OnnxPredictError('INTERNAL', `worker stopped: ${stop.message}`);
      }
      io.stderr(`onnx-predict worker: ${stop}, finishing the jobs in hand\n`);
      const { jobs } = await handle.close();
      io.stderr(`onnx-predict worker: stopped after ${jobs} jobs\n`);
    });
}

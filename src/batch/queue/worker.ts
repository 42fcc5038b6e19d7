/**
 * `onnx-predict worker`: takes score jobs from the queue and answers each with the row local
 * batch would write (the same scorer). Transient failures are retried with backoff, up to
 * JOB_ATTEMPTS; an invalid or unreadable model is an answer (an error row), not a retry. A
 * worker that dies leaves its job locked; when the lock expires, another worker's stalled-job
 * check puts it back in the queue. Closing (SIGTERM) finishes the jobs in hand first.
 */
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { UsageError } from '../../errors.ts';
import { checkpointKey } from '../plan.ts';
import { normalizeRow } from '../rows.ts';
import { workerPool } from '../scorers.ts';
import { bullConnection, checkReachable, DEFAULT_QUEUE_NAME, parseQueueUrl } from './connection.ts';
import { JOB_ATTEMPTS, type ScoreJobData, type ScoreJobResult } from './jobs.ts';

export interface QueueWorkerOptions {
  readonly queue: string;
  readonly queueName?: string;
  /** Jobs at once, each in its own worker process. */
  readonly concurrency?: number;
  readonly checkpoint?: string;
  /**
   * How long a job's lock lasts without renewal (ms, default 30 s): a dead worker's job goes back
   * to the queue this long after it died (at most twice that, with the stalled check's period).
   */
  readonly lockMs?: number;
  /** One line per event worth a log (start, stalled takeovers, errors). */
  readonly log?: (line: string) => void;
}

export interface QueueWorkerHandle {
  /** Resolves once the worker is connected and taking jobs. */
  readonly ready: Promise<void>;
  /**
   * Resolves if a scoring process dies: the worker then stops taking jobs (the one in hand goes
   * back to the queue when its lock lapses) and should be closed and restarted.
   */
  readonly crashed: Promise<Error>;
  /** Stops taking jobs, finishes the ones in hand, disconnects. */
  close(): Promise<{ jobs: number }>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const addr = parseQueueUrl(options.queue);
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`);
  const lockMs = options.lockMs ?? 30_000;
  if (!Number.isInteger(lockMs) || lockMs < 1000) throw new UsageError(`lock time must be an integer of at least 1000 ms, got ${lockMs}`);
  const log = options.log ?? (() => {});
  await checkReachable(addr);
  const key = checkpointKey(options.checkpoint);
  // Scoring runs in worker processes even for one job at a time: a long decode never blocks this
  // process's lock renewals (which would make a live worker look dead). Loaded before the first job.
  let crashed: (e: Error) => void = () => {};
  const stopped = new Promise<Error>((resolve) => { crashed = resolve; });
  const scorer = await workerPool(concurrency, options.checkpoint, (e) => crashed(e));
  const me = `${hostname()}:${process.pid}`;
  let jobs = 0;

  const processor = async (job: Job<ScoreJobData, ScoreJobResult>): Promise<ScoreJobResult> => {
    const { file, path, predictor, proxies } = job.data;
    if (predictor !== key) {
      const message = `this worker's predictor (${key}) is not the producer's (${predictor}); run every worker with the producer's checkpoint`;
      return { row: normalizeRow({ file, sha256: '', predictions: {}, params: null, macs: null, nearest: null, exact: null, error: { code: 'INCOMPATIBLE_CHECKPOINT', message } }), worker: me };
    }
    const { row, transient } = await scorer.score(file, path, hostname(), { proxies: proxies !== false });
    const attempts = job.opts.attempts ?? JOB_ATTEMPTS;
    // Thrown: BullMQ retries after its backoff. The last attempt answers with the error row.
    if (transient && job.attemptsMade + 1 < attempts) throw new Error(`${row.error?.code}: ${row.error?.message}`);
    jobs++;
    return { row, worker: me };
  };

  const worker = new Worker<ScoreJobData, ScoreJobResult>(name, processor, {
    connection: bullConnection(addr),
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died twice is still given a third worker before it counts as failed.
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', (e) => log(`worker error: ${e.message}`));
  worker.on('stalled', (id) => log(`job ${id.slice(0, 12)} stalled (its worker died); back in the queue`));
  worker.on('failed', (job, e) => log(`job ${job?.id?.slice(0, 12) ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${e.message}`));
  void worker.run().catch((e: unknown) => log(`worker stopped: ${(e as Error).message}`));
  const ready = worker.waitUntilReady().then(() => {
    log(`worker ${me} on ${addr.display} queue ${name}: concurrency ${concurrency}, predictor ${key}, lock ${lockMs} ms`);
  });
  let closing: Promise<{ jobs: number }> | null = null;
  void stopped.then((e) => {
    log(`${e.message}; taking no more jobs`);
    void worker.close(true).catch(() => {});
  });
  return {
    ready,
    crashed: stopped,
    close() {
      closing ??= (async () => {
        await worker.close();
        await scorer.close();
        return { jobs };
      })();
      return closing;
    },
  };
}

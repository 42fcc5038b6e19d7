/**
 * `batch --queue`: enqueue one BullMQ job per file, then collect the rows as workers finish and
 * write them exactly as a local batch does (same plan, same rows, input order). A producer that
 * dies loses nothing: the jobs and their results stay in Redis, and `resume` re-enqueues the
 * missing files under the same ids, which finds the finished jobs and waits for the rest.
 */
import { Queue, QueueEvents } from 'bullmq';
import { OnnxPredictError, UsageError } from '../../errors.ts';
import { checkpointKey, checkpointTargets, planBatch, sha256Of } from '../plan.ts';
import { InOrderWriter, summarize, type BatchOptions, type BatchSummary } from '../runner.ts';
import { normalizeRow, type BatchRow } from '../rows.ts';
import { bullConnection, checkReachable, DEFAULT_QUEUE_NAME, parseQueueUrl } from './connection.ts';
import { JOB_ATTEMPTS, JOB_BACKOFF_MS, JOB_NAME, jobId, KEEP_SECONDS, type ScoreJobData, type ScoreJobResult } from './jobs.ts';

export interface QueueBatchOptions extends Omit<BatchOptions, 'concurrency'> {
  /** `redis://HOST:PORT[/DB]`. */
  readonly queue: string;
  /** BullMQ queue name (default `onnx-predict`); workers must use the same. */
  readonly queueName?: string;
  /** How often to look at unfinished jobs directly, besides listening for their events (ms). */
  readonly sweepMs?: number;
  /** One line for things a waiting user should know (no worker connected, Redis unreachable); repeated at most every 30 s. */
  readonly onWarning?: (line: string) => void;
  /** Called after each row: (rows written this run, files to collect this run, queue counts). */
  readonly onQueueProgress?: (done: number, total: number, queue: { waiting: number; active: number; workers: number }) => void;
}

function failedRow(file: string, reason: string): BatchRow {
  const m = /^([A-Z_]+): (.*)$/s.exec(reason);
  return normalizeRow({
    file, sha256: '', predictions: {}, params: null, macs: null, nearest: null, exact: null,
    error: m ? { code: m[1]!, message: m[2]! } : { code: 'INTERNAL', message: `the queue job failed: ${reason}` },
  });
}

export async function runQueueBatch(options: QueueBatchOptions): Promise<BatchSummary> {
  const addr = parseQueueUrl(options.queue);
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`queue name must be letters, digits, '.', '_' or '-', got '${name}'`);
  const t0 = performance.now();
  const targets = checkpointTargets(options.checkpoint);
  const predictor = checkpointKey(options.checkpoint);
  const proxies = options.proxies !== false;
  const plan = await planBatch(options, targets);
  await checkReachable(addr);

  const todo = plan.todo;
  const connection = bullConnection(addr);
  const queue = new Queue<ScoreJobData, ScoreJobResult>(name, { connection });
  // A short blocking read, so closing at the end does not wait out a long one.
  const events = new QueueEvents(name, { connection, blockingTimeout: 1000 });
  const said = new Map<string, number>();
  const warn = (line: string) => {
    const last = said.get(line);
    if (last !== undefined && Date.now() - last < 30_000) return;
    said.set(line, Date.now());
    options.onWarning?.(line);
  };
  // Connections retry by themselves; the user hears why the run is waiting.
  queue.on('error', (e) => warn(`queue ${name} at ${addr.display}: ${e.message}; retrying`));
  events.on('error', (e) => warn(`queue ${name} at ${addr.display}: ${e.message}; retrying`));
  const writer = plan.open();
  const w = new InOrderWriter(plan, writer);
  const indexOf = new Map<string, number[]>();
  const pending = new Set<string>();
  let counts = { waiting: 0, active: 0, workers: 0 };
  const progress = () => {
    options.onProgress?.(w.written, todo.length);
    options.onQueueProgress?.(w.written, todo.length, counts);
  };
  let wake: (() => void) | null = null;

  const finish = (id: string, result: { row?: BatchRow; reason?: string }) => {
    if (!pending.delete(id)) return;
    for (const i of indexOf.get(id) ?? []) {
      const file = todo[i]!.file;
      const row = result.row ? normalizeRow({ ...result.row, file }) : failedRow(file, result.reason ?? 'unknown');
      w.put(i, row);
    }
    progress();
    if (pending.size === 0) wake?.();
  };

  // Jobs that had failed before this run started (stalled too often, retries used up) get one
  // more round when the run resumes, instead of their old failure being written again.
  const retried = new Set<string>();
  let firstLook = true;
  const check = async (id: string) => {
    // State first, then the job: a job read before its state could finish in between, and its
    // snapshot would lack the row.
    const state = await queue.getJobState(id);
    if (state === 'unknown') return 'missing' as const;
    if (state !== 'completed' && state !== 'failed') return state;
    const job = await queue.getJob(id);
    const value = job?.returnvalue as ScoreJobResult | null | undefined;
    if (state === 'completed' && value?.row) finish(id, { row: value.row });
    else if (state === 'failed' && job) {
      if (options.resume === true && firstLook && !retried.has(id)) {
        retried.add(id);
        await job.retry('failed');
        return 'waiting';
      }
      finish(id, { reason: job.failedReason });
    }
    return state;
  };

  try {
    await events.waitUntilReady();
    // Listening starts before the first job is added, so no completion is missed.
    events.on('completed', ({ jobId: id, returnvalue }) => {
      const v = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as ScoreJobResult | null;
      if (v?.row) finish(id, { row: v.row });
      else void check(id).catch(() => {});
    });
    events.on('failed', ({ jobId: id }) => {
      // A retried attempt also reports a failure: only a job in the failed set is final.
      if (pending.has(id)) void check(id).catch(() => {});
    });

    const jobs: { name: string; data: ScoreJobData; opts: { jobId: string; attempts: number; backoff: { type: 'exponential'; delay: number }; removeOnComplete: { age: number }; removeOnFail: { age: number } } }[] = [];
    for (let i = 0; i < todo.length; i++) {
      const p = todo[i]!;
      const id = jobId(p.sha256 ?? (await sha256Of(p.key)), p.key, predictor, proxies);
      if (!indexOf.has(id)) {
        pending.add(id);
        jobs.push({
          name: JOB_NAME,
          data: { file: p.file, path: p.key, predictor, proxies },
          opts: { jobId: id, attempts: JOB_ATTEMPTS, backoff: { type: 'exponential', delay: JOB_BACKOFF_MS }, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } },
        });
      }
      indexOf.set(id, [...(indexOf.get(id) ?? []), i]);
    }
    progress();
    const addAll = async (batch: typeof jobs) => {
      for (let i = 0; i < batch.length; i += 500) await queue.addBulk(batch.slice(i, i + 500));
    };
    await addAll(jobs);

    // Jobs that finished before this producer listened (an earlier run, another producer) are
    // read directly; then events do the work, and a slow sweep catches anything they missed.
    const sweepMs = options.sweepMs ?? 5000;
    const byId = new Map(jobs.map((j) => [j.opts.jobId, j]));
    // The first sweep reads every job (a resumed run may find most already done); later ones only
    // the next rows to write, in input order: rows are written in that order anyway, and a job
    // whose event was missed is caught when it reaches the head, at a cost that does not grow
    // with the queue.
    let sweeps = 0;
    const sweep = async () => {
      const missing: typeof jobs = [];
      const list: string[] = [];
      for (const id of pending) {
        if (sweeps > 0 && list.length >= 1000) break;
        list.push(id);
      }
      sweeps++;
      for (let i = 0; i < list.length; i += 100) {
        const states = await Promise.all(list.slice(i, i + 100).map((id) => check(id)));
        states.forEach((s, k) => { if (s === 'missing') missing.push(byId.get(list[i + k]!)!); });
      }
      // Removed from Redis meanwhile (expired, cleaned by hand): add again.
      if (missing.length > 0) await addAll(missing);
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      counts = { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, workers: (await queue.getWorkersCount()) };
      if (counts.workers === 0 && pending.size > 0) warn(`no worker is connected to queue ${name} at ${addr.display}: ${pending.size} files wait; start \`onnx-predict worker --queue ${addr.display}${name === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${name}`}\``);
      progress();
    };
    await sweep();
    firstLook = false;
    while (pending.size > 0 && options.signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, sweepMs);
      });
      wake = null;
      if (pending.size > 0) await sweep();
    }
  } catch (e) {
    if (e instanceof OnnxPredictError) throw e;
    throw new OnnxPredictError('INTERNAL', `queue ${name} at ${addr.display}: ${(e as Error).message}`, { cause: e });
  } finally {
    writer.close();
    await events.close().catch(() => {});
    await queue.close().catch(() => {});
  }
  return summarize(options.out, plan, w, t0);
}

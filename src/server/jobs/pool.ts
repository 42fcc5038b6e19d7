/**
 * Worker processes that decode and predict, one job at a time each, behind one bounded queue.
 * Each child process loads the predictor once and runs under a heap cap (`--max-old-space-size`):
 * a model that exhausts it, or any crash — a native one too (a SIGSEGV inside onnxruntime while
 * the proxies run), which a worker thread would not survive, nor the server with it — kills that
 * process only; its request answers 500 WORKER_CRASHED and a new process takes its place. A job
 * still running past the request deadline has its process killed and replaced, so no slot is
 * held forever. The event loop of the server only moves bytes, so health checks and uploads are
 * served while workers are busy.
 */
import type { ChildProcess } from 'node:child_process';
import { describeExit, hasExited, killProcess as kill, startProcess } from '../../processes.ts';
import { OnnxPredictError, type ErrorCode } from '../../errors.ts';
import { WorkQueue } from '../queue.ts';
import type { Work } from './backend.ts';
import type { Job, JobResult, PredictorFacts } from './jobs.ts';

export type ToWorker = { type: 'job'; id: number; job: Job } | { type: 'close' };
type WireError = { code: ErrorCode; message: string; stack?: string };
type FromWorker =
  | { type: 'ready'; facts: PredictorFacts }
  | { type: 'bye' }
  | { type: 'failed'; error: WireError }
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; error: WireError };

export interface PoolOptions {
  readonly size: number;
  readonly queueLimit: number;
  /** V8 old-generation cap per thread, MB. */
  readonly heapMb: number;
  /** A job running longer than this has its thread replaced. */
  readonly jobTimeoutMs: number;
  readonly checkpoint?: string;
  readonly log: (line: string) => void;
}

interface Thread {
  readonly worker: ChildProcess;
  alive: boolean;
  job: { id: number; resolve: (v: unknown) => void; reject: (e: unknown) => void } | null;
  /** The last few kB the process wrote to stderr: how it died (V8's heap report, a native trace). */
  stderr: string;
}

/** The environment variable that hands a worker process its settings. */
export const WORKER_SETTINGS_ENV = 'ONNX_PREDICT_WORKER_SETTINGS';

function spawnWorker(options: PoolOptions): ChildProcess {
  return startProcess(new URL('./worker.ts', import.meta.url), {
    heapMb: options.heapMb,
    env: { [WORKER_SETTINGS_ENV]: JSON.stringify({ checkpoint: options.checkpoint }) },
  });
}

const crashed = (message: string) => new OnnxPredictError('WORKER_CRASHED', message);

export class WorkerPool implements Work {
  facts!: PredictorFacts;
  private readonly queue: WorkQueue;
  private readonly threads = new Set<Thread>();
  private readonly idle: Thread[] = [];
  private readonly waiting: ((t: Thread) => void)[] = [];
  private nextId = 0;
  private closing = false;
  private respawnDelayMs = 0;

  private constructor(private readonly options: PoolOptions) {
    this.queue = new WorkQueue(options.size, options.queueLimit);
  }

  /** Starts `size` threads and waits until each has loaded the predictor (a bad checkpoint fails here). */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    const started = await Promise.allSettled(Array.from({ length: options.size }, () => pool.spawn()));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      pool.closing = true;
      await Promise.all([...pool.threads].map((t) => kill(t.worker)));
      throw failed.reason;
    }
    return pool;
  }

  get running(): number { return this.queue.running; }
  get queued(): number { return this.queue.queued; }
  get workers(): number { return this.threads.size; }
  get slots(): number { return this.options.size; }

  run<J extends Job>(job: J, signal: AbortSignal): Promise<JobResult<J>> {
    return this.queue.run(async () => this.call(await this.take(signal), job, signal) as Promise<JobResult<J>>, signal);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.queue.idle();
    await Promise.all([...this.threads].map((t) => new Promise<void>((resolve) => {
      if (hasExited(t.worker)) return resolve();
      t.worker.once('exit', () => resolve());
      t.worker.send({ type: 'close' } satisfies ToWorker, (e) => { if (e) void kill(t.worker); });
      setTimeout(() => void kill(t.worker), 10_000).unref();
    })));
  }

  private spawn(): Promise<Thread> {
    return new Promise<Thread>((resolve, reject) => {
      const worker = spawnWorker(this.options);
      const t: Thread = { worker, alive: false, job: null, stderr: '' };
      // Beside the pass-through to our stderr: the tail tells how the process died.
      worker.stderr?.on('data', (chunk: string) => { t.stderr = (t.stderr + chunk).slice(-4096); });
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          if (this.closing) {
            // A replacement that finished starting after close() began.
            void kill(worker);
            reject(crashed('the pool is closing'));
            return;
          }
          this.facts ??= m.facts;
          t.alive = true;
          this.threads.add(t);
          this.respawnDelayMs = 0;
          this.give(t);
          resolve(t);
        } else if (m.type === 'failed') {
          reject(new OnnxPredictError(m.error.code, m.error.message));
        } else if (m.type === 'bye') {
          // The process is closing its channel; 'exit' follows.
        } else if (t.job !== null && m.id === t.job.id) {
          const job = t.job;
          if (m.ok) job.resolve(m.value);
          else {
            if (m.error.code === 'INTERNAL') this.options.log(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker job failed', error: m.error.message, stack: m.error.stack }));
            job.reject(new OnnxPredictError(m.error.code, m.error.message));
          }
        }
      });
      worker.on('error', (e: Error) => {
        // The process could not be started or messaged; it is killed and replaced.
        const err = crashed(`the worker failed on this request (${e.message}); it was replaced`);
        if (!t.alive) reject(err);
        this.retire(t, err);
        void kill(worker);
      });
      worker.on('exit', (code, signal) => {
        const how = describeExit(code, signal);
        if (!t.alive) reject(crashed(`a worker ${how} while loading the predictor`));
        const oom = /heap out of memory|Reached heap limit/.test(t.stderr);
        this.retire(t, oom
          ? crashed(`the work on this request ran out of memory (this server's worker heap cap is ${this.options.heapMb} MB); the worker was replaced`)
          : crashed(`the worker ${how} on this request; it was replaced`));
      });
    });
  }

  /** A thread is gone (crash, out of memory, terminated): fail its job, start another. */
  private retire(t: Thread, err: OnnxPredictError): void {
    const wasAlive = t.alive;
    t.alive = false;
    if (!this.threads.delete(t)) return;
    const i = this.idle.indexOf(t);
    if (i >= 0) this.idle.splice(i, 1);
    const job = t.job;
    t.job = null;
    job?.reject(err);
    if (this.closing || !wasAlive) return;
    this.options.log(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker replaced', reason: err.message }));
    this.respawnLater();
  }

  /** Starts a replacement thread, backing off (0.5 s doubling to 30 s) while starts keep failing. */
  private respawnLater(): void {
    const delay = this.respawnDelayMs;
    this.respawnDelayMs = Math.min(30_000, Math.max(500, delay * 2));
    setTimeout(() => {
      if (this.closing) return;
      this.spawn().catch((e: unknown) => {
        this.options.log(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker failed to start', error: String(e) }));
        this.respawnLater();
      });
    }, delay).unref();
  }

  private take(signal: AbortSignal): Promise<Thread> {
    const t = this.idle.pop();
    if (t) return Promise.resolve(t);
    return new Promise<Thread>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(got);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason as Error);
      };
      const got = (th: Thread) => {
        signal.removeEventListener('abort', onAbort);
        resolve(th);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(got);
    });
  }

  private give(t: Thread): void {
    if (!t.alive) return;
    const w = this.waiting.shift();
    if (w) w(t);
    else this.idle.push(t);
  }

  private call(t: Thread, job: Job, signal: AbortSignal): Promise<unknown> {
    const id = this.nextId++;
    const onAbort = () => {
      // Past the deadline the answer is already 503; the thread is replaced so the slot comes back.
      const reason = signal.reason as OnnxPredictError | undefined;
      if (reason?.code === 'TIMEOUT' && t.job?.id === id) {
        this.retire(t, reason);
        void kill(t.worker);
      }
    };
    return new Promise<unknown>((resolve, reject) => {
      t.job = { id, resolve, reject };
      signal.addEventListener('abort', onAbort, { once: true });
      t.worker.send({ type: 'job', id, job } satisfies ToWorker, (e) => {
        if (e) {
          this.retire(t, crashed(`the job could not be handed to a worker (${e.message}); it was replaced`));
          void kill(t.worker);
        }
      });
    }).finally(() => {
      signal.removeEventListener('abort', onAbort);
      if (t.job?.id === id) t.job = null;
      this.give(t);
    });
  }
}

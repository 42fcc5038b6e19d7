/**
 * Where the app's work runs: `Work` is the interface the routes use; `InProcessWork` runs jobs on
 * the event loop (no isolation; `--workers 0`), `WorkerPool` (pool.ts) in worker processes.
 */
import type * as api from '../../index.ts';
import { WorkQueue } from '../queue.ts';
import { predictorFacts, runJob, type Job, type JobResult, type PredictorFacts } from './jobs.ts';

export interface Work {
  readonly facts: PredictorFacts;
  /** Runs one job once a slot is free; an abort while waiting leaves the queue. */
  run<J extends Job>(job: J, signal: AbortSignal): Promise<JobResult<J>>;
  /** Jobs running / waiting; worker processes alive (0 for in-process). */
  readonly running: number;
  readonly queued: number;
  readonly workers: number;
  /** Slots: jobs that can run at once. */
  readonly slots: number;
  /** Waits for running jobs, then releases what the backend holds. */
  close(): Promise<void>;
}

export class InProcessWork implements Work {
  readonly facts: PredictorFacts;
  private readonly queue: WorkQueue;

  constructor(private readonly predictor: api.Predictor, queueLimit: number, private readonly owned: boolean) {
    this.facts = predictorFacts(predictor);
    this.queue = new WorkQueue(1, queueLimit);
  }

  run<J extends Job>(job: J, signal: AbortSignal): Promise<JobResult<J>> {
    return this.queue.run(() => runJob(this.predictor, job), signal);
  }

  get running(): number { return this.queue.running; }
  get queued(): number { return this.queue.queued; }
  readonly workers = 0;
  readonly slots = 1;

  async close(): Promise<void> {
    await this.queue.idle();
    if (this.owned) await this.predictor.dispose();
  }
}

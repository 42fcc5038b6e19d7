/**
 * A bounded work queue: at most `concurrency` jobs run, at most `limit` wait; a full queue
 * rejects at once (503 OVERLOADED) so memory stays bounded under load.
 */
import { OnnxPredictError } from '../errors.ts';

export class WorkQueue {
  private active = 0;
  private readonly waiting: { start: () => void; fail: (e: unknown) => void }[] = [];
  private idlers: (() => void)[] = [];

  constructor(readonly concurrency: number, readonly limit: number) {}

  get running(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Runs `job` when a slot is free. An abort while waiting drops the job from the queue; an abort
   * while running is up to the job (the slot is held until it settles, so the bound stays true).
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limit) {
      return Promise.reject(new OnnxPredictError('OVERLOADED', `server busy: ${this.active} requests running and ${this.waiting.length} queued (queue limit ${this.limit}); retry later`));
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idlers.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next job, so `active` does not change.
    if (next) next.start();
    else this.active--;
    if (this.active === 0 && this.waiting.length === 0) {
      const idlers = this.idlers;
      this.idlers = [];
      for (const r of idlers) r();
    }
  }
}

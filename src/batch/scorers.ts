/**
 * Scorers: one file in, one row out, either in this thread or on a pool of worker threads that
 * each load their own predictor. Local batch and queue workers both score through these.
 */
import type { Worker } from 'node:worker_threads';
import type { Predictor } from '../predictor/predictor.ts';
import { loadPredictor } from '../index.ts';
import { startWorker } from '../threads.ts';
import { scoreFileDetailed, type Scored } from './score.ts';

export interface Scorer {
  /** The predictor's targets (column order of the rows). */
  readonly targets: readonly string[];
  /** `readPath`: where to read (default `file`); `host`: set by queue workers, named in unreadable-file messages. */
  score(file: string, readPath?: string, host?: string): Promise<Scored>;
  close(): Promise<void>;
}

/** Scores in this thread; disposes the predictor on close only when it loaded it. */
export function inThread(checkpoint: string | undefined, given?: Predictor): Scorer {
  const predictor = given ?? loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
  return {
    targets: predictor.targets,
    score: (f, readPath, host) => scoreFileDetailed(predictor, f, readPath ?? f, host),
    close: async () => {
      if (given === undefined) await predictor.dispose();
    },
  };
}

export async function workerPool(count: number, checkpoint: string | undefined): Promise<Scorer> {
  const url = new URL('./worker.ts', import.meta.url);
  let targets: readonly string[] = [];
  const workers = await Promise.all(Array.from({ length: count }, () => new Promise<Worker>((resolve, reject) => {
    const w = startWorker(url, { workerData: { checkpoint } });
    w.once('message', (m: { targets: readonly string[] }) => {
      targets = m.targets;
      resolve(w);
    });
    w.once('error', reject);
  })));
  const idle = [...workers];
  const waiting: ((w: Worker) => void)[] = [];
  let next = 0;
  const take = (): Promise<Worker> => (idle.length > 0 ? Promise.resolve(idle.pop()!) : new Promise((r) => waiting.push(r)));
  const give = (w: Worker) => {
    const r = waiting.shift();
    if (r) r(w);
    else idle.push(w);
  };
  return {
    targets,
    async score(file, readPath, host) {
      const w = await take();
      const id = next++;
      try {
        return await new Promise<Scored>((resolve, reject) => {
          const onMsg = (m: { id: number; scored: Scored }) => {
            if (m.id !== id) return;
            w.off('message', onMsg);
            w.off('error', reject);
            resolve(m.scored);
          };
          w.on('message', onMsg);
          w.once('error', reject);
          w.postMessage({ id, file, readPath: readPath ?? file, host });
        });
      } finally {
        give(w);
      }
    },
    async close() {
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.postMessage({ close: true });
        setTimeout(() => void w.terminate(), 10_000).unref();
      })));
    },
  };
}

/** `count` > 1: a pool of threads; otherwise this thread (with `given`, when the caller already loaded one). */
export async function makeScorer(count: number, checkpoint: string | undefined, given?: Predictor): Promise<Scorer> {
  return count > 1 ? workerPool(count, checkpoint) : inThread(checkpoint, given);
}

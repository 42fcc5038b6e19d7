/**
 * Scorers: one file in, one row out, either in this thread or on a pool of worker processes that
 * each load their own predictor. Local batch and queue workers both score through these. Worker
 * processes, not threads: a native crash (a SIGSEGV inside onnxruntime) then ends one worker and
 * the pool reports it, where a thread would take the whole batch or queue worker down with it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Predictor } from '../predictor/predictor.ts';
import { loadPredictor } from '../index.ts';
import { describeExit, hasExited, startProcess } from '../processes.ts';
import { scoreFileDetailed, type Scored, type ScoreOptions } from './score.ts';

export interface Scorer {
  /** The predictor's targets (column order of the rows). */
  readonly targets: readonly string[];
  /** `readPath`: where to read (default `file`); `host`: set by queue workers, named in unreadable-file messages. */
  score(file: string, readPath?: string, host?: string, options?: ScoreOptions): Promise<Scored>;
  close(): Promise<void>;
}

/** Scores in this thread; disposes the predictor on close only when it loaded it. */
export function inThread(checkpoint: string | undefined, given?: Predictor): Scorer {
  const predictor = given ?? loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
  return {
    targets: predictor.targets,
    score: (f, readPath, host, options) => scoreFileDetailed(predictor, f, readPath ?? f, host, options),
    close: async () => {
      if (given === undefined) await predictor.dispose();
    },
  };
}

/** The environment variable that hands a scoring process its settings. */
export const SCORER_SETTINGS_ENV = 'ONNX_PREDICT_SCORER_SETTINGS';


/**
 * `count` worker processes, each with its own predictor. A process that dies (an uncaught error,
 * a heap limit, a signal) is not replaced: the pool fails every score from then on, and
 * `onCrash` is told once, so the owner can stop instead of answering every remaining file with
 * an error.
 */
export async function workerPool(count: number, checkpoint: string | undefined, onCrash?: (e: Error) => void): Promise<Scorer> {
  const url = new URL('./worker.ts', import.meta.url);
  let targets: readonly string[] = [];
  const workers = await Promise.all(Array.from({ length: count }, () => new Promise<ChildProcess>((resolve, reject) => {
    const w = startProcess(url, { env: { [SCORER_SETTINGS_ENV]: JSON.stringify({ checkpoint }) } });
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`a scoring process ${describeExit(code, signal)} while loading the predictor`));
    w.once('message', (m: { targets: readonly string[] }) => {
      w.off('exit', onExit);
      targets = m.targets;
      resolve(w);
    });
    w.once('error', reject);
    w.once('exit', onExit);
  })));
  let closing = false;
  let dead: Error | null = null;
  const idle = [...workers];
  const waiting: { resolve: (w: ChildProcess) => void; reject: (e: Error) => void }[] = [];
  const crash = (e: Error) => {
    if (closing || dead !== null) return;
    dead = e;
    for (const w of waiting.splice(0)) w.reject(e);
    onCrash?.(e);
  };
  for (const w of workers) {
    w.on('error', (e) => crash(new Error(`a scoring process failed: ${e.message}`)));
    w.on('exit', (code, signal) => crash(new Error(`a scoring process ${describeExit(code, signal)}`)));
  }
  let next = 0;
  const take = (): Promise<ChildProcess> => {
    if (dead !== null) return Promise.reject(dead);
    return idle.length > 0 ? Promise.resolve(idle.pop()!) : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  const give = (w: ChildProcess) => {
    const r = waiting.shift();
    if (r) r.resolve(w);
    else idle.push(w);
  };
  return {
    targets,
    async score(file, readPath, host, options) {
      const w = await take();
      const id = next++;
      try {
        return await new Promise<Scored>((resolve, reject) => {
          const onMsg = (m: { id: number; scored: Scored }) => {
            if (m.id !== id) return;
            done();
            resolve(m.scored);
          };
          const onGone = () => {
            done();
            reject(dead ?? new Error('a scoring process stopped'));
          };
          const done = () => {
            w.off('message', onMsg);
            w.off('error', onGone);
            w.off('exit', onGone);
          };
          w.on('message', onMsg);
          w.once('error', onGone);
          w.once('exit', onGone);
          w.send({ id, file, readPath: readPath ?? file, host, options }, (e) => { if (e) onGone(); });
        });
      } finally {
        if (dead === null) give(w);
      }
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
        if (hasExited(w)) return resolve();
        w.once('exit', () => resolve());
        w.send({ close: true }, (e) => { if (e) w.kill('SIGKILL'); });
        setTimeout(() => w.kill('SIGKILL'), 10_000).unref();
      })));
    },
  };
}

/** `count` > 1: a pool of worker processes; otherwise this thread (with `given`, when the caller already loaded one). */
export async function makeScorer(count: number, checkpoint: string | undefined, given?: Predictor): Promise<Scorer> {
  return count > 1 ? workerPool(count, checkpoint) : inThread(checkpoint, given);
}

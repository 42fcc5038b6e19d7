/**
 * One worker thread of the pool: loads the predictor once (the encoder only if a graph has phrases
 * the checkpoint has not seen), then runs one job per message. Its heap is capped by the pool
 * (`resourceLimits`): a model that blows it up kills this thread only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isOnnxPredictError, loadPredictor, toOnnxPredictError, type Predictor } from '../../index.ts';
import { predictorFacts, runJob, type Job } from './jobs.ts';
import type { ToWorker } from './pool.ts';

const port = parentPort!;
const { checkpoint } = workerData as { checkpoint?: string };

function wire(e: unknown): { code: string; message: string; stack?: string } {
  const err = toOnnxPredictError(e);
  return isOnnxPredictError(e) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) };
}

let predictor: Predictor;
try {
  predictor = loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
  port.postMessage({ type: 'ready', facts: predictorFacts(predictor) });
} catch (e) {
  port.postMessage({ type: 'failed', error: wire(e) });
  port.close();
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'close') {
    void predictor.dispose().finally(() => port.close());
    return;
  }
  const { id, job } = m as { id: number; job: Job };
  runJob(predictor, job).then(
    (value) => port.postMessage({ type: 'done', id, ok: true, value }),
    (e: unknown) => port.postMessage({ type: 'done', id, ok: false, error: wire(e) }),
  );
});

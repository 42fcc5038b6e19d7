/**
 * One worker process of the pool: loads the predictor once (the encoder only if a graph has phrases
 * the checkpoint has not seen), then runs one job per message. Its heap is capped by the pool
 * (`--max-old-space-size`): a model that blows it up, or a native crash, kills this process only.
 * It exits when the server goes away (the IPC channel closes).
 */
import { isOnnxPredictError, loadPredictor, toOnnxPredictError, type Predictor } from '../../index.ts';
import { predictorFacts, runJob, type Job } from './jobs.ts';
import { WORKER_SETTINGS_ENV, type ToWorker } from './pool.ts';
import { parentChannel } from '../../processes.ts';

const { checkpoint } = JSON.parse(process.env[WORKER_SETTINGS_ENV] ?? '{}') as { checkpoint?: string };
const port = parentChannel();

function wire(e: unknown): { code: string; message: string; stack?: string } {
  const err = toOnnxPredictError(e);
  return isOnnxPredictError(e) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: err.message, ...(err.stack !== undefined ? { stack: err.stack } : {}) };
}

let predictor: Predictor;
try {
  predictor = loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
  port.send({ type: 'ready', facts: predictorFacts(predictor) });
} catch (e) {
  port.send({ type: 'failed', error: wire(e) });
  port.close();
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'close') {
    void predictor.dispose().finally(() => port.close());
    return;
  }
  const { id, job } = m as { id: number; job: Job };
  runJob(predictor, job).then(
    (value) => port.send({ type: 'done', id, ok: true, value }),
    (e: unknown) => port.send({ type: 'done', id, ok: false, error: wire(e) }),
  );
});

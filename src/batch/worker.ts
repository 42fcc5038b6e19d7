/**
 * Worker side of `runBatch({ concurrency > 1 })`: loads the predictor once (the encoder only if a
 * graph has phrases the checkpoint has not seen), then scores one file per message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPredictor } from '../index.ts';
import { scoreFile } from './score.ts';

const { checkpoint } = workerData as { checkpoint?: string };
const predictor = loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
const port = parentPort!;
port.on('message', (m: { id: number; file: string } | { close: true }) => {
  if ('close' in m) {
    void predictor.dispose().finally(() => port.close());
    return;
  }
  void scoreFile(predictor, m.file).then((row) => port.postMessage({ id: m.id, row }));
});
port.postMessage({ ready: true });

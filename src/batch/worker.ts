/**
 * Worker-thread side of a scorer pool (local batch with concurrency > 1, queue workers with
 * --concurrency > 1): loads the predictor once (the encoder only if a graph has phrases the
 * checkpoint has not seen), then scores one file per message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPredictor } from '../index.ts';
import { scoreFileDetailed, type ScoreOptions } from './score.ts';

const { checkpoint } = workerData as { checkpoint?: string };
const predictor = loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
const port = parentPort!;
port.on('message', (m: { id: number; file: string; readPath?: string; host?: string; options?: ScoreOptions } | { close: true }) => {
  if ('close' in m) {
    void predictor.dispose().finally(() => port.close());
    return;
  }
  void scoreFileDetailed(predictor, m.file, m.readPath ?? m.file, m.host, m.options ?? {}).then((scored) => port.postMessage({ id: m.id, scored }));
});
port.postMessage({ ready: true, targets: predictor.targets });

/**
 * Worker-process side of a scorer pool (local batch with concurrency > 1, queue workers): loads
 * the predictor once (the encoder only if a graph has phrases the checkpoint has not seen), then
 * scores one file per message. It exits when its parent goes away (the IPC channel closes).
 */
import { loadPredictor } from '../index.ts';
import { scoreFileDetailed, type ScoreOptions } from './score.ts';
import { SCORER_SETTINGS_ENV } from './scorers.ts';
import { parentChannel } from '../processes.ts';

const { checkpoint } = JSON.parse(process.env[SCORER_SETTINGS_ENV] ?? '{}') as { checkpoint?: string };
const predictor = loadPredictor(checkpoint !== undefined ? { checkpoint } : {});
const port = parentChannel();
process.on('message', (m: { id: number; file: string; readPath?: string; host?: string; options?: ScoreOptions } | { close: true }) => {
  if ('close' in m) {
    void predictor.dispose().finally(() => port.close());
    return;
  }
  void scoreFileDetailed(predictor, m.file, m.readPath ?? m.file, m.host, m.options ?? {}).then((scored) => port.send({ id: m.id, scored }));
});
port.send({ ready: true, targets: predictor.targets });

/**
 * Scores one file into a batch row. Every failure becomes a row with its error code, so one bad
 * file never stops a batch.
 */
import { createHash } from 'node:crypto';
import { toOnnxPredictError } from '../errors.ts';
import { readModelBytes } from '../io.ts';
import { readModel } from '../onnx-to-text/reader.ts';
import type { Predictor } from '../predictor/predictor.ts';
import { predictModels } from '../index.ts';
import { normalizeRow, type BatchRow } from './rows.ts';

export async function scoreFile(predictor: Predictor, file: string): Promise<BatchRow> {
  let sha256 = '';
  try {
    const bytes = await readModelBytes(file);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    const model = readModel(bytes);
    const [r] = await predictModels(predictor, [{ model, file }], { neighbors: 1 });
    const n = r!.neighbors[0];
    return normalizeRow({
      file, sha256, predictions: r!.predictions, params: r!.stats.params, macs: r!.stats.macs,
      nearest: n ? { id: n.id, distance: n.distance, accuracy: n.accuracy } : null,
      exact: r!.exact?.id ?? null, error: null,
    });
  } catch (e) {
    const err = toOnnxPredictError(e);
    return normalizeRow({ file, sha256, predictions: {}, params: null, macs: null, nearest: null, exact: null, error: { code: err.code, message: err.message } });
  }
}

/**
 * Scores one file into a batch row: the one code path of local batch (threads or not) and of
 * queue workers. Every failure becomes a row with its error code, so one bad file never stops a
 * batch; `transient` says whether trying again later could give a different answer.
 */
import { createHash } from 'node:crypto';
import { toOnnxPredictError } from '../errors.ts';
import { readModelBytes } from '../io.ts';
import { readModel } from '../onnx-to-text/reader.ts';
import type { Predictor } from '../predictor/predictor.ts';
import { predictModels } from '../index.ts';
import { normalizeRow, type BatchRow } from './rows.ts';

export interface Scored {
  readonly row: BatchRow;
  /** True for failures that may pass on a retry (I/O hiccups on shared storage, internal errors). */
  readonly transient: boolean;
}

/** errno codes of a read that may succeed when tried again (network file systems, fd exhaustion). */
const TRANSIENT_ERRNO = new Set(['EAGAIN', 'EBUSY', 'EIO', 'EMFILE', 'ENFILE', 'ESTALE', 'ETIMEDOUT', 'EINTR', 'ECONNRESET']);

function isTransient(e: unknown, code: string): boolean {
  if (code === 'INTERNAL' || code === 'ENCODER_ERROR') return true;
  if (code !== 'UNREADABLE_INPUT') return false;
  const errno = ((e as { cause?: NodeJS.ErrnoException }).cause)?.code;
  return errno !== undefined && TRANSIENT_ERRNO.has(errno);
}

/**
 * `file` names the row; `readPath` (default: `file`) is where the bytes are read, e.g. the
 * absolute path a queue worker receives for a file the producer named relatively. `host`, given
 * by queue workers, is named in an unreadable file's message with the path that was tried.
 */
export interface ScoreOptions {
  /** Run the zero-cost proxies when the checkpoint reads them (default true). */
  readonly proxies?: boolean;
}

export async function scoreFileDetailed(predictor: Predictor, file: string, readPath: string = file, host?: string, options: ScoreOptions = {}): Promise<Scored> {
  let sha256 = '';
  try {
    const bytes = await readModelBytes(readPath);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    const model = readModel(bytes);
    const [r] = await predictModels(predictor, [{ model, file }], { neighbors: 1, ...(options.proxies === false ? { proxies: false } : {}) });
    const { file: _f, predictions, neighbors, exact, stats, model: _m, ...extra } = r!;
    const n = neighbors[0];
    return {
      transient: false,
      row: normalizeRow({
        file, sha256, predictions, params: stats.params, macs: stats.macs,
        nearest: n ? { id: n.id, arch: n.arch, distance: n.distance, accuracy: n.accuracy } : null,
        exact: exact?.id ?? null, error: null,
        // Fields the report gains later (proxies, warnings) travel with the row.
        ...extra,
      }),
    };
  } catch (e) {
    const err = toOnnxPredictError(e);
    // Messages name the file as the user gave it; an unreadable one also says where it was looked for.
    let message = readPath === file ? err.message : err.message.split(readPath).join(file);
    if (host !== undefined && err.code === 'UNREADABLE_INPUT') message += ` (read as ${readPath} on ${host})`;
    return {
      transient: isTransient(e, err.code),
      row: normalizeRow({ file, sha256, predictions: {}, params: null, macs: null, nearest: null, exact: null, error: { code: err.code, message } }),
    };
  }
}

export async function scoreFile(predictor: Predictor, file: string): Promise<BatchRow> {
  return (await scoreFileDetailed(predictor, file)).row;
}

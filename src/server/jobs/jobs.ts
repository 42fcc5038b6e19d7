/**
 * What the service asks of a predictor, as plain data that crosses a thread boundary, and the one
 * function that does it (on the event loop or in a worker process).
 */
import * as api from '../../index.ts';

export interface PredictJob {
  readonly kind: 'predict';
  readonly bytes: Uint8Array;
  readonly file: string;
  readonly target?: string;
  readonly neighbors: number;
}

export interface DescribeJob {
  readonly kind: 'describe';
  readonly bytes: Uint8Array;
  readonly file: string;
  readonly mode: api.TextMode;
  readonly maxChars?: number;
}

export type Job = PredictJob | DescribeJob;

export interface DescribeResult {
  readonly file: string;
  readonly mode: api.TextMode;
  readonly text: string;
  readonly stats: api.StatsReport;
}

export type JobResult<J extends Job> = J extends PredictJob ? api.PredictReport : DescribeResult;

/** What the app needs to know about the predictor without holding one (workers hold it). */
export interface PredictorFacts {
  readonly targets: readonly string[];
  readonly meta: api.PredictorInfo['meta'];
}

export function predictorFacts(predictor: api.Predictor): PredictorFacts {
  return { targets: [...predictor.targets], meta: predictor.checkpoint.meta };
}

/**
 * Decodes uploaded bytes. A decoder limit (e.g. subgraphs nested too deep) is a property of the
 * model, not of the request size, so it answers 400 INVALID_MODEL; 413 is kept for the body size.
 */
function decode(bytes: Uint8Array): api.Model {
  try {
    return api.readModel(bytes);
  } catch (e) {
    if (api.isOnnxPredictError(e) && e.code === 'LIMIT_EXCEEDED') throw new api.InvalidModelError(`model over a decoder limit: ${e.message}`, { cause: e });
    throw e;
  }
}

export async function runJob<J extends Job>(predictor: api.Predictor, job: J): Promise<JobResult<J>> {
  const model = decode(job.bytes);
  if (job.kind === 'predict') {
    const options = { neighbors: job.neighbors, ...(job.target !== undefined ? { target: job.target } : {}) };
    return (await api.predictModels(predictor, [{ model, file: job.file }], options))[0]! as JobResult<J>;
  }
  const text = api.describeModel(model, { mode: job.mode, ...(job.maxChars !== undefined ? { maxChars: job.maxChars } : {}) });
  return { file: job.file, mode: job.mode, text, stats: api.stats(model, job.file) } as JobResult<J>;
}

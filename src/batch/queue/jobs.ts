/**
 * What travels through the queue: one job per file, its id derived from the file's sha256 (plus
 * its real location and the predictor), so enqueuing the same file twice finds the first job
 * instead of scoring again. Shared by the producer and the workers.
 */
import { createHash } from 'node:crypto';
import type { BatchRow } from '../rows.ts';

export interface ScoreJobData {
  /** The path as the producer's user spelled it: the row's `file`. */
  readonly file: string;
  /** Absolute path every worker reads (shared storage mounted at the same place). */
  readonly path: string;
  /** Checkpoint identity the producer expects (checkpointKey); a worker with another answers with an error row. */
  readonly predictor: string;
  /** Whether the producer asked for the zero-cost proxies (part of the job's identity). */
  readonly proxies: boolean;
}

export interface ScoreJobResult {
  readonly row: BatchRow;
  /** Host and pid of the worker that scored it, for logs. */
  readonly worker: string;
}

export const JOB_NAME = 'score';
/** Tries per job for transient failures (I/O hiccups, internal errors), with exponential backoff from 1 s. */
export const JOB_ATTEMPTS = 3;
export const JOB_BACKOFF_MS = 1000;
/** Finished jobs stay a week, so a second enqueue of the same files is answered from Redis. */
export const KEEP_SECONDS = 7 * 24 * 3600;

export function jobId(sha256: string, realPath: string, predictor: string, proxies: boolean): string {
  return createHash('sha256').update(`${sha256}\n${realPath}\n${predictor}${proxies ? '' : '\nno-proxies'}`).digest('hex');
}

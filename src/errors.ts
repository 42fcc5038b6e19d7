/**
 * Typed errors with stable codes. Every failure the product reports to a user is one of these;
 * `ERROR_TABLE` is the single place that maps a code to a CLI exit code and an HTTP status.
 * Pure module: no I/O, safe to import from the core.
 */

export const ERROR_TABLE = {
  USAGE: { exit: 2, http: 400 },
  INVALID_MODEL: { exit: 3, http: 400 },
  UNREADABLE_INPUT: { exit: 3, http: 400 },
  LIMIT_EXCEEDED: { exit: 3, http: 413 },
  UNSUPPORTED_MEDIA: { exit: 2, http: 415 },
  UNAUTHORIZED: { exit: 2, http: 401 },
  NOT_FOUND: { exit: 2, http: 404 },
  OVERLOADED: { exit: 1, http: 503 },
  TIMEOUT: { exit: 1, http: 503 },
  BODY_TIMEOUT: { exit: 1, http: 408 },
  HEADERS_TOO_LARGE: { exit: 2, http: 431 },
  WORKER_CRASHED: { exit: 1, http: 500 },
  INCOMPATIBLE_CHECKPOINT: { exit: 1, http: 500 },
  ENCODER_ERROR: { exit: 1, http: 500 },
  DATASET_ERROR: { exit: 1, http: 500 },
  INTERNAL: { exit: 1, http: 500 },
} as const satisfies Record<string, { exit: 0 | 1 | 2 | 3; http: number }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export class OnnxPredictError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxPredictError';
    this.code = code;
  }
  get exitCode(): number {
    return ERROR_TABLE[this.code].exit;
  }
  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }
}

/** Bytes that are not a well-formed, acyclic ONNX model within our limits. */
export class InvalidModelError extends OnnxPredictError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MODEL', message, options);
    this.name = 'InvalidModelError';
  }
}

/** A file that cannot be read at all (missing, a directory, permission). */
export class UnreadableInputError extends OnnxPredictError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNREADABLE_INPUT', message, options);
    this.name = 'UnreadableInputError';
  }
}

/** Input larger or deeper than a documented limit. */
export class LimitExceededError extends OnnxPredictError {
  constructor(message: string) {
    super('LIMIT_EXCEEDED', message);
    this.name = 'LimitExceededError';
  }
}

/** Bad arguments from a caller: flags, options, API parameters. */
export class UsageError extends OnnxPredictError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

export function isOnnxPredictError(e: unknown): e is OnnxPredictError {
  return e instanceof OnnxPredictError;
}

/** Normalises anything thrown into a typed error; unknown failures become INTERNAL. */
export function toOnnxPredictError(e: unknown): OnnxPredictError {
  if (e instanceof OnnxPredictError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new OnnxPredictError('INTERNAL', message, { cause: e });
}

/**
 * Server configuration, resolved once at the edge: flags > environment > defaults.
 * The API key comes from the environment only (a key in argv is visible to `ps`).
 */
import { UsageError } from '../index.ts';

export interface ServerConfig {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Largest request body (one model, or a whole multipart batch). */
  readonly maxBodyBytes: number;
  /** Requests doing work at once (reading the body, decoding, predicting). */
  readonly concurrency: number;
  /** Requests waiting for a slot; beyond this the server answers 503 OVERLOADED. */
  readonly queueLimit: number;
  /** Deadline for one request from routing to response (queue wait included); 503 TIMEOUT after it. */
  readonly requestTimeoutMs: number;
  /** Files in one multipart batch. */
  readonly maxFiles: number;
  /** When set, every route except GET /v1/health needs `Authorization: Bearer <key>`. */
  readonly apiKey: string | null;
  /** Predictor checkpoint folder (undefined: the shipped one). */
  readonly checkpoint?: string;
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  maxBodyBytes: 256 * 1024 * 1024,
  concurrency: 4,
  queueLimit: 128,
  requestTimeoutMs: 60_000,
  maxFiles: 64,
  apiKey: null,
  shutdownGraceMs: 30_000,
});

/** Raw option strings as commander hands them over (all optional). */
export interface ServerFlags {
  readonly host?: string;
  readonly port?: string;
  readonly maxBody?: string;
  readonly concurrency?: string;
  readonly queue?: string;
  readonly timeout?: string;
  readonly maxFiles?: string;
  readonly checkpoint?: string;
}

/** The environment variable behind each flag. */
export const SERVER_ENV = Object.freeze({
  host: 'ONNX_PREDICT_HOST',
  port: 'ONNX_PREDICT_PORT',
  maxBody: 'ONNX_PREDICT_MAX_BODY',
  concurrency: 'ONNX_PREDICT_CONCURRENCY',
  queue: 'ONNX_PREDICT_QUEUE',
  timeout: 'ONNX_PREDICT_TIMEOUT_MS',
  maxFiles: 'ONNX_PREDICT_MAX_FILES',
  checkpoint: 'ONNX_PREDICT_CHECKPOINT',
} as const satisfies Record<keyof ServerFlags, string>);

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** '256mb', '1g', '1048576' → bytes (binary units). */
export function parseBytes(name: string, v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`--${name} must be a size like 1048576, 512kb, 256mb or 1gb, got '${v}'`);
  const n = Math.floor(Number(m[1]) * unit);
  if (n <= 0 || n > 2 ** 31) throw new UsageError(`--${name} must be between 1 byte and 2gb, got '${v}'`);
  return n;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

export function resolveServerConfig(flags: ServerFlags = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const pick = (k: keyof ServerFlags): string | undefined => {
    const f = flags[k];
    if (f !== undefined) return f;
    const e = env[SERVER_ENV[k]];
    return e !== undefined && e !== '' ? e : undefined;
  };
  const d = DEFAULT_SERVER_CONFIG;
  const v = {
    host: pick('host'), port: pick('port'), maxBody: pick('maxBody'), concurrency: pick('concurrency'),
    queue: pick('queue'), timeout: pick('timeout'), maxFiles: pick('maxFiles'), checkpoint: pick('checkpoint'),
  };
  const apiKey = env.ONNX_PREDICT_API_KEY;
  return Object.freeze({
    host: v.host ?? d.host,
    port: v.port !== undefined ? int('port', v.port, 0, 65535) : d.port,
    maxBodyBytes: v.maxBody !== undefined ? parseBytes('max-body', v.maxBody) : d.maxBodyBytes,
    concurrency: v.concurrency !== undefined ? int('concurrency', v.concurrency, 1, 1024) : d.concurrency,
    queueLimit: v.queue !== undefined ? int('queue', v.queue, 0, 100_000) : d.queueLimit,
    requestTimeoutMs: v.timeout !== undefined ? int('timeout', v.timeout, 1, 3_600_000) : d.requestTimeoutMs,
    maxFiles: v.maxFiles !== undefined ? int('max-files', v.maxFiles, 1, 10_000) : d.maxFiles,
    apiKey: apiKey !== undefined && apiKey !== '' ? apiKey : null,
    shutdownGraceMs: d.shutdownGraceMs,
    ...(v.checkpoint !== undefined ? { checkpoint: v.checkpoint } : {}),
  });
}

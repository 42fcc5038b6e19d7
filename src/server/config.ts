/**
 * Server configuration, resolved once at the edge: flags > environment > defaults.
 * The API key comes from the environment only (a key in argv is visible to `ps`).
 * `SERVER_OPTIONS` is the one list of options: the CLI registers its flags from it.
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.ts';
import { parseInteger } from '../integers.ts';

export interface ServerConfig {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Largest request body (one model, or a whole multipart batch). */
  readonly maxBodyBytes: number;
  /** Worker processes that decode and predict (one job each at a time); 0 = on the event loop, no isolation. */
  readonly workers: number;
  /** Jobs (bodies fully received) waiting for a worker; beyond this the server answers 503 OVERLOADED. */
  readonly queueLimit: number;
  /** Request bodies being received at once; beyond this 503 OVERLOADED. */
  readonly maxUploads: number;
  /** Deadline for one request from routing to response (upload and queue wait included); 503 TIMEOUT after it. */
  readonly requestTimeoutMs: number;
  /** Longest silence while a body is being received; 408 BODY_TIMEOUT after it. */
  readonly bodyTimeoutMs: number;
  /** Heap cap of each worker process (V8 old generation); a worker over it is replaced, the request answers 500. */
  readonly workerHeapMb: number;
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
  workers: availableParallelism(),
  queueLimit: 128,
  maxUploads: 64,
  requestTimeoutMs: 60_000,
  bodyTimeoutMs: 10_000,
  workerHeapMb: 1024,
  maxFiles: 64,
  apiKey: null,
  shutdownGraceMs: 30_000,
});

type Parse = (name: string, v: string) => number | string;

interface OptionSpec {
  /** commander flag syntax */
  readonly flags: string;
  readonly env: string;
  readonly help: string;
  readonly parse: Parse;
}

function int(min: number, max: number): Parse {
  return (name, v) => parseInteger(`--${name}`, v, { min, max });
}

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

const d = DEFAULT_SERVER_CONFIG;

/** Every `serve` option: flag, environment variable, help line, parser. */
export const SERVER_OPTIONS = Object.freeze({
  port: { flags: '-p, --port <port>', env: 'ONNX_PREDICT_PORT', help: `port, 0 = any free one (default ${d.port})`, parse: int(0, 65535) },
  host: { flags: '--host <host>', env: 'ONNX_PREDICT_HOST', help: `address to bind (default ${d.host})`, parse: (_n, v) => v },
  maxBody: { flags: '--max-body <size>', env: 'ONNX_PREDICT_MAX_BODY', help: 'largest request body, e.g. 64mb (default 256mb)', parse: parseBytes },
  workers: { flags: '--workers <n>', env: 'ONNX_PREDICT_WORKERS', help: 'worker processes that decode and predict, 0 = in the server process (default: number of cores)', parse: int(0, 256) },
  queue: { flags: '--queue <n>', env: 'ONNX_PREDICT_QUEUE', help: `received requests waiting for a worker before 503 (default ${d.queueLimit})`, parse: int(0, 100_000) },
  maxUploads: { flags: '--max-uploads <n>', env: 'ONNX_PREDICT_MAX_UPLOADS', help: `request bodies received at once before 503 (default ${d.maxUploads})`, parse: int(1, 100_000) },
  timeout: { flags: '--timeout <ms>', env: 'ONNX_PREDICT_TIMEOUT_MS', help: `per-request deadline in ms, upload and queue wait included (default ${d.requestTimeoutMs})`, parse: int(1, 3_600_000) },
  bodyTimeout: { flags: '--body-timeout <ms>', env: 'ONNX_PREDICT_BODY_TIMEOUT_MS', help: `longest silence in ms while a body is received, then 408 (default ${d.bodyTimeoutMs})`, parse: int(1, 3_600_000) },
  workerHeap: { flags: '--worker-heap <mb>', env: 'ONNX_PREDICT_WORKER_HEAP_MB', help: `heap cap per worker in MB; a worker over it is replaced (default ${d.workerHeapMb})`, parse: int(64, 1_048_576) },
  maxFiles: { flags: '--max-files <n>', env: 'ONNX_PREDICT_MAX_FILES', help: `files in one multipart batch (default ${d.maxFiles})`, parse: int(1, 10_000) },
  checkpoint: { flags: '--checkpoint <dir>', env: 'ONNX_PREDICT_CHECKPOINT', help: 'predictor checkpoint folder (default: the shipped one)', parse: (_n, v) => v },
} as const satisfies Record<string, OptionSpec>);

export type ServerFlags = { readonly [K in keyof typeof SERVER_OPTIONS]?: string };

/** The environment variable behind each flag. */
export const SERVER_ENV = Object.freeze(Object.fromEntries(Object.entries(SERVER_OPTIONS).map(([k, o]) => [k, o.env]))) as { readonly [K in keyof typeof SERVER_OPTIONS]: string };

const flagName = (k: keyof typeof SERVER_OPTIONS): string => /--([a-z-]+)/.exec(SERVER_OPTIONS[k].flags)![1]!;

export function resolveServerConfig(flags: ServerFlags = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const get = <T extends number | string>(k: keyof typeof SERVER_OPTIONS, fallback: T): T => {
    const f = flags[k];
    const e = env[SERVER_OPTIONS[k].env];
    const v = f ?? (e !== undefined && e !== '' ? e : undefined);
    return v === undefined ? fallback : (SERVER_OPTIONS[k].parse(flagName(k), v) as T);
  };
  const apiKey = env.ONNX_PREDICT_API_KEY;
  const checkpoint = flags.checkpoint ?? (env[SERVER_OPTIONS.checkpoint.env] || undefined);
  return Object.freeze({
    host: get('host', d.host),
    port: get('port', d.port),
    maxBodyBytes: get('maxBody', d.maxBodyBytes),
    workers: get('workers', d.workers),
    queueLimit: get('queue', d.queueLimit),
    maxUploads: get('maxUploads', d.maxUploads),
    requestTimeoutMs: get('timeout', d.requestTimeoutMs),
    bodyTimeoutMs: get('bodyTimeout', d.bodyTimeoutMs),
    workerHeapMb: get('workerHeap', d.workerHeapMb),
    maxFiles: get('maxFiles', d.maxFiles),
    apiKey: apiKey !== undefined && apiKey !== '' ? apiKey : null,
    shutdownGraceMs: d.shutdownGraceMs,
    ...(checkpoint !== undefined ? { checkpoint } : {}),
  });
}

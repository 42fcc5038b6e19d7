/**
 * The HTTP service as an express app factory: a thin adapter over the public API. One error
 * middleware turns every failure into `{error: {code, message}}` with the status from ERROR_TABLE.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { basename } from 'node:path';
import busboy from 'busboy';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import * as api from '../index.ts';
import type { ServerConfig } from './config.ts';
import { openApiDocument } from './openapi.ts';
import { WorkQueue } from './queue.ts';

/** Shared between the app and `startServer` (drain on SIGTERM). */
export interface ServerState {
  readonly queue: WorkQueue;
  draining: boolean;
  readonly startedAt: number;
}

export interface AppDeps {
  /** A loaded predictor (default: loaded once here from `config.checkpoint`). */
  readonly predictor?: api.Predictor;
  /** One JSON request log line (default: stderr). */
  readonly log?: (line: string) => void;
  readonly state?: ServerState;
}

const OCTET = 'application/octet-stream';

function queryString(req: Request, name: string, max = 256): string | undefined {
  const v: unknown = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new api.UsageError(`query parameter '${name}' must be given once`);
  if (v.length > max) throw new api.UsageError(`query parameter '${name}' is longer than ${max} characters`);
  return v;
}

function queryInt(req: Request, name: string, min: number, max: number): number | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new api.UsageError(`query parameter '${name}' must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

function requireType(type: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.is(type) === false || req.is(type) === null) {
      throw new api.OnnxPredictError('UNSUPPORTED_MEDIA', `Content-Type must be ${type}, got '${req.get('content-type') ?? '(none)'}'`);
    }
    next();
  };
}

/** body-parser / busboy failures → typed errors; anything else unknown is INTERNAL. */
function toTyped(e: unknown, config: ServerConfig): api.OnnxPredictError {
  if (api.isOnnxPredictError(e)) return e;
  const t = (e as { type?: unknown; status?: unknown } | null) ?? {};
  if (t.type === 'entity.too.large') return new api.LimitExceededError(`request body is over the ${config.maxBodyBytes}-byte limit (--max-body)`);
  if (t.type === 'request.aborted') return new api.UsageError('the client aborted the request');
  if (typeof t.status === 'number' && t.status >= 400 && t.status < 500) return new api.UsageError(e instanceof Error ? e.message : String(e));
  return api.toOnnxPredictError(e);
}

/**
 * Decodes uploaded bytes. A decoder limit (e.g. subgraphs nested too deep) is a property of the
 * model, not of the request size, so it answers 400 INVALID_MODEL; 413 is kept for --max-body.
 */
function decode(bytes: Uint8Array): api.Model {
  try {
    return api.readModel(bytes);
  } catch (e) {
    if (api.isOnnxPredictError(e) && e.code === 'LIMIT_EXCEEDED') throw new api.InvalidModelError(`model over a decoder limit: ${e.message}`, { cause: e });
    throw e;
  }
}

interface Upload {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly error: api.OnnxPredictError | null;
}

function readMultipart(req: Request, config: ServerConfig): Promise<Upload[]> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: config.maxFiles, fileSize: config.maxBodyBytes, fields: 100, parts: config.maxFiles + 100 } });
    } catch (e) {
      reject(new api.UsageError(`malformed multipart request: ${(e as Error).message}`));
      return;
    }
    const uploads: Promise<Upload>[] = [];
    let total = 0;
    let failed = false;
    const fail = (e: api.OnnxPredictError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(e);
    };
    bb.on('file', (_field, stream, info) => {
      const name = (info.filename ?? '').slice(0, 256) || `part${uploads.length}`;
      uploads.push(new Promise<Upload>((res) => {
        const chunks: Buffer[] = [];
        let truncated = false;
        stream.on('data', (c: Buffer) => {
          total += c.length;
          if (total > config.maxBodyBytes) fail(new api.LimitExceededError(`request body is over the ${config.maxBodyBytes}-byte limit (--max-body)`));
          else chunks.push(c);
        });
        stream.on('limit', () => { truncated = true; });
        stream.on('close', () => res({
          name,
          bytes: Buffer.concat(chunks),
          error: truncated ? new api.LimitExceededError(`${name}: over the ${config.maxBodyBytes}-byte limit (--max-body)`) : null,
        }));
      }));
    });
    bb.on('filesLimit', () => fail(new api.LimitExceededError(`more than ${config.maxFiles} files in one request (--max-files)`)));
    bb.on('partsLimit', () => fail(new api.LimitExceededError(`more than ${config.maxFiles + 100} parts in one request`)));
    bb.on('error', (e: unknown) => fail(new api.UsageError(`malformed multipart body: ${(e as Error).message}`)));
    bb.on('close', () => {
      if (!failed) void Promise.all(uploads).then(resolve, reject);
    });
    req.on('aborted', () => fail(new api.UsageError('the client aborted the request')));
    const sock = req.socket;
    const onSocketClose = () => fail(new api.UsageError('the connection closed before the request body was complete'));
    sock.once('close', onSocketClose);
    bb.once('close', () => sock.off('close', onSocketClose));
    req.pipe(bb);
  });
}

export function createApp(config: ServerConfig, deps: AppDeps = {}): Express {
  const predictor = deps.predictor ?? api.loadPredictor(config.checkpoint !== undefined ? { checkpoint: config.checkpoint } : {});
  const log = deps.log ?? ((line: string) => { process.stderr.write(`${line}\n`); });
  const state: ServerState = deps.state ?? { queue: new WorkQueue(config.concurrency, config.queueLimit), draining: false, startedAt: Date.now() };
  const queue = state.queue;
  const raw = express.raw({ type: () => true, limit: config.maxBodyBytes });
  const keyDigest = config.apiKey === null ? null : createHash('sha256').update(`Bearer ${config.apiKey}`).digest();
  const doc = openApiDocument(api.VERSION);

  const readBody = (req: Request, res: Response): Promise<Uint8Array> => new Promise((resolve, reject) => {
    // Once a response has gone out (e.g. 503 TIMEOUT), Node no longer tells the request that its
    // socket closed and raw-body never settles; watching the socket keeps the slot from leaking.
    const sock = req.socket;
    const onSocketClose = () => reject(new api.UsageError('the connection closed before the request body was complete'));
    sock.once('close', onSocketClose);
    raw(req, res, (err?: unknown) => {
      sock.off('close', onSocketClose);
      if (err !== undefined && err !== null) reject(err);
      else resolve(Buffer.isBuffer(req.body) ? req.body : new Uint8Array(0));
    });
  });

  /** Runs a job under the queue bound and the request deadline; queue wait counts. */
  const work = async <T>(res: Response, job: () => Promise<T>): Promise<T> => {
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort(new api.UsageError('the client closed the connection'));
    };
    res.once('close', onClose);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new api.OnnxPredictError('TIMEOUT', `request took longer than ${config.requestTimeoutMs} ms (--timeout)`);
        ac.abort(e);
        reject(e);
      }, config.requestTimeoutMs);
    });
    const p = queue.run(job, ac.signal);
    p.catch(() => {});
    try {
      return await Promise.race([p, deadline]);
    } finally {
      clearTimeout(timer);
      res.off('close', onClose);
    }
  };

  const checkTarget = (target: string | undefined) => {
    if (target !== undefined && !predictor.targets.includes(target)) {
      throw new api.UsageError(`target must be one of ${predictor.targets.join(', ')}, got '${target}'`);
    }
  };

  /** Rejects a declared oversize body before it takes a queue slot. */
  const checkDeclaredLength = (req: Request) => {
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > config.maxBodyBytes) throw new api.LimitExceededError(`request body of ${declared} bytes is over the ${config.maxBodyBytes}-byte limit (--max-body)`);
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // One JSON line per request, on finish or on a client abort.
  app.use((req, res, next) => {
    const t0 = performance.now();
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      const entry: Record<string, unknown> = {
        time: new Date().toISOString(), method: req.method, path: req.originalUrl.split('?')[0],
        status: res.writableFinished ? res.statusCode : 499, ms: Math.round((performance.now() - t0) * 100) / 100,
        bytesIn: Number(req.get('content-length') ?? 0) || 0, bytesOut: Number(res.getHeader('content-length') ?? 0) || 0,
      };
      if (res.locals.errorCode !== undefined) entry.code = res.locals.errorCode;
      log(JSON.stringify(entry));
    };
    res.once('finish', end);
    res.once('close', end);
    if (state.draining) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/v1/health', (_req, res) => {
    res.status(state.draining ? 503 : 200).json({
      status: state.draining ? 'draining' : 'ok', version: api.VERSION,
      uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000), running: queue.running, queued: queue.queued,
    });
  });

  // Everything below needs the API key when one is configured; health stays open for probes.
  app.use((req, res, next) => {
    if (keyDigest === null) return next();
    const got = createHash('sha256').update(req.get('authorization') ?? '').digest();
    if (!timingSafeEqual(got, keyDigest)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new api.OnnxPredictError('UNAUTHORIZED', 'missing or bad API key: send Authorization: Bearer <key>');
    }
    next();
  });

  app.get('/openapi.json', (_req, res) => { res.json(doc); });

  app.get('/v1/info', (_req, res) => {
    res.json({ version: api.VERSION, checkpoint: basename(config.checkpoint ?? api.DEFAULT_CHECKPOINT_DIR), meta: predictor.checkpoint.meta });
  });

  app.post('/v1/predict', requireType(OCTET), async (req, res) => {
    const target = queryString(req, 'target');
    const file = queryString(req, 'name') ?? 'upload';
    const neighbors = queryInt(req, 'neighbors', 0, 50) ?? 3;
    checkTarget(target);
    checkDeclaredLength(req);
    const report = await work(res, async () => {
      const model = decode(await readBody(req, res));
      return (await api.predictModels(predictor, [{ model, file }], { neighbors, ...(target !== undefined ? { target } : {}) }))[0]!;
    });
    res.json(report);
  });

  app.post('/v1/describe', requireType(OCTET), async (req, res) => {
    const modeArg = queryString(req, 'mode') ?? api.DEFAULT_TEXT_MODE;
    if (!(api.TEXT_MODES as readonly string[]).includes(modeArg)) throw new api.UsageError(`mode must be one of ${api.TEXT_MODES.join(', ')}, got '${modeArg}'`);
    const mode = modeArg as api.TextMode;
    const maxChars = queryInt(req, 'maxChars', 1, 10_000_000);
    const file = queryString(req, 'name') ?? 'upload';
    checkDeclaredLength(req);
    const body = await work(res, async () => {
      const model = decode(await readBody(req, res));
      return { file, mode, text: api.describeModel(model, { mode, ...(maxChars !== undefined ? { maxChars } : {}) }), stats: api.stats(model, file) };
    });
    res.json(body);
  });

  app.post('/v1/predict/batch', requireType('multipart/form-data'), async (req, res) => {
    const target = queryString(req, 'target');
    const neighbors = queryInt(req, 'neighbors', 0, 50) ?? 3;
    checkTarget(target);
    checkDeclaredLength(req);
    const items = await work(res, async () => {
      const uploads = await readMultipart(req, config);
      if (uploads.length === 0) throw new api.UsageError('no files in the multipart body: send one file part per model');
      const out: unknown[] = [];
      for (const u of uploads) {
        try {
          if (u.error) throw u.error;
          const model = decode(u.bytes);
          out.push((await api.predictModels(predictor, [{ model, file: u.name }], { neighbors, ...(target !== undefined ? { target } : {}) }))[0]);
        } catch (e) {
          const err = api.toOnnxPredictError(e);
          out.push({ file: u.name, error: { code: err.code, message: err.message } });
        }
        // Let health checks and other requests in between files.
        await new Promise((r) => setImmediate(r));
      }
      return out;
    });
    res.json(items);
  });

  app.use((req) => {
    throw new api.OnnxPredictError('NOT_FOUND', `no route ${req.method} ${req.path}`);
  });

  // The one error middleware.
  app.use((e: unknown, req: Request, res: Response, _next: NextFunction) => {
    const err = toTyped(e, config);
    if (err.code === 'INTERNAL') process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', path: req.path, error: err.message, stack: err.stack })}\n`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.locals.errorCode = err.code;
    if (err.code === 'OVERLOADED' || err.code === 'TIMEOUT') res.setHeader('Retry-After', '1');
    // An unread body (rejected before reading) is not drained: close the connection instead.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(err.httpStatus).json({ error: { code: err.code, message: err.code === 'INTERNAL' ? 'internal error' : err.message } });
  });

  return app;
}

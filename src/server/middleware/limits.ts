/**
 * What protects the work slots: the request deadline, body checks before any byte is read, and a
 * body reader with a size cap, an idle timeout (seconds without a byte) and a bound on bodies being
 * received at once. A work slot is taken only after the body is fully in (see routes).
 */
import type { Request, RequestHandler, Response } from 'express';
import busboy from 'busboy';
import { LimitExceededError, OnnxPredictError, UsageError } from '../../errors.ts';
import type { AppContext } from '../context.ts';

/** The request's deadline and client-gone signal (set by `deadline`). */
export function signalOf(res: Response): AbortSignal {
  return res.locals.signal as AbortSignal;
}

/** `p`, or the signal's reason if it aborts first. */
export function untilAborted<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  p.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** One deadline from routing to response (upload, queue wait and work included); refuses work while draining. */
export function deadline(ctx: AppContext): RequestHandler {
  const ms = ctx.config.requestTimeoutMs;
  return (_req, res, next) => {
    if (ctx.state.draining) throw new OnnxPredictError('OVERLOADED', 'the server is shutting down and takes no new work; retry on another instance');
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new OnnxPredictError('TIMEOUT', `the request took longer than this server's ${ms} ms deadline`)), ms);
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) ac.abort(new UsageError('the client closed the connection'));
    });
    res.locals.signal = ac.signal;
    next();
  };
}

export const bodyLimitMessage = (max: number): string => `the request body is over this server's limit of ${max} bytes`;

/**
 * Checks what the headers say before reading anything: a body is there, of the right type, not
 * declared over the size limit.
 */
export function requireBody(ctx: AppContext, type: string, what: string): RequestHandler {
  return (req, _res, next) => {
    const declared = req.get('content-length');
    const chunked = req.get('transfer-encoding') !== undefined;
    if (!chunked && (declared === undefined || Number(declared) === 0)) {
      throw new UsageError(`the request has no body: send ${what} as the body, with Content-Type: ${type}`);
    }
    if (req.is(type) === false || req.is(type) === null) {
      throw new OnnxPredictError('UNSUPPORTED_MEDIA', `Content-Type must be ${type}, got '${req.get('content-type') ?? '(none)'}'`);
    }
    if (Number(declared ?? 0) > ctx.config.maxBodyBytes) throw new LimitExceededError(`a declared body of ${declared} bytes is over this server's limit of ${ctx.config.maxBodyBytes} bytes`);
    next();
  };
}

interface Receiving {
  /** Call on every chunk: resets the idle timer. */
  readonly tick: () => void;
  readonly fail: (e: unknown) => void;
}

/**
 * Shared by the raw and the multipart reader: the upload bound, the idle timer, a connection that
 * closes mid-body, the deadline. `feed` wires the stream; it calls `tick` per chunk.
 */
function receive<T>(req: Request, ctx: AppContext, signal: AbortSignal, feed: (r: Receiving, done: (v: T) => void) => void): Promise<T> {
  const { state, config } = ctx;
  if (state.uploads >= config.maxUploads) {
    return Promise.reject(new OnnxPredictError('OVERLOADED', `server busy: ${state.uploads} request bodies are being received (limit ${config.maxUploads}); retry later`));
  }
  state.uploads++;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const idleMs = config.bodyTimeoutMs;
    const timer = setTimeout(() => settle(new OnnxPredictError('BODY_TIMEOUT', `no byte of the request body arrived for ${idleMs} ms (this server's body timeout)`)), idleMs);
    const sock = req.socket;
    const onClose = () => settle(new UsageError('the connection closed before the request body was complete'));
    const onAbort = () => settle(signal.reason);
    function settle(e: unknown, value?: T): void {
      if (settled) return;
      settled = true;
      state.uploads--;
      clearTimeout(timer);
      // Once a response has gone out, Node no longer tells the request that its socket closed:
      // watching the socket keeps the upload count from leaking.
      sock.off('close', onClose);
      req.off('close', onReqClose);
      signal.removeEventListener('abort', onAbort);
      if (e === undefined) resolve(value as T);
      else {
        req.unpipe();
        reject(e);
      }
    }
    const onReqClose = () => {
      if (!req.complete) onClose();
    };
    sock.once('close', onClose);
    req.once('close', onReqClose);
    signal.addEventListener('abort', onAbort, { once: true });
    feed({ tick: () => timer.refresh(), fail: (e) => settle(e) }, (v) => settle(undefined, v));
  });
}

/** The whole raw body as a fresh (transferable, unpooled) buffer. */
export function readBody(req: Request, ctx: AppContext, signal: AbortSignal): Promise<Uint8Array> {
  const max = ctx.config.maxBodyBytes;
  return receive<Uint8Array>(req, ctx, signal, (r, done) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (c: Buffer) => {
      r.tick();
      total += c.length;
      if (total > max) r.fail(new LimitExceededError(bodyLimitMessage(max)));
      else chunks.push(c);
    });
    req.once('end', () => {
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      if (total === 0) r.fail(new UsageError('the request body is empty: send the ONNX file\'s bytes as the body'));
      else done(out);
    });
    req.once('error', (e) => r.fail(new UsageError(`the request body could not be read: ${e.message}`)));
  });
}

export interface Upload {
  /** The multipart field the part came in (`files` for models, `known` for a known-results CSV). */
  readonly field: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly error: OnnxPredictError | null;
}

/** Every file part of a multipart body (the total under the body limit, at most `maxFiles` parts). */
export function readMultipart(req: Request, ctx: AppContext, signal: AbortSignal): Promise<Upload[]> {
  const { maxBodyBytes: max, maxFiles } = ctx.config;
  return receive<Upload[]>(req, ctx, signal, (r, done) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: maxFiles, fileSize: max, fields: 100, parts: maxFiles + 100 } });
    } catch (e) {
      r.fail(new UsageError(`malformed multipart request: ${(e as Error).message}`));
      return;
    }
    const uploads: Promise<Upload>[] = [];
    let total = 0;
    req.on('data', () => r.tick());
    bb.on('file', (field, stream, info) => {
      const name = (info.filename ?? '').slice(0, 256) || `part${uploads.length}`;
      uploads.push(new Promise<Upload>((res) => {
        const chunks: Buffer[] = [];
        let truncated = false;
        stream.on('data', (c: Buffer) => {
          total += c.length;
          if (total > max) r.fail(new LimitExceededError(bodyLimitMessage(max)));
          else chunks.push(c);
        });
        stream.on('limit', () => { truncated = true; });
        stream.on('close', () => res({
          field,
          name,
          bytes: new Uint8Array(Buffer.concat(chunks)),
          error: truncated ? new LimitExceededError(`${name}: ${bodyLimitMessage(max)}`) : null,
        }));
      }));
    });
    bb.on('filesLimit', () => r.fail(new LimitExceededError(`more than ${maxFiles} files in one request (this server's limit)`)));
    bb.on('partsLimit', () => r.fail(new LimitExceededError(`more than ${maxFiles + 100} parts in one request`)));
    bb.on('error', (e: unknown) => r.fail(new UsageError(`malformed multipart body: ${(e as Error).message}`)));
    bb.on('close', () => {
      void Promise.all(uploads).then(done, r.fail);
    });
    req.pipe(bb);
  });
}

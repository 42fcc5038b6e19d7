/**
 * The one error handler: every failure becomes `{error: {code, message}}` with the status from
 * ERROR_TABLE (src/errors.ts). Unknown failures are INTERNAL: logged with their stack, answered
 * "internal error".
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isOnnxPredictError, LimitExceededError, OnnxPredictError, toOnnxPredictError, UsageError } from '../../errors.ts';
import type { AppContext } from '../context.ts';
import { bodyLimitMessage } from './limits.ts';

/** body-parser style failures (`type`, `status`) → typed errors; anything else unknown is INTERNAL. */
export function toTyped(e: unknown, maxBodyBytes: number): OnnxPredictError {
  if (isOnnxPredictError(e)) return e;
  const t = (e as { type?: unknown; status?: unknown } | null) ?? {};
  if (t.type === 'entity.too.large') return new LimitExceededError(bodyLimitMessage(maxBodyBytes));
  if (t.type === 'request.aborted') return new UsageError('the client aborted the request');
  if (typeof t.status === 'number' && t.status >= 400 && t.status < 500) return new UsageError(e instanceof Error ? e.message : String(e));
  return toOnnxPredictError(e);
}

/** The JSON body of an error (also written by the raw-socket 431/400 handler in start.ts). */
export function errorBody(err: OnnxPredictError): string {
  return JSON.stringify({ error: { code: err.code, message: err.code === 'INTERNAL' ? 'internal error' : err.message } });
}

export const notFound: RequestHandler = (req) => {
  throw new OnnxPredictError('NOT_FOUND', `no route ${req.method} ${req.path}`);
};

export function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return (e: unknown, req, res, _next) => {
    const err = toTyped(e, ctx.config.maxBodyBytes);
    if (err.code === 'INTERNAL') process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', path: req.path, error: err.message, stack: err.stack })}\n`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.locals.errorCode = err.code;
    if (err.code === 'OVERLOADED' || err.code === 'TIMEOUT') res.setHeader('Retry-After', '1');
    // An unread body (rejected before or while reading) is not drained: close the connection instead.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(err.httpStatus).type('application/json').send(errorBody(err));
  };
}

/** One JSON line per request, on finish or on a client abort (status 499). The query string is not logged. */
import type { RequestHandler } from 'express';
import type { AppContext } from '../context.ts';

export function requestLog(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
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
      ctx.log(JSON.stringify(entry));
    };
    res.once('finish', end);
    res.once('close', end);
    if (ctx.state.draining) res.setHeader('Connection', 'close');
    next();
  };
}

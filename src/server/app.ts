/**
 * The HTTP service as an express app factory, a thin adapter over the public API: logging, the
 * open routes, the API key, the other routes (routes/index.ts), 404, one JSON error handler.
 * Work (decode, predict, describe) goes through a `Work` backend: worker processes when started by
 * `startServer`, or a predictor on the event loop when given one (tests, `--workers 0`).
 */
import express, { type Express } from 'express';
import * as api from '../index.ts';
import type { ServerConfig } from './config.ts';
import { newState, type AppContext, type ServerState } from './context.ts';
import { requireApiKey } from './middleware/auth.ts';
import { errorHandler, notFound } from './middleware/errors.ts';
import { requestLog } from './middleware/logging.ts';
import { openApiDocument } from './openapi.ts';
import { ROUTES, type RouteModule } from './routes/index.ts';
import { openapiRoute } from './routes/openapi.ts';
import { InProcessWork, type Work } from './jobs/backend.ts';

export interface AppDeps {
  /** Where work runs (default: `predictor` on the event loop). */
  readonly work?: Work;
  /** A loaded predictor for in-process work (default: loaded here from `config.checkpoint`). */
  readonly predictor?: api.Predictor;
  /** One JSON request log line (default: stderr). */
  readonly log?: (line: string) => void;
  readonly state?: ServerState;
  /** Route modules (default: ROUTES); /openapi.json is added and describes them all. */
  readonly routes?: readonly RouteModule[];
}

export function createApp(config: ServerConfig, deps: AppDeps = {}): Express {
  const work = deps.work ?? new InProcessWork(deps.predictor ?? api.loadPredictor(config.checkpoint !== undefined ? { checkpoint: config.checkpoint } : {}), config.queueLimit, deps.predictor === undefined);
  const ctx: AppContext = {
    config, work, version: api.VERSION,
    state: deps.state ?? newState(),
    log: deps.log ?? ((line: string) => { process.stderr.write(`${line}\n`); }),
  };
  let doc: Record<string, unknown> | undefined;
  const routes: RouteModule[] = [...(deps.routes ?? ROUTES)];
  routes.push(openapiRoute(() => (doc ??= openApiDocument(api.VERSION, routes))));

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(ctx));
  for (const r of routes) if (r.open === true) r.mount(app, ctx);
  app.use(requireApiKey(config.apiKey));
  for (const r of routes) if (r.open !== true) r.mount(app, ctx);
  app.use(notFound);
  app.use(errorHandler(ctx));
  return app;
}

/** The OpenAPI document of the default routes (what GET /openapi.json serves). */
export function defaultOpenApiDocument(): Record<string, unknown> {
  return openApiDocument(api.VERSION, [...ROUTES, openapiRoute(() => ({}))]);
}

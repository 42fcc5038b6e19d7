/** The HTTP adapter: app factory, server runner, configuration, work backends. */
export { createApp, defaultOpenApiDocument, type AppDeps } from './app.ts';
export { newState, type AppContext, type ServerState } from './context.ts';
export { startServer, type RunningServer, type StartDeps } from './start.ts';
export { serveUntilSignal, type ServeIO } from './run.ts';
export { resolveServerConfig, parseBytes, DEFAULT_SERVER_CONFIG, SERVER_ENV, SERVER_OPTIONS, type ServerConfig, type ServerFlags } from './config.ts';
export { openApiDocument } from './openapi.ts';
export { ROUTES, type RouteModule } from './routes/index.ts';
export { WorkQueue } from './queue.ts';
export { InProcessWork, type Work } from './jobs/backend.ts';
export { WorkerPool } from './jobs/pool.ts';

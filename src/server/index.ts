/** The HTTP adapter: app factory, server runner, configuration. */
export { createApp, type AppDeps, type ServerState } from './app.ts';
export { startServer, type RunningServer } from './start.ts';
export { resolveServerConfig, parseBytes, DEFAULT_SERVER_CONFIG, SERVER_ENV, type ServerConfig, type ServerFlags } from './config.ts';
export { openApiDocument } from './openapi.ts';
export { WorkQueue } from './queue.ts';

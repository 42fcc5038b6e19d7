/**
 * Runs the app on a real socket: loads the predictor once, listens, and shuts down gracefully
 * (stop accepting, finish in-flight requests, then close).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as api from '../index.ts';
import { createApp, type ServerState } from './app.ts';
import type { ServerConfig } from './config.ts';
import { WorkQueue } from './queue.ts';

export interface RunningServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:8080 (the bound port when the config asked for 0). */
  readonly url: string;
  readonly port: number;
  readonly state: ServerState;
  /** Graceful: refuses new connections, lets in-flight requests finish (up to shutdownGraceMs), disposes the predictor. */
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, deps: { predictor?: api.Predictor; log?: (line: string) => void } = {}): Promise<RunningServer> {
  const owned = deps.predictor === undefined;
  const predictor = deps.predictor ?? api.loadPredictor(config.checkpoint !== undefined ? { checkpoint: config.checkpoint } : {});
  const state: ServerState = { queue: new WorkQueue(config.concurrency, config.queueLimit), draining: false, startedAt: Date.now() };
  const app = createApp(config, { predictor, state, ...(deps.log ? { log: deps.log } : {}) });
  const server = createServer(app);
  // Node's own deadline for receiving a request; a stalled upload cannot hold a queue slot forever.
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(60_000, config.requestTimeoutMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new api.UsageError(`cannot listen on ${config.host}:${config.port}: ${e.code ?? e.message}`)));
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | null = null;
  return {
    server, state, port: addr.port, url: `http://${host}:${addr.port}`,
    close() {
      closing ??= (async () => {
        state.draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        // Keep-alive sockets that go idle after their last response are closed as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        try {
          await closed;
        } finally {
          clearTimeout(grace);
          clearInterval(sweep);
        }
        if (owned) await predictor.dispose();
      })();
      return closing;
    },
  };
}

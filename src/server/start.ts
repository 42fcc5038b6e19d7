/**
 * Runs the app on a real socket: starts the work backend (worker processes, or the predictor on the
 * event loop with `workers: 0`), listens, and shuts down gracefully (stop accepting, refuse new
 * work, finish in-flight requests, then close the workers).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as api from '../index.ts';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { newState, type ServerState } from './context.ts';
import { errorBody } from './middleware/errors.ts';
import type { RouteModule } from './routes/index.ts';
import { InProcessWork, type Work } from './jobs/backend.ts';
import { WorkerPool } from './jobs/pool.ts';

export interface RunningServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:8080 (the bound port when the config asked for 0). */
  readonly url: string;
  readonly port: number;
  readonly state: ServerState;
  readonly work: Work;
  /** Graceful: refuses new connections and work, lets in-flight requests finish (up to shutdownGraceMs), closes the workers. */
  close(): Promise<void>;
}

export interface StartDeps {
  /** Run work on the event loop with this predictor (ignores `config.workers`; not disposed on close). */
  readonly predictor?: api.Predictor;
  readonly log?: (line: string) => void;
  readonly routes?: readonly RouteModule[];
}

/**
 * What Node answers itself, before express sees a request (headers over the limit, a malformed
 * request, a request not received in time), with the same JSON error body as every other error.
 */
function clientError(e: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const err = e.code === 'HPE_HEADER_OVERFLOW'
    ? new api.OnnxPredictError('HEADERS_TOO_LARGE', 'the request headers (URL and query string included) are over 16 KB')
    : e.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new api.OnnxPredictError('BODY_TIMEOUT', 'the request was not received in time')
      : new api.UsageError(`malformed HTTP request (${e.code ?? e.message})`);
  const body = errorBody(err);
  socket.end(`HTTP/1.1 ${err.httpStatus} ${err.code}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export async function startServer(config: ServerConfig, deps: StartDeps = {}): Promise<RunningServer> {
  const log = deps.log ?? ((line: string) => { process.stderr.write(`${line}\n`); });
  const work: Work = deps.predictor !== undefined
    ? new InProcessWork(deps.predictor, config.queueLimit, false)
    : config.workers === 0
      ? new InProcessWork(api.loadPredictor(config.checkpoint !== undefined ? { checkpoint: config.checkpoint } : {}), config.queueLimit, true)
      : await WorkerPool.start({ size: config.workers, queueLimit: config.queueLimit, heapMb: config.workerHeapMb, jobTimeoutMs: config.requestTimeoutMs, log, ...(config.checkpoint !== undefined ? { checkpoint: config.checkpoint } : {}) });
  const state = newState();
  const app = createApp(config, { work, state, log, ...(deps.routes ? { routes: deps.routes } : {}) });
  const server = createServer(app);
  // Node's own deadline for receiving a whole request, a backstop behind the app's body timeout
  // and deadline (which answer first, with a JSON body).
  server.requestTimeout = config.requestTimeoutMs + 5_000;
  server.headersTimeout = Math.min(60_000, config.requestTimeoutMs + 5_000);
  server.on('clientError', clientError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new api.UsageError(`cannot listen on ${config.host}:${config.port}: ${e.code ?? e.message}`)));
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (e) {
    await work.close();
    throw e;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | null = null;
  return {
    server, state, work, port: addr.port, url: `http://${host}:${addr.port}`,
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
        await work.close();
      })();
      return closing;
    },
  };
}

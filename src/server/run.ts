/**
 * What `onnx-predict serve` does once its flags are parsed: start, print the bound address on
 * stdout (`listening on <url>`), and on SIGTERM or SIGINT drain (refuse new work, finish what is
 * in flight, close the workers) and resolve.
 */
import type { ServerConfig } from './config.ts';
import { startServer } from './start.ts';

export interface ServeIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

export async function serveUntilSignal(config: ServerConfig, io: ServeIO): Promise<void> {
  const running = await startServer(config);
  const workers = running.work.workers;
  io.stdout(`listening on ${running.url}${config.apiKey !== null ? ' (API key required)' : ''}\n`);
  io.stderr(`${JSON.stringify({ time: new Date().toISOString(), msg: 'started', url: running.url, workers, queue: config.queueLimit })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      io.stderr(`${JSON.stringify({ time: new Date().toISOString(), msg: 'shutting down', signal, running: running.work.running, queued: running.work.queued })}\n`);
      void running.close().then(resolve);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  });
  io.stderr(`${JSON.stringify({ time: new Date().toISOString(), msg: 'stopped' })}\n`);
}

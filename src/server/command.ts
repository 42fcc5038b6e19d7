/**
 * `onnx-predict serve`: config from flags > environment > defaults, then `startServer`; SIGTERM or
 * SIGINT drains and exits 0. The bound address is printed on stdout (`listening on <url>`).
 */
import { Option, type Command } from 'commander';
import type { CliIO } from '../cli/main.ts';
import { DEFAULT_SERVER_CONFIG, resolveServerConfig, SERVER_ENV, type ServerFlags } from './config.ts';
import { startServer } from './start.ts';

export function registerServe(program: Command, io: CliIO): void {
  const d = DEFAULT_SERVER_CONFIG;
  program
    .command('serve')
    .description('HTTP predict service (POST /v1/predict, /v1/describe, /v1/predict/batch; GET /v1/health, /v1/info, /openapi.json)')
    .addOption(new Option('-p, --port <port>', `port, 0 = any free one (env ${SERVER_ENV.port}, default ${d.port})`))
    .addOption(new Option('--host <host>', `address to bind (env ${SERVER_ENV.host}, default ${d.host})`))
    .addOption(new Option('--max-body <size>', `largest request body, e.g. 64mb (env ${SERVER_ENV.maxBody}, default 256mb)`))
    .addOption(new Option('--concurrency <n>', `requests worked on at once (env ${SERVER_ENV.concurrency}, default ${d.concurrency})`))
    .addOption(new Option('--queue <n>', `requests waiting for a slot before 503 (env ${SERVER_ENV.queue}, default ${d.queueLimit})`))
    .addOption(new Option('--timeout <ms>', `per-request deadline in ms, queue wait included (env ${SERVER_ENV.timeout}, default ${d.requestTimeoutMs})`))
    .addOption(new Option('--max-files <n>', `files in one multipart batch (env ${SERVER_ENV.maxFiles}, default ${d.maxFiles})`))
    .addOption(new Option('--checkpoint <dir>', `predictor checkpoint folder (env ${SERVER_ENV.checkpoint})`))
    .action(async (opts: ServerFlags) => {
      const config = resolveServerConfig(opts, process.env);
      const running = await startServer(config);
      io.stdout(`listening on ${running.url}${config.apiKey !== null ? ' (API key required)' : ''}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          io.stderr(`${JSON.stringify({ time: new Date().toISOString(), msg: 'shutting down', signal, running: running.state.queue.running, queued: running.state.queue.queued })}\n`);
          void running.close().then(resolve);
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.once('SIGTERM', onTerm);
        process.once('SIGINT', onInt);
      });
      io.stderr(`${JSON.stringify({ time: new Date().toISOString(), msg: 'stopped' })}\n`);
    });
}

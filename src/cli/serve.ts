/**
 * `onnx-predict serve`: flags from SERVER_OPTIONS (src/server/config.ts), config resolved
 * flags > environment > defaults, then the server's `serveUntilSignal`. express and the work pool
 * load only when the command runs.
 */
import { Option, type Command } from 'commander';
import { resolveServerConfig, SERVER_OPTIONS, type ServerFlags } from '../server/config.ts';
import type { CliIO } from './io.ts';

export function registerServe(program: Command, io: CliIO): void {
  const cmd = program
    .command('serve')
    .description('HTTP predict service (POST /v1/predict, /v1/describe, /v1/predict/batch; GET /v1/health, /v1/info, /openapi.json)');
  for (const o of Object.values(SERVER_OPTIONS)) cmd.addOption(new Option(o.flags, `${o.help} (env ${o.env})`));
  cmd.action(async (opts: ServerFlags) => {
    const config = resolveServerConfig(opts, process.env);
    const { serveUntilSignal } = await import('../server/run.ts');
    await serveUntilSignal(config, io);
  });
}

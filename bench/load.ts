/**
 * Load check (not CI): N concurrent clients for D seconds with autocannon on loopback against
 * POST /v1/predict with an NB201 file. Reports p50/p99 latency, req/s, errors, server RSS.
 *
 *   npx tsx bench/load.ts [--connections 50] [--duration 60] [--file nb201.onnx] [--path /v1/predict]
 */
import autocannon from 'autocannon';
import { arg, mb, nb201File, spawnServer } from './load-server.ts';

const connections = Number(arg('connections', '50'));
const duration = Number(arg('duration', '60'));
const path = arg('path', '/v1/predict');
const file = await nb201File(arg('file'));
const server = await spawnServer();
try {
  // Warm-up: first requests pay for lazy initialisation (index load, JIT).
  for (let i = 0; i < 20; i++) await (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file.bytes })).arrayBuffer();
  const rssBefore = server.rssBytes();
  const logsBefore = server.logLines();
  const result = await autocannon({
    url: `${server.url}${path}`, method: 'POST', connections, duration,
    headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(file.bytes),
  });
  await new Promise((r) => setTimeout(r, 500));
  const rssAfter = server.rssBytes();
  const health = (await (await fetch(`${server.url}/v1/health`)).json()) as Record<string, unknown>;
  const summary = {
    connections, duration, bodyBytes: file.bytes.length,
    requests: result.requests.total, rps: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
    statusCodes: result.statusCodeStats,
    logLines: server.logLines() - logsBefore,
    rss: { before: mb(rssBefore), after: mb(rssAfter) },
    healthAfter: health,
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  const code = await server.stop();
  console.log(`server exit code after SIGTERM: ${code}`);
  if (server.errors().length > 0) console.log(`server stderr (non-log):\n${server.errors().slice(0, 20).join('\n')}`);
}

/**
 * Load check (not CI): N concurrent clients for D seconds with autocannon on loopback against
 * POST /v1/predict with an NB201 file. Reports p50/p99 latency, req/s, errors, server RSS.
 *
 *   npx tsx bench/load.ts [--connections 50] [--duration 60] [--timeout 10] [--file nb201.onnx] [--path /v1/predict]
 *
 * `serverSideMs` is the server's own view (from its request logs: routing to response, queue wait
 * included); the gap to the client's latency is time spent outside the handler (socket buffers,
 * the client's own event loop) — large on a contended machine.
 */
import autocannon from 'autocannon';
import { arg, mb, nb201File, percentiles, spawnServer } from './load-server.ts';

const connections = Number(arg('connections', '50'));
const duration = Number(arg('duration', '60'));
const path = arg('path', '/v1/predict');
/** Client-side timeout per request in seconds (autocannon's default is 10). */
const timeout = Number(arg('timeout', '10'));
const file = await nb201File(arg('file'));
const server = await spawnServer();
try {
  // Warm-up: first requests pay for lazy initialisation (index load, JIT).
  for (let i = 0; i < 20; i++) await (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file.bytes })).arrayBuffer();
  const rssBefore = server.rssBytes();
  const logsBefore = server.logLines();
  const result = await autocannon({
    url: `${server.url}${path}`, method: 'POST', connections, duration, timeout,
    headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(file.bytes),
  });
  await new Promise((r) => setTimeout(r, 500));
  const rssAfter = server.rssBytes();
  const health = (await (await fetch(`${server.url}/v1/health`)).json()) as Record<string, unknown>;
  const summary = {
    connections, duration, clientTimeoutS: timeout, bodyBytes: file.bytes.length,
    requests: result.requests.total, rps: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx,
    statusCodes: result.statusCodeStats,
    logLines: server.logLines() - logsBefore,
    serverSideMs: percentiles(server.serverMs().slice(logsBefore)),
    serverSideOver5s: server.serverMs().slice(logsBefore).filter((x) => x > 5000).length,
    rss: { before: mb(rssBefore), after: mb(rssAfter) },
    healthAfter: health,
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  const code = await server.stop();
  console.log(`server exit code after SIGTERM: ${code}`);
  if (server.errors().length > 0) console.log(`server stderr (non-log):\n${server.errors().slice(0, 20).join('\n')}`);
}

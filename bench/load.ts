/**
 * Load check (not CI): N concurrent clients for D seconds with autocannon on loopback against
 * POST /v1/predict with an NB201 file, once per server mode, side by side in one run. Each mode is
 * a `--workers` value for `onnx-predict serve`: 0 is the old path (decode and predict on the
 * server's event loop), N > 0 is N worker threads behind one queue.
 *
 *   npx tsx bench/load.ts [--workers 0,2] [--connections 50] [--duration 30] [--timeout 10] [--file nb201.onnx] [--path /v1/predict]
 *
 * Reports per mode: req/s, latency p50/p90/p99/max, errors, timeouts, non-2xx, the server's own
 * view from its request logs (`serverSideMs`, queue wait included), RSS, and the 1-minute load
 * average before and after (the machine is shared: other jobs' load is part of the figures).
 */
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { arg, mb, nb201File, percentiles, spawnServer } from './load-server.ts';

const modes = arg('workers', '0,2').split(',').map((x) => x.trim());
const connections = Number(arg('connections', '50'));
const duration = Number(arg('duration', '30'));
const path = arg('path', '/v1/predict');
/** Client-side timeout per request in seconds (autocannon's default is 10). */
const timeout = Number(arg('timeout', '10'));
const file = await nb201File(arg('file'));
const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

const rows: Record<string, unknown>[] = [];
for (const workers of modes) {
  const server = await spawnServer(['--workers', workers]);
  try {
    // Warm-up: first requests pay for lazy initialisation (index load, JIT) in every worker.
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 10; i++) await (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file.bytes })).arrayBuffer();
    }));
    const rssBefore = server.rssBytes();
    const logsBefore = server.logLines();
    const loadBefore = load1();
    const result = await autocannon({
      url: `${server.url}${path}`, method: 'POST', connections, duration, timeout,
      headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(file.bytes),
    });
    await new Promise((r) => setTimeout(r, 500));
    const ms = server.serverMs().slice(logsBefore);
    const row = {
      workers: Number(workers), connections, duration, clientTimeoutS: timeout, bodyBytes: file.bytes.length,
      requests: result.requests.total, rps: result.requests.average,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, statusCodes: result.statusCodeStats,
      serverSideMs: percentiles(ms), serverSideOver5s: ms.filter((x) => x > 5000).length,
      rss: { before: mb(rssBefore), after: mb(server.rssBytes()) },
      loadAverage1m: { before: loadBefore, after: load1() },
      healthAfter: (await (await fetch(`${server.url}/v1/health`)).json()) as Record<string, unknown>,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  } finally {
    const code = await server.stop();
    console.log(`workers ${workers}: server exit code after SIGTERM: ${code}`);
    if (server.errors().length > 0) console.log(`server stderr (non-log):\n${server.errors().slice(0, 20).join('\n')}`);
  }
}
console.log('\n| --workers | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | timeouts | non-2xx | load avg 1 min before → after |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows as { workers: number; requests: number; rps: number; latencyMs: Record<string, number>; errors: number; timeouts: number; non2xx: number; loadAverage1m: { before: number; after: number } }[]) {
  console.log(`| ${r.workers} | ${r.requests} | ${r.rps.toFixed(1)} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.errors} | ${r.timeouts} | ${r.non2xx} | ${r.loadAverage1m.before} → ${r.loadAverage1m.after} |`);
}
if (rows.length >= 2) {
  const first = rows[0] as { rps: number };
  for (const r of rows.slice(1) as { workers: number; rps: number }[]) console.log(`workers ${r.workers} / workers ${(rows[0] as { workers: number }).workers}: ${(r.rps / first.rps).toFixed(2)} × req/s`);
}

/**
 * Health latency while the server refuses a decoding bomb (not CI). Starts the real
 * `onnx-predict serve`, polls GET /v1/health every `--every` ms from this process, POSTs a
 * `--nodes`-node Identity model (10 M ≈ 180 MB) to /v1/predict, then checks that a good request
 * is still answered. Prints the bomb's status, body and time, health p50/p99/max before and during
 * the bomb, the server's peak RSS, and whether the server survived.
 *
 *   npx tsx bench/server-bomb.ts [--nodes 10000000] [--workers 2] [--worker-heap 1024] [--every 50]
 *   npx tsx bench/server-bomb.ts --workers 0     # the old in-process path, for comparison
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { arg, mb, nb201File, percentiles, spawnServer } from './load-server.ts';
import { identityBomb } from './server-bombs.ts';

const nodes = Number(arg('nodes', '10000000'));
const every = Number(arg('every', '50'));
const serverArgs = ['--workers', arg('workers', '2'), '--worker-heap', arg('worker-heap', '1024')];
const good = await nb201File(arg('file'));
const bomb = identityBomb(nodes);
const server = await spawnServer(serverArgs);
const hwm = () => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
};

const OCTET = { 'content-type': 'application/octet-stream' };
async function predictGood(): Promise<number> {
  const r = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good.bytes });
  await r.arrayBuffer();
  return r.status;
}

/** Polls health until `stop` resolves; latencies in ms, failures counted. */
async function pollHealth(stop: Promise<unknown>): Promise<{ ms: number[]; failed: number }> {
  let done = false;
  void stop.finally(() => { done = true; });
  const ms: number[] = [];
  let failed = 0;
  while (!done) {
    const t0 = performance.now();
    try {
      const r = await fetch(`${server.url}/v1/health`, { signal: AbortSignal.timeout(30_000) });
      await r.arrayBuffer();
      if (r.status !== 200) failed++;
    } catch {
      failed++;
    }
    ms.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, every));
  }
  return { ms, failed };
}

try {
  for (let i = 0; i < 5; i++) await predictGood();
  const idle = await pollHealth(new Promise((r) => setTimeout(r, 2000)));
  const t0 = performance.now();
  const bombDone = fetch(`${server.url}/v1/predict`, { method: 'POST', headers: OCTET, body: new Uint8Array(bomb) })
    .then(async (r) => ({ status: r.status, body: await r.text(), seconds: (performance.now() - t0) / 1000 }))
    .catch((e: unknown) => ({ status: 0, body: String(e), seconds: (performance.now() - t0) / 1000 }));
  const during = await pollHealth(bombDone);
  const answer = await bombDone;
  let after: number | string;
  try {
    after = await predictGood();
  } catch (e) {
    after = `failed: ${String(e)}`;
  }
  // Give a replacement worker time to start, then ask health what the pool looks like.
  await new Promise((r) => setTimeout(r, 3000));
  const h = await fetch(`${server.url}/v1/health`).then(async (r) => (await r.json()) as Record<string, unknown>, (e: unknown) => `failed: ${String(e)}`);
  const r = (xs: number[]) => Object.fromEntries(Object.entries(percentiles(xs)).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  console.log(JSON.stringify({
    serverArgs, nodes, bombBytes: bomb.length, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    bomb: { status: answer.status, seconds: Math.round(answer.seconds * 100) / 100, body: answer.body.slice(0, 300) },
    healthIdleMs: { ...r(idle.ms), n: idle.ms.length, failed: idle.failed },
    healthDuringBombMs: { ...r(during.ms), n: during.ms.length, failed: during.failed },
    goodRequestAfter: after,
    serverAlive: server.child.exitCode === null && server.child.signalCode === null && typeof h !== 'string', serverPeakRss: mb(hwm()), healthAfter: h,
  }, null, 2));
} finally {
  const code = server.child.exitCode ?? (await server.stop());
  console.log(`server exit code: ${code}`);
  const errs = server.errors().filter((l) => !l.includes('"msg":"st'));
  if (errs.length > 0) console.log(`server stderr (non-request lines):\n${errs.slice(0, 10).join('\n').slice(0, 2000)}`);
}

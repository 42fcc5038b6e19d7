/**
 * Batch over a real Redis queue: Debian's redis-server started here on a free loopback port with
 * no persistence, killed after. 200 NB201 files scored by 2 worker processes, one killed with
 * SIGKILL mid-run; the output has every file once and equals a local batch byte for byte. Then:
 * a second enqueue is answered from Redis with no worker running, a producer killed mid-run is
 * resumed, invalid and unreadable files are error rows, a worker with another checkpoint answers
 * with error rows, SIGTERM exits 0, bad addresses refuse.
 * Without redis-server the suite says it skipped and why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset } from '../datasets/index.ts';
import { runBatch } from '../src/batch/index.ts';
import { checkReachable, parseQueueUrl } from '../src/batch/queue/connection.ts';
import { startQueueWorker } from '../src/batch/queue/worker.ts';
import { DEFAULT_CHECKPOINT_DIR } from '../src/predictor/predictor.ts';
import { BIN, runCli } from './helpers/cli.ts';

const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasRedis) console.log('test/queue.test.ts: skipped: redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)');

const csv = (p: string) => parse(readFileSync(p), { columns: true }) as Record<string, string>[];
const lines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').length - 2 : 0);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

interface Proc { child: ChildProcess; stderr: () => string; exit: Promise<{ code: number | null; signal: string | null }> }
const procs: ChildProcess[] = [];
function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, stderr: () => err, exit };
}
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
// Short locks where a death must be noticed quickly; long ones elsewhere, so a worker slowed down
// by a busy machine is never mistaken for a dead one.
const worker = (url: string, name: string, lockMs = 10_000) => start(['worker', '--queue', url, '--queue-name', name, '--lock-ms', String(lockMs)]);
const ready = (w: Proc) => until(() => /queue \S+: concurrency/.test(w.stderr()), 60_000, 'a worker to connect');

describe.skipIf(!hasRedis)('batch --queue with real Redis and worker processes', () => {
  let root: string;
  let zoo: string;
  let small: string;
  let url: string;
  let redis: ChildProcess;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'onnx-predict-queue-'));
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}/0`;
    for (let i = 0; ; i++) {
      try {
        await checkReachable(parseQueueUrl(url), 500);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    zoo = join(root, 'zoo');
    await buildDataset('nb201', { out: zoo, limit: 200, seed: 11 });
    small = join(root, 'small');
    await buildDataset('nb201', { out: small, limit: 4, seed: 12 });
    writeFileSync(join(small, 'corrupt.onnx'), Buffer.from([0x08, 0x07, 0x12, 0xff, 0xff, 0xff, 0x0f]));
  }, 120_000);

  afterAll(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    redis?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('2 workers, one killed -9 mid-run: every file once, equal to a local batch row for row; SIGTERM exits 0', async () => {
    const local = join(root, 'local.csv');
    const name = 'kill';
    const a = worker(url, name, 3000);
    const b = worker(url, name, 3000);
    // The reference local run overlaps the workers' start-up.
    // Proxies off for the 200 files (a forward pass each); the smaller runs below keep them.
    await runBatch({ inputs: [zoo], out: local, proxies: false });
    await Promise.all([ready(a), ready(b)]);
    const out = join(root, 'queued.csv');
    const producer = start(['batch', zoo, '--queue', url, '--queue-name', name, '--out', out, '--top', '3', '--no-proxies']);
    await until(() => lines(out) >= 20, 60_000, '20 rows');
    a.child.kill('SIGKILL');
    const pe = await producer.exit;
    expect(pe.code, producer.stderr()).toBe(0);
    expect((await a.exit).signal).toBe('SIGKILL');
    const rows = csv(out);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.file)).size).toBe(200);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(local, 'utf8'));
    // The job the killed worker held was taken over, not lost (the rows above prove it finished).
    console.log(`queue kill test: ${lines(out)} rows; survivor log: ${b.stderr().split('\n').filter((l) => /stalled/.test(l)).length} stalled takeovers`);

    // Enqueuing the same files again scores nothing: with no worker left, every row comes from Redis.
    b.child.kill('SIGTERM');
    expect((await b.exit).code).toBe(0);
    expect(b.stderr()).toMatch(/SIGTERM, finishing the jobs in hand/);
    const again = join(root, 'again.csv');
    const r = await runCli(['batch', zoo, '--queue', url, '--queue-name', name, '--out', again, '--top', '0', '--no-proxies'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(local, 'utf8'));
  }, 180_000);

  it('a producer killed while waiting resumes; invalid and unreadable files are error rows, not retries', async () => {
    const name = 'resume';
    const out = join(root, 'resumed.jsonl');
    const missing = join(root, 'gone.onnx');
    const first = start(['batch', small, missing, '--queue', url, '--queue-name', name, '--out', out]);
    // No worker yet: the producer enqueues all 6, says nobody is taking them, and waits; kill it there.
    const said = /no worker is connected to queue resume at redis:\/\/127\.0\.0\.1:\d+\/0: 6 files wait; start `onnx-predict worker --queue redis:\/\/127\.0\.0\.1:\d+\/0 --queue-name resume`/;
    await until(() => said.test(first.stderr()), 60_000, 'the producer to report that no worker is connected');
    first.child.kill('SIGKILL');
    await first.exit;
    const w = worker(url, name);
    await ready(w);
    const r = await runCli(['batch', small, missing, '--queue', url, '--queue-name', name, '--out', out, '--resume', '--top', '0'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/6 inputs: 4 scored, 2 failed, 0 skipped/);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; error: { code: string; message: string } | null });
    expect(rows).toHaveLength(6);
    expect(rows.find((x) => x.file.endsWith('corrupt.onnx'))!.error!.code).toBe('INVALID_MODEL');
    const gone = rows.find((x) => x.file === missing)!;
    expect(gone.error).toMatchObject({ code: 'UNREADABLE_INPUT' });
    expect(gone.error!.message).toMatch(new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*no such file.*read as .* on `));
    // Neither was retried: the worker never reported a failed attempt.
    expect(w.stderr()).not.toMatch(/attempt \d+ failed/);
    w.child.kill('SIGTERM');
    expect((await w.exit).code).toBe(0);
  }, 120_000);

  it('a worker with another checkpoint answers INCOMPATIBLE_CHECKPOINT rows instead of mixing predictors', async () => {
    // The same predictor with one byte more in predictor.json: another identity.
    const other = join(root, 'other-checkpoint');
    cpSync(DEFAULT_CHECKPOINT_DIR, other, { recursive: true });
    writeFileSync(join(other, 'predictor.json'), `${readFileSync(join(other, 'predictor.json'), 'utf8')}\n`);
    const name = 'mismatch';
    const w = start(['worker', '--queue', url, '--queue-name', name, '--checkpoint', other]);
    await ready(w);
    const out = join(root, 'mismatch.csv');
    const r = await runCli(['batch', small, '--queue', url, '--queue-name', name, '--out', out, '--top', '0'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = csv(out);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatchObject({ error_code: 'INCOMPATIBLE_CHECKPOINT', error_message: expect.stringMatching(/is not the producer's/) });
    w.child.kill('SIGTERM');
    expect((await w.exit).code).toBe(0);
  }, 120_000);

  it('BAD CALL: a malformed address is a usage error; an unreachable one says so and writes nothing', async () => {
    for (const u of ['http://x', 'redis://', 'redis://h:6379/x', 'not a url']) {
      expect(() => parseQueueUrl(u), u).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/redis:\/\/|no host|database/) }));
    }
    expect(parseQueueUrl('redis://u:p%40ss@[::1]:7000/3').options).toEqual({ host: '::1', port: 7000, db: 3, username: 'u', password: 'p@ss' });
    const port = await freePort();
    const down = await runCli(['batch', small, '--queue', `redis://127.0.0.1:${port}`, '--out', join(root, 'c.csv')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the queue at redis:\/\/127\.0\.0\.1:\d+\/0: connect ECONNREFUSED/);
    expect(existsSync(join(root, 'c.csv'))).toBe(false);
    await expect(startQueueWorker({ queue: `redis://127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'TIMEOUT', exitCode: 1 });
  }, 60_000);
});

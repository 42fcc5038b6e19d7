/**
 * What protects the service, over real loopback sockets: uploads never hold a work slot (stalled
 * half-bodies get 408 while a good request is answered at once), empty bodies, the Bearer scheme in
 * any case, a JSON 431, and the worker pool: a decoding bomb answers 400, a model that exhausts a
 * worker's heap answers 500 and kills only that worker, while /v1/health keeps answering.
 * Timeouts and heap caps are lowered so this file runs in seconds.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer, type RunningServer, type ServerConfig } from '../src/server/index.ts';
import { identityBomb } from '../bench/server-bombs.ts';
import { READ_LIMITS } from '../src/onnx-to-text/reader.ts';
import { smallNet } from './helpers/bad-inputs.ts';
import { childPids } from './helpers/processes.ts';

const OCTET = { 'content-type': 'application/octet-stream' };
const base: ServerConfig = { ...DEFAULT_SERVER_CONFIG, port: 0, bodyTimeoutMs: 1500, requestTimeoutMs: 20_000 };
const servers: RunningServer[] = [];
let predictor: api.Predictor;
let good: Uint8Array<ArrayBuffer>;

type ErrorBody = { error: { code: string; message: string } };

/** A raw HTTP exchange: status, headers and body text, whatever the server does with the socket. */
function raw(url: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: Uint8Array; partial?: number }): { req: ClientRequest; response: Promise<{ status: number; body: string; at: number }> } {
  const u = new URL(url);
  const req = httpRequest({ host: u.hostname, port: u.port, path: options.path ?? u.pathname + u.search, method: options.method ?? 'POST', headers: options.headers ?? {} });
  const response = new Promise<{ status: number; body: string; at: number }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, at: performance.now() }));
    });
    req.on('error', reject);
  });
  if (options.body !== undefined && options.partial !== undefined) req.write(options.body.subarray(0, options.partial));
  else if (options.body !== undefined) req.end(options.body);
  else req.end();
  return { req, response };
}

async function health(url: string): Promise<{ running: number; uploads: number; queued: number; workers: number }> {
  return (await (await fetch(`${url}/v1/health`)).json()) as { running: number; uploads: number; queued: number; workers: number };
}

async function until(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(() => {
  predictor = api.loadPredictor();
  good = new Uint8Array(smallNet('stripped'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await predictor?.dispose();
});

describe('uploads never hold a work slot (event-loop backend)', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer(base, { predictor, log: () => {} });
    servers.push(s);
  });

  it('4 clients that send half a body and stall do not delay a good request; they get 408 BODY_TIMEOUT', async () => {
    const stalled = Array.from({ length: 4 }, () => raw(`${s.url}/v1/predict`, { headers: { ...OCTET, 'content-length': String(good.length) }, body: good, partial: Math.floor(good.length / 2) }));
    await until('4 uploads', async () => (await health(s.url)).uploads === 4);
    const t0 = performance.now();
    const res = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good });
    const goodAt = performance.now();
    expect(res.status).toBe(200);
    expect(((await res.json()) as api.PredictReport).predictions).toBeDefined();
    // Answered while the stalled uploads were still waiting for their body timeout.
    expect(goodAt - t0).toBeLessThan(base.bodyTimeoutMs);
    const answers = await Promise.all(stalled.map((x) => x.response));
    for (const a of answers) {
      expect(a.status).toBe(408);
      expect(a.at).toBeGreaterThan(goodAt);
      expect((JSON.parse(a.body) as ErrorBody).error).toMatchObject({ code: 'BODY_TIMEOUT', message: expect.stringMatching(/no byte of the request body arrived for 1500 ms/) });
    }
    expect(api.ERROR_TABLE.BODY_TIMEOUT.http).toBe(408);
    await until('uploads released', async () => (await health(s.url)).uploads === 0);
  });

  it('an empty body answers 400 USAGE with a sentence, declared or chunked', async () => {
    const none = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET });
    expect(none.status).toBe(400);
    expect(((await none.json()) as ErrorBody).error).toEqual({ code: 'USAGE', message: 'the request has no body: send the ONNX file\'s bytes as the body, with Content-Type: application/octet-stream' });
    const chunked = await fetch(`${s.url}/v1/describe`, { method: 'POST', headers: OCTET, body: new ReadableStream({ start(c) { c.close(); } }), duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(400);
    expect(((await chunked.json()) as ErrorBody).error.message).toMatch(/no body|body is empty/);
  });

  it('431 HEADERS_TOO_LARGE with the JSON error body for a 100 kB query string', async () => {
    const { response } = raw(s.url, { method: 'GET', path: `/v1/info?x=${'a'.repeat(100_000)}` });
    const r = await response;
    expect(r.status).toBe(431);
    expect((JSON.parse(r.body) as ErrorBody).error).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
    expect(api.ERROR_TABLE.HEADERS_TOO_LARGE.http).toBe(431);
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
  });

  it('errors name parameters, not CLI flags', async () => {
    const r = await fetch(`${s.url}/v1/predict?target=nope`, { method: 'POST', headers: OCTET, body: good });
    const msg = ((await r.json()) as ErrorBody).error.message;
    expect(msg).toMatch(/^target must be one of/);
    const small = await startServer({ ...base, maxBodyBytes: 100 }, { predictor, log: () => {} });
    servers.push(small);
    const big = await fetch(`${small.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good });
    const m2 = ((await big.json()) as ErrorBody).error.message;
    expect(m2).toMatch(/over this server's limit of 100 bytes/);
    expect(m2).not.toMatch(/--/);
  });
});

describe('API key', () => {
  it('the Bearer scheme is case-insensitive; the key is not', async () => {
    const s = await startServer({ ...base, apiKey: 'sesame' }, { predictor, log: () => {} });
    servers.push(s);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) expect((await fetch(`${s.url}/v1/info`, { headers: { authorization: `${scheme} sesame` } })).status).toBe(200);
    const bad = await fetch(`${s.url}/v1/info`, { headers: { authorization: 'bearer SESAME' } });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
  });
});

describe('worker pool: a model can kill a worker, never the server', () => {
  let s: RunningServer;
  beforeAll(async () => {
    // One worker with a small heap: the largest model the reader accepts exhausts it in seconds.
    s = await startServer({ ...base, workers: 1, workerHeapMb: 96, queueLimit: 0 }, { log: () => {} });
    servers.push(s);
  }, 60_000);

  it('predicts in the worker exactly what the library predicts', async () => {
    expect((await health(s.url)).workers).toBe(1);
    const res = await fetch(`${s.url}/v1/predict?name=n.onnx`, { method: 'POST', headers: OCTET, body: good });
    expect(res.status).toBe(200);
    const direct = await api.predictModels(predictor, [{ model: api.readModel(good), file: 'n.onnx' }]);
    // The proxies' wall time differs run to run; everything else is identical.
    expect(withoutTimes(await res.json() as api.PredictReport)).toEqual(withoutTimes(JSON.parse(JSON.stringify(direct[0])) as api.PredictReport));
  });

  it('a model that exhausts the worker heap answers 500 WORKER_CRASHED; health answers meanwhile; the queue is bounded; the worker is replaced', async () => {
    // Legal (at the reader's node limit), but far more than 96 MB of heap to read and describe.
    const bomb = identityBomb(READ_LIMITS.maxNodes);
    const crash = fetch(`${s.url}/v1/describe`, { method: 'POST', headers: OCTET, body: new Uint8Array(bomb) });
    await until('the bomb running', async () => (await health(s.url)).running === 1);
    // The only worker is busy and the queue holds 0: a second job is refused at once.
    const busy = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as ErrorBody).error.code).toBe('OVERLOADED');
    const latencies: number[] = [];
    let done = false;
    void crash.finally(() => { done = true; });
    while (!done) {
      const t0 = performance.now();
      expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await crash;
    expect(res.status).toBe(500);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/ran out of memory.*96 MB/) });
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(2000);
    await until('a replacement worker', async () => (await health(s.url)).workers === 1, 60_000);
    const after = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good });
    expect(after.status).toBe(200);
  }, 120_000);

  it('a native crash (SIGSEGV) of a worker mid-job answers 500 WORKER_CRASHED; the server lives on', async () => {
    // onnxruntime once crashed so on a real export (poolformerv2_s24, fixed since); any native
    // addon can. Workers are processes, so the signal takes down that process only.
    await until('a worker', async () => (await health(s.url)).workers === 1, 60_000);
    const slow = new Uint8Array(gunzipSync(readFileSync(new URL('../datasets/timm/graphs/cspresnet50-256.onnx.gz', import.meta.url))));
    const job = fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: slow });
    await until('the job running', async () => (await health(s.url)).running === 1);
    const workers = childPids('jobs/worker');
    expect(workers).toHaveLength(1);
    process.kill(workers[0]!, 'SIGSEGV');
    const res = await job;
    expect(res.status).toBe(500);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/killed by SIGSEGV \(a native crash\)/) });
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
    await until('a replacement worker', async () => (await health(s.url)).workers === 1, 60_000);
    expect((await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good })).status).toBe(200);
  }, 120_000);

  it('a bomb over the node limit answers 400 INVALID_MODEL while health answers', async () => {
    // Over the node limit: the reader's wire-level pre-scan refuses it before decoding.
    const bomb = identityBomb(READ_LIMITS.maxNodes * 4);
    const t0 = performance.now();
    const pending = fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: new Uint8Array(bomb) });
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
    const res = await pending;
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, code: body.error.code }).toEqual({ status: 400, code: 'INVALID_MODEL' });
    expect(body.error.message).toMatch(/nodes/);
    expect(performance.now() - t0).toBeLessThan(20_000);
    await until('a live worker', async () => (await health(s.url)).workers === 1, 60_000);
    expect((await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: good })).status).toBe(200);
  }, 120_000);
});

describe('worker pool: a job past the deadline gives its slot back', () => {
  it('503 TIMEOUT at the deadline; the busy worker is terminated and replaced; the next request is served', async () => {
    const lines: string[] = [];
    const s = await startServer({ ...base, workers: 1, requestTimeoutMs: 400 }, { log: (l) => lines.push(l) });
    servers.push(s);
    // The largest model the reader accepts takes well over 400 ms to read and describe.
    const slow = await fetch(`${s.url}/v1/describe`, { method: 'POST', headers: OCTET, body: new Uint8Array(identityBomb(READ_LIMITS.maxNodes)) });
    expect(slow.status).toBe(503);
    expect(slow.headers.get('retry-after')).toBe('1');
    expect(((await slow.json()) as ErrorBody).error.code).toBe('TIMEOUT');
    await until('the slot back and a live worker', async () => {
      const h = await health(s.url);
      return h.running === 0 && h.workers === 1;
    }, 60_000);
    expect(lines.some((l) => l.includes('"msg":"worker replaced"') && l.includes('deadline'))).toBe(true);
    // A small job fits the 400 ms deadline on the new worker (a first prediction, which loads the
    // neighbour index, might not on a loaded machine).
    const ok = await fetch(`${s.url}/v1/describe`, { method: 'POST', headers: OCTET, body: good });
    expect(ok.status).toBe(200);
  }, 120_000);
});

/** A prediction report without the proxies' wall time (the one field that varies between identical runs). */
function withoutTimes(r: api.PredictReport): unknown {
  return { ...r, proxies: r.proxies ? { ...r.proxies, seconds: 0 } : r.proxies };
}

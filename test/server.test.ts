/**
 * The HTTP service: the app factory on an in-process loopback listener, `startServer`, and the real
 * `onnx-predict serve` binary (SIGTERM drain). Every documented error status is exercised.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';
import { registerDatasetSpaces } from '../datasets/index.ts';
import { createApp, DEFAULT_SERVER_CONFIG, defaultOpenApiDocument, parseBytes, resolveServerConfig, startServer, WorkQueue, type RunningServer, type ServerConfig } from '../src/server/index.ts';
import { badInputs } from './helpers/bad-inputs.ts';
import { BIN } from './helpers/cli.ts';

const OCTET = { 'content-type': 'application/octet-stream' };
const base: ServerConfig = { ...DEFAULT_SERVER_CONFIG, port: 0 };

let predictor: api.Predictor;
let nb201: Uint8Array<ArrayBuffer>[];
/** A copy on a plain ArrayBuffer (what fetch's BodyInit types accept). */
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const logs: string[] = [];
const servers: RunningServer[] = [];

async function serve(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const s = await startServer({ ...base, ...overrides }, { predictor, log: (l) => logs.push(l) });
  servers.push(s);
  return s;
}

type ErrorBody = { error: { code: string; message: string } };
async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  expect(api.ERROR_TABLE[code as api.ErrorCode].http).toBe(status);
  return body;
}

/** A POST whose body is sent in part and held open until `finish()`: it occupies a work slot. */
function slowUpload(url: string, bytes: Uint8Array): { req: ClientRequest; response: Promise<{ status: number; body: string }>; finish: () => void } {
  const u = new URL(url);
  const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers: { ...OCTET, 'content-length': String(bytes.length) } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  req.write(bytes.subarray(0, 10));
  return { req, response, finish: () => req.end(bytes.subarray(10)) };
}

/** Waits until the server reports `n` requests receiving a body or running. */
async function waitRunning(url: string, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const h = (await (await fetch(`${url}/v1/health`)).json()) as { running: number; uploads: number };
    if (h.running + h.uploads >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`server never had ${n} running requests`);
}

beforeAll(async () => {
  registerDatasetSpaces();
  predictor = api.loadPredictor();
  const dir = mkdtempSync(join(tmpdir(), 'onnx-predict-server-'));
  await api.buildDataset('nb201', { out: dir, limit: 5, seed: 11 });
  nb201 = readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => new Uint8Array(readFileSync(join(dir, f))));
  rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await predictor?.dispose();
});

describe('config: flags > env > defaults', () => {
  it('resolves each source in order', () => {
    expect(resolveServerConfig({}, {})).toMatchObject({ host: '127.0.0.1', port: 8080, maxBodyBytes: 256 * 1024 * 1024, apiKey: null });
    const env = { ONNX_PREDICT_PORT: '9000', ONNX_PREDICT_MAX_BODY: '1mb', ONNX_PREDICT_API_KEY: 'k' };
    expect(resolveServerConfig({}, env)).toMatchObject({ port: 9000, maxBodyBytes: 1024 * 1024, apiKey: 'k' });
    expect(resolveServerConfig({ port: '0', maxBody: '2kb' }, env)).toMatchObject({ port: 0, maxBodyBytes: 2048 });
  });
  it('BAD CALL: bad values name the flag', () => {
    expect(() => resolveServerConfig({ port: '70000' }, {})).toThrow(/--port/);
    expect(() => parseBytes('max-body', '12 parsecs')).toThrow(/--max-body/);
    expect(() => resolveServerConfig({ workers: '-1' }, {})).toThrow(/--workers/);
  });
});

describe('app factory on an in-process listener', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer(createApp(base, { predictor, log: (l) => logs.push(l) }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('POST /v1/predict returns the same report as the library (predict --json)', async () => {
    const res = await fetch(`${url}/v1/predict?name=a.onnx`, { method: 'POST', headers: OCTET, body: nb201[0]! });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const report = (await res.json()) as api.PredictReport;
    const direct = await api.predictModels(predictor, [{ model: api.readModel(nb201[0]!), file: 'a.onnx' }]);
    // The proxies' wall time differs run to run; everything else is identical.
    expect(withoutTimes(report)).toEqual(withoutTimes(JSON.parse(JSON.stringify(direct[0])) as api.PredictReport));
    expect(Object.keys(report.predictions)).toEqual([...predictor.targets]);
    for (const p of Object.values(report.predictions)) {
      expect(Number.isFinite(p.accuracy)).toBe(true);
      expect(p.low).toBeLessThanOrEqual(p.accuracy);
      expect(p.high).toBeGreaterThanOrEqual(p.accuracy);
    }
    expect(report.stats.params).toBeGreaterThan(0);
  });

  it('?target= narrows the report; `file` defaults to "upload"', async () => {
    const t = predictor.targets[0]!;
    const report = (await (await fetch(`${url}/v1/predict?target=${t}&neighbors=1`, { method: 'POST', headers: OCTET, body: nb201[1]! })).json()) as api.PredictReport;
    expect(report.file).toBe('upload');
    expect(Object.keys(report.predictions)).toEqual([t]);
    expect(report.neighbors).toHaveLength(1);
  });

  it('POST /v1/describe returns text and stats', async () => {
    const res = await fetch(`${url}/v1/describe?mode=chain_slim&name=m.onnx`, { method: 'POST', headers: OCTET, body: nb201[0]! });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { file: string; mode: string; text: string; stats: api.StatsReport };
    expect(body.file).toBe('m.onnx');
    expect(body.text).toBe(api.describeModel(api.readModel(nb201[0]!), { mode: 'chain_slim' }));
    expect(body.stats.params).toBe(api.stats(api.readModel(nb201[0]!)).params);
  });

  it('POST /v1/predict/batch: one item per part, errors per file', async () => {
    const form = new FormData();
    form.append('files', new Blob([nb201[0]!]), 'a.onnx');
    form.append('files', new Blob([buf(badInputs()[2]!.bytes)]), 'junk.onnx');
    form.append('files', new Blob([nb201[2]!]), 'c.onnx');
    const res = await fetch(`${url}/v1/predict/batch`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const items = (await res.json()) as (api.PredictReport | { file: string; error: { code: string } })[];
    expect(items.map((i) => i.file)).toEqual(['a.onnx', 'junk.onnx', 'c.onnx']);
    expect('error' in items[1]! && items[1].error.code).toBe('INVALID_MODEL');
    expect('predictions' in items[0]! && 'predictions' in items[2]!).toBe(true);
  });

  it('POST /v1/predict/batch with a known CSV part: known files at their measured value, the others adapted', async () => {
    const form = new FormData();
    nb201.forEach((b, i) => form.append('files', new Blob([b]), `m${i}.onnx`));
    form.append('known', new Blob(['file,accuracy\nm0.onnx,91.5\nm1.onnx,85.25\nm2.onnx,70\n']), 'known.csv');
    const res = await fetch(`${url}/v1/predict/batch?target=cifar10&neighbors=0`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    type Item = api.PredictReport & { modelPredictions: Record<string, { accuracy: number }>; known: Record<string, number>; adaptation: { target: string; k: number }[] };
    const items = (await res.json()) as Item[];
    expect(items.map((i) => i.file)).toEqual(['m0.onnx', 'm1.onnx', 'm2.onnx', 'm3.onnx', 'm4.onnx']);
    expect(items.slice(0, 3).map((i) => i.predictions.cifar10!.accuracy)).toEqual([91.5, 85.25, 70]);
    expect(items.slice(0, 3).map((i) => i.known.cifar10)).toEqual([91.5, 85.25, 70]);
    for (const it of items.slice(3)) {
      expect(it.known).toEqual({});
      expect(it.adaptation[0]).toMatchObject({ target: 'cifar10', k: 3 });
      // Quantile-matched on the known results (continued at half their slope beyond them): near their range.
      const p = it.predictions.cifar10!;
      expect(p.accuracy).toBeGreaterThan(60);
      expect(p.accuracy).toBeLessThan(100);
      expect(p.low).toBeLessThanOrEqual(p.accuracy);
      expect(p.high).toBeGreaterThanOrEqual(p.accuracy);
      expect(typeof it.modelPredictions.cifar10!.accuracy).toBe('number');
      expect(it.model.predictor).toMatch(/ v\d/);
    }
    const bad = new FormData();
    bad.append('files', new Blob([nb201[0]!]), 'a.onnx');
    bad.append('known', new Blob(['file,acc\na.onnx,1\n']), 'known.csv');
    expect((await expectError(await fetch(`${url}/v1/predict/batch`, { method: 'POST', body: bad }), 400, 'USAGE')).error.message).toMatch(/needs columns 'file' \(or 'sha256'\) and 'accuracy'/);
  });

  it('GET /v1/health, /v1/info, /openapi.json', async () => {
    expect(await (await fetch(`${url}/v1/health`)).json()).toMatchObject({ status: 'ok', running: 0, queued: 0 });
    const info = (await (await fetch(`${url}/v1/info`)).json()) as { version: string; meta: { targets: string[] } };
    expect(info.version).toBe(api.VERSION);
    expect(info.meta.targets).toEqual([...predictor.targets]);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toMatch(/^3\./);
  });

  it('one JSON log line per request with method, path, status, ms, bytes', async () => {
    const before = logs.length;
    await fetch(`${url}/v1/health?x=1`);
    await new Promise((r) => setTimeout(r, 20));
    const line = JSON.parse(logs.slice(before).find((l) => l.includes('/v1/health'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ method: 'GET', path: '/v1/health', status: 200 });
    expect(typeof line.ms).toBe('number');
    expect(line.bytesOut).toBeGreaterThan(0);
  });

  describe('EXPECTED FAILURES', () => {
    it('400 INVALID_MODEL for every entry of the corrupt-input corpus', async () => {
      for (const bad of badInputs()) {
        const res = await fetch(`${url}/v1/predict`, { method: 'POST', headers: OCTET, body: buf(bad.bytes) });
        // An empty body is a bad request before it is a bad model.
        if (bad.bytes.length === 0) {
          expect((await expectError(res, 400, 'USAGE')).error.message).toMatch(/no body/);
          continue;
        }
        const body = await expectError(res, 400, 'INVALID_MODEL');
        expect(body.error.message, bad.name).toMatch(bad.message);
      }
    });
    it('400 INVALID_MODEL on describe too; 400 for seeded byte mutations, never 500', async () => {
      await expectError(await fetch(`${url}/v1/describe`, { method: 'POST', headers: OCTET, body: buf(badInputs()[4]!.bytes) }), 400, 'INVALID_MODEL');
      let s = 12345;
      const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const statuses = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const m = new Uint8Array(nb201[0]!);
        for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
        const res = await fetch(`${url}/v1/predict?neighbors=0`, { method: 'POST', headers: OCTET, body: m.subarray(0, Math.floor(m.length * (0.5 + rand() / 2))) });
        statuses.add(res.status);
        await res.arrayBuffer();
      }
      expect([...statuses].every((c) => c === 200 || c === 400), JSON.stringify([...statuses])).toBe(true);
    });
    it('400 USAGE for bad parameters', async () => {
      await expectError(await fetch(`${url}/v1/predict?target=nope`, { method: 'POST', headers: OCTET, body: nb201[0]! }), 400, 'USAGE');
      await expectError(await fetch(`${url}/v1/predict?neighbors=-1`, { method: 'POST', headers: OCTET, body: nb201[0]! }), 400, 'USAGE');
      await expectError(await fetch(`${url}/v1/describe?mode=poetry`, { method: 'POST', headers: OCTET, body: nb201[0]! }), 400, 'USAGE');
      await expectError(await fetch(`${url}/v1/predict/batch`, { method: 'POST', body: new FormData() }), 400, 'USAGE');
    });
    it('415 UNSUPPORTED_MEDIA for a wrong or missing Content-Type', async () => {
      await expectError(await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }), 415, 'UNSUPPORTED_MEDIA');
      await expectError(await fetch(`${url}/v1/describe`, { method: 'POST', body: nb201[0]! }), 415, 'UNSUPPORTED_MEDIA');
      await expectError(await fetch(`${url}/v1/predict/batch`, { method: 'POST', headers: OCTET, body: nb201[0]! }), 415, 'UNSUPPORTED_MEDIA');
    });
    it('404 NOT_FOUND for unknown routes and methods', async () => {
      await expectError(await fetch(`${url}/v2/predict`), 404, 'NOT_FOUND');
      await expectError(await fetch(`${url}/v1/predict`), 404, 'NOT_FOUND');
    });
  });
});

describe('startServer: limits, queue, deadlines, API key', () => {
  it('413 LIMIT_EXCEEDED over --max-body (declared, streamed, multipart)', async () => {
    const s = await serve({ maxBodyBytes: 1024 });
    const big = new Uint8Array(4096);
    await expectError(await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: big }), 413, 'LIMIT_EXCEEDED');
    const chunked = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(big); c.close(); } });
    await expectError(await fetch(`${s.url}/v1/describe`, { method: 'POST', headers: OCTET, body: chunked, duplex: 'half' } as RequestInit), 413, 'LIMIT_EXCEEDED');
    const form = new FormData();
    form.append('files', new Blob([big]), 'big.onnx');
    await expectError(await fetch(`${s.url}/v1/predict/batch`, { method: 'POST', body: form }), 413, 'LIMIT_EXCEEDED');
    // Still serving after rejecting.
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
  });

  it('503 OVERLOADED when the upload slots are full, with Retry-After', async () => {
    const s = await serve({ maxUploads: 1, queueLimit: 0 });
    const hold = slowUpload(`${s.url}/v1/predict`, nb201[0]!);
    await waitRunning(s.url, 1);
    const res = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: nb201[1]! });
    expect(res.headers.get('retry-after')).toBe('1');
    await expectError(res, 503, 'OVERLOADED');
    hold.finish();
    expect((await hold.response).status).toBe(200);
  });

  it('503 TIMEOUT past --timeout; the slot comes back when the stalled upload goes', async () => {
    const s = await serve({ queueLimit: 4, requestTimeoutMs: 500 });
    const hold = slowUpload(`${s.url}/v1/predict`, nb201[0]!);
    const held = await hold.response;
    expect(held.status).toBe(503);
    expect((JSON.parse(held.body) as ErrorBody).error.code).toBe('TIMEOUT');
    hold.req.destroy();
    for (let i = 0; i < 100 && ((await (await fetch(`${s.url}/v1/health`)).json()) as { uploads: number }).uploads > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(((await (await fetch(`${s.url}/v1/health`)).json()) as { uploads: number }).uploads).toBe(0);
  });

  it('WorkQueue: a request that times out while queued leaves the queue', async () => {
    const q = new WorkQueue(1, 2);
    let release!: () => void;
    const first = q.run(() => new Promise<void>((r) => { release = r; }));
    const ac = new AbortController();
    const second = q.run(async () => 'ran', ac.signal);
    expect(q.queued).toBe(1);
    ac.abort(new api.OnnxPredictError('TIMEOUT', 'late'));
    await expect(second).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(q.queued).toBe(0);
    const third = q.run(async () => 3);
    expect(q.queued).toBe(1);
    release();
    await first;
    await expect(third).resolves.toBe(3);
    expect(q.running).toBe(0);
  });

  it('401 UNAUTHORIZED without the API key; health stays open', async () => {
    const s = await serve({ apiKey: 'sesame' });
    const r401 = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: OCTET, body: nb201[0]! });
    expect(r401.headers.get('www-authenticate')).toBe('Bearer');
    await expectError(r401, 401, 'UNAUTHORIZED');
    await expectError(await fetch(`${s.url}/v1/info`, { headers: { authorization: 'Bearer wrong' } }), 401, 'UNAUTHORIZED');
    await expectError(await fetch(`${s.url}/openapi.json`, { headers: { authorization: 'sesame' } }), 401, 'UNAUTHORIZED');
    expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
    const ok = await fetch(`${s.url}/v1/predict`, { method: 'POST', headers: { ...OCTET, authorization: 'Bearer sesame' }, body: nb201[0]! });
    expect(ok.status).toBe(200);
  });

  it('close() drains: in-flight requests finish, new connections are refused', async () => {
    const s = await startServer({ ...base }, { predictor, log: () => {} });
    const hold = slowUpload(`${s.url}/v1/predict`, nb201[0]!);
    await waitRunning(s.url, 1);
    const closed = s.close();
    await new Promise((r) => setTimeout(r, 50));
    // Refused, or (a keep-alive socket the client still had) answered 503 draining.
    const late = await fetch(`${s.url}/v1/health`).then((r) => r.status, () => 'refused');
    expect(['refused', 503]).toContain(late);
    hold.finish();
    expect((await hold.response).status).toBe(200);
    await closed;
  });
});

describe('OpenAPI document', () => {
  it('lists exactly the routes the app registers', () => {
    const app = createApp(base, { predictor, log: () => {} });
    const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
    const routes = stack.filter((l) => l.route).flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path}`)).sort();
    const doc = defaultOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(routes).toEqual(documented);
    expect(routes.length).toBeGreaterThanOrEqual(6);
  });
  it('every $ref resolves', () => {
    const doc = defaultOpenApiDocument();
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/[^"]+"/g) ?? [];
    for (const r of refs) {
      const path = r.slice(10, -1).split('/');
      let node: unknown = doc;
      for (const k of path) node = (node as Record<string, unknown>)[k];
      expect(node, r).toBeDefined();
    }
  });
});

describe('onnx-predict serve (real binary)', () => {
  it('prints the bound address; SIGTERM finishes in-flight work and exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ONNX_PREDICT_API_KEY: '' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address in 60 s: ${err}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const hold = slowUpload(`${url}/v1/predict`, nb201[0]!);
      await waitRunning(url, 1);
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      hold.finish();
      const res = await hold.response;
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as api.PredictReport).predictions).toBeDefined();
      expect(await exited).toBe(0);
      const lines = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
      expect(lines.some((l) => l.path === '/v1/predict' && l.status === 200)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

/** A prediction report without the proxies' wall time (the one field that varies between identical runs). */
function withoutTimes(r: api.PredictReport): unknown {
  return { ...r, proxies: r.proxies ? { ...r.proxies, seconds: 0 } : r.proxies };
}

/**
 * The web page, tested end to end: a real `onnx-predict serve` on loopback (one open, one with an
 * API key), its page routes and GET /v1/known over HTTP, and the page itself in Debian's chromium
 * driven by playwright-core: drop a real NB201 file, choose a real timm export, a corrupt file,
 * three files for the ranked table (sort, CSV), and the API-key field. Every request the page
 * makes must go to the server that served it.
 *
 * Without chromium the browser part prints why it skipped; the HTTP part always runs. The page
 * must be built (`npm ci` builds it through `prepare`; by hand: `npm run build:web`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArch } from '../datasets/nb201/arch.ts';
import { buildNb201Network } from '../datasets/nb201/network.ts';
import { DEFAULT_SERVER_CONFIG } from '../src/server/config.ts';
import type { AppContext } from '../src/server/context.ts';
import { sampleKnown, WEB_DIST_DIR, webPageRoutes, type KnownResponse } from '../src/server/routes/web.ts';
import { BIN } from './helpers/cli.ts';
import { findChromium } from './helpers/chromium.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'web-test-key';
const GOOD_ARCH = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const EXTRA_ARCHS = ['|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|', '|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|', '|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|'];
const POOR_ARCH = '|avg_pool_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|skip_connect~2|';
const TIMM = ['mobilenetv2_050-224', 'resnet14t-224'] as const;

interface Serve {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stderr: () => string;
}

/** `onnx-predict serve --port 0` as a child process; resolves with the address it prints. */
function serve(env: Record<string, string>): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ONNX_PREDICT_API_KEY: '', ONNX_PREDICT_WORKERS: '1', ...env },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise<Serve>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no address in 90 s; stderr: ${err.slice(-2000)}`)), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}; stderr: ${err.slice(-2000)}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, stderr: () => err });
      }
    });
  });
}

async function stop(s: Serve | undefined): Promise<void> {
  if (s === undefined || s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
}

const CHROMIUM = findChromium();
const BUILT = existsSync(join(WEB_DIST_DIR, 'index.html')) && existsSync(join(WEB_DIST_DIR, 'app.js'));
if (CHROMIUM === null) {
  process.stdout.write('test/web.test.ts: browser tests SKIPPED: no chromium on PATH (apt-get install chromium; or set ONNX_PREDICT_CHROMIUM). The HTTP tests still run.\n');
}

let dir: string;
let open: Serve;
let keyed: Serve;
const files: Record<string, string> = {};

beforeAll(async () => {
  if (!BUILT) throw new Error(`the web page is not built (${WEB_DIST_DIR} has no index.html/app.js): run npm run build:web (npm ci runs it)`);
  dir = mkdtempSync(join(tmpdir(), 'onnx-predict-web-'));
  const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    files[name] = join(dir, name);
  };
  const good = buildNb201Network(parseArch(GOOD_ARCH), { weights: 'random', seed: 5 });
  write('nb201-good.onnx', good);
  write('nb201-poor.onnx', buildNb201Network(parseArch(POOR_ARCH), { weights: 'random', seed: 6 }));
  // Three more cells, and a CSV of "measured" accuracies for three of the five (batch --known on the page).
  EXTRA_ARCHS.forEach((a, i) => write(`nb201-x${i}.onnx`, buildNb201Network(parseArch(a), { weights: 'random', seed: 10 + i })));
  write('known.csv', new TextEncoder().encode('file,accuracy,target\nnb201-good.onnx,93.5,cifar10\nnb201-poor.onnx,60.25,cifar10\nnb201-x0.onnx,88,cifar10\n'));
  for (const t of TIMM) write(`${t}.onnx`, gunzipSync(readFileSync(join(ROOT, 'datasets', 'timm', 'graphs', `${t}.onnx.gz`))));
  // A real file cut in half: what a broken download looks like.
  write('broken.onnx', good.subarray(0, Math.floor(good.length / 2)));
  [open, keyed] = await Promise.all([serve({}), serve({ ONNX_PREDICT_API_KEY: KEY })]);
});

afterAll(async () => {
  await Promise.all([stop(open), stop(keyed)]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('page routes over HTTP (real serve)', () => {
  it('GET / serves the page with its limits, a CSP that allows only this origin, and the two assets', async () => {
    const res = await fetch(`${open.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const html = await res.text();
    const cfg = JSON.parse(/<script type="application\/json" id="page-config">(.*?)<\/script>/s.exec(html)![1]!) as Record<string, unknown>;
    expect(cfg).toMatchObject({ maxBodyBytes: 256 * 1024 * 1024, apiKeyRequired: false });
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = await fetch(`${open.url}/web/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(50_000);
    const css = await fetch(`${open.url}/web/app.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('.drop');
  });

  it('the page is open on a server with an API key; GET /v1/known is not', async () => {
    const page = await fetch(`${keyed.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"apiKeyRequired":true');
    expect((await fetch(`${keyed.url}/web/app.js`)).status).toBe(200);
    const no = await fetch(`${keyed.url}/v1/known?target=cifar10`);
    expect(no.status).toBe(401);
    expect(((await no.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const yes = await fetch(`${keyed.url}/v1/known?target=cifar10&limit=10`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(yes.status).toBe(200);
  });

  it('GET /v1/known: a deterministic sample with an equal share per space, every small space whole', async () => {
    const get = async (q: string) => {
      const res = await fetch(`${open.url}/v1/known?${q}`);
      expect(res.status).toBe(200);
      return (await res.json()) as KnownResponse;
    };
    const a = await get('target=cifar10&limit=1000');
    const b = await get('limit=1000&target=cifar10');
    expect(b).toEqual(a);
    expect(a.returned).toBe(1000);
    expect(a.points).toHaveLength(1000);
    expect(a.total).toBeGreaterThan(1000);
    // An equal share per space: pytorchcv's 45 CIFAR-10 models whole, NB101 and NB201 the rest.
    expect(a.spaces).toEqual({ pytorchcv: 45, nb201: 477, nb101: 478 });
    for (const p of a.points) {
      expect(typeof p.id).toBe('string');
      expect(p.accuracy).toBeGreaterThan(0);
      expect(p.accuracy).toBeLessThanOrEqual(100);
      if (a.fields.params) expect(p.params === undefined || p.params > 0).toBe(true);
    }
    // `imagenet` is the zoos' full-recipe top-1 only (Accel's 16-epoch label is `imagenet-16ep`):
    // small spaces are returned whole.
    const timm = await get('target=imagenet&limit=1000');
    expect(timm.spaces).toEqual({ pycls: 36, pytorchcv: 320, timm: 482 });
    expect(timm.returned).toBe(838);
    const accel = await get('target=imagenet-16ep&limit=1000');
    expect(accel.spaces).toEqual({ accel: 1000 });
    const small = await get('target=cifar10&limit=10');
    expect(small.spaces).toEqual({ pytorchcv: 3, nb201: 3, nb101: 4 });
    expect((await get('target=cifar10')).returned).toBe(3000);
  });

  it('BAD CALL: /v1/known without a target, with an unknown one or a bad limit answers 400 USAGE with a sentence', async () => {
    for (const q of ['', 'target=mnist', 'target=cifar10&limit=0', 'target=cifar10&limit=10001', 'target=cifar10&limit=abc', 'target=cifar10&target=cifar100']) {
      const res = await fetch(`${open.url}/v1/known?${q}`);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, q).toBe('USAGE');
      expect(body.error.message, q).toMatch(/query parameter '(target|limit)'/);
    }
  });

  it('/openapi.json documents the page routes (open) and /v1/known', async () => {
    const doc = (await (await fetch(`${open.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[]; parameters?: { name: string }[] }>>; components: { schemas: Record<string, unknown> } };
    expect(doc.paths['/']!.get!.security).toEqual([]);
    expect(doc.paths['/web/app.js']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/known']!.get!.security).toBeUndefined();
    expect(doc.paths['/v1/known']!.get!.parameters!.map((p) => p.name)).toEqual(['target', 'limit']);
    expect(doc.components.schemas.Known).toBeDefined();
  });
});

describe('page routes without a built page', () => {
  it('GET / answers 503 with a sentence saying how to build it, and the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'onnx-predict-web-empty-'));
    const app = express();
    const ctx = { config: { ...DEFAULT_SERVER_CONFIG, port: 0 } } as unknown as AppContext;
    webPageRoutes({ dir: empty }).mount(app, ctx);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const p of ['/', '/web/app.js', '/web/app.css']) {
        const res = await fetch(`${url}${p}`);
        expect(res.status, p).toBe(503);
        const text = await res.text();
        expect(text, p).toMatch(/web page is not built .*npm run build:web/);
        expect(text, p).not.toContain(empty);
      }
    } finally {
      server.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('sampleKnown', () => {
  const known: { id: string; space: string; labels: Record<string, number>; params?: number }[] = Array.from({ length: 500 }, (_, i) => ({
    id: `a-${i}`, space: i < 20 ? 'small' : 'big', labels: (i % 7 === 0 ? {} : { t: i / 10 }) as Record<string, number>,
    ...(i % 2 === 0 ? { params: 1000 + i } : {}),
  }));
  it('does not depend on the order of known.jsonl', () => {
    const x = sampleKnown(known, 't', 50);
    const y = sampleKnown([...known].reverse(), 't', 50);
    expect(new Set(y.points.map((p) => p.id))).toEqual(new Set(x.points.map((p) => p.id)));
    expect(x.total).toBe(known.filter((k) => 't' in k.labels).length);
  });
  it('takes a small space whole and shares the rest out', () => {
    const s = sampleKnown(known, 't', 100);
    expect(s.spaces).toEqual({ small: 17, big: 83 });
    expect(s.returned).toBe(100);
    expect(s.fields).toEqual({ params: true, macs: false });
  });
  it('degrades to points without x values on a checkpoint without params/MACs', () => {
    const bare = known.map(({ id, space, labels }) => ({ id, space, labels }));
    const s = sampleKnown(bare, 't', 30);
    expect(s.fields).toEqual({ params: false, macs: false });
    expect(s.points.every((p) => p.params === undefined && p.macs === undefined)).toBe(true);
  });
});

// Generous per-test time: CI runs every test file at once on few cores.
describe.skipIf(CHROMIUM === null)('the page in chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(60_000);
    context.on('request', (r) => requests.push(r.url()));
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // The browser logs every 4xx response; the corrupt-file test causes one on purpose.
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${open.url}/`);
    await page.waitForSelector('html[data-ready="true"]');
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A real drop event on the drop zone, carrying the files' bytes. */
  async function drop(names: readonly string[]): Promise<void> {
    const payload = names.map((n) => ({ name: n, b64: readFileSync(files[n]!).toString('base64') }));
    const dt = await page.evaluateHandle((items) => {
      const d = new DataTransfer();
      for (const it of items) {
        const bin = atob(it.b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        d.items.add(new File([bytes], it.name, { type: 'application/octet-stream' }));
      }
      return d;
    }, payload);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
  }

  it('shows the limits before any upload, and the file picker is a labelled, focusable control', async () => {
    expect(await page.textContent('#limits')).toContain('256 MB');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('files');
    expect(await page.evaluate(() => (document.getElementById('files') as HTMLInputElement).labels?.[0]?.textContent)).toMatch(/Choose one or more/);
    expect(await page.isVisible('#key-row')).toBe(false);
  });

  it('drop a real NB201 file: prediction with intervals, neighbours, graph text, and the model on the scatter plot', async () => {
    await drop(['nb201-good.onnx']);
    await page.waitForSelector('#plot svg .model-point', { timeout: 90_000 });
    await page.waitForSelector('#single:not([hidden])');
    expect(await page.textContent('#single-title')).toBe('Prediction for nb201-good.onnx');
    const facts = await page.textContent('#single .facts');
    expect(facts).toMatch(/Input\s*input: 1 × 3 × 32 × 32 float32/);
    expect(facts).toMatch(/Params/);
    const rows = await page.$$eval('#single table.predictions tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.length).toBeGreaterThanOrEqual(1);
    // The cell is a benchmark architecture: its measurement is the answer, the model's prediction beside it.
    expect(await page.textContent('#single .note.exact')).toMatch(/^Known architecture: identical to nb201 \|nor_conv_3x3~0\|/);
    // The targets a 32 × 32, 10-class network fits: CIFAR-10 and SVHN.
    expect(rows.map((r) => r[0])).toEqual(['cifar10', 'svhn']);
    const cifar = rows.find((r) => r[0] === 'cifar10');
    expect(cifar).toBeDefined();
    const acc = Number(cifar![1]);
    const [, pred, low, high] = /^measured; the model predicts ([\d.]+) \(([\d.]+)–([\d.]+)\)$/.exec(cifar![2]!)!.map(Number);
    expect(low! <= pred! && pred! <= high!).toBe(true);
    expect(acc).toBeGreaterThan(90);
    expect(await page.$$eval('#prediction-chart svg .whisker line', (e) => e.length)).toBe(rows.length);
    expect(await page.$$eval('#single-more table.neighbors tbody tr', (trs) => trs.length)).toBe(3);
    expect(await page.textContent('#single-more table.neighbors')).toMatch(/nb201-\d+/);
    await page.click('#graph-text summary');
    expect((await page.textContent('#graph-text pre'))!.length).toBeGreaterThan(100);
    // The plot: known NB201/NB101 CIFAR-10 points and one highlighted model point with its interval.
    expect(await page.inputValue('#target')).toBe('cifar10');
    const label = await page.$eval('#plot svg .model-point [aria-label]', (e) => e.getAttribute('aria-label'));
    expect(label).toContain('nb201-good.onnx');
    expect(label).toContain(`measured ${acc.toFixed(1)} %`);
    const known = await page.$$eval('#plot svg .known-point *, #plot svg .known-box *', (e) => e.length);
    expect(known).toBeGreaterThan(100);
    expect(await page.$$eval('#plot svg .model-interval *', (e) => e.length)).toBe(1);
    expect(await page.textContent('#plot-note')).toMatch(/nb201-good\.onnx: measured [\d.]+ % \(a known architecture\)/);
    expect(await page.isVisible('#error')).toBe(false);
  });

  it('choose a real timm export with the file picker: ImageNet prediction placed among ImageNet architectures', async () => {
    await page.setInputFiles('#files', files[`${TIMM[0]}.onnx`]!);
    await page.waitForFunction((t) => document.getElementById('single-title')?.textContent === `Prediction for ${t}`, `${TIMM[0]}.onnx`, { timeout: 90_000 });
    await page.waitForSelector('#plot svg .model-point');
    expect(await page.textContent('#single .facts')).toMatch(/Input\s*\S+: 1 × 3 × 224 × 224 float32/);
    expect(await page.inputValue('#target')).toBe('imagenet');
    const label = await page.$eval('#plot svg .model-point [aria-label]', (e) => e.getAttribute('aria-label'));
    expect(label).toContain(`${TIMM[0]}.onnx`);
    // Switching the axis or the target redraws from GET /v1/known.
    if (await page.isEnabled('#x-macs')) {
      await page.check('#x-macs');
      await page.waitForFunction(() => document.querySelector('#plot svg[aria-label*="against macs"]') !== null);
    }
  });

  it('drop a corrupt file: a plain sentence, never a blank page', async () => {
    await drop(['broken.onnx']);
    await page.waitForSelector('#error:not([hidden])', { timeout: 90_000 });
    const text = await page.textContent('#error');
    expect(text).toMatch(/“broken\.onnx” is not a valid ONNX model, so nothing was predicted\. The server said: .+/);
    expect(await page.textContent('#status')).toBe('Nothing was predicted.');
    expect(await page.isVisible('#single')).toBe(false);
  });

  it('drop three files: the ranked table through the batch route, sortable, with a CSV download', async () => {
    const three = ['nb201-poor.onnx', 'nb201-good.onnx', `${TIMM[1]}.onnx`];
    const batch = page.waitForResponse((r) => r.url().endsWith('/v1/predict/batch'));
    await drop(three);
    expect((await batch).status()).toBe(200);
    await page.waitForSelector('#ranked-table');
    expect(await page.isVisible('#error')).toBe(false);
    const read = () => page.$$eval('#ranked-table tbody tr', (trs) => trs.map((tr) => ({
      // A trailing * marks a model that does not fit the target (a guess).
      rank: tr.children[0]!.textContent, file: tr.children[1]!.textContent, acc: Number(tr.children[2]!.textContent!.replace(/\*$/, '')),
    })));
    const rows = await read();
    expect(rows.map((r) => r.file).sort()).toEqual([...three].sort());
    expect(rows.map((r) => r.rank)).toEqual(['1', '2', '3']);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.acc).toBeGreaterThanOrEqual(rows[i]!.acc);
    const target = await page.inputValue('#target');
    expect(await page.textContent('#ranked-table caption')).toContain(`predicted ${target} accuracy`);
    // The good NB201 cell outranks the pooling/none cell on CIFAR-10.
    if (target === 'cifar10') expect(rows.findIndex((r) => r.file === 'nb201-good.onnx')).toBeLessThan(rows.findIndex((r) => r.file === 'nb201-poor.onnx'));
    // Sort by file name, by keyboard.
    await page.focus('#ranked-table button[data-key="file"]');
    await page.keyboard.press('Enter');
    expect((await read()).map((r) => r.file)).toEqual([...three].sort());
    expect(await page.getAttribute('#ranked-table th:nth-child(2)', 'aria-sort')).toBe('ascending');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/^rank,file,target,accuracy,low,high,params,macs,nodes,nearest,/);
    expect(csv).toHaveLength(4);
    expect(csv[1]!.startsWith('1,')).toBe(true);
    // All three models are on the plot.
    await page.waitForFunction(() => document.querySelectorAll('#plot svg .model-point [aria-label]').length === 3);
    const plotted = await page.$$eval('#plot svg .model-point [aria-label]', (e) => e.map((x) => x.getAttribute('aria-label')!.split(':')[0]));
    expect(plotted.sort()).toEqual([...three].sort());
  });

  it('a CSV dropped with the models adapts the others to the measured ones, which read "measured"', async () => {
    const names = ['nb201-good.onnx', 'nb201-poor.onnx', 'nb201-x0.onnx', 'nb201-x1.onnx', 'nb201-x2.onnx'];
    const batch = page.waitForResponse((r) => r.url().includes('/v1/predict/batch'));
    await drop([...names, 'known.csv']);
    const res = await batch;
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { file: string; known?: Record<string, number> }[];
    expect(body.map((b) => b.file)).toEqual(names);
    expect(body.map((b) => b.known?.cifar10 ?? null)).toEqual([93.5, 60.25, 88, null, null]);
    await page.waitForSelector('#ranked-table');
    expect(await page.textContent('#status')).toBe('Predicted 5 of 5 files. Adapted to 3 known cifar10 results from known.csv.');
    const rows = await page.$$eval('#ranked-table tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(rows.filter((r) => r.includes('measured'))).toHaveLength(3);
    expect(rows.find((r) => r.includes('nb201-good.onnx'))).toMatch(/93\.5/);
  });

  it('BAD CALL: a CSV with a single model is refused before any upload', async () => {
    await drop(['nb201-good.onnx', 'known.csv']);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/goes with several \.onnx files/);
  });

  it('a failed file in a batch is a row with its sentence', async () => {
    await drop(['nb201-good.onnx', 'broken.onnx']);
    await page.waitForSelector('#ranked-table tr.failed', { timeout: 90_000 });
    expect(await page.textContent('#ranked-table tr.failed')).toMatch(/broken\.onnx.*Failed: “broken\.onnx” is not a valid ONNX model/s);
    expect(await page.textContent('#status')).toBe('Predicted 1 of 2 files; 1 failed.');
  });

  it('"Try one" predicts the bundled ResNet-18: the known timm architecture, ImageNet only, its measurement', async () => {
    await page.click('#try-one');
    await page.waitForSelector('#single:not([hidden])', { timeout: 90_000 });
    await page.waitForSelector('#plot svg .model-point');
    expect(await page.textContent('#single-title')).toBe('Prediction for resnet18.onnx');
    expect(await page.textContent('#single .note.exact')).toMatch(/^Known architecture: same architecture as timm resnet18@224, exported differently \(timm-361\); measured imagenet 73\.3 % \(top1@224 resnet18\./);
    const rows = await page.$$eval('#single table.predictions tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((r) => r[0])).toEqual(['imagenet']);
    expect(rows[0]![1]).toBe('73.3');
    expect(rows[0]![2]).toMatch(/^measured; the model predicts [\d.]+ \([\d.]+–[\d.]+\)$/);
    expect(await page.textContent('label[for="show-all-targets"]')).toBe('Show all targets (9 hidden: the model does not fit cifar10, cifar100, class_object, class_scene, cub200, imagenet16-120, ninapro, svhn; imagenet-16ep is a training proxy of a target shown)');
    expect(await page.inputValue('#target')).toBe('imagenet');
    // A known architecture is not also "unlike the training architectures".
    expect(await page.$$('#single .warnings')).toHaveLength(0);
  });

  it('"Try 3 examples" ranks the bundled models by ImageNet and rings the Pareto front on the plot', async () => {
    const batch = page.waitForResponse((r) => r.url().endsWith('/v1/predict/batch'));
    await page.click('#try-all');
    const items = await (await batch).json() as { file: string; stats: { params: number; macs: number }; predictions: Record<string, { accuracy: number }> }[];
    await page.waitForSelector('#ranked-table');
    expect(await page.inputValue('#target')).toBe('imagenet');
    expect(await page.textContent('#ranked-table caption')).toContain('3 models ranked by predicted imagenet accuracy (3 of 3 fit imagenet)');
    await page.waitForFunction(() => document.querySelectorAll('#plot svg .model-point [aria-label]').length === 3);
    for (const x of ['params', 'macs'] as const) {
      await page.check(`#x-${x}`);
      await page.waitForFunction((axis) => document.querySelector(`#plot svg[aria-label*="against ${axis}, with 3"]`) !== null, x);
      // The front by its definition: no other model at most as costly and at least as accurate.
      const front = items.filter((a) => !items.some((b) => b !== a && b.stats[x] <= a.stats[x] && b.predictions['imagenet']!.accuracy >= a.predictions['imagenet']!.accuracy
        && (b.stats[x] < a.stats[x] || b.predictions['imagenet']!.accuracy > a.predictions['imagenet']!.accuracy))).map((a) => a.file).sort();
      const ringed = await page.$$eval('#plot svg .pareto-marker [aria-label]', (e) => e.map((n) => n.getAttribute('aria-label')!.split(':')[0]!));
      expect(ringed.sort(), x).toEqual(front);
      expect(await page.$$eval('#plot svg[aria-label*="Pareto front"]', (e) => e.map((n) => n.getAttribute('aria-label')))).toEqual([expect.stringContaining(`against ${x}, with 3 dropped models, ${front.length} on the Pareto front`)]);
    }
  });

  it('every request went to the server that served the page', () => {
    const origin = new URL(open.url).origin;
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(requests.some((u) => u.includes('/v1/known?target='))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('a server with an API key: the page shows the key field, refuses to upload without it, predicts with it', async () => {
    const p = await context.newPage();
    await p.goto(`${keyed.url}/`);
    await p.waitForSelector('html[data-ready="true"]');
    expect(await p.isVisible('#key-row')).toBe(true);
    expect(await p.evaluate(() => (document.getElementById('api-key') as HTMLInputElement).labels?.[0]?.textContent)).toBe('API key');
    await p.setInputFiles('#files', files['nb201-good.onnx']!);
    await p.waitForSelector('#error:not([hidden])');
    expect(await p.textContent('#error')).toContain('This server needs an API key');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await p.fill('#api-key', 'wrong');
    await p.setInputFiles('#files', files['nb201-good.onnx']!);
    await p.waitForFunction(() => document.getElementById('status')?.textContent === 'Nothing was predicted.');
    expect(await p.textContent('#error')).toContain('enter a valid key');
    await p.fill('#api-key', KEY);
    await p.setInputFiles('#files', files['nb201-good.onnx']!);
    await p.waitForSelector('#plot svg .model-point', { timeout: 90_000 });
    expect(await p.textContent('#single-title')).toBe('Prediction for nb201-good.onnx');
    await p.close();
  });
});

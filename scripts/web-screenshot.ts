/**
 * Screenshots the web page with real models: starts `onnx-predict serve` on a free loopback port,
 * opens the page in the system chromium (playwright-core, headless), chooses the given files and
 * saves a full-page PNG once the scatter plot shows them. Used for docs/img/ (see docs/WEB.md).
 *
 *   npx tsx scripts/web-screenshot.ts [--out docs/img/web-page.png] [--width 1200] [--target T] [--x params|macs]
 *     [--checkpoint DIR] MODEL.onnx[.gz] ...
 *
 * `.onnx.gz` files (datasets/timm/graphs) are decompressed to a temp folder first. Given one
 * `.html` file instead (a `batch --report` zoo report), it screenshots that file, with no server.
 *
 *   npx tsx scripts/web-screenshot.ts --out docs/img/report.png zoo.html
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  if (v === undefined) throw new Error(`${name} needs a value`);
  argv.splice(i, 2);
  return v;
};
const out = flag('--out', join(root, 'docs', 'img', 'web-page.png'));
const width = Number(flag('--width', '1200'));
const target = flag('--target', '');
const xAxis = flag('--x', '');
const checkpoint = flag('--checkpoint', '');
const executablePath = flag('--chromium', process.env.ONNX_PREDICT_CHROMIUM ?? '/usr/bin/chromium');
if (argv.length === 0) throw new Error('give one or more .onnx or .onnx.gz files, or one .html report');

if (argv.length === 1 && argv[0]!.endsWith('.html')) {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(argv[0]!).href);
    await page.waitForSelector('svg.zoo-plot');
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    process.stdout.write(`${out}: ${argv[0]}\n`);
  } finally {
    await browser.close();
  }
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'onnx-predict-shot-'));
const models = argv.map((p) => {
  if (!p.endsWith('.gz')) return p;
  const dest = join(tmp, basename(p, '.gz'));
  writeFileSync(dest, gunzipSync(readFileSync(p)));
  return dest;
});

const child = spawn(process.execPath, [join(root, 'bin', 'onnx-predict.js'), 'serve', '--port', '0', ...(checkpoint !== '' ? ['--checkpoint', checkpoint] : [])], {
  stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ONNX_PREDICT_API_KEY: '', ONNX_PREDICT_WORKERS: '1' },
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
  });
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${url}/`);
    await page.waitForSelector('html[data-ready="true"]');
    await page.setInputFiles('#files', models);
    await page.waitForSelector('#plot svg .model-point', { timeout: 120_000 });
    if (target !== '') {
      await page.selectOption('#target', target);
      await page.waitForFunction((t) => document.querySelector(`#plot svg[aria-label*=" ${t} "]`) !== null, target);
    }
    if (xAxis === 'macs' || xAxis === 'params') {
      await page.check(`#x-${xAxis}`);
      await page.waitForFunction((x) => document.querySelector(`#plot svg[aria-label*="against ${x}"]`) !== null, xAxis);
    }
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    process.stdout.write(`${out}: ${models.map((m) => basename(m)).join(', ')} on ${url}\n`);
  } finally {
    await browser.close();
  }
} finally {
  child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}

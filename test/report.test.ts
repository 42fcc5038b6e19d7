/**
 * Answers a person can read: targets that fit (classes from the label set), the ranking plan of a
 * batch (each file by the target it fits), warnings counted once, the Pareto front, and the zoo
 * report — written by the real `onnx-predict batch --report` on the fixture models and opened in
 * Debian's chromium, where the SVG's points and Pareto markers are read back and checked against
 * the rows the batch wrote.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDomain, domainOf, fittingTargets, targetClasses, TARGET_FACTS } from '../src/predictor/domain.ts';
import { WARNING_CODES, WARNING_SUMMARIES } from '../src/predictor/warnings.ts';
import { paretoFront, scatterSvg } from '../src/batch/plot.ts';
import { rankingPlan, warningCounts } from '../src/batch/summary.ts';
import { renderReport } from '../src/batch/report.ts';
import type { BatchRow } from '../src/batch/rows.ts';
import type { KnownArch } from '../src/predictor/checkpoint.ts';
import { main } from '../src/cli/main.ts';
import { CHROMIUM_ARGS, findChromium } from './helpers/chromium.ts';

const CHROMIUM = findChromium();

function row(file: string, preds: Record<string, [number, boolean?]>, extra: Partial<BatchRow> = {}): BatchRow {
  return {
    file, sha256: 'x', params: 1e6, macs: 1e8, nearest: null, exact: null, error: null,
    predictions: Object.fromEntries(Object.entries(preds).map(([t, [a, fit]]) => [t, { accuracy: a, low: a - 2, high: a + 2, inDomain: fit !== false }])),
    ...extra,
  };
}

describe('targets that fit', () => {
  const cifar = domainOf([{ resolution: 32, channels: 3, classes: 10 }]);
  it('takes the classes from the label set, not from the benchmark graphs that share one 10-class head', () => {
    expect(targetClasses('cifar100', cifar)).toEqual([100]);
    expect(checkDomain({ resolution: 32, channels: 3, classes: 10 }, cifar, 'cifar10').inDomain).toBe(true);
    const c100 = checkDomain({ resolution: 32, channels: 3, classes: 10 }, cifar, 'cifar100');
    expect(c100.inDomain).toBe(false);
    expect(c100.reason).toBe('10 outputs; cifar100 has 100 classes');
    expect(checkDomain({ resolution: 32, channels: 3, classes: 100 }, cifar, 'cifar100').inDomain).toBe(true);
  });
  it('falls back to the classes the checkpoint recorded for a target it has no facts on', () => {
    expect(targetClasses('my-task', domainOf([{ resolution: 64, channels: 1, classes: 7 }]))).toEqual([7]);
    expect(checkDomain({ resolution: 64, channels: 1, classes: 5 }, domainOf([{ resolution: 64, channels: 1, classes: 7 }]), 'my-task').inDomain).toBe(false);
  });
  it('a model without a 4-D input fits no image target', () => {
    const d = checkDomain({ resolution: null, channels: null, classes: 10, nonImageRank: 3 }, cifar, 'cifar10');
    expect(d).toEqual({ inDomain: false, reason: 'the input is 3-D, not an image; this target was learnt from images' });
  });
  it('lists fitting targets in TARGET_FACTS order, a proxy only when its full target does not fit', () => {
    const p = (fit: boolean) => ({ inDomain: fit });
    expect(fittingTargets({ 'imagenet-16ep': p(true), class_scene: p(false), imagenet: p(true) })).toEqual(['imagenet']);
    expect(fittingTargets({ 'imagenet-16ep': p(true), imagenet: p(false) })).toEqual(['imagenet-16ep']);
    expect(fittingTargets({ custom: p(true), cifar100: p(true), cifar10: p(true) })).toEqual(['cifar10', 'cifar100', 'custom']);
    expect(Object.keys(TARGET_FACTS)).toEqual(expect.arrayContaining(['svhn', 'cub200', 'ninapro']));
  });
});

describe('warnings', () => {
  it('every code has a few words, one line each', () => {
    for (const c of WARNING_CODES) {
      expect(WARNING_SUMMARIES[c]).toMatch(/^[^\n]{5,60}$/);
    }
  });
  it('a batch counts each distinct warning once, most frequent first', () => {
    const far = { code: 'far-from-training', summary: 'far from training data: ranking only, level uncertain', message: 'long sentence' };
    const rows = [
      row('a', { imagenet: [70] }, { warnings: [far] }),
      row('b', { imagenet: [71] }, { warnings: [far, { code: 'costs-incomplete', summary: 'MACs are a lower bound (2 nodes without shapes)', message: 'x' }] }),
      row('c', { imagenet: [72] }, { warnings: [far, { code: 'costs-incomplete', summary: 'MACs are a lower bound (5 nodes without shapes)', message: 'y' }] }),
    ];
    expect(warningCounts(rows)).toEqual([
      { code: 'far-from-training', summary: far.summary, count: 3, files: ['a', 'b', 'c'] },
      // Summaries that differ in their numbers fall back to the code's own words.
      { code: 'costs-incomplete', summary: WARNING_SUMMARIES['costs-incomplete'], count: 2, files: ['b', 'c'] },
    ]);
  });
});

describe('ranking plan', () => {
  const rows = [
    row('r18', { cifar10: [92, false], imagenet: [73] }),
    row('vit', { cifar10: [93, false], imagenet: [82] }),
    row('nb', { cifar10: [94], imagenet: [60, false] }),
    row('seq', { cifar10: [50, false], imagenet: [40, false] }),
    { ...row('bad', {}), error: { code: 'NOT_ONNX', message: 'not onnx' } },
  ];
  it('ranks each file by the target it fits, the largest group first; the others apart', () => {
    const plan = rankingPlan(rows);
    expect(plan.groups.map((g) => [g.target, g.rows.map((r) => r.file), g.fit, g.asked])).toEqual([
      ['imagenet', ['vit', 'r18'], 2, false],
      ['cifar10', ['nb'], 1, false],
    ]);
    expect(plan.unfit.map((r) => r.file)).toEqual(['seq']);
    expect(plan.failed.map((r) => r.file)).toEqual(['bad']);
  });
  it('--target ranks every scored file by it and counts those that fit', () => {
    const plan = rankingPlan(rows, 'cifar10');
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0]!.rows.map((r) => r.file)).toEqual(['nb', 'vit', 'r18', 'seq']);
    expect(plan.groups[0]!.fit).toBe(1);
  });
});

/** The Pareto front by its definition, O(n²): no other point at most as costly and at least as accurate, one strictly. */
function bruteFront(pts: readonly { x: number; accuracy: number }[]): number[] {
  return pts.flatMap((p, i) => (p.x > 0 && !pts.some((q, j) => j !== i && q.x > 0 && q.x <= p.x && q.accuracy >= p.accuracy && (q.x < p.x || q.accuracy > p.accuracy)) ? [i] : []));
}

describe('Pareto front', () => {
  it('matches the definition on random clouds, ties and zero costs included', () => {
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 60; n++) {
      const pts = Array.from({ length: 1 + (n % 17) }, () => ({ x: Math.round(rnd() * 8), accuracy: Math.round(rnd() * 6) }));
      expect([...paretoFront(pts)].sort((a, b) => a - b), JSON.stringify(pts)).toEqual(bruteFront(pts));
    }
  });
  it('the SVG marks exactly the front, with one point and one interval per model', () => {
    const points = [
      { rank: 1, file: 'big', x: 1e10, accuracy: 82, low: 79, high: 84 },
      { rank: 2, file: 'mid', x: 4e8, accuracy: 77, low: 72, high: 80 },
      { rank: 3, file: 'known', x: 1.8e9, accuracy: 73.3, low: 73.3, high: 73.3, measured: true },
      { rank: 4, file: 'small', x: 6e7, accuracy: 70, low: 41, high: 84 },
    ];
    const svg = scatterSvg({ points, background: [{ id: 'k', x: 1e9, accuracy: 75 }], xName: 'MACs', target: 'imagenet' });
    expect(svg.match(/class="model-point"/g)).toHaveLength(4);
    expect(svg.match(/class="interval"/g)).toHaveLength(3);
    expect(svg.match(/class="known-point"/g)).toHaveLength(1);
    expect([...svg.matchAll(/class="pareto-marker" data-file="([^"]+)"/g)].map((m) => m[1])).toEqual(['big', 'mid', 'small']);
    expect(svg).toContain('data-file="known" data-rank="3" data-x="1800000000" data-y="73.3" data-pareto="false"');
  });
  it('the report escapes file names and fetches nothing', () => {
    const html = renderReport({ rows: [row('<evil>.onnx', { imagenet: [70] })], known: [], predictor: 'p', version: 'v' });
    expect(html).not.toContain('<evil>');
    expect(html).toContain('&lt;evil&gt;.onnx');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe.skipIf(CHROMIUM === null)('the zoo report of the fixture models, in chromium', { timeout: 300_000 }, () => {
  let tmp: string;
  let browser: Browser;
  let rows: BatchRow[];
  let stdout = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'onnx-predict-report-'));
    const code = await main(['batch', 'test/fixtures/models', '--out', join(tmp, 'zoo.jsonl'), '--report', join(tmp, 'zoo.html'), '--no-proxies', '-j', '1'], { stdout: (s) => { stdout += s; }, stderr: () => {} });
    expect(code).toBe(0);
    rows = readFileSync(join(tmp, 'zoo.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow);
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the CLI ranks the ImageNet models by imagenet without flags, and names the file that fits nothing', () => {
    expect(stdout.split('\n')[0]).toBe('ranked by imagenet, the target that 4 of 5 files fit (predicted accuracy, 80% interval; --target picks another):');
    expect(stdout).toMatch(/^1 file fits no target .*tiny_encoder\.onnx/m);
    expect(stdout).toMatch(/^report: .*zoo\.html/m);
  });

  it('draws one point per ImageNet model on both plots, the Pareto front ringed as the rows say, and known architectures behind', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(tmp, 'zoo.html')).href);
    const imagenet = rows.filter((r) => r.error === null && (r.fits as string[])[0] === 'imagenet');
    expect(imagenet.map((r) => r.file).sort()).toEqual(['efficientnet_b0', 'mobilenet_v3_small', 'resnet18', 'vit_b_16'].map((m) => `test/fixtures/models/${m}.onnx`));
    for (const cost of ['macs', 'params'] as const) {
      const svg = `section[data-target="imagenet"] figure[data-cost="${cost}"] svg`;
      const points = await page.$$eval(`${svg} .model-point`, (es) => es.map((e) => ({ file: e.getAttribute('data-file')!, x: Number(e.getAttribute('data-x')), y: Number(e.getAttribute('data-y')), pareto: e.getAttribute('data-pareto') === 'true' })));
      expect(points.map((p) => p.file).sort()).toEqual(imagenet.map((r) => r.file).sort());
      for (const p of points) {
        const r = imagenet.find((x) => x.file === p.file)!;
        expect(p.x).toBe(r[cost]);
        expect(p.y).toBe(r.predictions['imagenet']!.accuracy);
      }
      const pts = imagenet.map((r) => ({ x: r[cost]!, accuracy: r.predictions['imagenet']!.accuracy }));
      const expected = bruteFront(pts).map((i) => imagenet[i]!.file).sort();
      expect(points.filter((p) => p.pareto).map((p) => p.file).sort(), cost).toEqual(expected);
      expect((await page.$$eval(`${svg} .pareto-marker`, (es) => es.map((e) => e.getAttribute('data-file')!))).sort()).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
      expect(await page.$$eval(`${svg} .known-point`, (es) => es.length)).toBeGreaterThan(100);
      // Each point is drawn inside the plot's frame.
      const box = await page.$eval(svg, (e) => e.getBoundingClientRect().toJSON() as DOMRect);
      for (const b of await page.$$eval(`${svg} .model-point`, (es) => es.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
        expect(b.x).toBeGreaterThanOrEqual(box.x);
        expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height);
      }
    }
    // resnet18 is timm's resnet18: its measurement, not an interval.
    const r18 = await page.$eval('tr[data-file="test/fixtures/models/resnet18.onnx"]', (e) => e.textContent);
    expect(r18).toContain('measured');
    expect(r18).toContain('timm-361');
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    await page.close();
  });

  it('sorts the table by a column header', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(tmp, 'zoo.html')).href);
    const table = 'section[data-target="imagenet"] table.ranked';
    const files = () => page.$$eval(`${table} tbody tr`, (es) => es.map((e) => e.getAttribute('data-file')!));
    const ranked = await files();
    const byAccuracy = rows.filter((r) => ranked.includes(r.file)).sort((a, b) => b.predictions['imagenet']!.accuracy - a.predictions['imagenet']!.accuracy).map((r) => r.file);
    expect(ranked).toEqual(byAccuracy);
    await page.click(`${table} th:nth-child(5) button`);
    const byParams = rows.filter((r) => ranked.includes(r.file)).sort((a, b) => a.params! - b.params!).map((r) => r.file);
    expect(await files()).toEqual(byParams);
    expect(await page.$eval(`${table} th:nth-child(5)`, (e) => e.getAttribute('aria-sort'))).toBe('ascending');
    await page.click(`${table} th:nth-child(5) button`);
    expect(await files()).toEqual([...byParams].reverse());
    await page.close();
  });

  it('lists each distinct warning once with its count', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(tmp, 'zoo.html')).href);
    const shown = await page.$$eval('#warnings tbody tr', (es) => es.map((e) => [e.getAttribute('data-code'), Number(e.querySelector('td')!.textContent)]));
    expect(shown).toEqual(warningCounts(rows).map((w) => [w.code, w.count]));
    await page.close();
  });
});

describe('label sources in the checkpoint', () => {
  it('a space\'s shared label kinds move to labelSources; lines keep only their own (timm recipes)', async () => {
    const { factorSources, knownSources } = await import('../src/predictor/checkpoint.ts');
    const known: KnownArch[] = [
      { id: 'a-0', space: 'a', arch: 'x', labels: { t: 1, u: 2 }, fingerprint: 'f', source: { t: 'test@200ep', u: 'valid' } },
      { id: 'a-1', space: 'a', arch: 'y', labels: { t: 3 }, fingerprint: 'g', source: { t: 'test@200ep' } },
      { id: 'b-0', space: 'b', arch: 'm1', labels: { t: 70 }, fingerprint: 'h', source: { t: 'top1@224 m1.r1' } },
      { id: 'b-1', space: 'b', arch: 'm2', labels: { t: 71 }, fingerprint: 'i', source: { t: 'top1@224 m2.r2' } },
      { id: 'c-0', space: 'c', arch: 'z', labels: { t: 5 }, fingerprint: 'j' },
    ];
    const f = factorSources(known);
    expect(f.labelSources).toEqual({ a: { t: 'test@200ep', u: 'valid' } });
    expect(f.known.map((k) => k.source)).toEqual([undefined, undefined, { t: 'top1@224 m1.r1' }, { t: 'top1@224 m2.r2' }, undefined]);
    // Expanding gives back every line's map.
    expect(f.known.map((k) => knownSources({ labelSources: f.labelSources }, k))).toEqual([{ t: 'test@200ep', u: 'valid' }, { t: 'test@200ep' }, { t: 'top1@224 m1.r1' }, { t: 'top1@224 m2.r2' }, undefined]);
  });
});

describe('CSV rows read back', () => {
  it('a known architecture\'s zero-width interval reads back as a measurement', async () => {
    const { csvHeaderLine, parseExisting, serializeRow } = await import('../src/batch/rows.ts');
    const targets = ['imagenet'];
    const measured = row('r18.onnx', { imagenet: [73.286] }, { exact: 'timm-361' });
    const known = { ...measured, predictions: { imagenet: { accuracy: 73.286, low: 73.286, high: 73.286, inDomain: true } } };
    const predicted = { ...row('vit.onnx', { imagenet: [82] }), exact: null };
    const text = csvHeaderLine(targets) + serializeRow(known, 'csv', targets) + serializeRow(predicted, 'csv', targets);
    const back = parseExisting(Buffer.from(text), 'csv', targets, 'x.csv').rows;
    expect(back[0]!.predictions['imagenet']!.source).toBe('measured');
    expect(back[1]!.predictions['imagenet']!.source).toBeUndefined();
  });
});

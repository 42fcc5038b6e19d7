/**
 * Few-shot adaptation: the estimator alone on seeded synthetic sets (it learns a signal the prior
 * lacks, keeps the prior when the k say nothing, its interval covers about 80 % of the rest, its
 * accuracies stay within what the k measured), the known-results CSV and its BAD CALL section,
 * the few-shot protocol's bookkeeping, and `onnx-predict batch --known` end to end on real NB201
 * graphs (matched by content whatever the path spelling; resume adapts again from the model).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAdapter, conformalHalfWidth, fitAdapter, type KnownResult } from '../src/predictor/adapt.ts';
import { bestSignal, fewShot } from '../src/predictor/few-shot.ts';
import { evaluateFewShot } from '../src/predictor/evaluate.ts';
import { HEAD_CANDIDATES } from '../src/predictor/head/train.ts';
import { kendallTau } from '../src/predictor/metrics.ts';
import { adaptItems, parseKnownCsv, readKnownCsv } from '../src/batch/known.ts';
import { SCALAR_FEATURES } from '../src/predictor/scalars.ts';
import { mulberry32, shuffled } from '../src/random.ts';
import { buildDataset } from '../datasets/index.ts';
import { runCli } from './helpers/cli.ts';

/** A set whose accuracy is 80 + 4a + 2b + noise; `model` is `prior` · a + (1 − prior) · noise. */
function synthetic(n: number, prior: number, seed: number): { rows: Float64Array[]; truth: number[] } {
  const r = mulberry32(seed);
  const g = () => (r() + r() + r() - 1.5) * 2;
  const rows: Float64Array[] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = g();
    const b = g();
    rows.push(Float64Array.from([prior * a + (1 - prior) * g(), a, b, g()]));
    truth.push(80 + 4 * a + 2 * b + 0.5 * g());
  }
  return { rows, truth };
}
const NAMES = ['model', 'a', 'b', 'noise'];

function draw(n: number, k: number, seed: number): { known: KnownResult[]; rest: number[] } {
  const order = shuffled(Array.from({ length: n }, (_, i) => i), seed);
  return { known: order.slice(0, k).map((index) => ({ index, accuracy: NaN })), rest: order.slice(k) };
}

describe('fitAdapter / applyAdapter', () => {
  it('learns from the k what the prior lacks: a weak prior, 50 known, clearly better order on the rest', () => {
    const { rows, truth } = synthetic(400, 0.3, 1);
    const { known, rest } = draw(400, 50, 2);
    const k = known.map((x) => ({ ...x, accuracy: truth[x.index]! }));
    const s = fitAdapter(NAMES, rows, k, { prior: 'model' });
    const pred = applyAdapter(s, rest.map((i) => rows[i]!)).map((p) => p.accuracy);
    const tauAdapted = kendallTau(pred, rest.map((i) => truth[i]!));
    const tauModel = kendallTau(rest.map((i) => rows[i]![0]!), rest.map((i) => truth[i]!));
    expect(tauAdapted).toBeGreaterThan(tauModel + 0.2);
    expect(Math.abs(s.weights[1]!)).toBeGreaterThan(Math.abs(s.weights[3]!));
  });

  it('keeps a good prior when a handful of results say little: 5 known never lose much', () => {
    const { rows, truth } = synthetic(400, 0.95, 3);
    let worse = 0;
    for (let d = 0; d < 10; d++) {
      const { known, rest } = draw(400, 5, 100 + d);
      const s = fitAdapter(NAMES, rows, known.map((x) => ({ ...x, accuracy: truth[x.index]! })), { prior: 'model' });
      const pred = applyAdapter(s, rest.map((i) => rows[i]!)).map((p) => p.accuracy);
      const t = rest.map((i) => truth[i]!);
      worse += kendallTau(rest.map((i) => rows[i]![0]!), t) - kendallTau(pred, t);
    }
    expect(worse / 10).toBeLessThan(0.05);
  });

  it('its 80 % interval covers about 80 % of the rest (k = 20, 20 draws)', () => {
    const { rows, truth } = synthetic(500, 0.5, 4);
    const cov: number[] = [];
    for (let d = 0; d < 20; d++) {
      const { known, rest } = draw(500, 20, 200 + d);
      const s = fitAdapter(NAMES, rows, known.map((x) => ({ ...x, accuracy: truth[x.index]! })), { prior: 'model' });
      const p = applyAdapter(s, rest.map((i) => rows[i]!));
      cov.push(p.filter((q, j) => truth[rest[j]!]! >= q.low && truth[rest[j]!]! <= q.high).length / rest.length);
    }
    const mean = cov.reduce((a, b) => a + b, 0) / cov.length;
    expect(mean).toBeGreaterThan(0.7);
    expect(mean).toBeLessThan(0.92);
  });

  it('reads accuracies in 0–100, intervals around them, a missing signal as the middle, and keeps the score order (no ties past the known range)', () => {
    const { rows, truth } = synthetic(200, 0.5, 5);
    rows[7]![2] = NaN;
    const { known } = draw(200, 12, 6);
    const k = known.map((x) => ({ ...x, accuracy: truth[x.index]! }));
    const s = fitAdapter(NAMES, rows, k, { prior: 'model' });
    const p = applyAdapter(s, rows);
    for (const q of p) {
      expect(q.accuracy).toBeGreaterThanOrEqual(0);
      expect(q.accuracy).toBeLessThanOrEqual(100);
      expect(q.low).toBeLessThanOrEqual(q.accuracy);
      expect(q.high).toBeGreaterThanOrEqual(q.accuracy);
    }
    expect(Number.isFinite(p[7]!.accuracy)).toBe(true);
    // The prior alone (λ = ∞) must rank the set exactly as the model does, extremes included.
    const prior = fitAdapter(NAMES, rows, k, { prior: 'model', lambdas: [Infinity] });
    expect(prior.lambda).toBe(Infinity);
    expect(kendallTau(applyAdapter(prior, rows).map((q) => q.accuracy), rows.map((r) => r[0]!))).toBeCloseTo(1, 10);
  });

  it('conformalHalfWidth takes the ⌈0.8 (k + 1)⌉-th smallest |residual|', () => {
    expect(conformalHalfWidth([1, -2, 3, -4, 5, 6, -7, 8, 9], 0.8)).toBe(8);
    expect(conformalHalfWidth([1, -2, 3], 0.8)).toBe(3);
  });

  describe('BAD CALL', () => {
    const { rows } = synthetic(20, 0.5, 7);
    it('fewer than 3 known results', () => {
      expect(() => fitAdapter(NAMES, rows, [{ index: 0, accuracy: 90 }, { index: 1, accuracy: 91 }], { prior: 'model' })).toThrow(/at least 3 known results.*parameter 'known'/);
    });
    it('a known row that is not a row of the set, or an accuracy that is not a number', () => {
      expect(() => fitAdapter(NAMES, rows, [0, 1, 20].map((index) => ({ index, accuracy: 90 })), { prior: 'model' })).toThrow(/known row 20/);
      expect(() => fitAdapter(NAMES, rows, [0, 1, 2].map((index) => ({ index, accuracy: index === 1 ? NaN : 90 })), { prior: 'model' })).toThrow(/not a number/);
    });
    it('a prior that is not a signal', () => {
      expect(() => fitAdapter(NAMES, rows, [0, 1, 2].map((index) => ({ index, accuracy: 90 + index })), { prior: 'nope' })).toThrow(/prior signal 'nope'.*parameter 'prior'/);
    });
  });
});

describe('few-shot protocol bookkeeping', () => {
  it('bestSignal picks the signal with the highest |τ| on the k and orients it', () => {
    const rows = [0, 1, 2, 3, 4, 5].map((i) => Float64Array.from([i, -i * 2, (i * 7) % 5]));
    const y = [0, 1, 2, 3, 4, 5].map((i) => 90 + i);
    expect(bestSignal(['model', 'neg', 'mix'], rows, [0, 1, 2, 3, 4, 5], y, ['model'])).toEqual({ name: 'neg', sign: -1 });
  });
  it('fewShot reports every method for each k it can draw, with coverage in [0, 1]', () => {
    const { rows, truth } = synthetic(150, 0.5, 8);
    const scalars = rows.map((r) => {
      const s = new Float64Array(SCALAR_FEATURES.length).fill(NaN);
      s[SCALAR_FEATURES.indexOf('log_params')] = r[1]!;
      s[SCALAR_FEATURES.indexOf('proxy_meco')] = r[2]!;
      return s;
    });
    const cells = fewShot({ modelAccuracy: rows.map((r) => r[0]!), scalars, truth, params: rows.map((r) => Math.exp(r[1]!)), ks: [5, 20, 200], draws: 3 });
    expect(cells.map((c) => c.k)).toEqual([5, 20]); // 200 leaves too few to rank
    for (const c of cells) {
      for (const m of ['adapted', 'zeroShot', 'fresh', 'bestSignal', 'params'] as const) expect(Number.isFinite(c.tau[m].mean)).toBe(true);
      expect(c.coverage80.mean).toBeGreaterThanOrEqual(0);
      expect(c.coverage80.mean).toBeLessThanOrEqual(1);
    }
    // Signals a and b decide the label: with 20 known the adapted order beats the half-noise model.
    expect(cells[1]!.tau.adapted.mean).toBeGreaterThan(cells[1]!.tau.zeroShot.mean);
  });
});

describe('evaluateFewShot on built datasets (NB101 → NB201, structure only)', () => {
  let data: string;
  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'onnx-predict-fewshot-'));
    await buildDataset('nb101', { out: join(data, 'nb101'), limit: 60, seed: 3 });
    await buildDataset('nb201', { out: join(data, 'nb201'), limit: 60, seed: 4 });
  }, 120_000);
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('trains on the training space, draws k known from the test space, and reports every method per k', async () => {
    const r = await evaluateFewShot({
      train: ['nb101'], test: 'nb201', target: 'cifar10', seed: 0, dataDir: data, representation: 'numeric-only',
      head: HEAD_CANDIDATES, embeddings: null, encoderKey: 'none', encoderDim: 384, useProxies: false, ks: [5, 10, 100], draws: 2,
    });
    expect(r).toMatchObject({ protocol: 'few-shot', test: 'nb201', n_train: 60, n_test: 60, proxyCoverage: 0 });
    expect(r.cells.map((c) => c.k)).toEqual([5, 10]); // 100 leaves nothing to rank
    for (const c of r.cells) {
      expect(c.draws).toBe(2);
      expect(Number.isFinite(c.tau.adapted.mean)).toBe(true);
      expect(c.coverage80.mean).toBeGreaterThanOrEqual(0);
    }
    await expect(evaluateFewShot({ train: ['nb201'], test: 'nb201', target: 'cifar10', seed: 0, dataDir: data, representation: 'numeric-only', head: HEAD_CANDIDATES, embeddings: null, encoderKey: 'none', encoderDim: 384 })).rejects.toThrow(/must not be among the training spaces/);
  }, 120_000);
});

describe('known-results CSV', () => {
  const sha = 'a'.repeat(64);
  it('parses file or sha256 rows with an optional target', () => {
    const k = parseKnownCsv('\uFEFFFile,Accuracy,target\nzoo/a.onnx,93.1,\nb.onnx, 91 ,cifar100\n', 'x');
    expect(k[0]).toMatchObject({ file: 'zoo/a.onnx', sha256: null, accuracy: 93.1, target: null });
    expect(k[1]).toMatchObject({ file: 'b.onnx', accuracy: 91, target: 'cifar100' });
    expect(parseKnownCsv(`sha256,accuracy\n${sha},70\n`, 'x')[0]).toMatchObject({ sha256: sha, file: null, accuracy: 70 });
  });
  describe('BAD CALL', () => {
    it.each([
      ['', /no rows/],
      ['name,acc\na,1\n', /needs columns 'file' \(or 'sha256'\) and 'accuracy'/],
      ['file,accuracy\na.onnx,abc\n', /line 2: accuracy 'abc' is not a percentage/],
      ['file,accuracy\na.onnx,101\n', /not a percentage in 0–100/],
      ['sha256,accuracy\nxyz,50\n', /sha256 'xyz' is not 64 hex digits/],
      ['file,accuracy\na,0.9\nb,0.8\nc,0.7\n', /give percentages \(93.1, not 0.931\)/],
      ['file,accuracy\n,50\n', /neither 'file' nor 'sha256'/],
    ])('%j', (text, msg) => {
      expect(() => parseKnownCsv(text, 'known.csv')).toThrow(msg);
    });
    it('a file that does not exist', () => {
      const dir = mkdtempSync(join(tmpdir(), 'onnx-predict-known-'));
      writeFileSync(join(dir, 'k.csv'), 'file,accuracy\nmissing.onnx,90\n');
      expect(() => readKnownCsv(join(dir, 'k.csv'))).toThrow(/model file 'missing.onnx' not found/);
      expect(() => readKnownCsv(join(dir, 'nope.csv'))).toThrow(/cannot read it \(ENOENT\)/);
      rmSync(dir, { recursive: true, force: true });
    });
    it('a target the predictor does not have', () => {
      expect(() => adaptItems([], [{ sha256: sha, file: null, accuracy: 50, target: 'mnist', source: 'x' }], 'cifar10', ['cifar10'])).toThrow(/target 'mnist'.*not one of the predictor's targets: cifar10/);
    });
  });
});

describe('onnx-predict batch --known (real NB201 graphs)', () => {
  let root: string;
  let labels: Map<string, number>;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'onnx-predict-known-'));
    await buildDataset('nb201', { out: join(root, 'zoo'), limit: 24, seed: 11 });
    labels = new Map(readFileSync(join(root, 'zoo', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const r = JSON.parse(l) as { file: string; labels: { cifar10: number } };
      return [r.file, r.labels.cifar10] as const;
    }));
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('adapts the others to 8 measured models named by other spellings, marks them measured, and re-adapts on resume', async () => {
    const files = readdirSync(join(root, 'zoo')).filter((f) => f.endsWith('.onnx')).sort();
    const knownFiles = files.slice(0, 8);
    // Paths relative to the CSV's folder, spelled through '..' : matched by content, not by name.
    writeFileSync(join(root, 'known.csv'), `file,accuracy\n${knownFiles.map((f) => `../${root.split('/').pop()}/zoo/./${f},${labels.get(f)}`).join('\n')}\n`);
    const r = await runCli(['batch', 'zoo', '--known', 'known.csv', '--out', 'out/ranked.csv', '--target', 'cifar10', '--no-proxies', '--top', '30'], { cwd: root, timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cifar10: adapted to 8 known results \(.+\); leave-one-out τ on them -?\d\.\d\d \(model alone -?\d\.\d\d\); 80 % interval ±\d+\.\d\d %/);
    expect(r.stdout.match(/measured/g)?.length).toBe(8);
    const rows = parse(readFileSync(join(root, 'out', 'ranked.csv')), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(24);
    for (const row of rows) {
      const f = row.file!.split('/').pop()!;
      const isKnown = knownFiles.includes(f);
      expect(row.cifar10_known === '', f).toBe(!isKnown);
      if (isKnown) expect(Number(row.cifar10_accuracy)).toBeCloseTo(labels.get(f)!, 3);
      expect(Number(row.cifar10_model)).toBeGreaterThan(0);
      expect(Number(row.cifar10_low)).toBeLessThanOrEqual(Number(row.cifar10_accuracy));
      expect(row.sha256).toBe(createHash('sha256').update(readFileSync(join(root, 'zoo', f))).digest('hex'));
    }
    // Resume: nothing is scored again, and adaptation starts from the model's own predictions
    // (read back from the *_model columns), so the file is the same.
    const before = readFileSync(join(root, 'out', 'ranked.csv'), 'utf8');
    const again = await runCli(['batch', 'zoo', '--known', 'known.csv', '--out', 'out/ranked.csv', '--target', 'cifar10', '--no-proxies', '--resume'], { cwd: root, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 scored, 0 failed, 24 skipped/);
    expect(readFileSync(join(root, 'out', 'ranked.csv'), 'utf8')).toBe(before);
  }, 300_000);

  it('BAD CALL: a broken CSV fails before any scoring and leaves no output', async () => {
    writeFileSync(join(root, 'bad.csv'), 'file,acc\nx,1\n');
    const r = await runCli(['batch', 'zoo', '--known', 'bad.csv', '--out', 'out2/r.csv', '--no-proxies'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs columns 'file' \(or 'sha256'\) and 'accuracy'/);
    expect(() => readdirSync(join(root, 'out2'))).toThrow();
  });
});

/**
 * Predictor: the head learns and ranks, is deterministic and calibrated; a checkpoint trained on
 * real builder output round-trips, finds exact matches and neighbours, and refuses a mismatching
 * encoder. Uses the tiny random BERT fixture as the encoder (fast) and real NB201 graphs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset } from '../datasets/index.ts';
import { loadEncoder, type Encoder } from '../src/encoder/index.ts';
import { OnnxPredictError } from '../src/errors.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { trainPredictor } from '../src/predictor/train.ts';
import { featureLayout, featurize, PhraseEmbeddings, textEmbedder } from '../src/predictor/features.ts';
import { graphView } from '../src/predictor/graph-features.ts';
import { predictHead, Z80 } from '../src/predictor/head/infer.ts';
import { calibrateIntervals, DEFAULT_HEAD_CONFIG, seededRandom, trainHead } from '../src/predictor/head/train.ts';
import { kendallTau } from '../src/predictor/metrics.ts';
import { Predictor } from '../src/predictor/predictor.ts';
import { ExactIndex, VECTOR_INDEXES } from '../src/predictor/vector-index.ts';
import { runCli } from './helpers/cli.ts';

const TINY = fileURLToPath(new URL('./fixtures/tiny-bert/', import.meta.url));

function synthetic(n: number, seed: number) {
  const r = seededRandom(seed);
  const X = Array.from({ length: n }, () => Float32Array.from({ length: 12 }, () => r() * 2 - 1));
  const y = X.map((x) => 90 + 2 * x[0]! - x[1]! + 0.5 * Math.tanh(3 * x[2]!) + 0.1 * (r() - 0.5));
  return { X, Y: y.map((v) => Float32Array.of(v)), y };
}

describe('head', () => {
  const cfg = { ...DEFAULT_HEAD_CONFIG, hidden: [16], epochs: 40, members: 3, pcaDim: 0 };

  it('learns a ranking of held-out samples (τ > 0.8) with calibrated 80 % intervals', () => {
    const tr = synthetic(600, 1);
    const va = synthetic(200, 2);
    const te = synthetic(400, 3);
    const head = trainHead(tr.X, tr.Y, ['acc'], cfg);
    calibrateIntervals(head, va.X, va.Y);
    const p = predictHead(head, te.X);
    expect(kendallTau(p.mean.map((m) => m[0]!), te.y)).toBeGreaterThan(0.8);
    let inside = 0;
    te.y.forEach((y, i) => {
      const half = Z80 * head.intervalScale[0]! * Math.max(p.std[i]![0]!, 0.05 * head.labelStd[0]!);
      if (Math.abs(y - p.mean[i]![0]!) <= half) inside++;
    });
    expect(inside / te.y.length).toBeGreaterThan(0.65);
    expect(inside / te.y.length).toBeLessThan(0.95);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const tr = synthetic(200, 4);
    const a = trainHead(tr.X, tr.Y, ['acc'], { ...cfg, epochs: 5 });
    const b = trainHead(tr.X, tr.Y, ['acc'], { ...cfg, epochs: 5 });
    const c = trainHead(tr.X, tr.Y, ['acc'], { ...cfg, epochs: 5, seed: 9 });
    expect(Array.from(a.members[0]![0]!.w)).toEqual(Array.from(b.members[0]![0]!.w));
    expect(Array.from(a.members[0]![0]!.w)).not.toEqual(Array.from(c.members[0]![0]!.w));
  });

  it('handles missing labels per target (multi-target masks)', () => {
    const tr = synthetic(300, 5);
    const Y = tr.Y.map((y, i) => Float32Array.of(y[0]!, i % 2 === 0 ? y[0]! - 20 : NaN));
    const head = trainHead(tr.X, Y, ['a', 'b'], { ...cfg, epochs: 10 });
    const p = predictHead(head, tr.X.slice(0, 5));
    for (const m of p.mean) expect(m.every(Number.isFinite)).toBe(true);
    expect(head.labelMean[1]! - head.labelMean[0]!).toBeCloseTo(-20, 0);
  });

  it('BAD CALL: fewer than two samples throws RangeError', () => {
    expect(() => trainHead([new Float32Array(3)], [Float32Array.of(1)], ['a'], cfg)).toThrow(RangeError);
  });
});

describe('vector index', () => {
  it('hnsw agrees with exact search on 500 random points', () => {
    const r = seededRandom(3);
    const hnsw = VECTOR_INDEXES.hnsw(8, { maxElements: 10 });
    const exact = new ExactIndex(8);
    for (let i = 0; i < 500; i++) {
      const v = Float32Array.from({ length: 8 }, () => r() - 0.5);
      hnsw.add(v, i);
      exact.add(v, i);
    }
    let agree = 0;
    for (let q = 0; q < 50; q++) {
      const v = Float32Array.from({ length: 8 }, () => r() - 0.5);
      if (hnsw.search(v, 1)[0]!.label === exact.search(v, 1)[0]!.label) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(48);
    expect(hnsw.search(new Float32Array(8).fill(1), 1000)).toHaveLength(500);
  });
});

describe('graph features', () => {
  it('phrases and structure of a real NB201 network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-graph-'));
    await buildDataset('nb201', { out: dir, limit: 2, seed: 5 });
    const rec = JSON.parse(readFileSync(join(dir, 'manifest.jsonl'), 'utf8').split('\n')[0]!) as { file: string; params: number };
    const model = readModel(readFileSync(join(dir, rec.file)));
    const view = graphView(model, profileModel(model));
    expect(view.nodeTexts).toContain('global average pooling');
    expect(view.nodeTexts.some((t) => /3x3 convolution with stride 2/.test(t))).toBe(true);
    expect(view.edges.length).toBeGreaterThan(view.nodeTexts.length - 1);
    expect(view.numeric.log_params).toBeCloseTo(Math.log10(1 + rec.params), 6);
    expect(view.numeric.depth_weighted).toBeGreaterThanOrEqual(view.numeric.min_depth_weighted);
  });
});

describe('checkpoint: train, reload, predict', () => {
  let dir: string;
  let ckpt: string;
  let encoder: Encoder;
  let manifest: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'op-ckpt-'));
    await buildDataset('nb201', { out: join(dir, 'nb201'), limit: 60, seed: 11 });
    manifest = join(dir, 'nb201', 'manifest.jsonl');
    encoder = await loadEncoder({ modelDir: TINY, dtype: 'fp32', cacheDir: null });
    ckpt = join(dir, 'ckpt');
    await trainPredictor({
      manifests: [manifest], out: ckpt, encoder: textEmbedder(encoder), name: 'test', seed: 0,
      head: { ...DEFAULT_HEAD_CONFIG, hidden: [8], epochs: 5, members: 2, pcaDim: 8 },
    });
  });

  afterAll(async () => {
    await encoder.dispose();
  });

  it('an architecture from the training set is an exact match, with its measured labels', async () => {
    const rec = JSON.parse(readFileSync(manifest, 'utf8').split('\n')[0]!) as { id: string; file: string; labels: Record<string, number> };
    const predictor = Predictor.load(ckpt, { loadEncoder: async () => encoder });
    const model = readModel(readFileSync(join(dir, 'nb201', rec.file)));
    const [p] = await predictor.predict([{ model, profile: profileModel(model) }], { neighbors: 3 });
    expect(p!.exact?.id).toBe(rec.id);
    expect(p!.exact?.labels).toEqual(rec.labels);
    expect(p!.neighbors).toHaveLength(3);
    expect(p!.neighbors[0]!.id).toBe(rec.id);
    expect(p!.exact?.match).toBe('graph');
    expect(Object.keys(p!.predictions).sort()).toEqual(['cifar10', 'cifar100', 'imagenet16-120']);
    // The measurement is the answer; the model's own prediction stays beside it.
    for (const [t, v] of Object.entries(p!.predictions)) {
      expect(v.source, t).toBe('measured');
      expect(v.accuracy, t).toBe(rec.labels[t]);
      expect(v.measured?.id, t).toBe(rec.id);
      expect(v.predicted?.source, t).toMatch(/^(head|trees|ranker)$/);
    }
    // Training wrote the export-independent fingerprint and each label's kind.
    const known = predictor.checkpoint.known.find((k) => k.id === rec.id)!;
    expect(known.archFingerprint).toMatch(/^[0-9a-f]{16}$/);
    // The kinds every NB201 line shares live once in predictor.json, not on each line.
    expect(known.source).toBeUndefined();
    expect(predictor.checkpoint.meta.labelSources?.['nb201']).toEqual({ cifar10: 'test@200ep', cifar100: 'x-test@200ep', 'imagenet16-120': 'x-test@200ep' });
    expect(p!.exact?.source).toEqual({ cifar10: 'test@200ep', cifar100: 'x-test@200ep', 'imagenet16-120': 'x-test@200ep' });
    expect(p!.predictions['cifar100']!.measured?.kind).toBe('x-test@200ep');
    for (const t of Object.values(p!.predictions).map((x) => x.predicted!)) {
      expect(t.low).toBeLessThanOrEqual(t.accuracy);
      expect(t.high).toBeGreaterThanOrEqual(t.accuracy);
      // Clamped to the range of an accuracy, whatever the (deliberately undertrained) head says.
      expect(t.accuracy).toBeGreaterThanOrEqual(0);
      expect(t.accuracy).toBeLessThanOrEqual(100);
    }
  });

  it('predicting needs no encoder when every phrase is known, and features are reproducible', async () => {
    let loads = 0;
    const predictor = Predictor.load(ckpt, { loadEncoder: async () => { loads++; return encoder; } });
    const rec = JSON.parse(readFileSync(manifest, 'utf8').split('\n')[1]!) as { file: string };
    const model = readModel(readFileSync(join(dir, 'nb201', rec.file)));
    const g = [{ model, profile: profileModel(model) }];
    const [a] = await predictor.predict(g);
    const [b] = await predictor.predict(g);
    expect(loads).toBe(0);
    expect(a!.predictions).toEqual(b!.predictions);
    const layout = featureLayout('node-graph', encoder.dim);
    const [x] = await featurize(g, layout, new PhraseEmbeddings(textEmbedder(encoder)));
    expect(x).toHaveLength(layout.length);
  });

  it('records each target\'s domain; a model unlike the training graphs is out of domain, far, and answered by the ranker', async () => {
    const predictor = Predictor.load(ckpt, { loadEncoder: async () => encoder });
    const meta = predictor.checkpoint.meta;
    expect(meta.domains.cifar10!.resolution).toEqual([32, 32]);
    expect(meta.domains.cifar10!.channels).toEqual([3]);
    expect(predictor.checkpoint.known[0]!.params).toBeGreaterThan(0);
    expect(predictor.checkpoint.known[0]!.macs).toBeGreaterThan(0);
    // A real ImageNet classifier at 224 px: no CIFAR guess should pass as in domain.
    const { gunzipSync } = await import('node:zlib');
    const timm = readModel(gunzipSync(readFileSync(fileURLToPath(new URL('../datasets/timm/graphs/resnet10t-224.onnx.gz', import.meta.url)))));
    const [p] = await predictor.predict([{ model: timm, profile: profileModel(timm) }], { proxies: false });
    for (const t of Object.values(p!.predictions)) {
      expect(t.inDomain).toBe(false);
      expect(t.domainNote).toMatch(/224 px is outside the 32 px/);
      expect(t.source).toBe('ranker');
    }
    const codes = p!.warnings.map((w) => w.code);
    expect(codes).toContain('out-of-domain');
    expect(codes).toContain('far-from-training');
    // Training architectures are in domain, and (the gate sits at the 90th percentile of their
    // own neighbour distances) nearly all are answered by the head.
    const recs = readFileSync(manifest, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { file: string });
    const graphs = recs.map((r) => { const m = readModel(readFileSync(join(dir, 'nb201', r.file))); return { model: m, profile: profileModel(m) }; });
    const qs = await predictor.predict(graphs, { proxies: false, neighbors: 1 });
    expect(qs.every((q) => q.predictions.cifar10!.inDomain)).toBe(true);
    // Each is a known architecture (measured); what the model itself says is in `predicted`.
    expect(qs.filter((q) => (q.predictions.cifar10!.predicted ?? q.predictions.cifar10!).source === 'head').length / qs.length).toBeGreaterThanOrEqual(0.85);
    expect(qs.filter((q) => q.warnings.some((w) => w.code === 'far-from-training')).length / qs.length).toBeLessThanOrEqual(0.15);
  });

  it('warns about a graph that is no network (one Abs node), with a sentence', async () => {
    const predictor = Predictor.load(ckpt, { loadEncoder: async () => encoder });
    const { GraphBuilder } = await import('../src/onnx-to-text/writer.ts');
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 32, 32]);
    b.node('Abs', [x], {}, { outputs: ['y'] });
    b.output('y', [1, 3, 32, 32]);
    const model = readModel(b.toBytes());
    const [p] = await predictor.predict([{ model, profile: profileModel(model) }], { proxies: false });
    const tiny = p!.warnings.find((w) => w.code === 'tiny-graph');
    expect(tiny?.message).toMatch(/0 weighted layers: not a network like the ones the predictor learnt from/);
  });

  it('EXPECTED FAILURE: an encoder other than the checkpoint\'s is refused', async () => {
    const other = { ...textEmbedder(encoder), id: 'not-the-same' };
    const predictor = Predictor.load(ckpt, { loadEncoder: async () => ({ ...encoder, id: other.id, embed: encoder.embed.bind(encoder), countTokens: encoder.countTokens.bind(encoder), chunk: encoder.chunk.bind(encoder), dispose: async () => {}, stats: encoder.stats.bind(encoder) }) });
    // A graph with a phrase the checkpoint never saw forces the encoder to load.
    const { GraphBuilder } = await import('../src/onnx-to-text/writer.ts');
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 8, 8]);
    b.node('LpPool', [x], { kernel_shape: [2, 2] }, { outputs: ['y'] });
    b.output('y', [1, 3, 7, 7]);
    const model = readModel(b.toBytes());
    await expect(predictor.predict([{ model, profile: profileModel(model) }])).rejects.toThrow(OnnxPredictError);
  });

  it('EXPECTED FAILURE: a checkpoint of another format version is refused', async () => {
    const bad = join(dir, 'bad');
    const { cpSync } = await import('node:fs');
    cpSync(ckpt, bad, { recursive: true });
    const meta = JSON.parse(readFileSync(join(bad, 'predictor.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(bad, 'predictor.json'), JSON.stringify({ ...meta, version: 99 }));
    expect(() => Predictor.load(bad, { loadEncoder: async () => encoder })).toThrow(/v99/);
  });
});

describe('CLI with the shipped predictor', () => {
  it('predict --json has the documented shape; info names encoder and training data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-cli-'));
    await buildDataset('nb201', { out: dir, limit: 1, seed: 21 });
    const rec = JSON.parse(readFileSync(join(dir, 'manifest.jsonl'), 'utf8').split('\n')[0]!) as { file: string };
    const r = await runCli([join(dir, rec.file), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; predictions: Record<string, { accuracy: number; low: number; high: number }>; neighbors: unknown[]; stats: { params: number; macs: number; nodes: number }; model: { encoder: string; predictor: string } };
    expect(out.file).toBe(join(dir, rec.file));
    expect(out.predictions.cifar10!.accuracy).toBeGreaterThan(0);
    expect(out.neighbors).toHaveLength(3);
    expect(out.stats.params).toBeGreaterThan(0);
    expect(out.model.encoder).toMatch(/all-MiniLM-L6-v2/);
    const full = JSON.parse(r.stdout) as { predictions: Record<string, { inDomain: boolean; source: string }>; warnings: { code: string; message: string }[]; proxies: unknown };
    expect(full.predictions.cifar10!.inDomain).toBe(true);
    expect(full.predictions.imagenet!.inDomain).toBe(false);
    expect(Array.isArray(full.warnings)).toBe(true);
    expect('proxies' in full).toBe(true);
    const info = await runCli(['info', '--json']);
    expect(info.code).toBe(0);
    const meta = (JSON.parse(info.stdout) as { meta: { encoder: { id: string }; trainedOn: Record<string, number> } }).meta;
    expect(meta.encoder.id).toBe('all-MiniLM-L6-v2');
    expect(Object.keys(meta.trainedOn).length).toBeGreaterThan(0);
    const bad = await runCli([join(dir, rec.file), '--target', 'mnist']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/target must be one of/);
  });
});

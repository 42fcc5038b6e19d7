/**
 * The stored-graph zoos pytorchcv and pycls: label tables, families and shared architecture keys,
 * export logs, the params / MACs gates over every committed graph (datasets/lib/zoo-check.ts; rows
 * outside a tolerance are asserted here by name and explained in docs/DATASETS.md), and builds.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataset, readManifest } from '../datasets/index.ts';
import { checkZoo, readZooLog, zooMismatches } from '../datasets/lib/zoo-check.ts';
import { parsePyclsTable, pyclsExtra, pyclsSpace, PYCLS_COLUMNS } from '../datasets/pycls/index.ts';
import { parsePytorchcvTable, pytorchcvExtra, pytorchcvSpace, PYTORCHCV_COLUMNS } from '../datasets/pytorchcv/index.ts';
import { timmSpace } from '../datasets/timm/index.ts';
import { OnnxPredictError } from '../src/errors.ts';

const cv = await pytorchcvSpace.entries();
const pc = await pyclsSpace.entries();
const timm = await timmSpace.entries();
const cvByArch = new Map(cv.map((e) => [e.arch, e]));

// Rows of the source CSV (../shared/data/pytorchcv_zoo, 466) that have no committed graph, with the export log's reason.
const PYTORCHCV_SKIPPED: string[] = [];
// Our profile's params vs the exported file's initializers: CondenseNet's int64 index_select tensors (22,504
// elements) are initializers our profile does not count as parameters.
const PYTORCHCV_ONNX_MISMATCHES = ['condensenet74_c4_g4: 4837400 vs exported 4859904', 'condensenet74_c8_g8: 2998872 vs exported 3021376'];
// Our params vs the built model's Σ numel, beyond 1 %: BN folding (2·C → C) in small BN-heavy nets, and PolyNet's
// shared convolutions, which get one folded copy per BatchNorm that follows them; CondenseNet's learned group convs
// (folding over a channel permutation, and the uncounted index tensors above).
const PYTORCHCV_PARAMS_OUTSIDE_1PCT = [
  'condensenet74_c4_g4: +1.3%', 'condensenet74_c8_g8: +2.2%', 'sqnxt23_w1: -1.6%', 'sqnxt23v5_w1: -1.6%', 'sqnxt23_w3d2: -1.1%',
  'sqnxt23v5_w3d2: -1.1%', 'shufflenet_g3_wd4: -1.0%', 'menet108_8x1_g3: -1.0%', 'menet128_8x1_g4: -1.1%', 'menet160_8x1_g8: -1.2%',
  'polynet: +26.5%',
];
// Graphs our shape inference does not cover fully: AlexNet/ZFNet's local response normalisation exports an `If`
// whose branch shapes the profile does not infer (their MACs still match torch's counter within 2 %).
const PYTORCHCV_PARTIAL_SHAPES = ['alexnet: coverage 0.984', 'zfnet: coverage 0.984', 'zfnetb: coverage 0.984'];

describe('pytorchcv label table', () => {
  it('one entry per exported (model, dataset) row: one label on its target, a family and an architecture key', () => {
    expect(cv.length).toBe(466 - PYTORCHCV_SKIPPED.length);
    expect(cv.map((e) => e.index)).toEqual(cv.map((_, i) => i));
    for (const e of cv) {
      const x = pytorchcvExtra(e);
      expect(Object.keys(e.labels)).toEqual([x.target]);
      expect(e.labels[x.target]).toBeGreaterThan(0);
      expect(e.labels[x.target]).toBeLessThan(100);
      expect(e.labelKind[x.target]).toBe(`top1@${x.imgSize}`);
      if (['cifar10', 'cifar100', 'svhn'].includes(x.target)) expect(x.imgSize).toBe(32);
      expect(e.family).toMatch(/^[a-z][a-z0-9]*$/);
      expect(e.archKey).toMatch(/^[a-z0-9]+$/);
      expect(existsSync(new URL(`../datasets/pytorchcv/graphs/${x.graph}`, import.meta.url)), e.arch).toBe(true);
    }
    const count = (t: string) => cv.filter((e) => t in e.labels).length;
    expect([count('imagenet'), count('cifar10'), count('cifar100'), count('svhn'), count('cub200')].reduce((a, b) => a + b)).toBe(cv.length);
  });

  it("keeps one architecture's rows on several datasets under one key and family", () => {
    const keys = ['resnet20_cifar10', 'resnet20_cifar100', 'resnet20_svhn'].map((m) => cvByArch.get(m)?.archKey);
    expect(keys).toEqual(['resnet20', 'resnet20', 'resnet20']);
    expect(cvByArch.get('resnet18_cub')?.archKey).toBe(cvByArch.get('resnet18')?.archKey);
    const famOfKey = new Map<string, string>();
    for (const e of [...cv, ...timm, ...pc]) {
      const f = famOfKey.get(e.archKey!);
      if (f !== undefined) expect(e.family, `${e.space} ${e.arch} (${e.archKey})`).toBe(f);
      famOfKey.set(e.archKey!, e.family!);
    }
  });

  it('shares keys with timm where the zoos hold the same architecture', () => {
    const timmKeys = new Set(timm.map((e) => e.archKey));
    const shared = new Set(cv.filter((e) => timmKeys.has(e.archKey)).map((e) => e.archKey));
    for (const k of ['resnet18', 'densenet121', 'regnetx002', 'inceptionv3', 'dla34', 'xception']) expect(shared.has(k), k).toBe(true);
    expect(shared.size).toBeGreaterThanOrEqual(40);
  });

  it('rejects a malformed row and an unknown dataset', () => {
    const header = PYTORCHCV_COLUMNS.join('\t');
    expect(() => parsePytorchcvTable('model\tdataset\n')).toThrow(/unexpected header/);
    const row = ['resnet20_cifar10', 'cifar10', 'cifar10', '32', 'resnet', 'resnet20', '91.9', '', '272474', '272474', '41.29', 'ResNet-20', 'x', '53', '0.2'];
    expect(parsePytorchcvTable(`${header}\n${row.join('\t')}\n`)).toHaveLength(1);
    expect(() => parsePytorchcvTable(`${header}\n${row.map((c, i) => (i === 1 ? 'mnist' : c)).join('\t')}\n`)).toThrow(/malformed row/);
    expect(() => parsePytorchcvTable(`${header}\n${row.map((c, i) => (i === 6 ? 'x' : c)).join('\t')}\n`)).toThrow(/malformed row/);
  });
});

describe('pytorchcv export log', () => {
  it('logs every source row: an ok export for every entry, a reason for every skip', () => {
    const log = readZooLog('pytorchcv');
    expect(log.size).toBe(466);
    for (const e of cv) expect(log.get(e.arch)?.status, e.arch).toBe('ok');
    const skipped = [...log.values()].filter((r) => r.status !== 'ok').map((r) => `${r.model}: ${r.status} (${r.reason})`);
    expect(skipped).toEqual(PYTORCHCV_SKIPPED);
  });
});

describe('pytorchcv gates over every committed graph', () => {
  it('params: built = table for all; ours = exported and within 1 % of built but for the listed rows; MACs within 2 % of torch', async () => {
    const rows = await checkZoo('pytorchcv');
    const bad = zooMismatches(rows);
    expect(bad.built).toEqual([]);
    expect(bad.onnx).toEqual(PYTORCHCV_ONNX_MISMATCHES);
    expect(bad.params).toEqual(PYTORCHCV_PARAMS_OUTSIDE_1PCT);
    expect(bad.macs).toEqual([]);
    expect(bad.shapes).toEqual(PYTORCHCV_PARTIAL_SHAPES);
  }, 300_000);
});

describe('pycls', () => {
  it('36 uniform-recipe ImageNet rows with families regnet / resnet / efficientnet and keys shared with pytorchcv and timm', () => {
    expect(pc).toHaveLength(36);
    for (const e of pc) {
      const x = pyclsExtra(e);
      expect(e.labelKind).toEqual({ imagenet: `top1@${x.imgSize}:uniform-100ep` });
      expect(x.recipe).toBe('pycls-dds-uniform-100ep-mean5');
      expect(['regnet', 'resnet', 'efficientnet']).toContain(e.family);
      expect(existsSync(new URL(`../datasets/pycls/graphs/${x.graph}`, import.meta.url)), e.arch).toBe(true);
    }
    const key = (m: string) => pc.find((e) => e.arch === m)?.archKey;
    expect(key('RegNetX-200MF')).toBe(cvByArch.get('regnetx002')!.archKey);
    expect(key('RegNetY-32GF')).toBe(cvByArch.get('regnety320')?.archKey ?? 'regnety320');
    expect(key('ResNet-50')).toBe(cvByArch.get('resnet50')!.archKey);
    expect(key('ResNeXt-50')).toBe(cvByArch.get('resnext50_32x4d')!.archKey);
    expect(key('EfficientNet-B0')).toBe('efficientnetb0');
    expect(() => parsePyclsTable(`${PYCLS_COLUMNS.join('\t')}\nRegNetX-200MF\tregnet\t224\tregnet\tregnetx002\t68.9\t2.7\t0.2\t2.2\t2684792\t100\t1024\tc.yaml\t{bad\t101\t1\n`)).toThrow(/malformed row/);
  });

  it('params: pycls 0.1.1 builds every row at MODEL_ZOO.md\'s count (0.1 M); ours = exported; MACs within 2 % of torch and of the table\'s GFLOPs', async () => {
    const rows = await checkZoo('pycls');
    const bad = zooMismatches(rows);
    expect(bad.built).toEqual([]);
    expect(bad.onnx).toEqual([]);
    expect(bad.params).toEqual([]);
    expect(bad.macs).toEqual([]);
    expect(bad.shapes).toEqual([]);
    for (const r of rows) expect(Math.abs(r.macs - r.tableMacs), r.model).toBeLessThanOrEqual(Math.max(0.05e9, 0.05 * r.tableMacs));
    expect([...readZooLog('pycls').values()].filter((r) => r.status !== 'ok')).toEqual([]);
  }, 120_000);
});

describe('zoo space builds', () => {
  it.each(['pytorchcv', 'pycls'])('%s: writes the stored graphs and a manifest with family and arch_key', async (space) => {
    const out = mkdtempSync(join(tmpdir(), `${space}-`));
    try {
      const summary = await buildDataset(space, { out, limit: 3, seed: 1 });
      expect(summary.built).toBe(3);
      const entries = new Map((space === 'pycls' ? pc : cv).map((e) => [e.arch, e]));
      for (const r of readManifest(join(out, 'manifest.jsonl'))) {
        const e = entries.get(r.arch)!;
        expect(r.labels).toEqual(e.labels);
        expect(r.family).toBe(e.family);
        expect(r.arch_key).toBe(e.archKey);
        expect(r.params).toBeGreaterThan(0);
        expect(r.macs).toBeGreaterThan(0);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('has no weights to give: random weights are a DATASET_ERROR naming the parameter', () => {
    for (const [b, e] of [[pytorchcvSpace, cv[0]!], [pyclsSpace, pc[0]!]] as const) {
      try {
        b.build(e, { weights: 'random', seed: 0 });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(OnnxPredictError);
        expect((err as OnnxPredictError).code).toBe('DATASET_ERROR');
        expect((err as Error).message).toMatch(/parameter 'weights'/);
      }
    }
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataset, readManifest } from '../datasets/index.ts';
import { readExportLog } from '../datasets/timm/check-macs.ts';
import { parseTimmTable, timmExtra, timmSpace } from '../datasets/timm/index.ts';
import type { ArchEntry } from '../datasets/lib/types.ts';
import { OnnxPredictError } from '../src/errors.ts';
import { describeModel } from '../src/index.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';

const entries = await timmSpace.entries();
const byArch = new Map(entries.map((e) => [e.arch, e]));
const exportLog = readExportLog();

// CNNs with folded BN (a ResNet, a CSP net, a dense net), a depthwise mobile net, a plain ViT, a
// ViT with RoPE constants, hybrids with attention-bias / relative-position tables (stripped
// Constants): one per kind of graph the zoo holds.
const SAMPLE = [
  'resnet10t@224',
  'cs3darknet_focus_s@320',
  'densenet121@288',
  'mobilenetv3_small_050@224',
  'deit_tiny_patch16_224@224',
  'eva02_tiny_patch14_336@336',
  'tiny_vit_5m_224@224',
  'maxvit_rmlp_nano_rw_256@256',
  // torch 2.6 exports: NASNet's same-padding (Pad with pads computed from Shape through Concat,
  // Slice, Transpose, Reshape, Cast) and a ConvMixer with padding='same', which torch 1.13 could not export.
  'nasnetalarge@331',
  'convmixer_1024_20_ks9_p14@224',
  // Weight-standardised convs (NF-Nets, the hybrid ViT's ResNetV2 stem): a second, transposed copy
  // of each weight feeds only unused training-mode BatchNorm statistics and must not count (issue 14).
  'nf_resnet50@288',
  'eca_nfnet_l0@288',
  'vit_small_r26_s32_224@224',
];

describe('timm label table', () => {
  it('lists committed graphs with ImageNet top-1 in percent and a family', () => {
    expect(entries.length).toBeGreaterThan(100);
    expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => i));
    for (const e of entries) {
      const x = timmExtra(e);
      expect(e.labels['imagenet']).toBeGreaterThan(0);
      expect(e.labels['imagenet']).toBeLessThan(100);
      expect(e.labelKind['imagenet']).toBe(`top1@${x.imgSize} ${x.model}.${x.tag}`);
      expect(x.family).toMatch(/^[a-z][a-z0-9]*$/);
      expect(e.arch).toBe(`${x.model}@${x.imgSize}`);
    }
    expect(new Set(entries.map((e) => e.arch)).size).toBe(entries.length);
  });

  it('merges aliased families (DeiT is a ViT) so leave-family-out never splits them', () => {
    expect(timmExtra(byArch.get('deit_tiny_patch16_224@224')!).family).toBe('vit');
  });

  it('gives every row a family and an architecture key shared with the other zoos', () => {
    for (const e of entries) {
      expect(e.family).toBe(timmExtra(e).family);
      expect(e.archKey).toMatch(/^[a-z0-9]+$/);
    }
    // Ports of one design share a key (one fold): the tf_ prefix goes.
    const keyOf = (arch: string) => byArch.get(arch)?.archKey;
    expect(keyOf('tf_efficientnet_b0@224')).toBe('efficientnetb0');
    expect(keyOf('efficientnet_b0@256')).toBe('efficientnetb0');
    expect(keyOf('regnetx_004_tv@224')).toBe('regnetx004'); // timm's torchvision port: the same RegNetX-400MF
    expect(keyOf('resnet10t@224')).toBe('resnet10t');
  });
});

describe('timm export log', () => {
  it('has an ok record with torch-counted reference MACs and a stored graph for every labelled model', () => {
    for (const e of entries) {
      const r = exportLog.get(e.arch);
      expect(r?.status, e.arch).toBe('ok');
      expect(r!.ref_macs, e.arch).toBeGreaterThan(0);
      expect(r!.exporter, e.arch).toMatch(/^torch \d+\.\d+/);
      expect(existsSync(new URL(`../datasets/timm/graphs/${timmExtra(e).graph}`, import.meta.url)), e.arch).toBe(true);
    }
  });

  it('reads the last record per model: a retry that succeeded supersedes the logged timeout', () => {
    const log = readExportLog(
      '{"arch": "a", "img_size": 224, "status": "timeout"}\n{"arch": "a", "img_size": 224, "status": "ok", "ref_macs": 5}\n' +
        '{"arch": "a", "img_size": 288, "status": "error"}\n{"arch": "b", "img_size": 224, "st',
    );
    expect([...log.keys()]).toEqual(['a@224', 'a@288']);
    expect(log.get('a@224')?.ref_macs).toBe(5);
  });
});

describe('timm graphs', () => {
  it.each(SAMPLE)('%s: reads, profiles with full shapes, params match timm, MACs match torch, describes', (arch) => {
    const e: ArchEntry | undefined = byArch.get(arch);
    expect(e, `${arch} is not in labels.tsv`).toBeDefined();
    const model = readModel(timmSpace.build(e!, { weights: 'stripped', seed: 0 }));
    const p = profileModel(model);
    expect(p.totals.shapeCoverage).toBe(1);
    expect(p.diagnostics.filter((d) => d.kind === 'unsupported-op')).toEqual([]);
    expect(p.totals.nodes).toBe(timmExtra(e!).nodes);
    expect(p.totals.macs).toBeGreaterThan(0);
    // Eval-mode export folds BatchNorm into the convolution (2 params per channel become 1 bias),
    // and a few buffers turn into Constants: within 1 % of timm's parameter count.
    const rel = Math.abs(p.totals.params - e!.publishedParams!) / e!.publishedParams!;
    expect(rel).toBeLessThan(0.01);
    // torch's flop counter on the same module at export time (convolutions and matmuls, no bias
    // adds: our `macs` convention): within 2 %.
    const ref = exportLog.get(arch)!.ref_macs!;
    expect(Math.abs(p.totals.macs - ref) / ref).toBeLessThan(0.02);
    for (const mode of ['compact', 'chain_slim'] as const) expect(describeModel(model, { mode }).length).toBeGreaterThan(100);
  });
});

describe('timm space build', () => {
  it('writes the stored graphs and a manifest like every other space', async () => {
    const out = mkdtempSync(join(tmpdir(), 'timm-'));
    try {
      const summary = await buildDataset('timm', { out, limit: 3, seed: 1 });
      expect(summary.built).toBe(3);
      const records = readManifest(join(out, 'manifest.jsonl'));
      expect(records).toHaveLength(3);
      for (const r of records) {
        const e = byArch.get(r.arch)!;
        expect(r.labels).toEqual({ imagenet: e.labels['imagenet'] });
        expect(r.published_params).toBe(e.publishedParams);
        expect(readFileSync(join(out, r.file)).length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('timm BAD CALL / EXPECTED FAILURE', () => {
  it('has no weights to give: random weights are a DATASET_ERROR naming the parameter', () => {
    expect(() => timmSpace.build(entries[0]!, { weights: 'random', seed: 0 })).toThrow(/parameter 'weights'/);
    try {
      timmSpace.build(entries[0]!, { weights: 'random', seed: 0 });
    } catch (e) {
      expect(e).toBeInstanceOf(OnnxPredictError);
      expect((e as OnnxPredictError).code).toBe('DATASET_ERROR');
    }
  });

  it('rejects a malformed table row and an unexpected header', () => {
    const header = 'arch\timg_size\tfamily\tarch_key\ttag\ttop1\ttop5\trecipes\tparam_count_m\ttimm_params\tnodes\texport_s';
    expect(() => parseTimmTable('arch\ttop1\n')).toThrow(/unexpected header/);
    expect(() => parseTimmTable(`${header}\nresnet18\t224\tresnet\tresnet18\ta1_in1k\tx\t1\t1\t1\t1\t1\t1\n`)).toThrow(/malformed row/);
  });
});

/**
 * Complete costs: the shape-arithmetic idioms of torch exports (computed Pad, shape targets through
 * Identity, Clip of sizes, Slice/Transpose of small tables) are evaluated, so real exports get full
 * shapes and MACs; when something stays unknown the profile and `stats` say MACs are a lower bound.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';
import { formatStats, statsReport } from '../src/stats.ts';

const int64 = (b: GraphBuilder, name: string, values: readonly number[], dims: readonly number[] = [values.length]) => b.int64(name, values, dims);

describe('shape arithmetic of torch exports', () => {
  it("computed Pad (F.pad with sizes from Clip/Sub, reversed through Slice + Transpose) gives full shapes", () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 224, 224]);
    // pad = max(0, 229 - 224) split as (2, 3) on H and W, laid out like torch's export does.
    const need = b.op('Clip', [int64(b, 'need', [5], []), int64(b, 'zero', [0], [])]);
    const half = b.op('Div', [need, int64(b, 'two', [2], [])]);
    const rest = b.op('Sub', [need, half]);
    const u = (v: string) => b.op('Unsqueeze', [v, int64(b, `ax_${v}`, [0])]);
    const pads4 = b.op('Concat', [u(half), u(rest), u(half), u(rest)], { axis: 0 });
    const zeros = b.op('ConstantOfShape', [int64(b, 'four', [4])]);
    const pads8 = b.op('Concat', [pads4, zeros], { axis: 0 });
    const table = b.op('Reshape', [pads8, int64(b, 'pairs', [-1, 2])]);
    const rev = b.op('Slice', [table, int64(b, 's', [-1]), int64(b, 'e', [-(2 ** 53 - 1)]), int64(b, 'a', [0]), int64(b, 'st', [-1])]);
    const tr = b.op('Transpose', [rev], { perm: [1, 0] });
    const flat = b.op('Reshape', [tr, int64(b, 'flat', [-1])]);
    const id = b.op('Identity', [flat]);
    const padded = b.op('Pad', [x, id], { mode: 'constant' });
    b.node('Conv', [padded, b.weight('w', [8, 3, 3, 3])], { kernel_shape: [3, 3], strides: [2, 2] }, { outputs: ['y'] });
    b.output('y', [1, 8, 114, 114]);
    const p = profileModel(readModel(b.toBytes()), { useDeclaredTypes: false });
    expect(p.shapes.get(padded)?.shape).toEqual([1, 3, 229, 229]);
    expect(p.shapes.get('y')?.shape).toEqual([1, 8, 114, 114]);
    expect(p.totals.complete).toBe(true);
    expect(p.totals.macs).toBe(8 * 114 * 114 * 27);
  });

  it('a Reshape target read through Identity of an initializer is known', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 256, 64]);
    const t = b.op('Identity', [int64(b, 'target', [256, 64, 1, 1])]);
    b.node('Reshape', [x, t], {}, { outputs: ['y'] });
    const p = profileModel(readModel(b.toBytes()), { useDeclaredTypes: false });
    expect(p.shapes.get('y')?.shape).toEqual([256, 64, 1, 1]);
  });
});

describe('coverage is machine-readable and said in words', () => {
  it('an unsupported op makes the totals incomplete and stats says MACs are a lower bound', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 8, 8, 8]);
    const c = b.op('Conv', [x, b.weight('w', [8, 8, 1, 1])], { kernel_shape: [1, 1] });
    const f = b.op('FancyUpsample', [c]);
    b.node('Conv', [f, b.weight('w2', [8, 8, 1, 1])], { kernel_shape: [1, 1] }, { outputs: ['y'] });
    const model = readModel(b.toBytes());
    const p = profileModel(model);
    expect(p.totals.complete).toBe(false);
    expect(p.totals.nodesWithoutShapes).toBe(2);
    expect(p.totals.nodesWithoutCosts).toBe(2);
    const r = statsReport(model, p);
    expect(r.coverage).toEqual({ shapes: 1 / 3, costs: 1 / 3, nodesWithoutShapes: 2, nodesWithoutCosts: 2, complete: false });
    expect(r.warnings).toEqual(['MACs are a lower bound: 2 nodes without shapes (1 of unsupported ops)']);
    expect(formatStats(r)).toMatch(/^warning: +MACs are a lower bound: 2 nodes without shapes/m);
    expect(JSON.parse(JSON.stringify(r)).coverage.complete).toBe(false);
  });

  it('a fully known model is complete and has no warning', () => {
    const b = new GraphBuilder();
    b.node('Relu', [b.input('x', [1, 4])], {}, { outputs: ['y'] });
    b.output('y', [1, 4]);
    const model = readModel(b.toBytes());
    const r = statsReport(model);
    expect(r.coverage.complete).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(formatStats(r)).not.toMatch(/warning/);
  });
});

describe('timm exports that lacked shapes (issue 14.3)', () => {
  const exportsFile = new URL('../datasets/timm/exports.jsonl', import.meta.url);
  const rows = existsSync(exportsFile)
    ? readFileSync(exportsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { arch: string; img_size: number; status: string; ref_macs?: number })
    : [];
  // Swin (Range/ConstantOfShape chains), NF-ResNet (Reshape through Identity), hybrid ViT (computed Pad, Expand), CoaT, BoTNet.
  const picks = ['swin_s3_tiny_224', 'nf_resnet50', 'vit_tiny_r_s16_p8_224', 'coat_lite_mini', 'botnet26t_256', 'densenetblur121d'];
  for (const arch of picks) {
    const row = rows.find((r) => r.arch === arch && r.status === 'ok');
    const file = row && new URL(`../datasets/timm/graphs/${arch}-${row.img_size}.onnx.gz`, import.meta.url);
    it.skipIf(!file || !existsSync(file))(`${arch}: full shapes, MACs within 2 % of torch's flop counter`, () => {
      const p = profileModel(readModel(gunzipSync(readFileSync(file!))));
      expect(p.totals.complete).toBe(true);
      expect(p.diagnostics.filter((d) => d.kind === 'unknown-shape')).toEqual([]);
      if (row!.ref_macs) expect(Math.abs(p.totals.macs - row!.ref_macs) / row!.ref_macs).toBeLessThan(0.02);
    });
  }
});

describe('params count trainable tensors once (issue 14: NF-Net params 38–94 % high)', () => {
  /**
   * timm's ScaledStdConv2d as torch 2.6 exports it: the weight standardised by a training-mode
   * BatchNormalization over a [1, O, K] copy, whose input_mean/input_var come from a second,
   * transposed [1, K, O] copy of the same weight through ReduceMean/Sub/Mul. Only Y is read.
   */
  function stdConv(opts: { statsOutput?: boolean } = {}) {
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input('x', [1, 3, 8, 8]);
    const [o, k] = [16, 27];
    const wBn = b.weight('w_bn', [1, o, k]);
    const gain = b.weight('gain', [o]);
    const wStat = b.weight('w_stat', [1, k, o]);
    const zeros = b.op('Constant', [], { value_floats: new Array<number>(o).fill(0) });
    const mean = b.op('ReduceMean', [wStat], { axes: [0, 1], keepdims: 0 });
    const mean1 = b.op('ReduceMean', [wStat], { axes: [0, 1], keepdims: 1 });
    const d = b.op('Sub', [wStat, mean1]);
    const v = b.op('ReduceMean', [b.op('Mul', [d, d])], { axes: [0, 1], keepdims: 0 });
    const [y, runMean] = b.node('BatchNormalization', [wBn, gain, zeros, mean, v], { epsilon: { float: 1e-5 }, momentum: { float: 1 }, training_mode: 1 }, { outputs: 3 });
    const w = b.op('Reshape', [y!, int64(b, 'shape', [o, 3, 3, 3])]);
    b.node('Conv', [x, w, b.weight('bias', [o])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { outputs: ['out'] });
    b.output('out', [1, o, 8, 8]);
    if (opts.statsOutput) b.output(runMean!, [o]);
    return { model: readModel(b.toBytes()), o, k };
  }

  it('a weight-standardised conv counts weight, gain and bias, not the transposed copy that only feeds unused statistics', () => {
    const { model, o, k } = stdConv();
    const p = profileModel(model);
    expect(p.totals.params).toBe(o * k + o + o);
    expect(statsReport(model, p).params).toBe(o * k + o + o);
    // The ReduceMean chain still costs what it costs; it just holds no parameters.
    const reduce = p.nodes.find((n) => n.op === 'ReduceMean')!;
    expect(reduce.params).toBe(0);
    expect(reduce.elementOps).toBeGreaterThan(0);
    expect(p.nodes.find((n) => n.op === 'BatchNormalization')!.params).toBe(o * k + o);
  });

  it('the copy counts when the running statistics are a graph output', () => {
    const { model, o, k } = stdConv({ statsOutput: true });
    expect(profileModel(model).totals.params).toBe(2 * o * k + o + o);
  });

  it('inference-mode BatchNormalization keeps counting mean and var (they reach Y)', () => {
    const b = new GraphBuilder({ opset: 17 });
    const x = b.input('x', [1, 8, 4, 4]);
    b.node('BatchNormalization', [x, b.weight('s', [8]), b.weight('b', [8]), b.weight('m', [8]), b.weight('v', [8])], {}, { outputs: ['y'] });
    b.output('y', [1, 8, 4, 4]);
    expect(profileModel(readModel(b.toBytes())).totals.params).toBe(32);
  });

  it('opset 9 training-mode BatchNormalization (several outputs, no training_mode attribute) reads mean/var only for its statistics', () => {
    const b = new GraphBuilder({ opset: 9 });
    const x = b.input('x', [2, 8, 4, 4]);
    b.node('BatchNormalization', [x, b.weight('s', [8]), b.weight('b', [8]), b.weight('m', [8]), b.weight('v', [8])], {}, { outputs: ['y', 'mean', 'var'] });
    b.output('y', [2, 8, 4, 4]);
    expect(profileModel(readModel(b.toBytes())).totals.params).toBe(16);
  });

  it('an initializer read only by nodes whose outputs reach no graph output is not a parameter', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4]);
    b.op('MatMul', [x, b.weight('dead', [4, 100])]);
    b.node('MatMul', [x, b.weight('w', [4, 4])], {}, { outputs: ['y'] });
    b.output('y', [1, 4]);
    expect(profileModel(readModel(b.toBytes())).totals.params).toBe(16);
  });
});

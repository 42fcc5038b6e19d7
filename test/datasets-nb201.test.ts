import { describe, expect, it } from 'vitest';
import { nb201 } from '../datasets/nb201/builder.ts';
import { formatArch, parseArch } from '../datasets/nb201/arch.ts';
import { recoverNb201Arch } from '../datasets/nb201/recover.ts';
import { buildNb201Network } from '../datasets/nb201/network.ts';
import { forwardCheck, staticCheck } from '../datasets/lib/checks.ts';
import { selectEntries } from '../datasets/lib/build.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';

const entries = await nb201.entries();
const sample = selectEntries(entries, 20, 11);

describe('NB201 label table', () => {
  it('holds all 15,625 archs in index order with percent labels and CIFAR-10 params', () => {
    expect(entries).toHaveLength(15625);
    expect(entries.every((e, i) => e.index === i)).toBe(true);
    expect(new Set(entries.map((e) => e.arch)).size).toBe(15625);
    const c10 = entries.map((e) => e.labels['cifar10']!);
    expect(Math.max(...c10)).toBeCloseTo(94.37, 1);
    expect(entries[0]).toMatchObject({ arch: '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|', publishedParams: 129306 });
  });
});

describe('NB201 gates on 20 archs', () => {
  it.each(sample.map((e) => [e.index, e] as const))('arch %i: params match the published count and the arch round-trips', (_, e) => {
    const c = staticCheck(nb201, e);
    // 199 published counts are fractional seed means that disagree with the network; only whole ones are exact.
    if (Number.isInteger(e.publishedParams)) expect(c.benchmarkParams).toBe(e.publishedParams);
    expect(c.recovered).toBe(e.arch);
  });
  it('runs in onnxruntime: 1x10 finite logits', async () => {
    for (const e of sample.slice(0, 8)) {
      const r = await forwardCheck(nb201, e, e.index);
      expect(r.dims).toEqual([1, 10]);
      expect(r.finite).toBe(true);
    }
  });
});

describe('NB201 network structure', () => {
  it('all-none cell: 73,306 params, every edge a Mul by 0 feeding the sums', () => {
    const arch = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
    const m = readModel(buildNb201Network(parseArch(arch), { weights: 'stripped', seed: 0 }));
    const p = profileModel(m);
    expect(p.opCounts['Mul']).toBe(15 * 6);
    expect(p.opCounts['Add']).toBe(15 * 3 + 2);
    expect(recoverNb201Arch(m)).toBe(arch);
    expect(staticCheck(nb201, { space: 'nb201', index: -1, arch, labels: {}, labelKind: {}, publishedParams: 73306 }).benchmarkParams).toBe(73306);
  });
  it('skip-heavy cells whose values alias the cell input still round-trip', () => {
    for (const arch of [
      '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|',
      '|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|nor_conv_3x3~0|skip_connect~1|skip_connect~2|',
      '|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|avg_pool_3x3~2|',
    ]) {
      expect(recoverNb201Arch(readModel(buildNb201Network(parseArch(arch), { weights: 'stripped', seed: 0 })))).toBe(arch);
    }
  });
  it('writes stripped files small', () => {
    expect(nb201.build(sample[0]!, { weights: 'stripped', seed: 0 }).byteLength).toBeLessThan(100_000);
  });
  describe('BAD CALL / EXPECTED FAILURE', () => {
    it.each([
      ['|none~0|+|none~0|none~1|', /3 nodes/],
      ['|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|', /unknown op 'conv'/],
      ['|none~1|+|none~0|none~1|+|none~0|none~1|none~2|', /must come from node 0/],
    ])('parseArch rejects %s', (arch, pattern) => {
      expect(() => parseArch(arch)).toThrow(pattern);
    });
    it('recover rejects a network that is not NB201', () => {
      const m = readModel(nb201.build(sample[0]!, { weights: 'stripped', seed: 0 }));
      const broken = { ...m, graph: { ...m.graph, nodes: m.graph.nodes.filter((n) => n.op !== 'BatchNormalization') } };
      expect(() => recoverNb201Arch(broken)).toThrow(/not a NAS-Bench-201 network/);
    });
  });
  it('formatArch inverts parseArch', () => {
    for (const e of sample) expect(formatArch(parseArch(e.arch))).toBe(e.arch);
  });
});

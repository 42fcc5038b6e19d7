import { describe, expect, it } from 'vitest';
import { nb101 } from '../datasets/nb101/builder.ts';
import { decodeSpec, encodeSpec, hashSpec, pruneSpec, vertexChannels, type Nb101Spec } from '../datasets/nb101/spec.ts';
import { recoverNb101Hash } from '../datasets/nb101/recover.ts';
import { buildNb101Network } from '../datasets/nb101/network.ts';
import { forwardCheck, staticCheck } from '../datasets/lib/checks.ts';
import { selectEntries } from '../datasets/lib/build.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';

const entries = await nb101.entries();
const sample = selectEntries(entries, 20, 5);

describe('NB101 label table', () => {
  it('holds 20,001 archs whose cell graphs hash to their keys, labels in percent', () => {
    expect(entries).toHaveLength(20001);
    const acc = entries.map((e) => e.labels['cifar10']!);
    expect(Math.min(...acc)).toBeGreaterThan(9);
    expect(Math.max(...acc)).toBeLessThan(95.1);
    for (const e of sample) {
      const { ops, matrix } = e.extra as { ops: string; matrix: string };
      expect(hashSpec(decodeSpec(ops, matrix))).toBe(e.arch);
    }
  });
});

describe('NB101 spec rules', () => {
  it('splits output channels over the vertices feeding the output, remainder first', () => {
    // input → 1 → output, input → 2 → output, 1 → 2
    const m = [[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]] as const;
    expect(vertexChannels(128, 128, m)).toEqual([128, 64, 64, 128]);
    const m3 = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]] as const;
    expect(vertexChannels(128, 256, m3)).toEqual([128, 86, 85, 85, 256]);
  });
  it('prunes vertices off every input → output path', () => {
    const spec: Nb101Spec = {
      matrix: [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]],
      ops: ['input', 'conv3x3-bn-relu', 'maxpool3x3', 'output'],
    };
    const p = pruneSpec(spec);
    expect(p.ops).toEqual(['input', 'conv3x3-bn-relu', 'output']);
    expect(encodeSpec(p)).toEqual({ ops: 'I3O', matrix: '101' });
  });
  it('BAD CALL: decodeSpec rejects malformed specs', () => {
    expect(() => decodeSpec('I3X', '101')).toThrow(/op code 'X'/);
    expect(() => decodeSpec('I3O', '10')).toThrow(/matrix bits/);
    expect(() => decodeSpec('3IO', '101')).toThrow(/ops/);
  });
});

describe('NB101 gates on 20 archs', () => {
  it.each(sample.map((e) => [e.index, e] as const))('arch %i: params match trainable_parameters and the hash round-trips', (_, e) => {
    const c = staticCheck(nb101, e);
    expect(c.benchmarkParams).toBe(e.publishedParams);
    expect(c.recovered).toBe(e.arch);
  });
  it('runs in onnxruntime: 1x10 finite logits', async () => {
    for (const e of sample.slice(0, 4)) {
      const r = await forwardCheck(nb101, e, e.index);
      expect(r.dims).toEqual([1, 10]);
      expect(r.finite).toBe(true);
    }
  });
  it('the input-only cell (input → output) is a projection per module', () => {
    const spec = decodeSpec('IO', '1');
    const m = readModel(buildNb101Network(spec, { weights: 'stripped', seed: 0 }));
    expect(recoverNb101Hash(m)).toBe(hashSpec(spec));
  });
});

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { accelSpace, parseAccelTable } from '../datasets/accel/index.ts';
import { decodeAccelGraph } from '../datasets/accel/decode.ts';
import { bnChannels, formatKey, makeDivisible, parseKey, publishedStyleParams } from '../datasets/accel/space.ts';
import type { ArchEntry } from '../datasets/lib/types.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';

const entries = await accelSpace.entries();
const byIndex = (i: number): ArchEntry => entries.find((e) => e.index === i)!;

describe('accel label table', () => {
  it('holds all 5,138 records in index order, labels in percent', () => {
    expect(entries).toHaveLength(5138);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: 5138 }, (_, i) => i));
    const top1 = entries.map((e) => e.labels['imagenet-16ep']!);
    expect(Math.min(...top1)).toBeCloseTo(42.85, 2);
    expect(Math.max(...top1)).toBeCloseTo(67.05, 2);
    // result_0.json from the upstream archive.
    expect(byIndex(0)).toMatchObject({ arch: '631n-452n-633n-653n-652n-132n-132n', labels: { 'imagenet-16ep': 59.368 }, publishedParams: 2501160 });
  });

  it('reproduces the published parameter count of every record from the configuration', () => {
    const misses = entries.filter((e) => publishedStyleParams(parseKey(e.arch)) !== e.publishedParams);
    expect(misses).toEqual([]);
  });

  it('counts EfficientNet-B0 (the space\'s B0 point) like torchvision: 5,288,548 parameters', () => {
    expect(makeDivisible(16 * 6)).toBe(96);
    expect(publishedStyleParams(parseKey('131s-632s-652s-633s-653s-654s-631s'))).toBe(5_288_548);
  });
});

describe('accel networks', () => {
  // Spread over the table: SE on/off, e = 1/4/6, k = 3/5, block-5 depth 4, the largest and smallest nets.
  const byParams = [...entries].sort((a, b) => a.publishedParams! - b.publishedParams!);
  const sample = [byIndex(0), byIndex(1), entries.find((e) => e.arch.includes('s'))!, byParams[0]!, byParams[byParams.length - 1]!];

  it.each(sample.map((e) => [e.index, e] as const))('#%i: params = published − folded BN channels, and the key round-trips', (_i, e) => {
    const bytes = accelSpace.build(e, { weights: 'stripped', seed: 0 });
    const model = readModel(bytes);
    const params = profileModel(model).totals.params;
    expect(params).toBe(e.publishedParams! - bnChannels(parseKey(e.arch)));
    expect(Math.abs(params - e.publishedParams!) / e.publishedParams!).toBeLessThan(0.01);
    expect(formatKey(decodeAccelGraph(model))).toBe(e.arch);
    expect(bytes.length).toBeLessThan(200_000);
  });

  it('round-trips keys over a stride of the whole table (stripped weights)', () => {
    for (let i = 0; i < entries.length; i += 97) {
      const e = entries[i]!;
      expect(formatKey(decodeAccelGraph(readModel(accelSpace.build(e, { weights: 'stripped', seed: 0 }))))).toBe(e.arch);
    }
  });

  it.each(sample.map((e) => [e.index, e] as const))('#%i: runs in onnxruntime at 256 px and gives [1,1000]', async (_i, e) => {
    const bytes = accelSpace.build(e, { weights: 'random', seed: 7 });
    const session = await ort.InferenceSession.create(bytes);
    const n = 3 * 256 * 256;
    const input = new Float32Array(n);
    for (let i = 0; i < n; i++) input[i] = Math.sin(i * 0.37);
    const out = (await session.run({ input: new ort.Tensor('float32', input, [1, 3, 256, 256]) }))['output']!;
    expect(out.dims).toEqual([1, 1000]);
    const data = out.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    expect(new Set(data).size).toBeGreaterThan(900);
    await session.release();
  });

  it('is deterministic for a seed', () => {
    const e = byIndex(3);
    const a = Buffer.from(accelSpace.build(e, { weights: 'random', seed: 3 }));
    expect(a.equals(Buffer.from(accelSpace.build(e, { weights: 'random', seed: 3 })))).toBe(true);
    expect(a.equals(Buffer.from(accelSpace.build(e, { weights: 'random', seed: 4 })))).toBe(false);
  });
});

describe('accel BAD CALL / EXPECTED FAILURE', () => {
  it('rejects malformed keys with DATASET_ERROR', () => {
    for (const key of ['', '631n-452n', '731n-452n-633n-653n-652n-132n-132n', '631x-452n-633n-653n-652n-132n-132n']) {
      expect(() => parseKey(key)).toThrow(expect.objectContaining({ code: 'DATASET_ERROR' }));
    }
  });

  it('rejects an entry of another space', () => {
    expect(() => accelSpace.build({ ...byIndex(0), space: 'nb201' }, { weights: 'stripped', seed: 0 }))
      .toThrow(expect.objectContaining({ code: 'DATASET_ERROR', message: expect.stringMatching(/nb201/) }));
  });

  it('rejects a table with a wrong header or a malformed row', () => {
    expect(() => parseAccelTable('idx\tkey\n')).toThrow(/unexpected header/);
    expect(() => parseAccelTable('index\tkey\ttop1\ttop5\tparams\n0\t631n-452n-633n-653n-652n-132n-132n\tx\t1\t2\n')).toThrow(/malformed row/);
  });
});

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { benchmarkParams } from '../datasets/lib/gates.ts';
import { parseTransnasTable, transnasMicroSpace } from '../datasets/transnas/index.ts';
import { decodeTransnasGraph } from '../datasets/transnas/decode.ts';
import { parseNaslibTuple, parseTransnasString, publishedStyleParams, transnasString } from '../datasets/transnas/space.ts';
import type { ArchEntry } from '../datasets/lib/types.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';

const entries = await transnasMicroSpace.entries();
const find = (arch: string, task: string): ArchEntry => entries.find((e) => e.arch === arch && e.extra?.['task'] === task)!;

describe('transnas-micro label table', () => {
  it('holds 711 cells × 2 classification tasks, labels in percent, unique indices', () => {
    expect(entries).toHaveLength(1422);
    expect(new Set(entries.map((e) => e.index)).size).toBe(1422);
    for (const e of entries) {
      const [task, v] = Object.entries(e.labels)[0]!;
      expect(['class_scene', 'class_object']).toContain(task);
      expect(v).toBeGreaterThan(10);
      expect(v).toBeLessThan(60);
    }
  });

  it('cells with no path from input to output all score the same (the constant predictor)', () => {
    // TransNAS digits: 0 = zero. Node 3 is dead when every edge into it carries zeros.
    const dead = (d: readonly number[]): boolean => {
      const n1 = d[0] !== 0;
      const n2 = d[1] !== 0 || (n1 && d[2] !== 0);
      return !(d[3] !== 0 || (n1 && d[4] !== 0) || (n2 && d[5] !== 0));
    };
    const scene = entries.filter((e) => e.extra?.['task'] === 'class_scene');
    const deadAcc = new Set(scene.filter((e) => dead(parseTransnasString(e.arch))).map((e) => e.labels['class_scene']));
    expect(deadAcc.size).toBe(1);
    const floor = [...deadAcc][0]!;
    expect(scene.filter((e) => !dead(parseTransnasString(e.arch))).every((e) => e.labels['class_scene']! > floor)).toBe(true);
  });

  it('maps NASLib tuples to TransNAS strings and back', () => {
    expect(transnasString(parseNaslibTuple('(1, 0, 0, 2, 1, 0)'))).toBe('64-41414-1_00_210');
    expect(transnasString(parseTransnasString('64-41414-3_12_023'))).toBe('64-41414-3_12_023');
  });
});

describe('transnas-micro networks', () => {
  // Small enough to run fast: conv1x1/skip/zero heavy cells, both heads, FactorizedReduce and ConstantOfShape paths.
  const sample = [find('64-41414-0_00_202', 'class_scene'), find('64-41414-1_01_013', 'class_object'), entries.find((e) => e.arch.endsWith('_1') || /-1_/.test(e.arch))!];

  it.each(sample.map((e) => [e.index, e] as const))('#%i: params match NASLib (BN and head mapped), cell round-trips', (_i, e) => {
    const model = readModel(transnasMicroSpace.build(e, { weights: 'stripped', seed: 0 }));
    const params = profileModel(model).totals.params;
    expect(benchmarkParams(model, params)).toBe(e.publishedParams);
    const classes = e.extra?.['classes'] as number;
    expect(publishedStyleParams(parseTransnasString(e.arch), classes)).toBe(e.publishedParams);
    expect(transnasString(decodeTransnasGraph(model))).toBe(e.arch);
  });

  it('round-trips every 25th cell of the table (stripped weights)', () => {
    for (let i = 0; i < entries.length; i += 25) {
      const e = entries[i]!;
      expect(transnasString(decodeTransnasGraph(readModel(transnasMicroSpace.build(e, { weights: 'stripped', seed: 0 }))))).toBe(e.arch);
    }
  });

  it.each(sample.slice(0, 2).map((e) => [e.index, e] as const))('#%i: runs in onnxruntime at 256 px and gives [1, classes]', async (_i, e) => {
    const session = await ort.InferenceSession.create(transnasMicroSpace.build(e, { weights: 'random', seed: 5 }));
    const n = 3 * 256 * 256;
    const input = new Float32Array(n);
    for (let i = 0; i < n; i++) input[i] = Math.cos(i * 0.11);
    const out = (await session.run({ input: new ort.Tensor('float32', input, [1, 3, 256, 256]) }))['output']!;
    expect(out.dims).toEqual([1, e.extra?.['classes']]);
    expect((out.data as Float32Array).every(Number.isFinite)).toBe(true);
    expect(new Set(out.data as Float32Array).size).toBe(out.dims[1]);
    await session.release();
  });
});

describe('transnas-micro BAD CALL / EXPECTED FAILURE', () => {
  it('rejects malformed keys and tables with DATASET_ERROR', () => {
    for (const s of ['64-41414-4_00_000', '64-414-1_00_000', '']) expect(() => parseTransnasString(s)).toThrow(expect.objectContaining({ code: 'DATASET_ERROR' }));
    expect(() => parseNaslibTuple('(1, 0, 0, 2, 1, 5)')).toThrow(expect.objectContaining({ code: 'DATASET_ERROR' }));
    expect(() => parseTransnasTable('arch\tx\n')).toThrow(/unexpected header/);
  });

  it('rejects an entry without a task or of another space', () => {
    const e = entries[0]!;
    expect(() => transnasMicroSpace.build({ ...e, extra: {} }, { weights: 'stripped', seed: 0 })).toThrow(/no known task/);
    expect(() => transnasMicroSpace.build({ ...e, space: 'accel' }, { weights: 'stripped', seed: 0 })).toThrow(/accel/);
  });
});

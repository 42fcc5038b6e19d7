import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataset, getSpace, readManifest, splitBySeed, zeroShotSplit, SPACES } from '../datasets/index.ts';
import { parseManifest } from '../datasets/lib/manifest.ts';
import { recordArchKey, recordFamily } from '../src/predictor/manifest.ts';
import { selectEntries } from '../datasets/lib/build.ts';
import type { ManifestRecord } from '../datasets/lib/types.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'onnx-predict-ds-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const rec = (id: string, space = 'nb201'): ManifestRecord => ({
  id, space, arch: id, file: `${id}.onnx`, labels: { cifar10: 90 }, label_kind: { cifar10: 'test@200ep' }, params: 10, macs: 20,
});

describe('registry', () => {
  it('lists nb201 and nb101 and loads them lazily', async () => {
    expect(Object.keys(SPACES)).toEqual(expect.arrayContaining(['nb201', 'nb101']));
    expect((await getSpace('nb201')).space).toBe('nb201');
  });
});

describe('buildDataset', () => {
  it('is deterministic and resumable, writing one file and one manifest line per arch', async () => {
    const a = tmp();
    const b = tmp();
    const progress: [number, number][] = [];
    const s1 = await buildDataset('nb201', { out: a, limit: 4, seed: 7, onProgress: (d, t) => progress.push([d, t]) });
    expect(s1).toMatchObject({ total: 4, built: 4, skipped: 0 });
    expect(progress.at(-1)).toEqual([4, 4]);
    await buildDataset('nb201', { out: b, limit: 4, seed: 7 });
    const ra = readManifest(join(a, 'manifest.jsonl'));
    const rb = readManifest(join(b, 'manifest.jsonl'));
    expect(ra).toEqual(rb);
    for (const r of ra) expect(readFileSync(join(a, r.file))).toEqual(readFileSync(join(b, r.file)));
    expect(ra[0]).toMatchObject({ space: 'nb201', label_kind: { cifar10: 'test@200ep' } });
    expect(ra[0]!.params).toBeGreaterThan(0);
    expect(ra[0]!.published_params).toBeGreaterThan(0);

    // A torn last line and a missing file: resume rebuilds exactly those.
    const manifest = join(a, 'manifest.jsonl');
    const lines = readFileSync(manifest, 'utf8').trimEnd().split('\n');
    writeFileSync(manifest, lines.slice(0, 3).join('\n') + '\n' + lines[3]!.slice(0, 20));
    unlinkSync(join(a, ra[0]!.file));
    const s2 = await buildDataset('nb201', { out: a, limit: 4, seed: 7 });
    expect(s2).toMatchObject({ built: 2, skipped: 2 });
    expect(new Set(readManifest(manifest).map((r) => r.id))).toEqual(new Set(ra.map((r) => r.id)));
    const s3 = await buildDataset('nb201', { out: a, limit: 4, seed: 7 });
    expect(s3).toMatchObject({ built: 0, skipped: 4 });
  });

  it('worker threads give byte-identical output', async () => {
    const a = tmp();
    const b = tmp();
    await buildDataset('nb201', { out: a, limit: 6, seed: 9 });
    await buildDataset('nb201', { out: b, limit: 6, seed: 9, workers: 2 });
    expect(readFileSync(join(b, 'manifest.jsonl'), 'utf8')).toBe(readFileSync(join(a, 'manifest.jsonl'), 'utf8'));
    for (const r of readManifest(join(a, 'manifest.jsonl'))) expect(readFileSync(join(b, r.file))).toEqual(readFileSync(join(a, r.file)));
  }, 60_000);

  it('different seeds sample different subsets', () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ space: 's', index: i, arch: String(i), labels: {}, labelKind: {} }));
    const a = selectEntries(entries, 10, 1).map((e) => e.index);
    expect(a).toEqual(selectEntries(entries, 10, 1).map((e) => e.index));
    expect(a).not.toEqual(selectEntries(entries, 10, 2).map((e) => e.index));
    expect([...a].sort((x, y) => x - y)).toEqual(a);
  });

  describe('BAD CALL / EXPECTED FAILURE', () => {
    it('rejects an unknown space with DATASET_ERROR naming the known ones', async () => {
      await expect(buildDataset('nope', { out: tmp() })).rejects.toMatchObject({ code: 'DATASET_ERROR', message: /unknown space 'nope'.*nb201/ });
    });
    it('rejects a bad limit', async () => {
      await expect(buildDataset('nb201', { out: tmp(), limit: -1 })).rejects.toThrow(RangeError);
    });
    it('refuses to resume a folder built with other options', async () => {
      const d = tmp();
      await buildDataset('nb201', { out: d, limit: 1, seed: 1 });
      await expect(buildDataset('nb201', { out: d, limit: 1, seed: 2 })).rejects.toMatchObject({ code: 'DATASET_ERROR', message: /other options/ });
    });
    it('refuses to resume a folder whose records name other architectures (the entry list changed)', async () => {
      const d = tmp();
      await buildDataset('nb201', { out: d, limit: 2, seed: 1 });
      const manifest = join(d, 'manifest.jsonl');
      const [first, ...rest] = readFileSync(manifest, 'utf8').trimEnd().split('\n');
      const stale = { ...JSON.parse(first!) as ManifestRecord, arch: 'an-older-list@0' };
      writeFileSync(manifest, [JSON.stringify(stale), ...rest].join('\n') + '\n');
      await expect(buildDataset('nb201', { out: d, limit: 2, seed: 1 })).rejects.toMatchObject({ code: 'DATASET_ERROR', message: /another list of architectures: '.+' is 'an-older-list@0' there/ });
    });
  });
});

describe('readManifest', () => {
  it('round-trips valid records', () => {
    const d = tmp();
    const p = join(d, 'manifest.jsonl');
    writeFileSync(p, JSON.stringify(rec('a')) + '\n');
    appendFileSync(p, JSON.stringify({ ...rec('b'), published_params: 5 }) + '\n');
    expect(readManifest(p).map((r) => r.id)).toEqual(['a', 'b']);
  });
  it('keeps family and arch_key when present; readers fall back to space and arch', () => {
    const [a, b] = parseManifest(`${JSON.stringify({ ...rec('a'), family: 'resnet', arch_key: 'resnet50' })}\n${JSON.stringify(rec('b'))}\n`);
    expect([a!.family, a!.arch_key, b!.family, b!.arch_key]).toEqual(['resnet', 'resnet50', undefined, undefined]);
    expect([recordFamily(a!), recordArchKey(a!), recordFamily(b!), recordArchKey(b!)]).toEqual(['resnet', 'resnet50', b!.space, b!.arch]);
  });
  describe('BAD CALL / EXPECTED FAILURE', () => {
    it.each([
      ['invalid JSON', '{', /:1: not valid JSON/],
      ['a missing id', JSON.stringify({ ...rec('a'), id: '' }), /'id' must be a non-empty string/],
      ['an absolute file', JSON.stringify({ ...rec('a'), file: '/etc/x.onnx' }), /'file' must be relative/],
      ['a parent-relative file', JSON.stringify({ ...rec('a'), file: '../x.onnx' }), /'file' must be relative/],
      ['a non-numeric label', JSON.stringify({ ...rec('a'), labels: { cifar10: 'x' } }), /'labels.cifar10' must be a finite number/],
      ['a label without kind', JSON.stringify({ ...rec('a'), label_kind: {} }), /label 'cifar10' has no label_kind/],
      ['fractional params', JSON.stringify({ ...rec('a'), params: 1.5 }), /'params' must be a non-negative integer/],
      ['a duplicate id', JSON.stringify(rec('a')) + '\n' + JSON.stringify(rec('a')), /:2: duplicate id 'a'/],
      ['an empty family', JSON.stringify({ ...rec('a'), family: '' }), /'family' must be a non-empty string/],
      ['a numeric arch_key', JSON.stringify({ ...rec('a'), arch_key: 5 }), /'arch_key' must be a non-empty string/],
    ])('rejects %s', (_, text, pattern) => {
      expect(() => parseManifest(text)).toThrow(pattern);
      try {
        parseManifest(text);
      } catch (e) {
        expect((e as { code: string }).code).toBe('DATASET_ERROR');
      }
    });
    it('names an unreadable path', () => {
      expect(() => readManifest(join(tmp(), 'missing.jsonl'))).toThrow(/cannot read manifest/);
    });
  });
});

describe('splits', () => {
  const records = Array.from({ length: 50 }, (_, i) => rec(`nb201-${i}`));
  it('splitBySeed is deterministic, disjoint and independent of input order', () => {
    const s = splitBySeed(records, { trainSize: 10, testSize: 20, seed: 3 });
    expect(s.train).toHaveLength(10);
    expect(s.test).toHaveLength(20);
    expect(new Set([...s.train, ...s.test].map((r) => r.id)).size).toBe(30);
    const again = splitBySeed([...records].reverse(), { trainSize: 10, testSize: 20, seed: 3 });
    expect(again.train.map((r) => r.id)).toEqual(s.train.map((r) => r.id));
    expect(splitBySeed(records, { trainSize: 10, seed: 4 }).train.map((r) => r.id)).not.toEqual(s.train.map((r) => r.id));
    expect(splitBySeed(records, { trainSize: 10, seed: 3 }).test).toHaveLength(40);
  });
  it('zero-shot trains on NB101 and tests on NB201', () => {
    const z = zeroShotSplit([rec('x', 'nb101'), rec('y', 'nb201'), rec('z', 'accel')]);
    expect(z.train.map((r) => r.id)).toEqual(['x']);
    expect(z.test.map((r) => r.id)).toEqual(['y']);
  });
  it('BAD CALL: rejects sizes past the record count', () => {
    expect(() => splitBySeed(records, { trainSize: 51, seed: 0 })).toThrow(/trainSize/);
    expect(() => splitBySeed(records, { trainSize: 40, testSize: 11, seed: 0 })).toThrow(/testSize/);
  });
});

/**
 * The on-disk embedding cache on its own: round trips, visibility between handles, torn records,
 * and two processes appending to the same folder at once.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskEmbeddingCache, embeddingKey } from '../src/encoder/cache.ts';

const root = mkdtempSync(join(tmpdir(), 'encoder-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const vec = (seed: number, dim = 8): Float32Array => Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 31 + i));

describe('DiskEmbeddingCache', () => {
  it('round-trips vectors by key and misses unknown keys', () => {
    const cache = new DiskEmbeddingCache(join(root, 'a'));
    const entries = Array.from({ length: 50 }, (_, i) => ({ key: embeddingKey('ns', `text ${i}`), vector: vec(i, 384) }));
    cache.put(entries);
    const got = cache.get([...entries.map((e) => e.key), embeddingKey('ns', 'never stored')]);
    entries.forEach((e, i) => expect(Array.from(got[i]!)).toEqual(Array.from(e.vector)));
    expect(got[50]).toBeUndefined();
    expect(cache.size()).toBe(50);
    cache.close();
    // Sharded append-only files, not one file per vector.
    expect(readdirSync(join(root, 'a')).length).toBeLessThanOrEqual(16);
  });

  it('keys differ by namespace (model, dtype, window) and by text', () => {
    expect(embeddingKey('m|q8|256|x', 't')).not.toBe(embeddingKey('m|fp32|256|x', 't'));
    expect(embeddingKey('m|q8|256|x', 't')).not.toBe(embeddingKey('m|q8|256|x', 't '));
    expect(embeddingKey('a', 'bc')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sees what another handle appended after it opened', () => {
    const dir = join(root, 'b');
    const reader = new DiskEmbeddingCache(dir);
    const key = embeddingKey('ns', 'late');
    expect(reader.get([key])[0]).toBeUndefined();
    const writer = new DiskEmbeddingCache(dir);
    writer.put([{ key, vector: vec(1) }]);
    expect(Array.from(reader.get([key])[0]!)).toEqual(Array.from(vec(1)));
    reader.close();
    writer.close();
  });

  it('skips a torn record (a crash mid-write) and keeps reading the records after it', () => {
    const dir = join(root, 'c');
    const first = new DiskEmbeddingCache(dir);
    const k0 = embeddingKey('ns', 'before');
    first.put([{ key: k0, vector: vec(0) }]);
    first.close();
    const shard = join(dir, readdirSync(dir)[0]!);
    // A record cut short: header and half of its payload, then garbage.
    const good = new DiskEmbeddingCache(join(root, 'c-template'));
    // A key in the same shard as k0, so a wrongly accepted torn record would be found.
    let n = 0;
    while (embeddingKey('ns', `torn ${n}`)[0] !== k0[0]) n++;
    const kx = embeddingKey('ns', `torn ${n}`);
    good.put([{ key: kx, vector: vec(9) }]);
    good.close();
    const template = join(root, 'c-template', readdirSync(join(root, 'c-template'))[0]!);
    const bytes = readFileSync(template);
    appendFileSync(shard, bytes.subarray(0, bytes.length - 10));
    appendFileSync(shard, Buffer.from('not a record at all'));

    const second = new DiskEmbeddingCache(dir);
    const keys = Array.from({ length: 20 }, (_, i) => embeddingKey('ns', `after ${i}`)).filter((k) => k[0] === k0[0]);
    keys.push(k0);
    second.put(keys.map((key, i) => ({ key, vector: vec(100 + i) })));
    const got = second.get([...keys, kx]);
    keys.forEach((_, i) => expect(Array.from(got[i]!)).toEqual(Array.from(i === keys.length - 1 ? vec(0) : vec(100 + i))));
    expect(got[keys.length]).toBeUndefined(); // the torn record is not served
    second.close();
  });

  it('keeps every record when two processes append to the same folder at once', async () => {
    const dir = join(root, 'd');
    const cacheModule = fileURLToPath(new URL('../src/encoder/cache.ts', import.meta.url));
    const writer = (tag: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const script =
          `import { DiskEmbeddingCache, embeddingKey } from ${JSON.stringify(cacheModule)};` +
          `const c = new DiskEmbeddingCache(${JSON.stringify(dir)});` +
          `for (let i = 0; i < 300; i++) c.put([{ key: embeddingKey(${JSON.stringify(tag)}, String(i)), vector: Float32Array.from({ length: 384 }, (_, d) => i + d / 1000) }]);` +
          `c.close();`;
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([writer('p1'), writer('p2')])).toEqual([0, 0]);
    const cache = new DiskEmbeddingCache(dir);
    expect(cache.size()).toBe(600);
    for (const tag of ['p1', 'p2']) {
      const got = cache.get(Array.from({ length: 300 }, (_, i) => embeddingKey(tag, String(i))));
      got.forEach((v, i) => {
        expect(v![0]).toBe(i);
        expect(v![383]).toBeCloseTo(i + 0.383, 4);
      });
    }
    cache.close();
    const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    expect(bytes).toBe(600 * (44 + 384 * 4));
  }, 60_000);
});

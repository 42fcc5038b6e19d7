/**
 * Encoder unit tests on the tiny random BERT fixture (test/fixtures/tiny-bert, ~250 KB): loading,
 * agreement with PyTorch, batching, normalisation, truncation, the embedding cache, chunking and
 * long-text strategies, and bad calls. Its vectors are meaningless; only their mechanics are tested.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPredictError } from '../src/errors.ts';
import {
  DiskEmbeddingCache,
  defaultCacheDir,
  embedLong,
  embedLongBatch,
  loadEncoder,
  type Encoder,
} from '../src/encoder/index.ts';

const TINY = fileURLToPath(new URL('./fixtures/tiny-bert/', import.meta.url));
const reference = JSON.parse(readFileSync(join(TINY, 'reference.json'), 'utf8')) as {
  items: { text: string; ids: number[]; embedding: number[] }[];
};

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const words = (n: number): string => Array.from({ length: n }, (_, i) => ['conv', 'relu', 'add', 'pool', 'gemm'][i % 5]).join(' ');

let tmp: string;
let fp32: Encoder;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'encoder-test-'));
  fp32 = await loadEncoder({ modelDir: TINY, dtype: 'fp32', cacheDir: null, batchSize: 3 });
});
afterAll(async () => {
  await fp32.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('loading the tiny fixture offline', () => {
  it('reports its shape from config.json and tokenizer_config.json', () => {
    expect(fp32.id).toBe('tiny-bert');
    expect(fp32.dtype).toBe('fp32');
    expect(fp32.dim).toBe(32);
    expect(fp32.maxTokens).toBe(64);
  });

  it('loads the q8 weights', async () => {
    const q8 = await loadEncoder({ modelDir: TINY, cacheDir: null });
    try {
      expect(q8.dtype).toBe('q8');
      const [a] = await q8.embed([reference.items[0]!.text]);
      const [b] = await fp32.embed([reference.items[0]!.text]);
      // Quantization moves the vector but keeps it recognisably the same one.
      expect(dot(a!, b!)).toBeGreaterThan(0.95);
      expect(maxAbsDiff(a!, b!)).toBeGreaterThan(0);
    } finally {
      await q8.dispose();
    }
  });
});

describe('embeddings', () => {
  it('match PyTorch mean pooling + L2 normalisation (fp32) and tokenize identically', async () => {
    const texts = reference.items.map((r) => r.text);
    const vectors = await fp32.embed(texts);
    const counts = await fp32.countTokens(texts);
    reference.items.forEach((r, i) => {
      expect(counts[i]).toBe(r.ids.length);
      expect(maxAbsDiff(vectors[i]!, r.embedding)).toBeLessThan(1e-4);
    });
  });

  it('are unit length, in input order, and one per text', async () => {
    const texts = ['b', 'a much longer text with several words in it', '', 'a'];
    const vectors = await fp32.embed(texts);
    expect(vectors).toHaveLength(4);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(32);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
    const alone = await Promise.all(texts.map(async (t) => (await fp32.embed([t]))[0]!));
    // Padding in a mixed-length batch must not leak into any vector.
    alone.forEach((v, i) => expect(maxAbsDiff(v, vectors[i]!)).toBeLessThan(1e-5));
    expect(dot(vectors[0]!, vectors[3]!)).toBeLessThan(0.9999);
  });

  it('are deterministic across calls and across loads', async () => {
    const text = reference.items[1]!.text;
    const [a] = await fp32.embed([text]);
    const [b] = await fp32.embed([text]);
    const other = await loadEncoder({ modelDir: TINY, dtype: 'fp32', cacheDir: null });
    const [c] = await other.embed([text]);
    await other.dispose();
    expect(Array.from(b!)).toEqual(Array.from(a!));
    expect(Array.from(c!)).toEqual(Array.from(a!));
  });

  it('run each distinct text once, however often it repeats', async () => {
    const before = fp32.stats();
    const vectors = await fp32.embed(['conv relu', 'add', 'conv relu', 'conv relu']);
    const after = fp32.stats();
    expect(after.computed - before.computed).toBe(2);
    expect(after.texts - before.texts).toBe(4);
    expect(Array.from(vectors[2]!)).toEqual(Array.from(vectors[0]!));
    vectors[0]![0] = 42; // callers own their arrays
    expect(vectors[2]![0]).not.toBe(42);
  });

  it('sort by length into batches of batchSize', async () => {
    const before = fp32.stats().batches;
    await fp32.embed(['a', words(30), 'b', words(31), 'c', words(2), 'd']);
    expect(fp32.stats().batches - before).toBe(3); // 7 texts, batchSize 3
  });

  it('truncate past maxTokens, keeping the closing special token', async () => {
    const long = words(100);
    expect((await fp32.countTokens([long]))[0]).toBe(102);
    const [a, b] = await fp32.embed([long, `${long} more words after the window`]);
    expect(maxAbsDiff(a!, b!)).toBeLessThan(1e-6);
    const [c] = await fp32.embed([words(62)]); // exactly 64 tokens with [CLS] and [SEP]
    expect(maxAbsDiff(a!, c!)).toBeLessThan(1e-6);
  });

  it('return an empty list for no texts', async () => {
    expect(await fp32.embed([])).toEqual([]);
    expect(await fp32.countTokens([])).toEqual([]);
  });
});

describe('embedding cache', () => {
  it('stores each new text once and serves repeats from disk, across loads', async () => {
    const dir = join(tmp, 'cache-a');
    const texts = ['conv relu pool', 'gemm softmax', 'add mul'];
    const first = await loadEncoder({ modelDir: TINY, dtype: 'fp32', cacheDir: dir });
    const a = await first.embed(texts);
    expect(first.stats()).toMatchObject({ texts: 3, cacheHits: 0, computed: 3 });
    await first.dispose();

    const second = await loadEncoder({ modelDir: TINY, dtype: 'fp32', cacheDir: dir });
    const b = await second.embed([...texts, 'a new text']);
    expect(second.stats()).toMatchObject({ texts: 4, cacheHits: 3, computed: 1 });
    await second.dispose();
    texts.forEach((_, i) => expect(Array.from(b[i]!)).toEqual(Array.from(a[i]!)));

    const cache = new DiskEmbeddingCache(dir);
    expect(cache.size()).toBe(4);
    cache.close();
  });

  it('keeps q8 and fp32 vectors apart', async () => {
    const dir = join(tmp, 'cache-b');
    const f = await loadEncoder({ modelDir: TINY, dtype: 'fp32', cacheDir: dir });
    const q = await loadEncoder({ modelDir: TINY, dtype: 'q8', cacheDir: dir });
    const [vf] = await f.embed(['conv relu']);
    const [vq] = await q.embed(['conv relu']);
    expect(q.stats().cacheHits).toBe(0);
    expect(maxAbsDiff(vf!, vq!)).toBeGreaterThan(0);
    await f.dispose();
    await q.dispose();
  });

  it('defaults to $ONNX_PREDICT_CACHE, else .cache/onnx-predict under the working directory', () => {
    expect(defaultCacheDir({ ONNX_PREDICT_CACHE: '/var/c' }, '/proj')).toBe(join('/var/c', 'embeddings'));
    expect(defaultCacheDir({}, '/proj')).toBe(join('/proj', '.cache', 'onnx-predict', 'embeddings'));
  });
});

describe('chunking', () => {
  it('returns a text that fits as is', async () => {
    expect(await fp32.chunk('conv relu\nadd')).toEqual(['conv relu\nadd']);
    expect(await fp32.chunk('')).toEqual(['']);
  });

  it('splits at line boundaries into windows that fit, losing nothing', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${words(3 + (i % 7))} ${i}`);
    const text = lines.join('\n');
    const windows = await fp32.chunk(text, 32);
    expect(windows.length).toBeGreaterThan(3);
    for (const n of await fp32.countTokens(windows)) expect(n).toBeLessThanOrEqual(32);
    expect(windows.join('\n')).toBe(text);
    // Greedy packing: no two neighbouring windows would have fitted together.
    for (let i = 1; i < windows.length; i++) {
      const [n] = await fp32.countTokens([`${windows[i - 1]}\n${windows[i]}`]);
      expect(n).toBeGreaterThan(32);
    }
  });

  it('splits one over-long line between words, and an over-long word between characters', async () => {
    const line = words(200);
    const pieces = await fp32.chunk(line);
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const n of await fp32.countTokens(pieces)) expect(n).toBeLessThanOrEqual(64);
    expect(pieces.join('')).toBe(line);

    const word = 'convrelu'.repeat(60);
    const parts = await fp32.chunk(word, 16);
    for (const n of await fp32.countTokens(parts)) expect(n).toBeLessThanOrEqual(16);
    expect(parts.join('')).toBe(word);
  });

  it('embeds long texts by truncation or by the token-weighted mean of their windows', async () => {
    const short = 'conv relu';
    const [t, c] = await Promise.all([embedLong(fp32, short, 'truncate'), embedLong(fp32, short, 'chunk-mean')]);
    expect(Array.from(c)).toEqual(Array.from(t));

    const long = Array.from({ length: 30 }, (_, i) => `${words(5)} ${i}`).join('\n');
    const windows = await fp32.chunk(long);
    expect(windows.length).toBeGreaterThan(1);
    const [vecs, counts] = [await fp32.embed(windows), await fp32.countTokens(windows)];
    const expected = new Float32Array(32);
    vecs.forEach((v, w) => v.forEach((x, d) => (expected[d]! += counts[w]! * x)));
    const norm = Math.sqrt(dot(expected, expected));
    const [mean, trunc] = await embedLongBatch(fp32, [long, long], 'chunk-mean').then(async (m) => [
      m[0]!,
      await embedLong(fp32, long, 'truncate'),
    ]);
    expect(maxAbsDiff(mean!, expected.map((x) => x / norm))).toBeLessThan(1e-6);
    expect(Math.sqrt(dot(mean!, mean!))).toBeCloseTo(1, 5);
    expect(maxAbsDiff(mean!, trunc!)).toBeGreaterThan(1e-3);
  });
});

describe('BAD CALL / EXPECTED FAILURE', () => {
  const encoderError = (pattern: RegExp) => expect.objectContaining({ code: 'ENCODER_ERROR', message: expect.stringMatching(pattern) });

  it('rejects an unknown encoder name unless remote loading is allowed', async () => {
    await expect(loadEncoder({ model: 'no-such/model', cacheDir: null })).rejects.toEqual(encoderError(/unknown encoder 'no-such\/model'.*allowRemote/));
  });

  it('rejects a missing model folder', async () => {
    const missing = join(tmp, 'nothing-here');
    const err = await loadEncoder({ modelDir: missing, cacheDir: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxPredictError);
    expect(err).toEqual(encoderError(/model folder not found.*nothing-here/));
  });

  it('says how to get fp32 weights when only q8 ships', async () => {
    const copy = join(tmp, 'q8-only');
    cpSync(TINY, copy, { recursive: true });
    rmSync(join(copy, 'onnx', 'model.onnx'));
    await expect(loadEncoder({ modelDir: copy, dtype: 'fp32', cacheDir: null })).rejects.toEqual(encoderError(/no fp32 weights.*vendor-encoder/));
  });

  it('rejects bad options and arguments, naming the parameter', async () => {
    await expect(loadEncoder({ modelDir: TINY, batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(loadEncoder({ modelDir: TINY, threads: 1.5 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(loadEncoder({ modelDir: TINY, dtype: 'fp16' as 'q8' })).rejects.toThrow(/dtype must be one of q8, fp32/);
    await expect(fp32.embed('text' as unknown as string[])).rejects.toThrow(TypeError);
    await expect(fp32.embed(['ok', 3 as unknown as string])).rejects.toThrow(/texts\[1\] must be a string/);
    await expect(fp32.chunk('text', 2)).rejects.toThrow(/maxTokens must be an integer greater than 2/);
    await expect(embedLong(fp32, 'text', 'first' as 'truncate')).rejects.toThrow(/strategy must be one of/);
  });

  it('refuses work after dispose', async () => {
    const e = await loadEncoder({ modelDir: TINY, cacheDir: null });
    await e.dispose();
    await e.dispose(); // idempotent
    await expect(e.embed(['x'])).rejects.toEqual(encoderError(/was disposed/));
  });
});

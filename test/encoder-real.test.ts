/**
 * A few slower checks on the vendored all-MiniLM-L6-v2 (q8, committed): it loads offline from the
 * repository, agrees with PyTorch, is deterministic, and places graph texts sensibly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { env } from '@huggingface/transformers';
import { embedLong, ENCODERS, loadEncoder, vendoredModelsDir, type Encoder } from '../src/encoder/index.ts';

const reference = JSON.parse(
  readFileSync(fileURLToPath(new URL('../scripts/vendor-encoder/reference-embeddings.json', import.meta.url)), 'utf8'),
) as { items: { text: string; tokens: number; embedding: number[] }[] };

const cos = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

let encoder: Encoder;
beforeAll(async () => {
  encoder = await loadEncoder({ cacheDir: null });
});
afterAll(async () => {
  await encoder.dispose();
});

describe('vendored all-MiniLM-L6-v2 (q8)', () => {
  it('loads from the repository with remote loading off', () => {
    expect(env.allowRemoteModels).toBe(false);
    expect(encoder).toMatchObject({ id: 'all-MiniLM-L6-v2', dtype: 'q8', dim: 384, maxTokens: 256 });
    expect(existsSync(join(vendoredModelsDir(), ENCODERS['all-MiniLM-L6-v2']!.folder, 'onnx', 'model_quantized.onnx'))).toBe(true);
  });

  it('finds its model from the source tree, not the working directory', async () => {
    const here = process.cwd();
    process.chdir(tmpdir());
    try {
      const elsewhere = await loadEncoder({ cacheDir: null });
      const [a] = await elsewhere.embed(['Relu(prev)']);
      await elsewhere.dispose();
      const [b] = await encoder.embed(['Relu(prev)']);
      expect(Array.from(a!)).toEqual(Array.from(b!));
    } finally {
      process.chdir(here);
    }
  });

  it('agrees with PyTorch sentence-transformers, including a text truncated at 256 tokens', async () => {
    // Graph texts, a short sentence, and the 938-token text (index 19).
    const picks = [0, 6, 12, 19];
    const vectors = await encoder.embed(picks.map((i) => reference.items[i]!.text));
    const counts = await encoder.countTokens(picks.map((i) => reference.items[i]!.text));
    picks.forEach((p, k) => {
      expect(counts[k]).toBe(reference.items[p]!.tokens);
      expect(cos(vectors[k]!, reference.items[p]!.embedding)).toBeGreaterThan(0.99);
    });
  });

  it('is deterministic across calls and loads', async () => {
    const text = reference.items[8]!.text;
    const [a] = await encoder.embed([text]);
    const [b] = await encoder.embed([text]);
    const again = await loadEncoder({ cacheDir: null });
    const [c] = await again.embed([text]);
    await again.dispose();
    expect(Array.from(b!)).toEqual(Array.from(a!));
    expect(Array.from(c!)).toEqual(Array.from(a!));
  });

  it('puts a graph text closer to a one-op edit of itself than to unrelated texts', async () => {
    const base = 'Conv(1x3x32x32, Param[16,3,3,3])(kernel_shape=3,pads=1) --> Relu(prev) --> MaxPool(prev)(kernel_shape=2,strides=2) --> Out';
    const edit = base.replace('Relu', 'Sigmoid');
    const otherNet = 'MatMul(1x128x384, Param[384,1536]) --> Add(prev, Param[1536]) --> Gelu(prev) --> Softmax(prev)(axis=-1) --> Out';
    const prose = 'Stock markets fell sharply on Tuesday after the announcement.';
    const [vb, ve, vo, vp] = await encoder.embed([base, edit, otherNet, prose]);
    expect(cos(vb!, ve!)).toBeGreaterThan(cos(vb!, vo!));
    expect(cos(vb!, vo!)).toBeGreaterThan(cos(vb!, vp!));
    // Measured: 0.886 (edit), 0.432 (other net), -0.118 (prose).
    expect(cos(vb!, ve!) - cos(vb!, vo!)).toBeGreaterThan(0.2);
  });

  it('chunks a long graph text into windows of at most 256 tokens', async () => {
    const long = reference.items[19]!.text;
    const windows = await encoder.chunk(long);
    expect(windows.join('\n')).toBe(long);
    for (const n of await encoder.countTokens(windows)) expect(n).toBeLessThanOrEqual(256);
    const v = await embedLong(encoder, long, 'chunk-mean');
    expect(Math.sqrt(cos(v, v))).toBeCloseTo(1, 5);
  });
});

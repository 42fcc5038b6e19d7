/**
 * Public face of the encoder: the interface, the loader and the long-text helpers. Callers never
 * import the transformers.js implementation directly.
 */
import type { Encoder, LoadEncoderOptions } from './encoder.ts';

export type { Encoder, EncoderDtype, EncoderStats, LoadEncoderOptions, LongTextStrategy } from './encoder.ts';
export { ENCODER_DTYPES, LONG_TEXT_STRATEGIES } from './encoder.ts';
export { DEFAULT_ENCODER, ENCODERS, vendoredModelsDir, type EncoderSpec } from './registry.ts';
export { DEFAULT_BATCH_SIZE, defaultCacheDir } from './defaults.ts';
export { DiskEmbeddingCache, embeddingKey, type EmbeddingCache } from './cache.ts';
export { embedLong, embedLongBatch } from './long-text.ts';

/**
 * Loads an encoder, offline by default: the vendored all-MiniLM-L6-v2 (q8) unless told otherwise.
 *
 * @example
 * const encoder = await loadEncoder({ cacheDir: null });
 * const [v] = await encoder.embed(['Conv(1x3x32x32, Param[16,3,3,3]) --> Relu(prev)']);
 * // v: Float32Array(384), unit length
 * await encoder.dispose();
 */
export async function loadEncoder(options: LoadEncoderOptions = {}): Promise<Encoder> {
  // transformers.js (and onnxruntime under it) loads only when an encoder is asked for.
  const { loadTransformersEncoder } = await import('./transformers-encoder.ts');
  return loadTransformersEncoder(options);
}

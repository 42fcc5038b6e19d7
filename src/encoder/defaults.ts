/**
 * Encoder defaults that need no runtime: importing them does not load transformers.js.
 */
import { join, resolve } from 'node:path';
import type { EncoderDtype } from './encoder.ts';

/**
 * q8 runs one text per call by default: its activations are quantized with one scale per call
 * (dynamic quantization), so a text's vector would otherwise depend on its batch-mates and padding
 * (cosine to PyTorch 0.990 alone vs 0.980 in a batch of 32 for the worst sentence). fp32 is
 * batch-independent up to float rounding, so it batches. Measured numbers in docs/ENCODER.md.
 */
export const DEFAULT_BATCH_SIZE: Readonly<Record<EncoderDtype, number>> = Object.freeze({
  q8: 1,
  fp32: 8,
} satisfies Record<EncoderDtype, number>);
/**
 * Where embeddings are cached when the caller does not say: `$ONNX_PREDICT_CACHE/embeddings`, else
 * `.cache/onnx-predict/embeddings` under the working directory (the project being worked on).
 */
export function defaultCacheDir(environment: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const root = environment['ONNX_PREDICT_CACHE'];
  return root ? join(resolve(cwd, root), 'embeddings') : join(cwd, '.cache', 'onnx-predict', 'embeddings');
}

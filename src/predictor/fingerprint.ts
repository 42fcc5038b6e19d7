/**
 * The exact-match fingerprint of a graph: a hash of its chain_slim text (equal graphs → equal text
 * → equal hash). Its own module so that training (records.ts) and prediction (predictor.ts) both
 * use it without importing each other.
 */
import type { Model, TensorType } from '../onnx-to-text/ir.ts';
import { describe as describeText, textHash, type TextMode } from '../onnx-to-text/text/index.ts';

export function fingerprint(model: Model, shapes?: ReadonlyMap<string, TensorType>, mode: TextMode = 'chain_slim'): string {
  return textHash(describeText(model, { mode, ...(shapes ? { shapes: new Map(shapes) } : {}) }));
}

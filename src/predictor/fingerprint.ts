/**
 * The exact-match fingerprints of a graph. Their own module so that training (records.ts) and
 * prediction (predictor.ts) both use them without importing each other.
 * - `fingerprint`: a hash of the chain_slim text (equal graphs → equal text → equal hash).
 * - `archFingerprint`: a hash of the unbounded `compact` text, whose canonical forms (BN folded,
 *   Identity/Dropout dropped, Add chains merged, Gemm ≡ MatMul+Add, no batch size, no default
 *   attributes) make two exports of one architecture read the same: torchvision's resnet18
 *   exported by torch 1.13 and timm's exported by torch 2.6 differ in 16 Identity nodes, the batch
 *   dimension and MaxPool's default `dilations`, and share this fingerprint.
 */
import type { Model, TensorType } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';
import { describeCompact } from '../onnx-to-text/text/compact.ts';
import { describe as describeText, textHash, type TextMode } from '../onnx-to-text/text/index.ts';

export function fingerprint(model: Model, shapes?: ReadonlyMap<string, TensorType>, mode: TextMode = 'chain_slim'): string {
  return textHash(describeText(model, { mode, ...(shapes ? { shapes: new Map(shapes) } : {}) }));
}

/** Version of `archFingerprint`: a checkpoint whose known.jsonl was written with another one is not matched on it. */
export const ARCH_FINGERPRINT_VERSION = 'compact-1';

export function archFingerprint(model: Model, profile: Profile): string {
  return textHash(describeCompact(model, { shapes: profile.shapes, profile, maxChars: Infinity }).join('\n'));
}

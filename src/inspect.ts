/**
 * Reading and describing a model without a predictor: what `stats` and `describe` need, and
 * nothing heavier (no encoder, head, vector index, proxies), so those commands start fast.
 * Re-exported by the public face (src/index.ts).
 */
import type { Model } from './onnx-to-text/ir.ts';
import { readModel } from './onnx-to-text/reader.ts';
import { describe, type TextMode } from './onnx-to-text/text/index.ts';
import { readModelBytes } from './io.ts';
import { statsReport, type StatsReport } from './stats.ts';

/** Reads and decodes an ONNX file; typed errors for missing, unreadable or invalid files. */
export async function loadModelFile(path: string): Promise<Model> {
  return readModel(await readModelBytes(path), { source: path });
}

export function stats(model: Model, file?: string): StatsReport {
  return statsReport(model, undefined, file);
}

export function describeModel(model: Model, options: { mode?: TextMode; maxChars?: number } = {}): string {
  return describe(model, options);
}

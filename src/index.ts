/**
 * onnx-predict's public API. Adapters (src/cli, src/server) and library users import only this.
 *
 * @example
 * ```ts
 * import { loadModelFile, stats, describeModel } from 'onnx-predict';
 * const model = await loadModelFile('resnet18.onnx');
 * console.log(stats(model).params, describeModel(model));
 * ```
 */
import { UsageError } from './errors.ts';
import type { Model } from './onnx-to-text/ir.ts';
import { readModel } from './onnx-to-text/reader.ts';
import { DEFAULT_TEXT_MODE, describe, TEXT_MODES, type TextMode } from './onnx-to-text/text/index.ts';
import { readModelBytes } from './io.ts';
import { statsReport, type StatsReport } from './stats.ts';
import { SPACES } from '../datasets/index.ts';

export * from './errors.ts';
export type { Model, Graph, Node, Tensor, TensorType, Dim, DType, ValueInfo, AttributeValue } from './onnx-to-text/ir.ts';
export { readModel } from './onnx-to-text/reader.ts';
export { GraphBuilder, type WeightMode } from './onnx-to-text/writer.ts';
export { profileModel, inferShapes, type Profile, type NodeProfile, type Diagnostic } from './onnx-to-text/profile.ts';
export { formatStats, humanCount, type StatsReport } from './stats.ts';
export { DEFAULT_TEXT_MODE, TEXT_MODES, type TextMode };
export { buildDataset, readManifest, SPACES, type ManifestRecord, type BuildSummary } from '../datasets/index.ts';
export const DATASET_SPACES: readonly string[] = Object.freeze(Object.keys(SPACES));

/** Reads and decodes an ONNX file; typed errors for missing, unreadable or invalid files. */
export async function loadModelFile(path: string): Promise<Model> {
  return readModel(await readModelBytes(path));
}

export function stats(model: Model, file?: string): StatsReport {
  return statsReport(model, undefined, file);
}

export function describeModel(model: Model, options: { mode?: TextMode; maxChars?: number } = {}): string {
  return describe(model, options);
}

export function parseNonNegativeInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

export function parsePositiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return n;
}

/**
 * `manifest.jsonl`, the training-data format: one `ManifestRecord` per line (an ONNX file and its
 * measured accuracies). datasets/ writes it, training reads it, users may write their own.
 * Reading validates every line and names the line and field that is wrong.
 */
import { readFileSync } from 'node:fs';
import { OnnxPredictError } from '../errors.ts';

/** One line of `manifest.jsonl`. snake_case because it is a file format. */
export interface ManifestRecord {
  /** `<space>-<index>`; also the ONNX file's base name. */
  id: string;
  space: string;
  arch: string;
  /** ONNX file path relative to the manifest's folder. */
  file: string;
  labels: Record<string, number>;
  label_kind: Record<string, string>;
  /** Initializer element count from `profileModel`. */
  params: number;
  /** Multiply-accumulates from `profileModel` (0 where shapes could not be inferred). */
  macs: number;
  published_params?: number;
  /** Leave-family-out group (`resnet`, `regnet`, `nb201`); readers treat an absent one as `space`. */
  family?: string;
  /** Architecture identity shared across spaces (timm ∩ pytorchcv, NB201 cells on CIFAR and NinaPro): one fold per key; absent means `arch`. */
  arch_key?: string;
}

export const MANIFEST_FILE = 'manifest.jsonl';

/** A record's leave-family-out group: its `family`, else its space (cell spaces are one family each). */
export function recordFamily(r: { readonly space: string; readonly family?: string }): string {
  return r.family ?? r.space;
}

/** A record's cross-space architecture key (records sharing it belong in one fold): its `arch_key`, else its `arch`. */
export function recordArchKey(r: { readonly arch: string; readonly arch_key?: string }): string {
  return r.arch_key ?? r.arch;
}

function fail(where: string, message: string): never {
  throw new OnnxPredictError('DATASET_ERROR', `${where}: ${message}`);
}

function numberMap(where: string, field: string, v: unknown): Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, `'${field}' must be an object`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(where, `'${field}.${k}' must be a finite number, got ${JSON.stringify(x)}`);
  }
  return v as Record<string, number>;
}

function stringMap(where: string, field: string, v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, `'${field}' must be an object`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') fail(where, `'${field}.${k}' must be a string`);
  return v as Record<string, string>;
}

/** Validates one parsed manifest line. `where` prefixes error messages (e.g. 'manifest.jsonl:12'). */
export function validateRecord(v: unknown, where: string): ManifestRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'a record must be a JSON object');
  const r = v as Record<string, unknown>;
  for (const f of ['id', 'space', 'arch', 'file'] as const) {
    if (typeof r[f] !== 'string' || r[f] === '') fail(where, `'${f}' must be a non-empty string`);
  }
  const file = r['file'] as string;
  if (file.startsWith('/') || file.split(/[\\/]/).includes('..')) fail(where, `'file' must be relative to the manifest folder, got '${file}'`);
  for (const f of ['params', 'macs'] as const) {
    const x = r[f];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) fail(where, `'${f}' must be a non-negative integer, got ${JSON.stringify(x)}`);
  }
  const labels = numberMap(where, 'labels', r['labels']);
  const kinds = stringMap(where, 'label_kind', r['label_kind']);
  for (const k of Object.keys(labels)) if (!(k in kinds)) fail(where, `label '${k}' has no label_kind`);
  const rec: ManifestRecord = {
    id: r['id'] as string, space: r['space'] as string, arch: r['arch'] as string, file,
    labels, label_kind: kinds, params: r['params'] as number, macs: r['macs'] as number,
  };
  if (r['published_params'] !== undefined) {
    const p = r['published_params'];
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) fail(where, `'published_params' must be a non-negative number`);
    rec.published_params = p;
  }
  for (const f of ['family', 'arch_key'] as const) {
    const x = r[f];
    if (x === undefined) continue;
    if (typeof x !== 'string' || x === '') fail(where, `'${f}' must be a non-empty string when present`);
    rec[f] = x;
  }
  return rec;
}

/** Parses manifest text; duplicate ids are an error. */
export function parseManifest(text: string, name = MANIFEST_FILE): ManifestRecord[] {
  const out: ManifestRecord[] = [];
  const ids = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${name}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new OnnxPredictError('DATASET_ERROR', `${where}: not valid JSON`, { cause: e });
    }
    const rec = validateRecord(v, where);
    if (ids.has(rec.id)) fail(where, `duplicate id '${rec.id}'`);
    ids.add(rec.id);
    out.push(rec);
  }
  return out;
}

/** Reads and validates `manifest.jsonl` at `path`. */
export function readManifest(path: string): ManifestRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new OnnxPredictError('DATASET_ERROR', `cannot read manifest '${path}' (parameter 'path')`, { cause: e });
  }
  return parseManifest(text, path);
}

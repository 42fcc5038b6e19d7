/**
 * Labelled architectures of built datasets (`<dir>/manifest.jsonl` + ONNX files) and their
 * features, computed once per manifest and cached on disk; seeded splits.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readManifest } from './manifest.ts';
import { OnnxPredictError } from '../errors.ts';
import { readModelBytes } from '../io.ts';
import { readModel } from '../onnx-to-text/reader.ts';
import { profileModel } from '../onnx-to-text/profile.ts';
import { graphView } from './graph-features.ts';
import { archFingerprint, fingerprint } from './fingerprint.ts';
import { featureLayout, featurize, PhraseEmbeddings, type FeatureLayout } from './features.ts';

/** Each built space's main accuracy label: what a transfer set ranks against. */
export const PRIMARY_TARGET: Readonly<Record<string, string>> = Object.freeze({
  nb201: 'cifar10',
  nb101: 'cifar10',
  accel: 'imagenet-16ep',
  'transnas-micro': 'class_scene',
  timm: 'imagenet',
  'nb201-ninapro': 'ninapro',
  pytorchcv: 'imagenet',
  pycls: 'imagenet',
});

/** Bumped whenever feature extraction changes, so stale caches are not reused. */
export const FEATURE_VERSION = 1;

export interface LabeledRecord {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly file: string;
  readonly labels: Readonly<Record<string, number>>;
  /** What each label measures (the manifest's label_kind). */
  readonly labelKind?: Readonly<Record<string, string>>;
  readonly params: number;
  readonly macs: number;
}

/** Records of a built dataset, with ONNX paths made absolute. */
export function loadManifest(manifestPath: string): LabeledRecord[] {
  if (!existsSync(manifestPath)) {
    throw new OnnxPredictError('DATASET_ERROR', `${manifestPath}: no manifest (build it with 'onnx-predict dataset build')`);
  }
  const base = dirname(resolve(manifestPath));
  return readManifest(manifestPath).map(({ label_kind, published_params: _p, ...r }) => ({ ...r, labelKind: label_kind, file: resolve(base, r.file) }));
}

export interface FeatureCacheOptions {
  readonly cacheDir?: string | null;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Features for records, cached per (records, layout, encoder, FEATURE_VERSION). */
/** Size and mtime: a rebuilt file invalidates cached features. */
function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${Math.round(st.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

export interface RecordFeatures {
  readonly features: Float32Array[];
  /** Exact-match fingerprints (chain_slim text hashes), one per record. */
  readonly fingerprints: string[];
  /** Same-architecture fingerprints (fingerprint.ts `archFingerprint`), one per record. */
  readonly archFingerprints: string[];
}

export async function recordFeatures(records: readonly LabeledRecord[], layout: FeatureLayout, emb: PhraseEmbeddings | null, encoderKey: string, options: FeatureCacheOptions = {}): Promise<RecordFeatures> {
  // numeric-only and text-only are slices of node-graph: derive them from its features so one
  // pass over the graphs serves all three (numeric-only still works without an encoder).
  if ((layout.representation === 'numeric-only' || layout.representation === 'text-only') && emb !== null) {
    const full = featureLayout('node-graph', layout.encoderDim);
    const r = await recordFeatures(records, full, emb, encoderKey, options);
    const from = layout.representation === 'numeric-only' ? full.textLength : 0;
    return { features: r.features.map((v) => v.slice(from, from + layout.length)), fingerprints: r.fingerprints, archFingerprints: r.archFingerprints };
  }
  const key = createHash('sha256')
    .update(JSON.stringify({ v: FEATURE_VERSION, layout, encoderKey, ids: records.map((r) => r.id), files: records.map((r) => r.file), mtimes: records.map((r) => fileStamp(r.file)) }))
    .digest('hex')
    .slice(0, 24);
  const cacheDir = options.cacheDir === undefined ? join(process.env.ONNX_PREDICT_CACHE ?? '.cache/onnx-predict', 'features') : options.cacheDir;
  const cacheFile = cacheDir ? join(cacheDir, `${key}.f32`) : null;
  const sideFile = cacheFile ? `${cacheFile}.json` : null;
  if (cacheFile && sideFile && existsSync(cacheFile) && existsSync(sideFile)) {
    const buf = readFileSync(cacheFile);
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const side = JSON.parse(readFileSync(sideFile, 'utf8')) as { phrases: string[]; fingerprints: string[]; archFingerprints?: string[] };
    // A cache written before archFingerprint existed is recomputed.
    if (all.length === records.length * layout.length && side.fingerprints.length === records.length && side.archFingerprints?.length === records.length) {
      // The phrases are re-registered so a checkpoint built from cached features still ships them
      // (the encoder's own cache makes this cheap).
      if (emb && layout.representation !== 'numeric-only') await emb.ensure(side.phrases);
      return { features: records.map((_, i) => all.slice(i * layout.length, (i + 1) * layout.length)), fingerprints: side.fingerprints, archFingerprints: side.archFingerprints };
    }
  }
  const features: Float32Array[] = [];
  const fingerprints: string[] = [];
  const archFingerprints: string[] = [];
  const phrases = new Set<string>();
  const batch = 256;
  for (let s = 0; s < records.length; s += batch) {
    const part = records.slice(s, s + batch);
    const graphs = await Promise.all(part.map(async (r) => {
      const model = readModel(await readModelBytes(r.file));
      return { model, profile: profileModel(model) };
    }));
    for (const g of graphs) {
      fingerprints.push(fingerprint(g.model, g.profile.shapes));
      archFingerprints.push(archFingerprint(g.model, g.profile));
      for (const t of graphView(g.model, g.profile).nodeTexts) phrases.add(t);
    }
    features.push(...(await featurize(graphs, layout, emb)));
    options.onProgress?.(Math.min(records.length, s + batch), records.length);
  }
  if (cacheFile && sideFile) {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const all = new Float32Array(records.length * layout.length);
    features.forEach((v, i) => all.set(v, i * layout.length));
    writeFileSync(`${cacheFile}.tmp`, all);
    renameSync(`${cacheFile}.tmp`, cacheFile);
    writeFileSync(sideFile, JSON.stringify({ phrases: [...phrases].sort(), fingerprints, archFingerprints }));
  }
  return { features, fingerprints, archFingerprints };
}

/** Seeded permutations: the one copy, shared with the dataset builders. */
export { shuffled } from '../random.ts';

export function labelMatrix(records: readonly LabeledRecord[], targets: readonly string[]): Float32Array[] {
  return records.map((r) => Float32Array.from(targets, (t) => r.labels[t] ?? NaN));
}

/**
 * Whole groups (e.g. timm families) to k folds: largest group first, each to the currently
 * smallest fold; deterministic (ties broken by name).
 */
export function groupFolds(groups: ReadonlyMap<string, number>, k: number): Map<string, number> {
  const sizes = new Array<number>(k).fill(0);
  const out = new Map<string, number>();
  for (const [g, n] of [...groups].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    let best = 0;
    for (let i = 1; i < k; i++) if (sizes[i]! < sizes[best]!) best = i;
    out.set(g, best);
    sizes[best]! += n;
  }
  return out;
}

/**
 * Training and evaluation over dataset manifests (datasets/lib: `<dir>/manifest.jsonl` + ONNX
 * files). Features are computed once per manifest and cached on disk; splits are seeded; model
 * selection and interval calibration use held-out data of the TRAINING spaces only.
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
import { fingerprint } from './predictor.ts';
import { featureLayout, featurize, PhraseEmbeddings, type FeatureLayout, type Representation, type TextEmbedder } from './features.ts';
import { shuffleWith } from '../random.ts';
import { calibrateIntervals, DEFAULT_HEAD_CONFIG, predictHead, seededRandom, trainHead, Z80, type HeadConfig, type HeadState } from './head.ts';
import { kendallTau, rankReport, spearmanRho, type RankReport } from './metrics.ts';

/** Bumped whenever feature extraction changes, so stale caches are not reused. */
export const FEATURE_VERSION = 1;

export interface LabeledRecord {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly file: string;
  readonly labels: Readonly<Record<string, number>>;
  readonly params: number;
  readonly macs: number;
}

/** Records of a built dataset, with ONNX paths made absolute. */
export function loadManifest(manifestPath: string): LabeledRecord[] {
  if (!existsSync(manifestPath)) {
    throw new OnnxPredictError('DATASET_ERROR', `${manifestPath}: no manifest (build it with 'onnx-predict dataset build')`);
  }
  const base = dirname(resolve(manifestPath));
  return readManifest(manifestPath).map((r) => ({ ...r, file: resolve(base, r.file) }));
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
}

export async function recordFeatures(records: readonly LabeledRecord[], layout: FeatureLayout, emb: PhraseEmbeddings | null, encoderKey: string, options: FeatureCacheOptions = {}): Promise<RecordFeatures> {
  // numeric-only and text-only are slices of node-graph: derive them from its features so one
  // pass over the graphs serves all three (numeric-only still works without an encoder).
  if ((layout.representation === 'numeric-only' || layout.representation === 'text-only') && emb !== null) {
    const full = featureLayout('node-graph', layout.encoderDim);
    const r = await recordFeatures(records, full, emb, encoderKey, options);
    const from = layout.representation === 'numeric-only' ? full.textLength : 0;
    return { features: r.features.map((v) => v.slice(from, from + layout.length)), fingerprints: r.fingerprints };
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
    const side = JSON.parse(readFileSync(sideFile, 'utf8')) as { phrases: string[]; fingerprints: string[] };
    if (all.length === records.length * layout.length && side.fingerprints.length === records.length) {
      // The phrases are re-registered so a checkpoint built from cached features still ships them
      // (the encoder's own cache makes this cheap).
      if (emb && layout.representation !== 'numeric-only') await emb.ensure(side.phrases);
      return { features: records.map((_, i) => all.slice(i * layout.length, (i + 1) * layout.length)), fingerprints: side.fingerprints };
    }
  }
  const features: Float32Array[] = [];
  const fingerprints: string[] = [];
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
    writeFileSync(sideFile, JSON.stringify({ phrases: [...phrases].sort(), fingerprints }));
  }
  return { features, fingerprints };
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return shuffleWith(items, seededRandom(seed));
}

export function labelMatrix(records: readonly LabeledRecord[], targets: readonly string[]): Float32Array[] {
  return records.map((r) => Float32Array.from(targets, (t) => r.labels[t] ?? NaN));
}

export interface FitResult {
  readonly head: HeadState;
  readonly validation: Readonly<Record<string, RankReport & { coverage80: number }>>;
  /** Mean validation Kendall τ of each candidate configuration, and the index chosen. */
  readonly selection: { readonly candidates: readonly number[]; readonly chosen: number };
}

/**
 * Trains a head on `train` with `valFraction` of it held out. With several candidate
 * configurations, each is trained on the same split and the one with the best mean validation
 * Kendall τ is kept: model selection sees the training spaces only, never the test space.
 * The held-out part also calibrates the interval.
 */
/** Architectures of another training-side space, used only to score candidate heads on transfer. */
export interface TransferSet {
  readonly space: string;
  readonly X: readonly Float32Array[];
  /** The space's own accuracy label; ranked against the head's first target. */
  readonly y: readonly number[];
}

export function fitHead(X: readonly Float32Array[], records: readonly LabeledRecord[], targets: readonly string[], config: HeadConfig | readonly HeadConfig[], seed: number, options: { valFraction?: number; pcaInputs?: number; transfer?: readonly TransferSet[] } = {}): FitResult {
  const valFraction = options.valFraction ?? 0.1;
  const order = shuffled(records.map((_, i) => i), seed + 17);
  const nVal = Math.max(2, Math.round(order.length * valFraction));
  const valIdx = order.slice(0, nVal);
  const trIdx = order.slice(nVal);
  const Y = labelMatrix(records, targets);
  const Xv = valIdx.map((i) => X[i]!);
  const Yv = valIdx.map((i) => Y[i]!);
  const candidates = Array.isArray(config) ? (config as readonly HeadConfig[]) : [config as HeadConfig];
  let best: { head: HeadState; validation: Record<string, RankReport & { coverage80: number }>; score: number; index: number } | null = null;
  const scores: number[] = [];
  candidates.forEach((cfg, index) => {
    const head = trainHead(trIdx.map((i) => X[i]!), trIdx.map((i) => Y[i]!), targets, { ...cfg, seed }, options.pcaInputs !== undefined ? { pcaInputs: options.pcaInputs } : {});
    calibrateIntervals(head, Xv, Yv);
    const p = predictHead(head, Xv);
    const validation: Record<string, RankReport & { coverage80: number }> = {};
    targets.forEach((t, ti) => {
      const rows = Yv.map((y, i) => [p.mean[i]![ti]!, y[ti]!, p.std[i]![ti]!] as const).filter(([, y]) => !Number.isNaN(y));
      if (rows.length < 2) return;
      validation[t] = { ...rankReport(rows.map((r) => r[0]), rows.map((r) => r[1])), coverage80: coverage(head, rows, ti) };
    });
    const taus = Object.values(validation).map((v) => v.kendall).filter(Number.isFinite);
    // Transfer sets (other spaces, never the test space) weigh as much as the in-space split:
    // a head meant for unseen spaces is chosen for how it ranks a space it was not trained on.
    const inSpace = taus.length ? taus.reduce((a, b) => a + b, 0) / taus.length : -Infinity;
    const transfer = (options.transfer ?? []).map((t) => kendallTau(predictHead(head, t.X).mean.map((m) => m[0]!), t.y)).filter(Number.isFinite);
    const score = transfer.length ? (inSpace + transfer.reduce((a, b) => a + b, 0) / transfer.length) / 2 : inSpace;
    scores.push(score);
    if (best === null || score > best.score) best = { head, validation, score, index };
  });
  const chosen = best!;
  return { head: chosen.head, validation: chosen.validation, selection: { candidates: scores, chosen: chosen.index } };
}

/** Share of samples whose truth falls inside the calibrated 80 % interval. */
export function coverage(head: HeadState, rows: readonly (readonly [number, number, number])[], ti: number): number {
  const floor = 0.05 * head.labelStd[ti]!;
  let inside = 0;
  for (const [mu, y, sd] of rows) if (Math.abs(y - mu) <= Z80 * head.intervalScale[ti]! * Math.max(sd, floor)) inside++;
  return inside / Math.max(1, rows.length);
}

export interface BaselineReport {
  readonly kendall: number;
  readonly spearman: number;
}

/** Rank correlation of a single static quantity with the truth (params, MACs baselines). */
export function baseline(values: readonly number[], truth: readonly number[]): BaselineReport {
  return { kendall: kendallTau(values, truth), spearman: spearmanRho(values, truth) };
}


/**
 * `onnx-predict train`: manifests in, a checkpoint folder out (head, phrase vectors, known
 * architectures, neighbour index). Used for the shipped default model and by users adapting the
 * predictor to their own architectures (a manifest of ONNX files + accuracies).
 */
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, saveCheckpoint, type KnownArch } from './checkpoint.ts';
import { featureLayout, PhraseEmbeddings, type Representation, type TextEmbedder } from './features.ts';
import { transformFeatures, type HeadConfig } from './head/infer.ts';
import { HEAD_CANDIDATES } from './head/train.ts';
import { fitHead } from './fit.ts';
import { loadManifest, recordFeatures, shuffled, type LabeledRecord } from './records.ts';
import { VECTOR_INDEXES } from './vector-index.ts';

export interface TrainPredictorOptions {
  readonly manifests: readonly string[];
  readonly out: string;
  readonly targets?: readonly string[];
  /** Use a seeded sample of this many architectures per manifest (default: all). */
  readonly trainSize?: number;
  readonly seed?: number;
  readonly representation?: Representation;
  readonly head?: HeadConfig | readonly HeadConfig[];
  readonly encoder: TextEmbedder;
  readonly name?: string;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface TrainSummary {
  readonly out: string;
  readonly targets: readonly string[];
  readonly trainedOn: Readonly<Record<string, number>>;
  readonly validation: Readonly<Record<string, unknown>>;
  readonly seconds: number;
}

/** Dimensions of the projected features kept in the neighbour index (bounds its size). */
const INDEX_DIM = 16;

export async function trainPredictor(o: TrainPredictorOptions): Promise<TrainSummary> {
  const t0 = performance.now();
  const seed = o.seed ?? 0;
  const representation = o.representation ?? 'node-graph';
  const layout = featureLayout(representation, o.encoder.dim);
  // Features are computed (and cached) per manifest, so adding a space reuses the others.
  const emb = new PhraseEmbeddings(o.encoder);
  const records: LabeledRecord[] = [];
  const features: Float32Array[] = [];
  const fingerprints: string[] = [];
  for (const [i, m] of o.manifests.entries()) {
    const all = loadManifest(m);
    const f = await recordFeatures(all, layout, emb, `${o.encoder.id}/${o.encoder.dtype}`, {
      onProgress: (d, t) => o.onProgress?.(`features ${i + 1}/${o.manifests.length}`, d, t),
    });
    const keep = o.trainSize !== undefined ? shuffled(all.map((_, j) => j), seed).slice(0, o.trainSize) : all.map((_, j) => j);
    for (const j of keep) {
      records.push(all[j]!);
      features.push(f.features[j]!);
      fingerprints.push(f.fingerprints[j]!);
    }
  }
  const counts = new Map<string, number>();
  for (const r of records) for (const t of Object.keys(r.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const targets = o.targets ?? [...counts.keys()].sort();
  const fit = fitHead(features, records, targets, o.head ?? HEAD_CANDIDATES, seed, { pcaInputs: layout.textLength });
  const projected = transformFeatures(fit.head, features);
  const indexDim = Math.min(INDEX_DIM, projected[0]?.length ?? INDEX_DIM);
  const index = VECTOR_INDEXES.hnsw(indexDim, { maxElements: records.length });
  projected.forEach((v, i) => index.add(v.subarray(0, indexDim), i));
  const known: KnownArch[] = records.map((r, i) => ({ id: r.id, space: r.space, arch: r.arch, labels: r.labels, fingerprint: fingerprints[i]! }));
  const trainedOn: Record<string, number> = {};
  for (const r of records) trainedOn[r.space] = (trainedOn[r.space] ?? 0) + 1;
  saveCheckpoint(o.out, {
    meta: {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      name: o.name ?? 'custom',
      createdAt: new Date().toISOString().slice(0, 10),
      encoder: { id: o.encoder.id, dtype: o.encoder.dtype, dim: o.encoder.dim },
      representation,
      featureLength: layout.length,
      fingerprintMode: 'chain_slim',
      targets,
      trainedOn,
      indexDim,
      metrics: { validation: fit.validation, selection: fit.selection },
    },
    head: fit.head,
    phrases: emb.entries(),
    known,
  }, (path) => index.save(path));
  return { out: o.out, targets, trainedOn, validation: fit.validation, seconds: (performance.now() - t0) / 1000 };
}

/**
 * A loaded predictor: graphs in, accuracy per target with an 80 % interval, the nearest known
 * architectures, and an exact-match lookup against the benchmarks it learnt from.
 */
import { fileURLToPath } from 'node:url';
import { OnnxPredictError } from '../errors.ts';
import type { Encoder } from '../encoder/encoder.ts';
import type { Model, TensorType } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';
import { describe as describeText, textHash, type TextMode } from '../onnx-to-text/text/index.ts';
import { loadCheckpoint, type Checkpoint, type KnownArch } from './checkpoint.ts';
import { featureLayout, featurize, PhraseEmbeddings, type FeatureLayout, type TextEmbedder } from './features.ts';
import { interval, predictHead, transformFeatures } from './head/infer.ts';
import { VECTOR_INDEXES, type VectorIndex } from './vector-index.ts';

/** Accuracies live in [0, 100]; an extrapolating head must not say otherwise. */
const clamp = (v: number): number => Math.min(100, Math.max(0, v));

/** Cosine distance under which a neighbour may be the same graph (float noise is ~1e-7). */
const EXACT_GATE = 1e-4;

export const DEFAULT_CHECKPOINT_DIR = fileURLToPath(new URL('../../models/predictors/default/', import.meta.url));

export interface TargetPrediction {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
}

export interface NeighborInfo {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly distance: number;
  readonly accuracy: Readonly<Record<string, number>>;
}

export interface Prediction {
  readonly predictions: Readonly<Record<string, TargetPrediction>>;
  readonly neighbors: readonly NeighborInfo[];
  /** Set when the graph is identical to a benchmark architecture: its measured accuracies. */
  readonly exact: (KnownArch & { readonly note: string }) | null;
}

/** Fingerprint used for exact-match lookup (equal graphs → equal text → equal hash). */
export function fingerprint(model: Model, shapes?: ReadonlyMap<string, TensorType>, mode: TextMode = 'chain_slim'): string {
  return textHash(describeText(model, { mode, ...(shapes ? { shapes: new Map(shapes) } : {}) }));
}

/** Phrase vectors from the checkpoint first; the encoder (loaded on first need) for new phrases. */
class CheckpointEmbedder implements TextEmbedder {
  private encoder: Encoder | null = null;
  constructor(
    private readonly known: ReadonlyMap<string, Float32Array>,
    readonly id: string,
    readonly dtype: string,
    readonly dim: number,
    private readonly loadEncoder: () => Promise<Encoder>,
  ) {}
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = texts.filter((t) => !this.known.has(t));
    const fresh = new Map<string, Float32Array>();
    if (missing.length > 0) {
      if (!this.encoder) {
        const enc = await this.loadEncoder();
        if (enc.id !== this.id || enc.dtype !== this.dtype) {
          throw new OnnxPredictError('INCOMPATIBLE_CHECKPOINT', `checkpoint was trained with encoder ${this.id} (${this.dtype}), got ${enc.id} (${enc.dtype})`);
        }
        this.encoder = enc;
      }
      const vecs = await this.encoder.embed(missing);
      missing.forEach((t, i) => fresh.set(t, vecs[i]!));
    }
    return texts.map((t) => this.known.get(t) ?? fresh.get(t)!);
  }
  async dispose(): Promise<void> {
    await this.encoder?.dispose();
  }
}

export interface PredictorOptions {
  /** Supplies the text encoder when a graph has node phrases the checkpoint has not seen. */
  readonly loadEncoder: () => Promise<Encoder>;
}

export class Predictor {
  private readonly layout: FeatureLayout;
  private readonly phrases: PhraseEmbeddings;
  private readonly embedder: CheckpointEmbedder;
  private index: VectorIndex | null = null;
  private readonly byFingerprint: Map<string, KnownArch>;

  private constructor(readonly checkpoint: Checkpoint, options: PredictorOptions) {
    const m = checkpoint.meta;
    this.layout = featureLayout(m.representation, m.encoder.dim);
    if (this.layout.length !== m.featureLength) {
      throw new OnnxPredictError('INCOMPATIBLE_CHECKPOINT', `checkpoint expects ${m.featureLength} features, this build computes ${this.layout.length} for '${m.representation}'`);
    }
    this.embedder = new CheckpointEmbedder(checkpoint.phrases, m.encoder.id, m.encoder.dtype, m.encoder.dim, options.loadEncoder);
    this.phrases = new PhraseEmbeddings(this.embedder);
    this.byFingerprint = new Map(checkpoint.known.map((k) => [k.fingerprint, k]));
  }

  static load(dir: string = DEFAULT_CHECKPOINT_DIR, options: PredictorOptions): Predictor {
    return new Predictor(loadCheckpoint(dir), options);
  }

  get targets(): readonly string[] {
    return this.checkpoint.meta.targets;
  }

  private neighborIndex(): VectorIndex | null {
    if (this.index === null && this.checkpoint.indexPath !== null) {
      this.index = VECTOR_INDEXES.hnsw(this.checkpoint.meta.indexDim, { path: this.checkpoint.indexPath });
    }
    return this.index;
  }

  async predict(graphs: readonly { model: Model; profile: Profile }[], options: { neighbors?: number } = {}): Promise<Prediction[]> {
    const X = await featurize(graphs, this.layout, this.phrases);
    const head = this.checkpoint.head;
    const p = predictHead(head, X);
    const projected = transformFeatures(head, X);
    const index = this.neighborIndex();
    const k = options.neighbors ?? 3;
    return graphs.map((g, i) => {
      const predictions: Record<string, TargetPrediction> = {};
      head.targets.forEach((t, ti) => {
        const raw = p.mean[i]![ti]!;
        const { low, high } = interval(head, raw, p.std[i]![ti]!, ti);
        predictions[t] = { accuracy: clamp(raw), low: clamp(low), high: clamp(high) };
      });
      // One extra neighbour look-up doubles as the exact-match gate: an identical graph has
      // identical features, so only a graph at distance ~0 from a known one pays for the
      // fingerprint (a chain_slim text of the whole graph).
      const found = index ? index.search(projected[i]!.subarray(0, this.checkpoint.meta.indexDim), Math.max(k, 1)) : [];
      const neighbors = found.slice(0, k).map((n) => {
        const a = this.checkpoint.known[n.label]!;
        return { id: a.id, space: a.space, arch: a.arch, distance: n.distance, accuracy: a.labels };
      });
      const maybeKnown = !index || (found[0] !== undefined && found[0].distance < EXACT_GATE);
      const hit = maybeKnown ? this.byFingerprint.get(fingerprint(g.model, g.profile.shapes, this.checkpoint.meta.fingerprintMode as TextMode)) ?? null : null;
      return { predictions, neighbors, exact: hit ? { ...hit, note: `identical to ${hit.space} architecture ${hit.arch}: measured accuracies` } : null };
    });
  }

  async dispose(): Promise<void> {
    await this.embedder.dispose();
  }
}

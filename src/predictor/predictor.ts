/**
 * A loaded predictor: graphs in, accuracy per target with an 80 % interval, the nearest known
 * architectures, and an exact-match lookup against the benchmarks it learnt from.
 */
import { fileURLToPath } from 'node:url';
import { OnnxPredictError } from '../errors.ts';
import type { Encoder } from '../encoder/encoder.ts';
import type { Model } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';
import type { TextMode } from '../onnx-to-text/text/index.ts';
import { fingerprint } from './fingerprint.ts';
import { loadCheckpoint, type Checkpoint, type KnownArch } from './checkpoint.ts';
import { checkDomain, graphSignature } from './domain.ts';
import { featureLayout, featurize, PhraseEmbeddings, type FeatureLayout, type TextEmbedder } from './features.ts';
import { transformFeatures } from './head/infer.ts';
import { gateFor, imputeRows, modelGateDistances, predictModel, type ModelState } from './model.ts';
import { headRow, scalarRow, SCALAR_FEATURES } from './scalars.ts';
import { graphWarnings, type PredictionWarning } from './warnings.ts';
import { VECTOR_INDEXES, type VectorIndex } from './vector-index.ts';
import { PROXY_VERSION, type ProxyOptions, type ProxyReport } from '../proxies/index.ts';

/** Accuracies live in [0, 100]; an extrapolating model must not say otherwise. */
const clamp = (v: number): number => Math.min(100, Math.max(0, v));

/** Cosine distance under which a neighbour may be the same graph (float noise is ~1e-7). */
const EXACT_GATE = 1e-4;

export const DEFAULT_CHECKPOINT_DIR = fileURLToPath(new URL('../../models/predictors/default/', import.meta.url));

export interface TargetPrediction {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  /** Whether the model fits the target's training domain (input resolution, channels). */
  readonly inDomain: boolean;
  /** Why not, when out of domain. */
  readonly domainNote?: string;
  /**
   * Which part answered: for graphs like the training ones the in-space head (embeddings + scalars)
   * or the boosted trees (scalars), whichever the checkpoint chose; for the others the cross-space
   * ranker.
   */
  readonly source: 'head' | 'trees' | 'ranker';
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
  /** The zero-cost proxies (null when the checkpoint reads none or they were turned off). */
  readonly proxies: ProxyReport | null;
  readonly warnings: readonly PredictionWarning[];
}

export interface PredictOptions {
  readonly neighbors?: number;
  /** Compute zero-cost proxies when the checkpoint reads them (default true). */
  readonly proxies?: boolean;
  readonly proxyOptions?: ProxyOptions;
}

/** Fingerprint used for exact-match lookup (equal graphs → equal text → equal hash). */
export { fingerprint };

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

  /** The model's learnt parts, head included. */
  private get model(): ModelState {
    return { ...this.checkpoint.model, head: this.checkpoint.head };
  }

  async predict(graphs: readonly { model: Model; profile: Profile }[], options: PredictOptions = {}): Promise<Prediction[]> {
    const base = await featurize(graphs, this.layout, this.phrases);
    const meta = this.checkpoint.meta;
    // Proxies of another definition than the checkpoint learnt from would be read as its features:
    // such a checkpoint predicts from the structure alone (and says so) until it is retrained.
    const staleProxies = meta.proxies !== null && meta.proxies.version !== PROXY_VERSION && options.proxies !== false;
    const wantProxies = meta.proxies !== null && options.proxies !== false && !staleProxies;
    const proxies: (ProxyReport | null)[] = [];
    if (wantProxies) {
      const { computeProxies } = await import('../proxies/index.ts');
      for (const g of graphs) proxies.push(await computeProxies(g.model, options.proxyOptions ?? {}));
    } else {
      for (let i = 0; i < graphs.length; i++) proxies.push(null);
    }
    const rows = base.map((b, i) => ({ x: headRow(b, proxies[i]?.proxies, proxies[i]?.samples), scalars: scalarRow(b, this.layout.textLength, proxies[i]?.proxies, proxies[i]?.samples) }));
    const model = this.model;
    const projected = transformFeatures(model.head, imputeRows(rows.map((r) => r.x), model.impute));
    const index = this.neighborIndex();
    const k = options.neighbors ?? 3;
    const found = projected.map((v) => (index ? index.search(v.subarray(0, meta.indexDim), Math.max(k, 1)) : []));
    const nearest = modelGateDistances(model, rows.map((r) => r.x));
    const preds = predictModel(model, rows, nearest);
    const weightedAt = SCALAR_FEATURES.indexOf('n_weighted');
    const exactHits = graphs.map((g, i) => {
      const maybeKnown = !index || (found[i]![0] !== undefined && found[i]![0].distance < EXACT_GATE);
      return maybeKnown ? this.byFingerprint.get(fingerprint(g.model, g.profile.shapes, meta.fingerprintMode as TextMode)) ?? null : null;
    });
    const maybeExact = (i: number): boolean => exactHits[i] !== null;
    return graphs.map((g, i) => {
      const sig = graphSignature(g.model, g.profile);
      const warnings: PredictionWarning[] = graphWarnings(g.profile, rows[i]!.scalars[weightedAt] ?? 0);
      const predictions: Record<string, TargetPrediction> = {};
      let clamped = false;
      for (const t of meta.targets) {
        const p = preds[i]![t]!;
        const dom = checkDomain(sig, meta.domains[t]);
        if (p.accuracy < 0 || p.accuracy > 100) clamped = true;
        predictions[t] = { accuracy: clamp(p.accuracy), low: clamp(p.low), high: clamp(p.high), inDomain: dom.inDomain, ...(dom.reason ? { domainNote: dom.reason } : {}), source: p.source };
      }
      if (clamped) warnings.push({ code: 'clamped', message: 'a prediction fell outside 0–100 % and was clamped: the model is far outside what the predictor learnt' });
      // An exact match is the known architecture itself, whatever the gate says (its mean
      // embedding can sit far from its few same-space neighbours).
      const gate = gateFor(model, nearest[i]!);
      const far = nearest[i]!.distance > gate && !maybeExact(i);
      const calibrated = preds[i]![meta.targets[0]!]?.calibratedOn;
      if (far) {
        const where = gate > 0
          ? `${(nearest[i]!.distance / gate).toFixed(1)} × the distance within which 90 % of the nearest space's architectures have their nearest neighbours`
          : 'its nearest training architectures come from different spaces';
        warnings.push({
          code: 'far-from-training',
          message: `the graph is unlike the training architectures (${where}): the cross-space ranker answers${calibrated && calibrated !== '*'
            ? `, its accuracies calibrated on the nearest space (${calibrated}), and the interval is wide`
            : '; its order among graphs of one new search space is the part to trust: where such a space sits in accuracy is not known (it is read within the training labels), and on search spaces held out in training the 80 % interval covered 61–91 % of architectures (docs/RESULTS.md)'}` });
      }
      if (wantProxies && proxies[i]?.skipped) warnings.push({ code: 'no-proxies', message: `zero-cost proxies could not run (${proxies[i]!.skipped!.message}); the prediction uses the graph's structure only` });
      if (staleProxies) warnings.push({ code: 'no-proxies', message: `the checkpoint learnt from ${meta.proxies!.version} proxies and this build computes ${PROXY_VERSION}: the prediction uses the graph's structure only until the checkpoint is retrained (docs/PROXIES.md)` });
      if (!Object.values(predictions).some((p) => p.inDomain)) warnings.push({ code: 'out-of-domain', message: 'the model fits none of the targets the predictor learnt (input size or channels differ): every prediction is a guess' });
      // One extra neighbour look-up doubles as the exact-match gate: an identical graph has
      // identical features, so only a graph at distance ~0 from a known one pays for the
      // fingerprint (a chain_slim text of the whole graph).
      const neighbors = found[i]!.slice(0, k).map((n) => {
        const a = this.checkpoint.known[n.label]!;
        return { id: a.id, space: a.space, arch: a.arch, distance: Math.max(0, n.distance), accuracy: a.labels };
      });
      const hit = exactHits[i] ?? null;
      return {
        predictions, neighbors,
        exact: hit ? { ...hit, note: `identical to ${hit.space} architecture ${hit.arch}: measured accuracies` } : null,
        proxies: proxies[i] ?? null,
        warnings,
      };
    });
  }

  async dispose(): Promise<void> {
    await this.embedder.dispose();
  }
}

/**
 * A loaded predictor: graphs in, accuracy per target with an 80 % interval, the nearest known
 * architectures, and an exact-match lookup against the benchmarks it learnt from.
 */
import { NUMERIC_FEATURES } from './graph-features.ts';
import { fileURLToPath } from 'node:url';
import { OnnxPredictError } from '../errors.ts';
import type { Encoder } from '../encoder/encoder.ts';
import type { Model } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';
import type { TextMode } from '../onnx-to-text/text/index.ts';
import { ARCH_FINGERPRINT_VERSION, archFingerprint, fingerprint } from './fingerprint.ts';
import { knownSources, loadCheckpoint, type Checkpoint, type KnownArch } from './checkpoint.ts';
import { checkDomain, graphSignature } from './domain.ts';
import { featureLayout, featurize, PhraseEmbeddings, type FeatureLayout, type TextEmbedder } from './features.ts';
import { transformFeatures } from './head/infer.ts';
import { gateFor, imputeRows, modelGateDistances, predictModel, type ModelState } from './model.ts';
import { headRow, scalarRow, SCALAR_FEATURES } from './scalars.ts';
import { graphWarnings, WARNING_SUMMARIES, type PredictionWarning } from './warnings.ts';
import { VECTOR_INDEXES, type VectorIndex } from './vector-index.ts';
import { PROXY_VERSION, type ProxyOptions, type ProxyReport } from '../proxies/index.ts';

/** Accuracies live in [0, 100]; an extrapolating model must not say otherwise. */
const clamp = (v: number): number => Math.min(100, Math.max(0, v));

/** Known architectures with the same graph listed beside an exact match (NB201 has up to 40 isomorphic cells). */
const MAX_OTHERS = 10;

/** Cosine distance under which a neighbour may be the same graph (float noise is ~1e-7). */
const EXACT_GATE = 1e-4;

export const DEFAULT_CHECKPOINT_DIR = fileURLToPath(new URL('../../models/predictors/default/', import.meta.url));

/** What the learnt model says for one target, whichever part answered. */
export interface ModelPrediction {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  /**
   * Which part answered: for graphs like the training ones the in-space head (embeddings + scalars)
   * or the boosted trees (scalars), whichever the checkpoint chose; for the others the cross-space
   * ranker.
   */
  readonly source: 'head' | 'trees' | 'ranker';
}

export interface TargetPrediction {
  /** The answer: the measurement when the model is a known architecture measured on this target, else the model's prediction. */
  readonly accuracy: number;
  /** The 80 % interval (equal to `accuracy` for a measurement). */
  readonly low: number;
  readonly high: number;
  /** Whether the model fits the target: input resolution and channels as its training graphs, output classes as its label set. */
  readonly inDomain: boolean;
  /** Why not, when out of domain. */
  readonly domainNote?: string;
  /** 'measured' when `accuracy` is a known architecture's measurement; else the part of the model that answered. */
  readonly source: ModelPrediction['source'] | 'measured';
  /** For a measurement: which known architecture and what its label measures (split, epochs, recipe). */
  readonly measured?: { readonly id: string; readonly kind: string };
  /** For a measurement: what the model itself predicts, beside it. */
  readonly predicted?: ModelPrediction;
}

export interface NeighborInfo {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly distance: number;
  readonly accuracy: Readonly<Record<string, number>>;
}

/**
 * A known architecture the model is: `graph` when the graphs are identical (chain_slim
 * fingerprint), `architecture` when they differ only in how they were exported (archFingerprint).
 */
export interface ExactMatch extends KnownArch {
  readonly match: 'graph' | 'architecture';
  readonly note: string;
  /** Other known architectures with the same architecture fingerprint (e.g. DeiT and ViT, one graph, two recipes; isomorphic NB201 cells), the best first, at most 10. */
  readonly others: readonly KnownArch[];
}

export interface Prediction {
  readonly predictions: Readonly<Record<string, TargetPrediction>>;
  readonly neighbors: readonly NeighborInfo[];
  /** Set when the model is a known architecture: its measured accuracies (which `predictions` report). */
  readonly exact: ExactMatch | null;
  /** The zero-cost proxies (null when the checkpoint reads none or they were turned off). */
  readonly proxies: ProxyReport | null;
  /** The graph's numeric descriptors (NUMERIC_FEATURES; null where not computable): what the set ranker reads beside the proxies. */
  readonly descriptors: Readonly<Record<string, number | null>>;
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
  /** archFingerprint → known architectures, best first; empty for checkpoints without them. */
  private readonly byArch: Map<string, KnownArch[]>;

  private constructor(readonly checkpoint: Checkpoint, options: PredictorOptions) {
    const m = checkpoint.meta;
    this.layout = featureLayout(m.representation, m.encoder.dim);
    if (this.layout.length !== m.featureLength) {
      throw new OnnxPredictError('INCOMPATIBLE_CHECKPOINT', `checkpoint expects ${m.featureLength} features, this build computes ${this.layout.length} for '${m.representation}'`);
    }
    this.embedder = new CheckpointEmbedder(checkpoint.phrases, m.encoder.id, m.encoder.dtype, m.encoder.dim, options.loadEncoder);
    this.phrases = new PhraseEmbeddings(this.embedder);
    this.byFingerprint = new Map(checkpoint.known.map((k) => [k.fingerprint, k]));
    this.byArch = new Map();
    if (m.archFingerprintMode === ARCH_FINGERPRINT_VERSION) {
      for (const k of checkpoint.known) {
        if (k.archFingerprint === undefined) continue;
        const list = this.byArch.get(k.archFingerprint);
        if (list) list.push(k);
        else this.byArch.set(k.archFingerprint, [k]);
      }
      // The best recipe first, as timm's own table does for one architecture.
      const best = (k: KnownArch) => Math.max(...Object.values(k.labels));
      for (const list of this.byArch.values()) list.sort((a, b) => best(b) - best(a) || (a.id < b.id ? -1 : 1));
    }
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
    const exactHits = graphs.map((g, i) => this.exactMatch(g, found[i]![0]));
    const maybeExact = (i: number): boolean => exactHits[i] !== null;
    return graphs.map((g, i) => {
      const sig = graphSignature(g.model, g.profile);
      const warnings: PredictionWarning[] = graphWarnings(g.profile, rows[i]!.scalars[weightedAt] ?? 0);
      const predictions: Record<string, TargetPrediction> = {};
      let clamped = false;
      const hit = exactHits[i] ?? null;
      for (const t of meta.targets) {
        const p = preds[i]![t]!;
        const dom = checkDomain(sig, meta.domains[t], t);
        const domain = { inDomain: dom.inDomain, ...(dom.reason ? { domainNote: dom.reason } : {}) };
        const model: ModelPrediction = { accuracy: clamp(p.accuracy), low: clamp(p.low), high: clamp(p.high), source: p.source };
        const measured = hit?.labels[t];
        if (measured !== undefined) {
          // A known architecture's measurement is the answer; the model's own guess stays beside it.
          predictions[t] = { accuracy: measured, low: measured, high: measured, ...domain, source: 'measured', measured: { id: hit!.id, kind: hit!.source?.[t] ?? '' }, predicted: model };
          continue;
        }
        if (p.accuracy < 0 || p.accuracy > 100) clamped = true;
        predictions[t] = { ...model, ...domain };
      }
      if (clamped) warnings.push({ code: 'clamped', summary: WARNING_SUMMARIES.clamped, message: 'a prediction fell outside 0–100 % and was clamped: the model is far outside what the predictor learnt' });
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
          summary: calibrated && calibrated !== '*' ? `far from training data: calibrated on ${calibrated}, interval wide` : WARNING_SUMMARIES['far-from-training'],
          message: `the graph is unlike the training architectures (${where}): the cross-space ranker answers${calibrated && calibrated !== '*'
            ? `, its accuracies calibrated on the nearest space (${calibrated}), and the interval is wide`
            : '; its order among graphs of one new search space is the part to trust: where such a space sits in accuracy is not known (it is read within the training labels), and on search spaces held out in training the 80 % interval covered 61–91 % of architectures (docs/RESULTS.md)'}` });
      }
      if (wantProxies && proxies[i]?.skipped) warnings.push({ code: 'no-proxies', summary: WARNING_SUMMARIES['no-proxies'], message: `zero-cost proxies could not run (${proxies[i]!.skipped!.message}); the prediction uses the graph's structure only` });
      if (staleProxies) warnings.push({ code: 'no-proxies', summary: WARNING_SUMMARIES['no-proxies'], message: `the checkpoint learnt from ${meta.proxies!.version} proxies and this build computes ${PROXY_VERSION}: the prediction uses the graph's structure only until the checkpoint is retrained (docs/PROXIES.md)` });
      if (!Object.values(predictions).some((p) => p.inDomain)) warnings.push({ code: 'out-of-domain', summary: WARNING_SUMMARIES['out-of-domain'], message: 'the model fits none of the targets the predictor learnt (input size, channels or output classes differ): every prediction is a guess' });
      // One extra neighbour look-up doubles as the exact-match gate: an identical graph has
      // identical features, so only a graph at distance ~0 from a known one pays for the
      // fingerprint (a chain_slim text of the whole graph).
      const neighbors = found[i]!.slice(0, k).map((n) => {
        const a = this.checkpoint.known[n.label]!;
        return { id: a.id, space: a.space, arch: a.arch, distance: Math.max(0, n.distance), accuracy: a.labels };
      });
      return {
        predictions, neighbors,
        exact: hit,
        proxies: proxies[i] ?? null,
        descriptors: Object.fromEntries(NUMERIC_FEATURES.map((n, j) => { const v = rows[i]!.scalars[j]!; return [n, Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null]; })),
        warnings,
      };
    });
  }

  /**
   * The known architecture a graph is, if any. One extra neighbour look-up doubles as the gate of
   * the identical-graph check: an identical graph has identical features, so only a graph at
   * distance ~0 from a known one pays for its chain_slim fingerprint. The architecture
   * fingerprint (compact text, a few ms) is checked for every graph: two exports of one network
   * differ in their features too (resnet18 from torchvision and from timm: 16 Identity nodes).
   */
  private exactMatch(g: { model: Model; profile: Profile }, nearest: { distance: number } | undefined): ExactMatch | null {
    const meta = this.checkpoint.meta;
    const maybeKnown = this.index === null || (nearest !== undefined && nearest.distance < EXACT_GATE);
    const same = maybeKnown ? this.byFingerprint.get(fingerprint(g.model, g.profile.shapes, meta.fingerprintMode as TextMode)) : undefined;
    const arch = this.byArch.size > 0 ? this.byArch.get(archFingerprint(g.model, g.profile)) ?? [] : [];
    const first = same ?? arch[0];
    if (first === undefined) return null;
    const match = same !== undefined ? 'graph' : 'architecture';
    const others = arch.filter((k) => k.id !== first.id).slice(0, MAX_OTHERS);
    const what = `${first.space} ${first.arch}`;
    const source = knownSources(meta, first);
    return { ...first, ...(source ? { source } : {}), match, others, note: match === 'graph' ? `identical to ${what}` : `same architecture as ${what}, exported differently` };
  }

  async dispose(): Promise<void> {
    await this.embedder.dispose();
  }
}

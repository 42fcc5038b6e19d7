/**
 * Graph → feature vector for the head.
 *
 * Representation `node-graph` (default): every compute node's phrase is embedded by the
 * pretrained encoder; the graph is then summarised by three pooled statistics of those
 * embeddings — nodes (mean of x), edges (mean of x_a ⊙ x_b over data-flow edges) and two-step
 * paths (mean of x_a ⊙ x_b ⊙ x_c) — a parameter-free, Weisfeiler-Lehman-like summary that keeps
 * which ops follow which — plus the numeric profile descriptors. Phrases repeat massively across
 * a search space, so the encoder runs once per distinct phrase.
 *
 * Representation `text-chunks`: the whole text of the graph (a text mode of src/onnx-to-text)
 * cut into encoder windows and mean-pooled, plus the numeric descriptors — the ONNX-Net-like
 * baseline for the ablation.
 */
import type { Model } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';
import type { Encoder } from '../encoder/encoder.ts';
import { embedLongBatch } from '../encoder/long-text.ts';
import { describe as describeText, type TextMode } from '../onnx-to-text/text/index.ts';
import { graphView, NUMERIC_FEATURES, type GraphView } from './graph-features.ts';

/** The slice of the encoder the predictor needs. */
export interface TextEmbedder {
  readonly id: string;
  readonly dtype: string;
  readonly dim: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Texts longer than the encoder's window: chunk-and-mean (whole-text representations). */
  embedLong?(texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * Feature recipes. `node-graph` is the product's; the others exist for the ablation:
 * `numeric-only` (static profile descriptors), `text-only` (node-graph without them),
 * `text-compact` (the whole compact text in one encoder window + descriptors) and
 * `text-chain-slim` (ONNX-Net's chain_slim text, chunk-mean embedded + descriptors).
 */
export const REPRESENTATIONS = ['node-graph', 'numeric-only', 'text-only', 'text-compact', 'text-chain-slim'] as const;
export type Representation = (typeof REPRESENTATIONS)[number];

/** Adapts an `Encoder` (src/encoder) to the predictor's `TextEmbedder`, chunk-mean for long texts. */
export function textEmbedder(encoder: Encoder): TextEmbedder {
  return {
    id: encoder.id,
    dtype: encoder.dtype,
    dim: encoder.dim,
    embed: (texts) => encoder.embed(texts),
    embedLong: (texts) => embedLongBatch(encoder, texts, 'chunk-mean'),
  };
}

const WHOLE_TEXT_MODE = { 'text-compact': 'compact', 'text-chain-slim': 'chain_slim' } as const satisfies Partial<Record<Representation, TextMode>>;

function isWholeText(r: Representation): r is keyof typeof WHOLE_TEXT_MODE {
  return r in WHOLE_TEXT_MODE;
}

export interface FeatureLayout {
  readonly representation: Representation;
  readonly encoderDim: number;
  readonly length: number;
  /** Length of the leading encoder block (0 for numeric-only); numeric descriptors follow. */
  readonly textLength: number;
  readonly numeric: readonly string[];
}

export function featureLayout(representation: Representation, encoderDim: number): FeatureLayout {
  const text = representation === 'numeric-only' ? 0 : isWholeText(representation) ? encoderDim : 3 * encoderDim;
  const numeric = representation === 'text-only' ? [] : [...NUMERIC_FEATURES];
  return { representation, encoderDim, length: text + numeric.length, textLength: text, numeric };
}

/** Embeds phrases once per distinct string, memoised across calls. */
export class PhraseEmbeddings {
  private readonly memo = new Map<string, Float32Array>();
  constructor(readonly encoder: TextEmbedder) {}

  async ensure(phrases: Iterable<string>): Promise<void> {
    const missing = [...new Set(phrases)].filter((p) => !this.memo.has(p));
    if (missing.length === 0) return;
    const vecs = await this.encoder.embed(missing);
    missing.forEach((p, i) => this.memo.set(p, vecs[i]!));
  }

  get(phrase: string): Float32Array {
    const v = this.memo.get(phrase);
    if (!v) throw new Error(`phrase not embedded: ${phrase}`);
    return v;
  }

  get size(): number {
    return this.memo.size;
  }

  /** Every phrase embedded so far (shipped in checkpoints). */
  entries(): ReadonlyMap<string, Float32Array> {
    return this.memo;
  }
}

/** Pooled node/edge/path statistics of node embeddings: 3 × dim values. */
export function poolGraph(view: GraphView, emb: PhraseEmbeddings, dim: number): Float32Array {
  const out = new Float32Array(3 * dim);
  const n = view.nodeTexts.length;
  if (n === 0) return out;
  const x = view.nodeTexts.map((t) => emb.get(t));
  for (const v of x) for (let d = 0; d < dim; d++) out[d]! += v[d]! / n;
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of view.edges) preds[b]!.push(a);
  if (view.edges.length > 0) {
    const inv = 1 / view.edges.length;
    for (const [a, b] of view.edges) {
      const xa = x[a]!;
      const xb = x[b]!;
      for (let d = 0; d < dim; d++) out[dim + d]! += xa[d]! * xb[d]! * inv;
    }
  }
  // Two-step paths a → b → c, counted through each middle node b.
  let paths = 0;
  const acc = new Float64Array(dim);
  for (let c = 0; c < n; c++) {
    for (const b of preds[c]!) {
      for (const a of preds[b]!) {
        const xa = x[a]!;
        const xb = x[b]!;
        const xc = x[c]!;
        for (let d = 0; d < dim; d++) acc[d]! += xa[d]! * xb[d]! * xc[d]!;
        paths++;
      }
    }
  }
  if (paths > 0) for (let d = 0; d < dim; d++) out[2 * dim + d] = acc[d]! / paths;
  return out;
}

export interface GraphInput {
  readonly model: Model;
  readonly profile: Profile;
}

/** Feature vectors for a batch of graphs. */
export async function featurize(inputs: readonly GraphInput[], layout: FeatureLayout, emb: PhraseEmbeddings | null): Promise<Float32Array[]> {
  const views = inputs.map(({ model, profile }) => graphView(model, profile));
  const rep = layout.representation;
  if (isWholeText(rep)) {
    if (!emb) throw new Error(`representation '${rep}' needs an encoder`);
    const texts = inputs.map(({ model, profile }) => describeText(model, { mode: WHOLE_TEXT_MODE[rep], shapes: new Map(profile.shapes) }));
    const long = emb.encoder.embedLong?.bind(emb.encoder);
    const vecs = rep === 'text-chain-slim' && long ? await long(texts) : await emb.encoder.embed(texts);
    return views.map((view, i) => {
      const out = new Float32Array(layout.length);
      out.set(vecs[i]!, 0);
      let o = layout.encoderDim;
      for (const name of layout.numeric) out[o++] = view.numeric[name as keyof GraphView['numeric']];
      return out;
    });
  }
  const useText = rep !== 'numeric-only';
  if (useText) {
    if (!emb) throw new Error(`representation '${layout.representation}' needs an encoder`);
    await emb.ensure(views.flatMap((v) => v.nodeTexts));
  }
  return views.map((view) => {
    const out = new Float32Array(layout.length);
    let o = 0;
    if (useText) {
      out.set(poolGraph(view, emb!, layout.encoderDim), 0);
      o = 3 * layout.encoderDim;
    }
    for (const name of layout.numeric) out[o++] = view.numeric[name as keyof GraphView['numeric']];
    return out;
  });
}

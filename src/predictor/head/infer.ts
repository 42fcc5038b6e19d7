/**
 * What a prediction needs from the head: its state (feature standardisation, PCA, clip range,
 * the ensemble's dense layers, interval scales) and the plain-JS forward pass. Training lives in
 * ./train.ts, so loading a predictor never loads ml-matrix or the optimiser.
 */

export interface HeadConfig {
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** Weight of the pairwise margin ranking term relative to MSE. */
  readonly rankWeight: number;
  /** Ranking margin, in units of the label's standard deviation. */
  readonly margin: number;
  readonly members: number;
  /** Principal components kept (0 = no PCA). */
  readonly pcaDim: number;
  readonly seed: number;
}


export interface Dense {
  readonly w: Float32Array;
  readonly b: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
}

export interface HeadState {
  readonly version: 1;
  readonly targets: readonly string[];
  readonly featureMean: Float32Array;
  readonly featureStd: Float32Array;
  /** Row-major [pcaDim × pcaInputs], or null without PCA. */
  readonly pca: Float32Array | null;
  readonly pcaDim: number;
  /**
   * Leading features the PCA projects (the encoder block); the rest (the numeric descriptors)
   * pass through standardised, so a few strong scalars are not drowned among 1,000+ embedding
   * dimensions.
   */
  readonly pcaInputs: number;
  /**
   * Per-dimension range of the transformed training features. Inputs are clipped to it, so a
   * graph from another search space (out of the training distribution) cannot drive the MLP into
   * wild extrapolation: zero-shot predictions stay within what the training data spanned.
   */
  readonly clipLow: Float32Array | null;
  readonly clipHigh: Float32Array | null;
  readonly labelMean: Float32Array;
  readonly labelStd: Float32Array;
  readonly members: readonly (readonly Dense[])[];
  /** Interval half-width = z80 · intervalScale[t] · ensemble std (fitted on held-out data). */
  intervalScale: Float32Array;
  readonly config: HeadConfig;
}

/** Labels per sample per target; NaN = missing. */
export type LabelMatrix = readonly Float32Array[];

/** Standardise, then project onto the principal components. */
export function transformFeatures(state: Pick<HeadState, 'featureMean' | 'featureStd' | 'pca' | 'pcaDim' | 'pcaInputs'> & Partial<Pick<HeadState, 'clipLow' | 'clipHigh'>>, X: readonly Float32Array[]): Float32Array[] {
  const out = projectFeatures(state, X);
  const lo = state.clipLow;
  const hi = state.clipHigh;
  if (lo && hi) for (const v of out) for (let j = 0; j < v.length; j++) v[j] = Math.min(hi[j]!, Math.max(lo[j]!, v[j]!));
  return out;
}

function projectFeatures(state: Pick<HeadState, 'featureMean' | 'featureStd' | 'pca' | 'pcaDim' | 'pcaInputs'>, X: readonly Float32Array[]): Float32Array[] {
  const d = state.featureMean.length;
  const k = state.pcaInputs;
  return X.map((x) => {
    const z = new Float32Array(d);
    for (let j = 0; j < d; j++) z[j] = (x[j]! - state.featureMean[j]!) / state.featureStd[j]!;
    if (!state.pca) return z;
    const out = new Float32Array(state.pcaDim + d - k);
    for (let r = 0; r < state.pcaDim; r++) {
      let s = 0;
      const off = r * k;
      for (let j = 0; j < k; j++) s += state.pca[off + j]! * z[j]!;
      out[r] = s;
    }
    out.set(z.subarray(k), state.pcaDim);
    return out;
  });
}


/** Plain-JS forward pass of one member: inference needs no tfjs. */
function memberForward(layers: readonly Dense[], h: Float32Array): Float32Array {
  let x = h;
  layers.forEach((l, li) => {
    const y = Float32Array.from(l.b);
    for (let i = 0; i < l.inDim; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const off = i * l.outDim;
      for (let o = 0; o < l.outDim; o++) y[o]! += xi * l.w[off + o]!;
    }
    if (li + 1 < layers.length) for (let o = 0; o < y.length; o++) if (y[o]! < 0) y[o] = 0;
    x = y;
  });
  return x;
}

export interface HeadPrediction {
  /** Per sample, per target: accuracy in percent. */
  readonly mean: Float32Array[];
  /** Ensemble standard deviation in percent. */
  readonly std: Float32Array[];
}

export function predictHead(state: HeadState, X: readonly Float32Array[]): HeadPrediction {
  const H = transformFeatures(state, X);
  const T = state.targets.length;
  const mean: Float32Array[] = [];
  const std: Float32Array[] = [];
  for (const h of H) {
    const outs = state.members.map((m) => memberForward(m, h));
    const mu = new Float32Array(T);
    const sd = new Float32Array(T);
    for (let t = 0; t < T; t++) {
      const v = outs.map((o) => o[t]! * state.labelStd[t]! + state.labelMean[t]!);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      mu[t] = m;
      sd[t] = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
    }
    mean.push(mu);
    std.push(sd);
  }
  return { mean, std };
}

/** z for a central 80 % normal interval. */
export const Z80 = 1.2815515655446004;

export function interval(state: HeadState, mean: number, std: number, t: number): { low: number; high: number } {
  const half = Z80 * state.intervalScale[t]! * Math.max(std, 0.05 * state.labelStd[t]!);
  return { low: mean - half, high: mean + half };
}

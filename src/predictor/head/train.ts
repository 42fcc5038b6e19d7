/**
 * Training the regression/ranking head: feature standardisation → PCA (ml-matrix) → an ensemble of small
 * MLPs trained on MSE + pairwise margin ranking (ONNX-Net's loss), multi-target with masks.
 * Ensemble spread gives the uncertainty; a scale fitted on held-out data calibrates the interval.
 *
 * Why hand-written backprop: tfjs's pure-JS CPU backend (tfjs-node downloads a binary and fails
 * offline) took 124 s for 2 members × 20 epochs × 2,000 samples of this very MLP on 2 cores —
 * ~190 ms a step, almost all per-op overhead. A small MLP's gradients are a few loops over
 * Float32Arrays.
 */

import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { mulberry32 } from '../../random.ts';
import { predictHead, transformFeatures, Z80, type Dense, type HeadConfig, type HeadState, type LabelMatrix } from './infer.ts';

export const DEFAULT_HEAD_CONFIG: HeadConfig = {
  hidden: [128, 64],
  epochs: 60,
  batchSize: 128,
  learningRate: 2e-3,
  weightDecay: 1e-4,
  rankWeight: 1,
  margin: 0.05,
  members: 5,
  pcaDim: 96,
  seed: 0,
};

/**
 * Candidates the trainer chooses from on held-out training-space data (`fitHead`): a linear
 * ranker on 8 principal components (extrapolates gently: transfers across spaces), a small
 * well-regularised MLP, and a wider MLP for large in-space training sets.
 */
const LINEAR: HeadConfig = { ...DEFAULT_HEAD_CONFIG, hidden: [], weightDecay: 1e-2, pcaDim: 8 };
const MLP_SMALL: HeadConfig = { ...DEFAULT_HEAD_CONFIG, hidden: [32], weightDecay: 1e-3, pcaDim: 16 };
const MLP: HeadConfig = { ...DEFAULT_HEAD_CONFIG, pcaDim: 32 };

/** The candidates by name, for `onnx-predict train --head`; `auto` chooses among all three. */
export const HEAD_PRESETS = Object.freeze({
  linear: [LINEAR],
  'mlp-small': [MLP_SMALL],
  mlp: [MLP],
  auto: [LINEAR, MLP_SMALL, MLP],
} satisfies Record<string, readonly HeadConfig[]>);
export type HeadPreset = keyof typeof HEAD_PRESETS;

export const HEAD_CANDIDATES: readonly HeadConfig[] = HEAD_PRESETS.auto;


/** The head's generator: Mulberry32 on a scrambled seed, so seed 0 is not a degenerate state. */
export function seededRandom(seed: number): () => number {
  return mulberry32((seed ^ 0x9e3779b9) >>> 0);
}

function standardize(X: readonly Float32Array[]): { mean: Float32Array; std: Float32Array } {
  const d = X[0]?.length ?? 0;
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j]! += x[j]! / X.length;
  for (const x of X) for (let j = 0; j < d; j++) std[j]! += (x[j]! - mean[j]!) ** 2 / X.length;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) || 1;
  return { mean, std };
}

/**
 * Top-k principal directions of standardised features by randomized SVD (Halko et al.): a random
 * projection, two power iterations, QR, and the SVD of a small (k+10) × d matrix — O(n·d·k)
 * rather than the O(d³) of a full covariance eigendecomposition.
 */
function fitPca(Z: readonly Float32Array[], k: number, seed: number): Float32Array {
  const d = Z[0]!.length;
  const rand = seededRandom(seed);
  const rows = Z.length > 4000 ? Array.from({ length: 4000 }, () => Z[Math.floor(rand() * Z.length)]!) : Z;
  const A = new Matrix(rows.map((r) => Array.from(r)));
  const l = Math.min(k + 10, d, rows.length);
  const omega = Matrix.from1DArray(d, l, Array.from({ length: d * l }, () => rand() * 2 - 1));
  let Y = A.mmul(omega);
  for (let it = 0; it < 2; it++) Y = A.mmul(A.transpose().mmul(new QrDecomposition(Y).orthogonalMatrix));
  const Q = new QrDecomposition(Y).orthogonalMatrix;
  const B = Q.transpose().mmul(A);
  const svd = new SingularValueDecomposition(B.transpose(), { autoTranspose: true });
  const V = svd.leftSingularVectors;
  const kk = Math.min(k, V.columns);
  const out = new Float32Array(kk * d);
  // Whitened: each component scaled to unit variance on the training rows, so the MLP sees
  // inputs on one scale.
  for (let r = 0; r < kk; r++) {
    const sd = svd.diagonal[r]! / Math.sqrt(rows.length) || 1;
    for (let j = 0; j < d; j++) out[r * d + j] = V.get(j, r) / sd;
  }
  return out;
}

interface Layer {
  w: Float32Array;
  b: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
  // Adam moments.
  mw: Float32Array;
  vw: Float32Array;
  mb: Float32Array;
  vb: Float32Array;
}

function initLayers(dims: readonly number[], rand: () => number): Layer[] {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const inDim = dims[i]!;
    const outDim = dims[i + 1]!;
    const scale = Math.sqrt(2 / inDim);
    const w = new Float32Array(inDim * outDim);
    // Box-Muller normal init from the seeded generator, so training is reproducible.
    for (let j = 0; j < w.length; j++) {
      const u = Math.max(rand(), 1e-12);
      w[j] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()) * scale;
    }
    layers.push({ w, b: new Float32Array(outDim), inDim, outDim, mw: new Float32Array(w.length), vw: new Float32Array(w.length), mb: new Float32Array(outDim), vb: new Float32Array(outDim) });
  }
  return layers;
}

/**
 * dLoss/dPred for one batch: masked MSE plus margin ranking over in-batch pairs per target.
 * Returns the loss; writes the gradient into `grad` ([B × T], row-major).
 */
export function lossGrad(pred: Float32Array, y: Float32Array, mask: Float32Array, B: number, T: number, cfg: Pick<HeadConfig, 'rankWeight' | 'margin'>, grad: Float32Array): number {
  grad.fill(0);
  let count = 0;
  for (let k = 0; k < B * T; k++) count += mask[k]!;
  let loss = 0;
  if (count > 0) {
    for (let k = 0; k < B * T; k++) {
      if (mask[k] === 0) continue;
      const d = pred[k]! - y[k]!;
      loss += (d * d) / count;
      grad[k] = (2 * d) / count;
    }
  }
  if (cfg.rankWeight === 0) return loss;
  for (let t = 0; t < T; t++) {
    let pairs = 0;
    for (let i = 0; i < B; i++) {
      if (mask[i * T + t] === 0) continue;
      for (let j = i + 1; j < B; j++) if (mask[j * T + t] !== 0 && y[i * T + t] !== y[j * T + t]) pairs++;
    }
    if (pairs === 0) continue;
    const w = cfg.rankWeight / pairs;
    for (let i = 0; i < B; i++) {
      const ii = i * T + t;
      if (mask[ii] === 0) continue;
      for (let j = i + 1; j < B; j++) {
        const jj = j * T + t;
        if (mask[jj] === 0 || y[ii] === y[jj]) continue;
        const s = y[ii]! > y[jj]! ? 1 : -1;
        const h = cfg.margin - s * (pred[ii]! - pred[jj]!);
        if (h > 0) {
          loss += w * h;
          grad[ii]! -= w * s;
          grad[jj]! += w * s;
        }
      }
    }
  }
  return loss;
}

/** Forward pass keeping each layer's activations (post-ReLU) for backprop. */
function forwardBatch(layers: readonly Layer[], x: Float32Array, B: number): Float32Array[] {
  const acts: Float32Array[] = [x];
  let h = x;
  layers.forEach((l, li) => {
    const out = new Float32Array(B * l.outDim);
    for (let r = 0; r < B; r++) {
      const o = r * l.outDim;
      out.set(l.b, o);
      const xo = r * l.inDim;
      for (let i = 0; i < l.inDim; i++) {
        const xi = h[xo + i]!;
        if (xi === 0) continue;
        const wo = i * l.outDim;
        for (let c = 0; c < l.outDim; c++) out[o + c]! += xi * l.w[wo + c]!;
      }
    }
    if (li + 1 < layers.length) for (let k = 0; k < out.length; k++) if (out[k]! < 0) out[k] = 0;
    acts.push(out);
    h = out;
  });
  return acts;
}

function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, step: number, decay: number): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** step;
  const c2 = 1 - b2 ** step;
  for (let k = 0; k < p.length; k++) {
    const gk = g[k]! + decay * p[k]!;
    m[k] = b1 * m[k]! + (1 - b1) * gk;
    v[k] = b2 * v[k]! + (1 - b2) * gk * gk;
    p[k]! -= (lr * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + 1e-8);
  }
}

/** One optimisation step on a batch; returns the batch loss. */
function trainStep(layers: Layer[], x: Float32Array, y: Float32Array, mask: Float32Array, B: number, T: number, cfg: HeadConfig, step: number): number {
  const acts = forwardBatch(layers, x, B);
  const pred = acts[acts.length - 1]!;
  let delta = new Float32Array(B * T);
  const loss = lossGrad(pred, y, mask, B, T, cfg, delta);
  for (let li = layers.length - 1; li >= 0; li--) {
    const l = layers[li]!;
    const input = acts[li]!;
    const gw = new Float32Array(l.w.length);
    const gb = new Float32Array(l.outDim);
    const next = li > 0 ? new Float32Array(B * l.inDim) : null;
    for (let r = 0; r < B; r++) {
      const d0 = r * l.outDim;
      const x0 = r * l.inDim;
      for (let c = 0; c < l.outDim; c++) gb[c]! += delta[d0 + c]!;
      for (let i = 0; i < l.inDim; i++) {
        const xi = input[x0 + i]!;
        const wo = i * l.outDim;
        let back = 0;
        for (let c = 0; c < l.outDim; c++) {
          const dc = delta[d0 + c]!;
          gw[wo + c]! += xi * dc;
          back += l.w[wo + c]! * dc;
        }
        // ReLU derivative: the previous activation is post-ReLU, so zero means inactive.
        if (next && xi > 0) next[x0 + i] = back;
      }
    }
    adamStep(l.w, gw, l.mw, l.vw, cfg.learningRate, step, cfg.weightDecay);
    adamStep(l.b, gb, l.mb, l.vb, cfg.learningRate, step, 0);
    if (next) delta = next;
  }
  return loss;
}

/**
 * `epochs` is meant for ~1,000 samples; larger sets get proportionally fewer passes (at least 8)
 * so every member sees about the same number of samples and training time stays bounded.
 */
export function effectiveEpochs(epochs: number, n: number): number {
  return n <= 1000 ? epochs : Math.max(8, Math.round((epochs * 1000) / n));
}

export interface TrainOptions {
  readonly onEpoch?: (member: number, epoch: number, loss: number) => void;
  /** Leading features the PCA projects (default: all). */
  readonly pcaInputs?: number;
}

/** Trains the head. X: raw feature vectors; Y: labels (percent) per target, NaN where missing. */
export function trainHead(X: readonly Float32Array[], Y: LabelMatrix, targets: readonly string[], config: HeadConfig = DEFAULT_HEAD_CONFIG, options: TrainOptions = {}): HeadState {
  if (X.length !== Y.length || X.length < 2) throw new RangeError(`need ≥ 2 samples with labels, got ${X.length} features and ${Y.length} labels`);
  const T = targets.length;
  const { mean, std } = standardize(X);
  const pcaInputs = options.pcaInputs ?? X[0]!.length;
  const wantPca = config.pcaDim > 0 && config.pcaDim < pcaInputs;
  const base = { featureMean: mean, featureStd: std, pca: null as Float32Array | null, pcaDim: 0, pcaInputs: wantPca ? pcaInputs : 0 };
  if (wantPca) {
    const Z = transformFeatures(base, X).map((z) => z.subarray(0, pcaInputs));
    base.pca = fitPca(Z, Math.min(config.pcaDim, X.length - 1), config.seed);
    base.pcaDim = base.pca.length / pcaInputs;
  }
  const H = transformFeatures(base, X);
  const inDim = H[0]!.length;
  const clipLow = new Float32Array(inDim).fill(Infinity);
  const clipHigh = new Float32Array(inDim).fill(-Infinity);
  for (const h of H) {
    for (let j = 0; j < inDim; j++) {
      if (h[j]! < clipLow[j]!) clipLow[j] = h[j]!;
      if (h[j]! > clipHigh[j]!) clipHigh[j] = h[j]!;
    }
  }
  const labelMean = new Float32Array(T);
  const labelStd = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const v = Y.map((y) => y[t]!).filter((x) => !Number.isNaN(x));
    const m = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    labelMean[t] = m;
    labelStd[t] = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length)) || 1;
  }
  const n = X.length;
  const xs = new Float32Array(n * inDim);
  H.forEach((h, i) => xs.set(h, i * inDim));
  const ys = new Float32Array(n * T);
  const ms = new Float32Array(n * T);
  Y.forEach((y, i) => {
    for (let t = 0; t < T; t++) {
      const v = y[t]!;
      if (!Number.isNaN(v)) {
        ys[i * T + t] = (v - labelMean[t]!) / labelStd[t]!;
        ms[i * T + t] = 1;
      }
    }
  });

  const members: Dense[][] = [];
  for (let m = 0; m < config.members; m++) {
    const rand = seededRandom(config.seed * 1000 + m + 1);
    const layers = initLayers([inDim, ...config.hidden, T], rand);
    // Bootstrap resample per member (member 0 sees the data as is) for ensemble diversity.
    const sample = m === 0 ? Int32Array.from({ length: n }, (_, i) => i) : Int32Array.from({ length: n }, () => Math.floor(rand() * n));
    let step = 0;
    for (let epoch = 0; epoch < effectiveEpochs(config.epochs, n); epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [sample[i], sample[j]] = [sample[j]!, sample[i]!];
      }
      let epochLoss = 0;
      for (let s = 0; s < n; s += config.batchSize) {
        const idx = sample.subarray(s, Math.min(n, s + config.batchSize));
        const B = idx.length;
        const bx = new Float32Array(B * inDim);
        const by = new Float32Array(B * T);
        const bm = new Float32Array(B * T);
        idx.forEach((r, k) => {
          bx.set(xs.subarray(r * inDim, (r + 1) * inDim), k * inDim);
          by.set(ys.subarray(r * T, (r + 1) * T), k * T);
          bm.set(ms.subarray(r * T, (r + 1) * T), k * T);
        });
        epochLoss += trainStep(layers, bx, by, bm, B, T, config, ++step) * B;
      }
      options.onEpoch?.(m, epoch, epochLoss / n);
    }
    members.push(layers.map((l) => ({ w: l.w, b: l.b, inDim: l.inDim, outDim: l.outDim })));
  }
  return { version: 1, targets: [...targets], ...base, clipLow, clipHigh, labelMean, labelStd, members, intervalScale: new Float32Array(T).fill(1), config };
}


/**
 * Fits, per target, the scale s so that |y − μ| ≤ Z80 · s · σ holds for 80 % of held-out samples
 * (σ floored so a zero-spread ensemble still gets an interval).
 */
export function calibrateIntervals(state: HeadState, X: readonly Float32Array[], Y: LabelMatrix): Float32Array {
  const p = predictHead(state, X);
  const T = state.targets.length;
  const scale = new Float32Array(T).fill(1);
  for (let t = 0; t < T; t++) {
    const floor = 0.05 * state.labelStd[t]!;
    const r: number[] = [];
    Y.forEach((y, i) => {
      const v = y[t]!;
      if (!Number.isNaN(v)) r.push(Math.abs(v - p.mean[i]![t]!) / (Z80 * Math.max(p.std[i]![t]!, floor)));
    });
    if (r.length === 0) continue;
    r.sort((a, b) => a - b);
    scale[t] = r[Math.min(r.length - 1, Math.floor(0.8 * r.length))]!;
  }
  state.intervalScale = scale;
  return scale;
}

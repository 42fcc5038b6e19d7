/**
 * The proxy arithmetic on tensors already read from onnxruntime. Pure: typed arrays in, numbers out.
 * Formulas and their sources: docs/PROXIES.md.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Rng } from './rng.ts';

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Sign codes of the activation inputs, one sample at a time: a packed bit row per sample (NASWOT's
 * Hamming kernel) and a pattern word per neuron, bit j = sample j (SWAP's distinct patterns).
 */
export class SignCodes {
  readonly neurons: number;
  /** Word offset of each segment (tap) in a row; segments are word-aligned so they popcount apart. */
  private readonly starts: Int32Array;
  private readonly weights: Float64Array;
  private readonly sizes: readonly number[];
  private readonly words: number;
  private readonly rows: Uint32Array[] = [];
  /** Bit j of patterns[u]: neuron u positive on sample j (j < 32). */
  private readonly patterns: Uint32Array;

  /** `segments`: units per tap and its weight (ReLU modules reading it). */
  constructor(segments: readonly { elements: number; weight: number }[]) {
    this.sizes = segments.map((s) => s.elements);
    this.neurons = this.sizes.reduce((a, b) => a + b, 0);
    this.starts = new Int32Array(segments.length + 1);
    for (let i = 0; i < segments.length; i++) this.starts[i + 1] = this.starts[i]! + Math.ceil(segments[i]!.elements / 32);
    this.words = this.starts[segments.length]!;
    this.weights = Float64Array.from(segments, (s) => s.weight);
    this.patterns = new Uint32Array(this.neurons);
  }

  get samples(): number {
    return this.rows.length;
  }

  /** Adds one sample: `parts` are its activation tensors in segment order. */
  add(parts: readonly { data: Float32Array | Float64Array; offset: number; length: number; index?: Int32Array | null }[]): void {
    const j = this.rows.length;
    if (j >= 32) throw new RangeError('at most 32 samples');
    if (parts.length !== this.sizes.length) throw new RangeError(`sample has ${parts.length} parts, expected ${this.sizes.length}`);
    const row = new Uint32Array(this.words);
    const bit = (1 << j) >>> 0;
    const patterns = this.patterns;
    let u = 0;
    parts.forEach((p, s) => {
      const { data, offset, index } = p;
      const length = index ? index.length : p.length;
      if (length !== this.sizes[s]) throw new RangeError(`part ${s} has ${length} units, expected ${this.sizes[s]}`);
      const w0 = this.starts[s]! * 32;
      for (let i = 0; i < length; i++, u++) {
        if (data[offset + (index ? index[i]! : i)]! > 0) {
          const b = w0 + i;
          row[b >>> 5]! |= 1 << (b & 31);
          patterns[u]! |= bit;
        }
      }
    });
    this.rows.push(row);
  }

  /** K[i][j] = Σ over ReLU modules of units where samples i and j agree (c cᵀ + (1−c)(1−c)ᵀ summed). */
  kernel(): Float64Array {
    const n = this.rows.length;
    const k = new Float64Array(n * n);
    let diag = 0;
    this.sizes.forEach((size, s) => { diag += size * this.weights[s]!; });
    for (let i = 0; i < n; i++) {
      k[i * n + i] = diag;
      const a = this.rows[i]!;
      for (let j = 0; j < i; j++) {
        const b = this.rows[j]!;
        let agree = 0;
        for (let s = 0; s < this.sizes.length; s++) {
          let diff = 0;
          for (let w = this.starts[s]!; w < this.starts[s + 1]!; w++) diff += popcount32((a[w]! ^ b[w]!) >>> 0);
          agree += (this.sizes[s]! - diff) * this.weights[s]!;
        }
        k[i * n + j] = k[j * n + i] = agree;
      }
    }
    return k;
  }

  /** NASWOT: log |det K|. */
  naswot(): number {
    return logAbsDet(this.kernel(), this.rows.length);
  }

  /** SWAP: number of distinct activation patterns over the samples seen. */
  swap(): number {
    const sorted = this.patterns.slice().sort();
    let distinct = sorted.length > 0 ? 1 : 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
    return distinct;
  }
}

/** log |det A| of a row-major n×n matrix by LU with partial pivoting; -Infinity when singular. */
export function logAbsDet(a: Float64Array, n: number): number {
  const m = Float64Array.from(a);
  let sum = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    const pivot = m[p * n + c]!;
    if (pivot === 0) return -Infinity;
    if (p !== c) for (let k = 0; k < n; k++) { const t = m[c * n + k]!; m[c * n + k] = m[p * n + k]!; m[p * n + k] = t; }
    sum += Math.log(Math.abs(pivot));
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / pivot;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k]! -= f * m[c * n + k]!;
    }
  }
  return sum;
}

export function symmetricEigenvalues(a: Float64Array, n: number): number[] {
  if (n === 1) return [a[0]!];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, i * n + n)));
  return new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues;
}

/**
 * Smallest eigenvalue of a symmetric positive semi-definite matrix (a correlation matrix): 0 when
 * its Cholesky factorisation breaks down (singular to working precision), else inverse iteration
 * on the factor, finished by a Rayleigh quotient. ~10× cheaper than a full eigendecomposition.
 */
export function smallestEigenvalue(a: Float64Array, n: number): number {
  if (n === 1) return a[0]!;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  if (!(scale > 0)) return 0;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (!(d > 1e-10 * scale)) return 0;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  let x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 1 + i / n; // fixed start: deterministic
  const y = new Float64Array(n);
  let prev = Infinity;
  for (let it = 0; it < 200; it++) {
    // Solve L z = x, then Lᵀ y = z.
    for (let i = 0; i < n; i++) {
      let s = x[i]!;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
      y[i] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * y[k]!;
      y[i] = s / l[i * n + i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += y[i]! * y[i]!;
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm)) return 0;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = y[i]! / norm;
    x = next;
    const est = 1 / norm;
    if (Math.abs(est - prev) <= 1e-10 * Math.max(est, 1e-300)) break;
    prev = est;
  }
  // Rayleigh quotient of the converged vector.
  let q = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!;
    q += x[i]! * s;
  }
  return q;
}

/** Evenly spaced indices: `k` of [0, n), starting at a seeded offset within the first stride. */
export function spaced(n: number, k: number, rng: Rng): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const stride = n / k;
  const off = rng.uniform() * stride;
  return Int32Array.from({ length: k }, (_, i) => Math.min(n - 1, Math.floor(off + i * stride)));
}

/** Units read per activation tap; larger tensors are read at evenly spaced positions (NB201's largest has 16,384). */
export const MAX_UNITS_PER_TAP = 32768;

export const MECO_CHANNELS = 64;
export const MECO_POSITIONS = 256;

/**
 * MeCo term of one (C, H, W) map of one sample: the smallest eigenvalue of the C×C Pearson
 * correlation of channels over positions (a constant channel's row and column are 0, as the
 * reference's NaN → 0). Channels past MECO_CHANNELS are a seeded subset and λ_min is scaled by
 * C / k (MeCo_opt's rule); positions past MECO_POSITIONS are evenly subsampled.
 */
export function mecoTerm(data: Float32Array | Float64Array, offset: number, c: number, hw: number, rng: Rng, channels = MECO_CHANNELS, positions = MECO_POSITIONS): number {
  const chans = rng.subset(c, channels);
  const pos = spaced(hw, positions, rng);
  const k = chans.length;
  const p = pos.length;
  const x = new Float64Array(k * p);
  for (let i = 0; i < k; i++) {
    const base = offset + chans[i]! * hw;
    let mean = 0;
    for (let j = 0; j < p; j++) { const v = data[base + pos[j]!]!; x[i * p + j] = v; mean += v; }
    mean /= p;
    let ss = 0;
    for (let j = 0; j < p; j++) { const d = x[i * p + j]! - mean; x[i * p + j] = d; ss += d * d; }
    const norm = Math.sqrt(ss);
    const inv = norm > 1e-12 * Math.max(1, Math.abs(mean)) * Math.sqrt(p) && Number.isFinite(norm) ? 1 / norm : 0;
    for (let j = 0; j < p; j++) x[i * p + j]! *= inv;
  }
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < p; t++) s += x[i * p + t]! * x[j * p + t]!;
      r[i * k + j] = r[j * k + i] = Number.isFinite(s) ? s : 0;
    }
  }
  // Small matrices: a full decomposition is cheap and inverse iteration may converge slowly.
  const min = k < 32 ? Math.min(...symmetricEigenvalues(r, k)) : smallestEigenvalue(r, k);
  return Number.isFinite(min) ? min * (c / k) : 0;
}

export const AZ_CHANNELS = 64;
export const AZ_POSITIONS = 32;

/**
 * Rows of one block's feature map across samples: each sample adds up to AZ_POSITIONS positions
 * (tokens for 3-D maps) of a fixed seeded subset of up to AZ_CHANNELS channels.
 */
export class BlockRows {
  private readonly chans: Int32Array;
  /** Row-major rows of `chans.length` values, grown as samples arrive. */
  private store = new Float64Array(0);
  private n = 0;
  private readonly channelsLast: boolean;
  private readonly c: number;
  private readonly positions: number;

  /** `dims` at batch 1: (1, C, H, W) or (1, T, C). */
  constructor(dims: readonly number[], rng: Rng) {
    this.channelsLast = dims.length === 3;
    this.c = this.channelsLast ? dims[2]! : dims[1]!;
    this.positions = this.channelsLast ? dims[1]! : dims[2]! * dims[3]!;
    this.chans = rng.subset(this.c, AZ_CHANNELS);
  }

  add(data: Float32Array | Float64Array, offset: number, rng: Rng): void {
    const k = this.chans.length;
    const pos = spaced(this.positions, AZ_POSITIONS, rng);
    if ((this.n + pos.length) * k > this.store.length) {
      const grown = new Float64Array(Math.max((this.n + pos.length) * k, this.store.length * 2));
      grown.set(this.store);
      this.store = grown;
    }
    const st = this.store;
    for (const q of pos) {
      const base = this.n * k;
      for (let i = 0; i < k; i++) {
        const ch = this.chans[i]!;
        st[base + i] = this.channelsLast ? data[offset + q * this.c + ch]! : data[offset + ch * this.positions + q]!;
      }
      this.n++;
    }
  }

  /** Spectral entropy of the channel covariance: −Σ p log p, p = λ / Σλ (negative λ clipped). */
  entropy(): number {
    const k = this.chans.length;
    const n = this.n;
    if (n < 2 || k < 1) return 0;
    const st = this.store;
    const mean = new Float64Array(k);
    for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) mean[i]! += st[r * k + i]!;
    for (let i = 0; i < k; i++) mean[i]! /= n;
    const cov = new Float64Array(k * k);
    const d = new Float64Array(k);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < k; i++) d[i] = st[r * k + i]! - mean[i]!;
      for (let i = 0; i < k; i++) {
        const di = d[i]!;
        if (di === 0) continue;
        const row = i * k;
        for (let j = 0; j <= i; j++) cov[row + j]! += di * d[j]!;
      }
    }
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) cov[j * k + i] = cov[i * k + j]!;
    for (let i = 0; i < k * k; i++) if (!Number.isFinite(cov[i]!)) return 0;
    const ev = symmetricEigenvalues(cov, k);
    let total = 0;
    for (let i = 0; i < ev.length; i++) total += Math.max(0, ev[i]!);
    if (!(total > 0)) return 0;
    let h = 0;
    for (let i = 0; i < ev.length; i++) {
      const v = Math.max(0, ev[i]!);
      if (v > 0) { const p = v / total; h -= p * Math.log(p); }
    }
    return h;
  }
}

/** AZ-style scores from block entropies in graph order: their sum, and the smallest step between neighbours. */
export function azScores(entropies: readonly number[]): { expressivity: number; progressivity: number } {
  const expressivity = entropies.reduce((a, b) => a + b, 0);
  let progressivity = entropies.length >= 2 ? Infinity : 0;
  for (let i = 1; i < entropies.length; i++) progressivity = Math.min(progressivity, entropies[i]! - entropies[i - 1]!);
  return { expressivity, progressivity };
}

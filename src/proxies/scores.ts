/**
 * The proxy arithmetic on what the reduction tail (reduce.ts) returns. Pure: typed arrays in,
 * numbers out. Formulas and their sources: docs/PROXIES.md.
 */
import { CONSTANT_CHANNEL, type AzGroup, type MecoGroup } from './reduce.ts';

export { AZ_CHANNELS, AZ_ROWS, MAX_UNITS_PER_TAP, MECO_CHANNELS, MECO_POSITIONS, spaced } from './reduce.ts';

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Sign codes of the activation inputs over the samples: a pattern word per unit (bit j = the unit
 * is positive on sample j), merged over runs. SWAP counts the distinct patterns; NASWOT's kernel
 * K[i][j] = Σ_u w_u [bit i = bit j] comes from a weighted histogram of the patterns (≤ 16 samples:
 * superset sums over the 2^n masks give every pair's count of units positive on both) or from
 * bit rows (more samples). Integer counts either way.
 */
export class SignCodes {
  readonly neurons: number;
  private readonly patterns: Uint32Array;
  /** Weight of every unit (ReLU modules reading its tensor). */
  /** Units per chunk and each chunk's weight (units of a chunk are contiguous). */
  private readonly chunks: readonly { readonly units: number; readonly weight: number }[];
  private samples = 0;

  constructor(chunks: readonly { units: number; weight: number }[]) {
    this.neurons = chunks.reduce((a, c) => a + c.units, 0);
    this.patterns = new Uint32Array(this.neurons);
    this.chunks = chunks.map((c) => ({ units: c.units, weight: c.weight }));
  }

  get count(): number {
    return this.samples;
  }

  /** Adds one run of `batch` samples: per chunk its pattern rows (H × units, row h = samples 16h … 16h + 15 of the run). */
  addRun(batch: number, patterns: readonly ArrayLike<number>[], chunks: readonly { units: number }[]): void {
    const offset = this.samples;
    if (offset + batch > 32) throw new RangeError('at most 32 samples');
    const rows = Math.ceil(batch / 16);
    let base = 0;
    chunks.forEach((c, ci) => {
      const p = patterns[ci]!;
      for (let h = 0; h < rows; h++) {
        const scale = 2 ** (offset + 16 * h);
        const row = h * c.units;
        for (let u = 0; u < c.units; u++) {
          const v = p[row + u]!;
          if (v !== 0) this.patterns[base + u]! |= (v * scale) >>> 0;
        }
      }
      base += c.units;
    });
    this.samples += batch;
  }

  /** K[i][j] = Σ over ReLU modules of units where samples i and j agree (c cᵀ + (1−c)(1−c)ᵀ summed). */
  kernel(): Float64Array {
    return this.samples <= 16 ? this.kernelFromHistogram() : this.kernelFromRows();
  }

  private kernelFromHistogram(): Float64Array {
    const n = this.samples;
    const size = 2 ** n;
    // f[mask] = Σ weights of units whose pattern contains mask (superset sums).
    const f = new Float64Array(size);
    let total = 0;
    let u = 0;
    for (const c of this.chunks) {
      const w = c.weight;
      for (const end = u + c.units; u < end; u++) { f[this.patterns[u]!]! += w; total += w; }
    }
    for (let b = 0; b < n; b++) {
      const bit = 1 << b;
      // Every mask without `bit`, ascending: blocks of `bit` masks every 2·bit.
      for (let base = 0; base < size; base += 2 * bit) {
        for (let mask = base, end = base + bit; mask < end; mask++) f[mask]! += f[mask + bit]!;
      }
    }
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ni = f[1 << i]!;
      k[i * n + i] = total;
      for (let j = 0; j < i; j++) {
        // Agree = both positive + both not: W − n_i − n_j + 2·D_ij.
        const agree = total - ni - f[1 << j]! + 2 * f[(1 << i) | (1 << j)]!;
        k[i * n + j] = agree;
        k[j * n + i] = agree;
      }
    }
    return k;
  }

  private kernelFromRows(): Float64Array {
    const n = this.samples;
    // Bit rows per distinct weight (taps read by one, two, ... ReLU modules).
    const classes = new Map<number, number[]>();
    let at = 0;
    for (const c of this.chunks) {
      const list = classes.get(c.weight) ?? classes.set(c.weight, []).get(c.weight)!;
      for (let u = at; u < at + c.units; u++) list.push(u);
      at += c.units;
    }
    const k = new Float64Array(n * n);
    for (const [w, units] of classes) {
      const words = Math.ceil(units.length / 32);
      const rows = Array.from({ length: n }, () => new Uint32Array(words));
      units.forEach((u, i) => {
        let p = this.patterns[u]!;
        while (p !== 0) {
          const j = 31 - Math.clz32(p);
          rows[j]![i >>> 5]! |= 1 << (i & 31);
          p = (p & ~(1 << j)) >>> 0;
        }
      });
      for (let i = 0; i < n; i++) {
        k[i * n + i]! += w * units.length;
        for (let j = 0; j < i; j++) {
          let diff = 0;
          const a = rows[i]!;
          const b = rows[j]!;
          for (let x = 0; x < words; x++) diff += popcount32((a[x]! ^ b[x]!) >>> 0);
          const agree = w * (units.length - diff);
          k[i * n + j]! += agree;
          k[j * n + i]! += agree;
        }
      }
    }
    return k;
  }

  /** NASWOT: log |det K|. */
  naswot(): number {
    return logAbsDet(this.kernel(), this.samples);
  }

  /** SWAP: number of distinct activation patterns over the samples seen. */
  swap(): number {
    const n = this.patterns.length;
    if (n === 0) return 0;
    if (this.samples <= 20) {
      const seen = new Uint8Array(2 ** this.samples);
      let distinct = 0;
      for (let i = 0; i < n; i++) {
        const p = this.patterns[i]!;
        if (seen[p] === 0) { seen[p] = 1; distinct++; }
      }
      return distinct;
    }
    const sorted = this.patterns.slice().sort();
    let distinct = 1;
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
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

/**
 * Eigenvalues of a symmetric row-major n×n matrix (unsorted): Householder reduction to
 * tridiagonal form on the full symmetric storage (rows read contiguously; the same operations in
 * the same order as EISPACK's tred1 on the lower triangle, so the same values), then implicit QL,
 * eigenvalues only (tql1; ~4n³/3 flops). `a` is not modified.
 */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  const d = new Float64Array(n);
  if (n === 0) return d;
  if (n === 1) { d[0] = a[0]!; return d; }
  const m = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = a[i]!;
  const e = new Float64Array(n);
  const u = new Float64Array(n);
  const q = new Float64Array(n);
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const ri = i * n;
    if (l === 0) { e[i] = m[ri]!; continue; }
    let scale = 0;
    for (let k = 0; k <= l; k++) scale += Math.abs(m[ri + k]!);
    if (scale === 0) { e[i] = m[ri + l]!; continue; }
    let h = 0;
    for (let k = 0; k <= l; k++) { const v = m[ri + k]! / scale; u[k] = v; h += v * v; }
    const f = u[l]!;
    const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
    e[i] = scale * g;
    h -= f * g;
    u[l] = f - g;
    // p = A u / h over rows 0..l; K = uᵀp / 2h; q = p − K u; A ← A − u qᵀ − q uᵀ.
    let fsum = 0;
    for (let j = 0; j <= l; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = 0; k <= l; k++) s += m[rj + k]! * u[k]!;
      s /= h;
      q[j] = s;
      fsum += s * u[j]!;
    }
    const hh = fsum / (h + h);
    for (let j = 0; j <= l; j++) q[j]! -= hh * u[j]!;
    for (let j = 0; j <= l; j++) {
      const rj = j * n;
      const uj = u[j]!;
      const qj = q[j]!;
      for (let k = 0; k <= l; k++) m[rj + k]! -= uj * q[k]! + qj * u[k]!;
    }
  }
  for (let i = 0; i < n; i++) d[i] = m[i * n + i]!;
  // QL with implicit shifts on (d, e).
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let mm: number;
    do {
      for (mm = l; mm < n - 1; mm++) {
        const dd = Math.abs(d[mm]!) + Math.abs(d[mm + 1]!);
        if (Math.abs(e[mm]!) <= Number.EPSILON * dd) break;
      }
      if (mm !== l) {
        if (iter++ === 60) break;
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[mm]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let underflow = false;
        for (let i = mm - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) { d[i + 1]! -= p; e[mm] = 0; underflow = true; break; }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l]! -= p;
        e[l] = g;
        e[mm] = 0;
      }
    } while (mm !== l);
  }
  return d;
}

/**
 * MeCo over the reduced maps: Σ over maps of λ_min of the sampled channels' correlation on sample
 * 0, times C / k where channels were sampled. A channel constant over the positions read (its
 * spread under CONSTANT_CHANNEL of its mean, float32 rounding) has a zero row and column, as the
 * reference's NaN → 0. Maps whose positions read do not exceed the channels read are singular
 * (λ_min = 0) and were left out of the reduction.
 */
export function mecoScore(groups: readonly MecoGroup[], covs: readonly ArrayLike<number>[], means: readonly ArrayLike<number>[]): number {
  let sum = 0;
  groups.forEach((g, gi) => {
    const cov = covs[gi]!;
    const mu = means[gi]!;
    const k = g.k;
    const kk = k * k;
    const inv = new Float64Array(k);
    const r = new Float64Array(kk);
    for (let m = 0; m < g.maps; m++) {
      for (let i = 0; i < k; i++) {
        const v = cov[m * kk + i * k + i]!;
        const rms = Math.sqrt(Math.max(0, v) / g.positions);
        const live = Number.isFinite(v) && rms > CONSTANT_CHANNEL * (Math.abs(mu[m * k + i]!) + 1);
        inv[i] = live ? 1 / Math.sqrt(v) : 0;
      }
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const x = cov[m * kk + i * k + j]! * inv[i]! * inv[j]!;
          r[i * k + j] = Number.isFinite(x) ? x : 0;
        }
      }
      const ev = symmetricEigenvalues(r, k);
      let min = Infinity;
      for (let i = 0; i < ev.length; i++) min = Math.min(min, ev[i]!);
      if (Number.isFinite(min)) sum += min * g.scale;
    }
  });
  return sum;
}

/**
 * AZ block statistics accumulated over runs: per block the centred scatter of its rows and their
 * mean, merged run by run (Chan et al.), so one run of 16 samples and 16 runs of one agree.
 */
export class BlockScatter {
  private readonly n: Float64Array;
  private readonly mean: Float64Array[];
  private readonly scatter: Float64Array[];
  private readonly ks: number[];

  constructor(private readonly groups: readonly AzGroup[], blocks: number) {
    this.n = new Float64Array(blocks);
    this.mean = new Array<Float64Array>(blocks);
    this.scatter = new Array<Float64Array>(blocks);
    this.ks = new Array<number>(blocks).fill(0);
    for (const g of groups) {
      for (const b of g.blocks) {
        this.mean[b] = new Float64Array(g.k);
        this.scatter[b] = new Float64Array(g.k * g.k);
        this.ks[b] = g.k;
      }
    }
  }

  addRun(batch: number, scatters: readonly ArrayLike<number>[], means: readonly ArrayLike<number>[]): void {
    this.groups.forEach((g, gi) => {
      const k = g.k;
      const rows = batch * g.rowsPerSample;
      g.blocks.forEach((b, m) => {
        const s = scatters[gi]!;
        const mu = means[gi]!;
        const n0 = this.n[b]!;
        const n1 = n0 + rows;
        const mean = this.mean[b]!;
        const sc = this.scatter[b]!;
        const delta = new Float64Array(k);
        for (let i = 0; i < k; i++) delta[i] = mu[m * k + i]! - mean[i]!;
        const f = (n0 * rows) / n1;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) sc[i * k + j]! += s[m * k * k + i * k + j]! + f * delta[i]! * delta[j]!;
        }
        for (let i = 0; i < k; i++) mean[i]! += (delta[i]! * rows) / n1;
        this.n[b] = n1;
      });
    });
  }

  /** Spectral entropy of block `b`'s channel covariance: −Σ p log p, p = λ / Σλ (negative λ clipped). */
  entropy(b: number): number {
    const k = this.ks[b]!;
    const sc = this.scatter[b]!;
    if (this.n[b]! < 2 || k < 1) return 0;
    for (let i = 0; i < k * k; i++) if (!Number.isFinite(sc[i]!)) return 0;
    const ev = symmetricEigenvalues(sc, k);
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

/**
 * AZ-style scores from the taps' entropies in graph order: expressivity is their sum;
 * progressivity the smallest step between consecutive stages, a stage being a run of consecutive
 * taps of one spatial size (`stages[i]`: positions of tap i) scored by its mean entropy — as AZ-NAS
 * compares a network's stages. With fewer than two stages (a ViT: every block at 197 tokens), the
 * smallest step between consecutive taps.
 */
export function azScores(entropies: readonly number[], stages?: readonly number[]): { expressivity: number; progressivity: number } {
  const expressivity = entropies.reduce((a, b) => a + b, 0);
  const means: number[] = [];
  if (stages && stages.length === entropies.length) {
    let sum = 0;
    let n = 0;
    entropies.forEach((e, i) => {
      if (i > 0 && stages[i] !== stages[i - 1]) { means.push(sum / n); sum = 0; n = 0; }
      sum += e;
      n++;
    });
    if (n > 0) means.push(sum / n);
  }
  const steps = means.length >= 2 ? means : entropies;
  let progressivity = steps.length >= 2 ? Infinity : 0;
  for (let i = 1; i < steps.length; i++) progressivity = Math.min(progressivity, steps[i]! - steps[i - 1]!);
  return { expressivity, progressivity };
}

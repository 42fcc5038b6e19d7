/**
 * The space-agnostic part of the predictor: a ranking score over scalar features (static profile
 * descriptors and zero-cost proxies) that is learnt so that it transfers across search spaces.
 *
 * Why this shape:
 *  - Spaces label differently (NB101 108-epoch validation, NB201 200-epoch test, Accel a 16-epoch
 *    ImageNet proxy, timm the best recipe per model). Labels are therefore replaced by their
 *    normal scores *within each space* (rank → probit), so every space teaches only its order.
 *  - Features shift between spaces too (NASWOT grows with the number of ReLU units, MACs differ
 *    by orders of magnitude). The fit has one intercept per space (fixed effects): features and
 *    scores are centred within each space before a ridge regression, so the weights learn only
 *    within-space differences — what ranking a new space needs — and never the offset between
 *    spaces.
 *  - A linear scorer ranks a new space the same way whatever that space's feature offsets are;
 *    an MLP does not. ../shared/reference/zero-cost-proxies.md shows a head trained on one space
 *    destroying a transferable signal through collinear proxies (+2.4 / −2.2 weights): the ridge
 *    penalty and the sign filter (a feature whose within-space correlation with the label flips
 *    sign between training spaces is dropped) guard against that.
 * Pure numerics: no I/O.
 */
import { Matrix, solve } from 'ml-matrix';
import { ranks } from './metrics.ts';
import { inverseNormal } from '../proxies/rng.ts';

/** Inverse of the standard normal CDF (the proxies' Acklam approximation), ±∞ at 0 and 1. */
export function probit(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  return inverseNormal(p);
}

/** The standard normal CDF (erfc by Chebyshev fit, Numerical Recipes' erfcc: relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const r = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))));
  return 0.5 * (x >= 0 ? r : 2 - r);
}

/** Normal scores of values (ties share their average rank): the rank-based label normalisation. */
export function normalScores(values: ArrayLike<number>): Float64Array {
  const r = ranks(values);
  const n = values.length;
  return Float64Array.from(r, (v) => probit((v - 0.5) / n));
}

/** Rows grouped by a key, in first-seen order. */
export function groupIndices(groups: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = out.get(g);
    if (list) list.push(i);
    else out.set(g, [i]);
  });
  return out;
}

export interface RankerConfig {
  /** Ridge penalty per training row, on standardised features. */
  readonly lambda: number;
  /** Drop features whose within-space label correlation changes sign between training spaces. */
  readonly signFilter: boolean;
  /**
   * No fit: every feature weighs +1 in within-space standard deviations (the training-free
   * aggregate as a candidate; the data only sets the scales).
   */
  readonly fixed?: boolean;
  /**
   * Every training space weighs the same in the fit, whatever its row count (default false: rows
   * weigh the same). Without it the biggest space (NB201's 15,625 cells) sets the weights alone.
   */
  readonly balance?: boolean;
  /**
   * With `fixed`: keep only features whose within-space correlation with the label is at least
   * this large, in the same direction, in every training space, and weigh each ±1 by that
   * direction (the "consistent aggregate"). Without it a fixed ranker weighs every feature +1.
   */
  readonly minCorr?: number;
}

export const DEFAULT_RANKER_CONFIG: RankerConfig = { lambda: 0.1, signFilter: true };

export interface RankerState {
  readonly version: 1;
  /** Names of the scalar features, in the column order the caller supplies. */
  readonly features: readonly string[];
  /** Pooled within-space standard deviation of each feature (scale only: offsets do not rank). */
  readonly scale: Float64Array;
  /** Mean of each feature's finite training values: what a missing value reads as when scoring. */
  readonly center: Float64Array;
  readonly weights: Float64Array;
  readonly config: RankerConfig;
  /** Features left out by the sign filter (weight 0). */
  readonly dropped: readonly string[];
}

/** Within-group centring in place; returns the pooled within-group standard deviation. */
function centreWithin(cols: Float64Array[], groups: Map<string, number[]>, w: Float64Array): Float64Array {
  const d = cols.length;
  const scale = new Float64Array(d);
  let n = 0;
  for (const idx of groups.values()) for (const i of idx) n += w[i]!;
  for (let j = 0; j < d; j++) {
    const c = cols[j]!;
    let ss = 0;
    for (const idx of groups.values()) {
      let m = 0;
      for (const i of idx) m += c[i]!;
      m /= idx.length;
      for (const i of idx) {
        c[i] = c[i]! - m;
        ss += w[i]! * c[i]! ** 2;
      }
    }
    scale[j] = Math.sqrt(ss / Math.max(1e-12, n)) || 1;
  }
  return scale;
}

function corr(x: Float64Array, y: Float64Array, idx: readonly number[]): number {
  let sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
  for (const i of idx) {
    sx += x[i]!; sy += y[i]!;
  }
  const mx = sx / idx.length;
  const my = sy / idx.length;
  for (const i of idx) {
    const a = x[i]! - mx;
    const b = y[i]! - my;
    sxy += a * b; sxx += a * a; syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * Fits the ranker. `X` is rows × features (raw values, non-finite = 0), `groups` the space of each
 * row, `y` its label in that space's own units (normalised here, per group).
 */
export function fitRanker(X: readonly ArrayLike<number>[], groups: readonly string[], y: ArrayLike<number>, features: readonly string[], config: RankerConfig = DEFAULT_RANKER_CONFIG): RankerState {
  const n = X.length;
  const d = features.length;
  const byGroup = groupIndices(groups);
  const z = new Float64Array(n);
  for (const idx of byGroup.values()) {
    const s = normalScores(idx.map((i) => y[i]!));
    idx.forEach((i, k) => { z[i] = s[k]!; });
  }
  // A missing value (a proxy that could not run, or was never computed for that architecture)
  // takes its space's mean, so after centring it teaches nothing; rows of a space with no value
  // at all are all zero after centring.
  const center = new Float64Array(d);
  const cols = Array.from({ length: d }, (_, j) => {
    const c = Float64Array.from(X, (row) => row[j]!);
    let gs = 0, gn = 0;
    for (const v of c) if (Number.isFinite(v)) { gs += v; gn++; }
    center[j] = gn > 0 ? gs / gn : 0;
    for (const idx of byGroup.values()) {
      let m = 0, k = 0;
      for (const i of idx) if (Number.isFinite(c[i]!)) { m += c[i]!; k++; }
      const fill = k > 0 ? m / k : 0;
      for (const i of idx) if (!Number.isFinite(c[i]!)) c[i] = fill;
    }
    return c;
  });
  // Row weights: 1, or 1 / (rows of its space) × (mean rows per space) when spaces are balanced.
  const w = new Float64Array(n).fill(1);
  if (config.balance) for (const idx of byGroup.values()) for (const i of idx) w[i] = n / byGroup.size / idx.length;
  const scale = centreWithin(cols, byGroup, w);
  for (const idx of byGroup.values()) {
    let m = 0;
    for (const i of idx) m += z[i]!;
    m /= idx.length;
    for (const i of idx) z[i] = z[i]! - m;
  }
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) cols[j]![i] = cols[j]![i]! / scale[j]!;
  // Sign filter: a feature must agree in direction across every training space that varies it.
  const keep: number[] = [];
  const dropped: string[] = [];
  const directions = new Float64Array(d).fill(1);
  for (let j = 0; j < d; j++) {
    const all = [...byGroup.values()].filter((idx) => idx.length >= 10).map((idx) => corr(cols[j]!, z, idx));
    const signs = all.filter((r) => Math.abs(r) > 0.05);
    const consistent = signs.every((r) => r > 0) || signs.every((r) => r < 0);
    const constant = scale[j] === 1 && cols[j]!.every((v) => v === 0);
    if (config.fixed && config.minCorr !== undefined) {
      const m = config.minCorr;
      const strong = all.length > 0 && (all.every((r) => r >= m) || all.every((r) => r <= -m));
      if (constant || !strong) dropped.push(features[j]!);
      else {
        keep.push(j);
        directions[j] = all[0]! > 0 ? 1 : -1;
      }
    } else if (constant || (config.signFilter && !config.fixed && !consistent)) dropped.push(features[j]!);
    else keep.push(j);
  }
  const weights = new Float64Array(d);
  if (config.fixed) {
    for (const j of keep) weights[j] = directions[j]!;
  } else if (keep.length > 0) {
    const k = keep.length;
    const A = new Matrix(k, k);
    const b = new Matrix(k, 1);
    for (let p = 0; p < k; p++) {
      const cp = cols[keep[p]!]!;
      let bz = 0;
      for (let i = 0; i < n; i++) bz += w[i]! * cp[i]! * z[i]!;
      b.set(p, 0, bz / n);
      for (let q = p; q < k; q++) {
        const cq = cols[keep[q]!]!;
        let s = 0;
        for (let i = 0; i < n; i++) s += w[i]! * cp[i]! * cq[i]!;
        A.set(p, q, s / n);
        A.set(q, p, s / n);
      }
      A.set(p, p, A.get(p, p) + config.lambda);
    }
    const sol = solve(A, b);
    keep.forEach((j, p) => { weights[j] = sol.get(p, 0); });
  }
  return { version: 1, features: [...features], scale, center, weights, config, dropped };
}

/** Ranking scores (higher = better); comparable within a space, offsets between spaces arbitrary. */
export function scoreRanker(state: RankerState, X: readonly ArrayLike<number>[]): Float64Array {
  const d = state.features.length;
  return Float64Array.from(X, (row) => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = Number.isFinite(row[j]!) ? row[j]! : (state.center?.[j] ?? 0);
      if (state.weights[j] !== 0) s += (state.weights[j]! * v) / state.scale[j]!;
    }
    return s;
  });
}

/**
 * The training-free baseline: the mean within-set percentile rank of some features, each
 * oriented by `signs` (+1: higher is better). Needs a set to rank within: the architectures
 * being compared, or a reference set when a single model is scored.
 */
export function rankAggregate(X: readonly ArrayLike<number>[], columns: readonly number[], signs: readonly number[], reference?: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(X.length);
  columns.forEach((j, c) => {
    const sign = signs[c] ?? 1;
    if (reference) {
      const ref = Float64Array.from(reference, (r) => sign * r[j]!).sort();
      X.forEach((row, i) => { out[i] = out[i]! + lowerBound(ref, sign * row[j]!) / Math.max(1, ref.length); });
    } else {
      // A missing value sits at the middle of the set: it neither helps nor hurts.
      const finite = X.map((row, i) => [i, row[j]!] as const).filter(([, v]) => Number.isFinite(v));
      const r = ranks(Float64Array.from(finite, ([, v]) => sign * v));
      const mid = new Float64Array(X.length).fill(0.5);
      finite.forEach(([i], k) => { mid[i] = (r[k]! - 0.5) / Math.max(1, finite.length); });
      mid.forEach((v, i) => { out[i] = out[i]! + v; });
    }
  });
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / Math.max(1, columns.length);
  return out;
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

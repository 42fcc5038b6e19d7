/**
 * Few-shot adaptation: a user's set of architectures (one search space, one zoo) of which k have
 * measured accuracies; the shipped model's prediction is the prior, the k known results re-weigh
 * it against the other signals every prediction already has (size, each zero-cost proxy) and
 * re-calibrate it to the user's accuracy scale.
 *
 * The estimator (fitAdapter → AdapterState, applyAdapter(state, rows)):
 *  - every signal becomes its normal score within the whole set (known and unknown rows alike:
 *    no label is read; a missing value sits at 0, the middle): robust to the extreme values
 *    degenerate architectures give proxies;
 *  - the known accuracies, standardised over the k, are fitted by a ridge regression whose penalty
 *    pulls the weights toward the prior — the shipped model's signal at its own slope on the k
 *    (shrunk toward `PRIOR_WEIGHT` by `PRIOR_PSEUDO` pseudo-results), every other signal at 0:
 *    λ‖w − w₀‖². With λ large the adapted ranking is the model's own;
 *    with λ small the k decide. λ is chosen on the k by their exact leave-one-out error (the
 *    ridge hat matrix), from a grid that includes "prior only"; ties go to the larger λ, so a
 *    handful of noisy results does not overturn the model;
 *  - the accuracy is the fit's score read through the k's own accuracies by quantile matching
 *    (monotone; beyond the k's range at half their slope), and the 80 % interval is split-free conformal: the ⌈0.8 (k + 1)⌉-th smallest absolute leave-one-out
 *    residual of the k (jackknife), so it is as wide as the errors the adapter made on the user's
 *    own space.
 * Pure numerics, no I/O; the state depends on the whole set (its standardisation), so an adapted
 * prediction says how many known results it was adapted with.
 */
import { Matrix, solve } from 'ml-matrix';
import { kendallTau } from './metrics.ts';
import { normalScores, probit } from './ranker.ts';

/** The prior's weight in w₀ (standardised units): a typical within-space correlation of the model. */
export const PRIOR_WEIGHT = 0.5;

/** How many results' worth of belief the prior slope carries. */
export const PRIOR_PSEUDO = 20;

/** λ per known row: from "the k decide" to "prior only" (Infinity: w = w₀ exactly). */
export const ADAPT_LAMBDAS: readonly number[] = Object.freeze([0.03, 0.1, 0.3, 1, 3, 10, Infinity]);

/** Fewest known results an adapter is fitted from. */
export const MIN_KNOWN = 3;

/**
 * Leave-one-out τ by which a less preferred candidate must beat a more preferred one: a share
 * (ADAPT_MARGIN) of τ's standard error under independence at k results, √(2(2k + 5) / (9k(k − 1))),
 * so a handful of results (whose τ is noise at ±0.25 for k = 10) cannot talk the adapter out of
 * the model, while fifty can. Env ONNX_PREDICT_ADAPT_MARGIN overrides it (lab use).
 */
export const ADAPT_MARGIN = Number(process.env.ONNX_PREDICT_ADAPT_MARGIN ?? '0.5');
export function tieMargin(k: number): number {
  return ADAPT_MARGIN * Math.sqrt((2 * (2 * k + 5)) / (9 * k * Math.max(1, k - 1)));
}

export interface KnownResult {
  /** Row of the set (index into the signal rows). */
  readonly index: number;
  /** Measured accuracy, percent. */
  readonly accuracy: number;
}

export interface AdapterState {
  readonly names: readonly string[];
  readonly prior: string | null;
  /** Per signal, its finite values over the whole set, sorted (normal scores are read in them). */
  readonly reference: readonly (readonly number[])[];
  /** Weights on standardised signals, and the intercept (standardised label units). */
  readonly weights: readonly number[];
  readonly intercept: number;
  /**
   * Score → accuracy: the k's leave-one-out scores and their accuracies, each sorted (quantile
   * matching), and the slope (accuracy per score unit) the map continues with beyond them.
   */
  readonly calibration: { readonly scores: readonly number[]; readonly accuracies: readonly number[]; readonly slope: number };
  readonly lambda: number;
  /** What the chosen fit was pulled toward: the model's signal, or nothing (the k alone). */
  readonly pulledToward: 'model' | 'none';
  /** The prior's slope the penalty pulls toward (standardised units). */
  readonly priorSlope: number;
  /** 80 % half-width (percent) from the jackknife residuals. */
  readonly halfWidth: number;
  readonly k: number;
  /** Leave-one-out Kendall τ on the k of the chosen fit and of the prior alone. */
  readonly looTau: number;
  readonly priorLooTau: number;
  /** Kendall τ between the known accuracies and the prior's signal on the k (how the model did there). */
  readonly priorTau: number;
}

export interface AdaptOptions {
  /**
   * Name of the signal that is the prior (the shipped model's prediction); null fits the k alone
   * (w₀ = 0, finite λ only): the no-model baseline.
   */
  readonly prior: string | null;
  readonly lambdas?: readonly number[];
  readonly coverage?: number;
}

/** Each signal's finite values over the whole set, sorted: the reference its normal scores are read in. */
function references(rows: readonly ArrayLike<number>[], d: number): number[][] {
  return Array.from({ length: d }, (_, j) => rows.map((r) => r[j]!).filter(Number.isFinite).sort((x, y) => x - y));
}

function countBelow(sorted: readonly number[], v: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? sorted[mid]! < v : sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A row's signals as normal scores within the set (ties share their mid-rank, a missing value
 * sits at 0, the middle): robust to the extreme values a few degenerate architectures give
 * proxies, and blind to each signal's units.
 */
function scoresOf(row: ArrayLike<number>, ref: readonly (readonly number[])[]): Float64Array {
  return Float64Array.from(ref, (sorted, j) => {
    const v = row[j]!;
    if (!Number.isFinite(v) || sorted.length < 2) return 0;
    const pos = (countBelow(sorted, v, true) + countBelow(sorted, v, false)) / 2;
    return probit((pos + 0.5) / (sorted.length + 1));
  });
}

/**
 * Ridge toward w₀ with an (almost) unpenalised intercept, and the exact leave-one-out residuals
 * from its hat matrix: fitting y − Zw₀ by an ordinary ridge gives the same w − w₀, so the
 * shortcut e/(1 − h) holds for the whole fit, intercept included.
 */
function ridgeToward(Z: readonly Float64Array[], y: readonly number[], w0: readonly number[], lambda: number): { w: number[]; b: number; loo: number[] } {
  const k = Z.length;
  const d = w0.length;
  const r0 = y.map((yi, i) => yi - Z[i]!.reduce((s, z, j) => s + z * w0[j]!, 0));
  if (!Number.isFinite(lambda)) {
    // Only the intercept is fitted: its leave-one-out residual is the deviation from the others' mean.
    const m = r0.reduce((s, v) => s + v, 0) / k;
    return { w: [...w0], b: m, loo: r0.map((v) => ((v - m) * k) / Math.max(1, k - 1)) };
  }
  const X = new Matrix(Z.map((r) => [1, ...r]));
  const XtX = X.transpose().mmul(X);
  XtX.set(0, 0, XtX.get(0, 0) + 1e-9 * k);
  for (let j = 1; j <= d; j++) XtX.set(j, j, XtX.get(j, j) + lambda * k);
  const inv = solve(XtX, Matrix.eye(d + 1));
  const delta = inv.mmul(X.transpose()).mmul(Matrix.columnVector(r0)).getColumn(0);
  const H = X.mmul(inv).mmul(X.transpose());
  const loo = r0.map((ri, i) => {
    const fit = X.getRow(i).reduce((s, x, j) => s + x * delta[j]!, 0);
    return (ri - fit) / Math.max(1e-9, 1 - H.get(i, i));
  });
  return { w: w0.map((v, j) => v + delta[j + 1]!), b: delta[0]!, loo };
}

/** The jackknife (conformal) half-width: the ⌈c (k + 1)⌉-th smallest |residual|, the largest when that exceeds k. */
export function conformalHalfWidth(residuals: readonly number[], coverage: number): number {
  const abs = residuals.map(Math.abs).sort((a, b) => a - b);
  if (abs.length === 0) return NaN;
  const at = Math.min(abs.length, Math.ceil(coverage * (abs.length + 1))) - 1;
  return abs[Math.max(0, at)]!;
}

export function fitAdapter(names: readonly string[], rows: readonly ArrayLike<number>[], known: readonly KnownResult[], o: AdaptOptions): AdapterState {
  const d = names.length;
  const p = o.prior === null ? -1 : names.indexOf(o.prior);
  if (o.prior !== null && p < 0) throw new RangeError(`prior signal '${o.prior}' is not among the signals (parameter 'prior')`);
  if (known.length < MIN_KNOWN) throw new RangeError(`adaptation needs at least ${MIN_KNOWN} known results, got ${known.length} (parameter 'known')`);
  for (const r of known) {
    if (!Number.isInteger(r.index) || r.index < 0 || r.index >= rows.length) throw new RangeError(`known row ${r.index} is not a row of the set (parameter 'known')`);
    if (!Number.isFinite(r.accuracy)) throw new RangeError(`known accuracy of row ${r.index} is not a number (parameter 'known')`);
  }
  const reference = references(rows, d);
  const Zk = known.map((r) => scoresOf(rows[r.index]!, reference));
  const knownMean = Array.from({ length: d }, (_, j) => Zk.reduce((s, z) => s + z[j]!, 0) / Zk.length);
  const Zc = Zk.map((z) => Float64Array.from(z, (v, j) => v - knownMean[j]!));
  const ys = known.map((r) => r.accuracy);
  // The fit learns the k's order (normal scores of their ranks): one bad architecture at 10 %
  // among results near 90 % must not set the weights. Accuracy units come back through the
  // calibration line below.
  const u = Array.from(normalScores(ys));
  // The prior's own slope on the k, shrunk toward PRIOR_WEIGHT as if PRIOR_PSEUDO results had
  // shown it: a handful of noisy results cannot turn the model's order upside down, fifty can.
  let priorSlope = 0;
  if (p >= 0) {
    const uMean = u.reduce((s, v) => s + v, 0) / u.length;
    const sxx = Zc.reduce((s, z) => s + z[p]! ** 2, 0);
    const sxy = Zc.reduce((s, z, i) => s + z[p]! * (u[i]! - uMean), 0);
    const slope = sxx > 0 ? sxy / sxx : PRIOR_WEIGHT;
    priorSlope = (known.length * slope + PRIOR_PSEUDO * PRIOR_WEIGHT) / (known.length + PRIOR_PSEUDO);
  }
  const lambdas = [...(o.lambdas ?? ADAPT_LAMBDAS)].sort((x, y) => y - x);
  // Candidates in order of preference: toward the model (prior alone first, then weaker pulls),
  // then toward nothing (the k alone). A later one must beat the best so far by tieMargin(k) in the
  // leave-one-out τ of the k to be chosen.
  const priors: { name: Candidate['prior']; w0: number[] }[] = [];
  if (p >= 0) priors.push({ name: 'model', w0: names.map((_, j) => (j === p ? priorSlope : 0)) });
  priors.push({ name: 'none', w0: names.map(() => 0) });
  const fits: Candidate[] = [];
  for (const pr of priors) {
    for (const lambda of lambdas) {
      if (pr.name === 'none' && !Number.isFinite(lambda)) continue;
      const f = ridgeToward(Zk, u, pr.w0, lambda);
      const looScore = u.map((v, i) => v - f.loo[i]!);
      fits.push({ prior: pr.name, lambda, ...f, looScore, looTau: kendallTau(looScore, ys) });
    }
  }
  let best = fits[0]!;
  const tie = tieMargin(known.length);
  for (const f of fits.slice(1)) if (f.looTau > best.looTau + tie) best = f;
  // Calibration by quantile matching: the j-th best score among the k's leave-one-out scores
  // reads as the j-th best known accuracy, interpolated between, held at the ends. A line fitted
  // through accuracies with a long tail (one broken architecture at 10 % among results near
  // 90 %) read NB201 cells at 99 %; this map stays within what the k measured and is monotone.
  const calibration = { scores: [...best.looScore].sort((x, y) => x - y), accuracies: [...ys].sort((x, y) => x - y), slope: extrapolationSlope(best.looScore, ys) };
  // Each known result's residual through a map built without it: honest at small k, where a
  // map through the point itself would hide its error.
  const residuals = ys.map((v, i) => {
    const others = { ...calibration, scores: best.looScore.filter((_, j) => j !== i).sort((x, y) => x - y), accuracies: ys.filter((_, j) => j !== i).sort((x, y) => x - y) };
    return v - readMap(others, best.looScore[i]!);
  });
  const priorFit = fits.find((f) => f.prior === 'model' && !Number.isFinite(f.lambda));
  return {
    names: [...names],
    prior: o.prior,
    reference,
    weights: best.w,
    intercept: best.b,
    calibration,
    lambda: best.lambda,
    pulledToward: best.prior,
    priorSlope,
    halfWidth: conformalHalfWidth(residuals, o.coverage ?? 0.8),
    k: known.length,
    looTau: best.looTau,
    priorLooTau: priorFit?.looTau ?? NaN,
    priorTau: p >= 0 ? kendallTau(Zk.map((z) => z[p]!), ys) : NaN,
  };
}

interface Candidate {
  readonly prior: 'model' | 'none';
  readonly lambda: number;
  readonly w: number[];
  readonly b: number;
  readonly loo: number[];
  readonly looScore: number[];
  readonly looTau: number;
}

/** Half the least-squares slope of accuracy on score, never below a tiny positive one (order is kept). */
function extrapolationSlope(scores: readonly number[], ys: readonly number[]): number {
  const n = scores.length;
  const mx = scores.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (scores[i]! - mx) ** 2;
    sxy += (scores[i]! - mx) * (ys[i]! - my);
  }
  const spread = Math.max(...ys) - Math.min(...ys);
  return Math.max(sxx > 0 ? (0.5 * sxy) / sxx : 0, 1e-3 * Math.max(spread, 1e-3));
}

/** Reads a score at its fractional position among the sorted scores, in the sorted accuracies. */
function readMap(m: AdapterState['calibration'], score: number): number {
  const xs = m.scores;
  const n = xs.length;
  // Beyond the k's scores the map goes on at half the k's overall slope: holding it at the end
  // tied every architecture past the best (and worst) known one, a third of the set at k = 5.
  if (score <= xs[0]!) return m.accuracies[0]! - m.slope * (xs[0]! - score);
  if (score >= xs[n - 1]!) return m.accuracies[n - 1]! + m.slope * (score - xs[n - 1]!);
  let lo = 0;
  while (lo < n - 2 && xs[lo + 1]! <= score) lo++;
  const span = xs[lo + 1]! - xs[lo]!;
  const f = span > 0 ? (score - xs[lo]!) / span : 0;
  return m.accuracies[lo]! + f * (m.accuracies[lo + 1]! - m.accuracies[lo]!);
}

export interface AdaptedPrediction {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
}

const clamp = (v: number): number => Math.min(100, Math.max(0, v));

export function applyAdapter(state: AdapterState, rows: readonly ArrayLike<number>[]): AdaptedPrediction[] {
  return rows.map((row) => {
    const z = scoresOf(row, state.reference);
    let s = state.intercept;
    for (let j = 0; j < z.length; j++) s += z[j]! * state.weights[j]!;
    const acc = readMap(state.calibration, s);
    return { accuracy: clamp(acc), low: clamp(acc - state.halfWidth), high: clamp(acc + state.halfWidth) };
  });
}

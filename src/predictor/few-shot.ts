/**
 * The few-shot protocol: a space (or a group of a zoo) the model never trained on, of which k
 * architectures have known accuracies; the rest are ranked. For every k and seeded draw of the k:
 *  - `adapted`:  the shipped model adapted with the k (src/predictor/adapt.ts);
 *  - `zeroShot`: the model as trained (k = 0), on the same rest;
 *  - `fresh`:    a ridge on the same signals fitted to the k alone, no shipped model (what
 *                `train --manifest` amounts to with so few rows);
 *  - `bestSignal`: the single signal (params, MACs, each proxy, the aggregate) with the highest |τ|
 *                on the k, oriented by its sign there: a strong naive baseline;
 *  - `params`:   parameter count.
 * The known rows are drawn uniformly from the set, so the jackknife interval's coverage on the
 * rest is what a user drawing k at random would see. Pure: rows in, report out.
 */
import { applyAdapter, fitAdapter, MIN_KNOWN } from './adapt.ts';
import { kendallTau, spearmanRho } from './metrics.ts';
import { rankAggregate } from './ranker.ts';
import { AGGREGATE_FEATURES } from './ranker-candidates.ts';
import { PROXY_FEATURES, SCALAR_FEATURES } from './scalars.ts';
import { shuffled } from '../random.ts';

/** The signals an adapter weighs besides the model: size, each proxy, the set's aggregate. */
export const ADAPT_SIGNALS: readonly string[] = Object.freeze(['log_params', 'log_macs', ...PROXY_FEATURES, 'aggregate']);
export const MODEL_SIGNAL = 'model';
export const FEW_SHOT_KS: readonly number[] = Object.freeze([5, 10, 20, 50, 100]);
export const FEW_SHOT_METHODS = ['adapted', 'zeroShot', 'fresh', 'bestSignal', 'params'] as const;
export type FewShotMethod = (typeof FEW_SHOT_METHODS)[number];

/**
 * Signal rows for a set: the model's predicted accuracy, then ADAPT_SIGNALS read from each row's
 * scalar features (SCALAR_FEATURES order). The aggregate is the set's own (label-free).
 */
export function adaptSignals(modelAccuracy: readonly number[], scalars: readonly ArrayLike<number>[]): { names: string[]; rows: Float64Array[] } {
  const aggCols = AGGREGATE_FEATURES.map((n) => SCALAR_FEATURES.indexOf(n));
  const agg = rankAggregate(scalars, aggCols, aggCols.map(() => 1));
  const cols = ADAPT_SIGNALS.map((n) => (n === 'aggregate' ? -1 : SCALAR_FEATURES.indexOf(n)));
  const rows = scalars.map((s, i) => {
    const r = new Float64Array(cols.length + 1);
    r[0] = modelAccuracy[i]!;
    cols.forEach((c, j) => { r[j + 1] = c < 0 ? agg[i]! : s[c]!; });
    return r;
  });
  return { names: [MODEL_SIGNAL, ...ADAPT_SIGNALS], rows };
}

export interface FewShotCell {
  readonly k: number;
  readonly draws: number;
  /** Mean and standard deviation over draws, per method. */
  readonly tau: Readonly<Record<FewShotMethod, { mean: number; sd: number }>>;
  readonly rho: Readonly<Record<FewShotMethod, { mean: number; sd: number }>>;
  /** Share of the rest inside the adapted 80 % interval (mean, sd over draws). */
  readonly coverage80: { mean: number; sd: number };
  /** Which λ the adapter chose, by count ("Infinity": the prior alone). */
  readonly lambdas: Readonly<Record<string, number>>;
}

const meanSd = (v: readonly number[]): { mean: number; sd: number } => {
  const f = v.filter(Number.isFinite);
  const m = f.reduce((s, x) => s + x, 0) / Math.max(1, f.length);
  return { mean: f.length ? m : NaN, sd: f.length > 1 ? Math.sqrt(f.reduce((s, x) => s + (x - m) ** 2, 0) / (f.length - 1)) : 0 };
};

/** The single signal with the highest |τ| on the known rows, oriented by its sign there. */
export function bestSignal(names: readonly string[], rows: readonly ArrayLike<number>[], known: readonly number[], y: readonly number[], exclude: readonly string[]): { name: string; sign: number } {
  let best = { name: names.find((n) => !exclude.includes(n))!, sign: 1, tau: -1 };
  names.forEach((n, j) => {
    if (exclude.includes(n)) return;
    const xs = known.map((i) => rows[i]![j]!);
    if (xs.filter(Number.isFinite).length < known.length) return; // a signal some known rows lack
    const t = kendallTau(xs, y);
    if (Number.isFinite(t) && Math.abs(t) > best.tau) best = { name: n, sign: t >= 0 ? 1 : -1, tau: Math.abs(t) };
  });
  return { name: best.name, sign: best.sign };
}

export interface FewShotInput {
  /** The model's zero-shot predicted accuracy per row. */
  readonly modelAccuracy: readonly number[];
  readonly scalars: readonly ArrayLike<number>[];
  readonly truth: readonly number[];
  readonly params: readonly number[];
  readonly ks?: readonly number[];
  readonly draws?: number;
  readonly seed?: number;
}

export function fewShot(o: FewShotInput): FewShotCell[] {
  const { names, rows } = adaptSignals(o.modelAccuracy, o.scalars);
  const n = rows.length;
  const out: FewShotCell[] = [];
  for (const k of o.ks ?? FEW_SHOT_KS) {
    if (k < MIN_KNOWN || k > n - 10) continue;
    const acc: Record<FewShotMethod, { tau: number[]; rho: number[] }> = Object.fromEntries(FEW_SHOT_METHODS.map((m) => [m, { tau: [], rho: [] }])) as never;
    const coverage: number[] = [];
    const lambdas: Record<string, number> = {};
    for (let d = 0; d < (o.draws ?? 10); d++) {
      const order = shuffled(Array.from({ length: n }, (_, i) => i), (o.seed ?? 0) * 1000 + k * 37 + d);
      const knownIdx = order.slice(0, k);
      const rest = order.slice(k);
      const known = knownIdx.map((i) => ({ index: i, accuracy: o.truth[i]! }));
      const truth = rest.map((i) => o.truth[i]!);
      const push = (m: FewShotMethod, pred: readonly number[]) => {
        acc[m].tau.push(kendallTau(pred, truth));
        acc[m].rho.push(spearmanRho(pred, truth));
      };
      const state = fitAdapter(names, rows, known, { prior: MODEL_SIGNAL });
      { const key = `${state.pulledToward}:${state.lambda}`; lambdas[key] = (lambdas[key] ?? 0) + 1; }
      const adapted = applyAdapter(state, rest.map((i) => rows[i]!));
      push('adapted', adapted.map((p) => p.accuracy));
      coverage.push(adapted.filter((p, i) => truth[i]! >= p.low && truth[i]! <= p.high).length / Math.max(1, rest.length));
      push('zeroShot', rest.map((i) => o.modelAccuracy[i]!));
      const freshNames = names.filter((x) => x !== MODEL_SIGNAL);
      const freshRows = rows.map((r) => r.subarray(1));
      const fresh = fitAdapter(freshNames, freshRows, known, { prior: null });
      push('fresh', applyAdapter(fresh, rest.map((i) => freshRows[i]!)).map((p) => p.accuracy));
      const b = bestSignal(names, rows, knownIdx, known.map((r) => r.accuracy), [MODEL_SIGNAL]);
      const bj = names.indexOf(b.name);
      push('bestSignal', rest.map((i) => (Number.isFinite(rows[i]![bj]!) ? b.sign * rows[i]![bj]! : -Infinity)));
      push('params', rest.map((i) => o.params[i]!));
    }
    out.push({
      k, draws: o.draws ?? 10,
      tau: Object.fromEntries(FEW_SHOT_METHODS.map((m) => [m, meanSd(acc[m].tau)])) as FewShotCell['tau'],
      rho: Object.fromEntries(FEW_SHOT_METHODS.map((m) => [m, meanSd(acc[m].rho)])) as FewShotCell['rho'],
      coverage80: meanSd(coverage),
      lambdas,
    });
  }
  return out;
}

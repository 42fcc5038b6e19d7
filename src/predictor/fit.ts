/**
 * Head selection: candidate configurations trained on the same split of the training spaces and
 * chosen on held-out data of those spaces (and optionally on other training-side spaces for
 * transfer), never on a test space; the held-out part also calibrates the interval.
 */
import { predictHead, Z80, type HeadConfig, type HeadState } from './head/infer.ts';
import { calibrateIntervals, trainHead } from './head/train.ts';
import { kendallTau, rankReport, spearmanRho, type RankReport } from './metrics.ts';
import { labelMatrix, shuffled, type LabeledRecord } from './records.ts';

export interface FitResult {
  readonly head: HeadState;
  readonly validation: Readonly<Record<string, RankReport & { coverage80: number }>>;
  /** Mean validation Kendall τ of each candidate configuration, and the index chosen. */
  readonly selection: { readonly candidates: readonly number[]; readonly chosen: number };
}

/**
 * Trains a head on `train` with `valFraction` of it held out. With several candidate
 * configurations, each is trained on the same split and the one with the best mean validation
 * Kendall τ is kept: model selection sees the training spaces only, never the test space.
 * The held-out part also calibrates the interval.
 */
/** Architectures of another training-side space, used only to score candidate heads on transfer. */
export interface TransferSet {
  readonly space: string;
  readonly X: readonly Float32Array[];
  /** The space's own accuracy label; ranked against the head's first target. */
  readonly y: readonly number[];
}

export function fitHead(X: readonly Float32Array[], records: readonly LabeledRecord[], targets: readonly string[], config: HeadConfig | readonly HeadConfig[], seed: number, options: { valFraction?: number; pcaInputs?: number; transfer?: readonly TransferSet[] } = {}): FitResult {
  const valFraction = options.valFraction ?? 0.1;
  const order = shuffled(records.map((_, i) => i), seed + 17);
  const nVal = Math.max(2, Math.round(order.length * valFraction));
  const valIdx = order.slice(0, nVal);
  const trIdx = order.slice(nVal);
  const Y = labelMatrix(records, targets);
  const Xv = valIdx.map((i) => X[i]!);
  const Yv = valIdx.map((i) => Y[i]!);
  const candidates = Array.isArray(config) ? (config as readonly HeadConfig[]) : [config as HeadConfig];
  let best: { head: HeadState; validation: Record<string, RankReport & { coverage80: number }>; score: number; index: number } | null = null;
  const scores: number[] = [];
  candidates.forEach((cfg, index) => {
    const head = trainHead(trIdx.map((i) => X[i]!), trIdx.map((i) => Y[i]!), targets, { ...cfg, seed }, options.pcaInputs !== undefined ? { pcaInputs: options.pcaInputs } : {});
    calibrateIntervals(head, Xv, Yv);
    const p = predictHead(head, Xv);
    const validation: Record<string, RankReport & { coverage80: number }> = {};
    targets.forEach((t, ti) => {
      const rows = Yv.map((y, i) => [p.mean[i]![ti]!, y[ti]!, p.std[i]![ti]!] as const).filter(([, y]) => !Number.isNaN(y));
      if (rows.length < 2) return;
      validation[t] = { ...rankReport(rows.map((r) => r[0]), rows.map((r) => r[1])), coverage80: coverage(head, rows, ti) };
    });
    const taus = Object.values(validation).map((v) => v.kendall).filter(Number.isFinite);
    // Transfer sets (other spaces, never the test space) weigh as much as the in-space split:
    // a head meant for unseen spaces is chosen for how it ranks a space it was not trained on.
    const inSpace = taus.length ? taus.reduce((a, b) => a + b, 0) / taus.length : -Infinity;
    const transfer = (options.transfer ?? []).map((t) => kendallTau(predictHead(head, t.X).mean.map((m) => m[0]!), t.y)).filter(Number.isFinite);
    const score = transfer.length ? (inSpace + transfer.reduce((a, b) => a + b, 0) / transfer.length) / 2 : inSpace;
    scores.push(score);
    if (best === null || score > best.score) best = { head, validation, score, index };
  });
  const chosen = best!;
  return { head: chosen.head, validation: chosen.validation, selection: { candidates: scores, chosen: chosen.index } };
}

/** Share of samples whose truth falls inside the calibrated 80 % interval. */
export function coverage(head: HeadState, rows: readonly (readonly [number, number, number])[], ti: number): number {
  const floor = 0.05 * head.labelStd[ti]!;
  let inside = 0;
  for (const [mu, y, sd] of rows) if (Math.abs(y - mu) <= Z80 * head.intervalScale[ti]! * Math.max(sd, floor)) inside++;
  return inside / Math.max(1, rows.length);
}

export interface BaselineReport {
  readonly kendall: number;
  readonly spearman: number;
}

/** Rank correlation of a single static quantity with the truth (params, MACs baselines). */
export function baseline(values: readonly number[], truth: readonly number[]): BaselineReport {
  return { kendall: kendallTau(values, truth), spearman: spearmanRho(values, truth) };
}

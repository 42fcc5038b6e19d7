/**
 * Evaluation protocols, as ONNX-Net reports them:
 *  - `in-space`:  train on a seeded sample of one space, test on (a sample of) the rest of it;
 *  - `zero-shot`: train on other spaces, test on a space never seen (ONNX-Net: NB101 → all NB201);
 *  - `loso`:      leave one space out: train on every other built space, test on it.
 * Selection and calibration use held-out data of the training spaces only; the test space never
 * influences training. Params/MACs baselines are computed on the same test architectures.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { featureLayout, type PhraseEmbeddings, type Representation } from './features.ts';
import type { HeadConfig } from './head/infer.ts';
import { kendallTau, rankReport, spearmanRho, type RankReport } from './metrics.ts';
import { baseline, type BaselineReport } from './fit.ts';
import { predictTrees } from './trees.ts';
import { fitModel, modelGateDistances, predictModel, rankerScores, type FitModelOptions, type ModelRow, type NearSource } from './model.ts';
import { DEFAULT_RANKER_CANDIDATES, AGGREGATE_FEATURES } from './ranker-candidates.ts';
import { rankAggregate } from './ranker.ts';
import { blendScores, scoreSet } from './set-ranker.ts';
import { fewShot, type FewShotCell } from './few-shot.ts';
import { loadManifest, recordFeatures, shuffled } from './records.ts';
import { asPredicted, headRow, loadProxyCache, type ProxyValues, PROXY_FEATURES, scalarRow, SCALAR_FEATURES } from './scalars.ts';

export const PROTOCOLS = ['in-space', 'zero-shot', 'loso'] as const;

export { PRIMARY_TARGET } from './records.ts';
import { PRIMARY_TARGET } from './records.ts';

/**
 * Default transfer sets for a cross-space protocol: every built space under `dataDir` with a
 * known primary target that is neither trained on nor tested. In-space protocols use none.
 */
export function defaultSelectionSpaces(protocol: Protocol, dataDir: string, train: readonly string[], test: string): { space: string; target: string }[] {
  if (protocol === 'in-space') return [];
  return Object.entries(PRIMARY_TARGET)
    .filter(([space]) => space !== test && !train.includes(space) && existsSync(join(dataDir, space, 'manifest.jsonl')))
    .map(([space, target]) => ({ space, target }));
}
export type Protocol = (typeof PROTOCOLS)[number];

export interface EvalOptions {
  readonly protocol: Protocol;
  readonly train: readonly string[];
  readonly test: string;
  readonly target: string;
  readonly trainSize?: number;
  readonly testSize?: number;
  readonly seed: number;
  readonly dataDir: string;
  readonly representation: Representation;
  readonly head: HeadConfig | readonly HeadConfig[];
  readonly embeddings: PhraseEmbeddings | null;
  readonly encoderKey: string;
  readonly encoderDim: number;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
  /** Keep up to this many (predicted, true) test points in the report, for plots. */
  readonly keepPoints?: number;
  /**
   * Other built spaces (never the test space, never a training space) whose architectures score
   * candidate heads on transfer during selection; with their own primary target. Default none.
   */
  readonly selectionSpaces?: readonly { readonly space: string; readonly target: string; readonly size?: number }[];
  /** Read the datasets' cached proxies (default true); false is the no-proxies ablation. */
  readonly useProxies?: boolean;
  /** Keep only architectures whose proxies are cached (when a cache covers part of a space). */
  readonly proxiesOnly?: boolean;
  /** Folder holding `<space>/proxies.jsonl` (default: `dataDir`), e.g. a frozen snapshot of growing caches. */
  readonly proxyDir?: string;
  /** Ranker candidates (default DEFAULT_RANKER_CANDIDATES); selection among them uses training spaces only. */
  readonly rankerCandidates?: FitModelOptions['rankerCandidates'];
}

export interface EvalReport extends RankReport {
  readonly protocol: Protocol;
  readonly train: readonly string[];
  readonly test: string;
  readonly target: string;
  /** Target the head was trained on when the test target is absent from the training spaces. */
  readonly trained_target: string;
  readonly n_train: number;
  readonly n_test: number;
  readonly seed: number;
  readonly representation: Representation;
  readonly coverage80: number;
  readonly validation: Readonly<Record<string, RankReport>>;
  readonly selection: { readonly candidates: readonly number[]; readonly chosen: number; readonly ranker: Readonly<Record<string, number>>; readonly rankerChosen: string; readonly by: string };
  readonly baselines: {
    readonly params: BaselineReport;
    readonly macs: BaselineReport;
    /** Training-free: mean within-test-set rank of every proxy and MACs (AGGREGATE_FEATURES). */
    readonly aggregate: BaselineReport | null;
  };
  /**
   * The parts alone on the same test set: the head everywhere, the ranker everywhere, the trees
   * everywhere (when the model kept them); and the share of test graphs each near part answered.
   */
  readonly parts: {
    readonly head: BaselineReport; readonly ranker: BaselineReport; readonly trees?: BaselineReport; readonly headShare: number; readonly treesShare: number;
    /** The set ranker (v6) fitted on the same training pool, the test pool scored as one set. */
    readonly setRanker?: BaselineReport;
    /** The set ranker's and the model's within-set normal scores, averaged (a candidate for the batch order). */
    readonly setBlend?: BaselineReport;
  };
  /** Share of test architectures with proxies. */
  readonly proxyCoverage: number;
  /** Which part the model lets answer graphs near its training data, and the held-out τ that chose it. */
  readonly nearSource: NearSource;
  readonly nearScores: { readonly head: number; readonly ranker: number; readonly trees?: number };
  readonly seconds: { readonly features: number; readonly train: number; readonly test: number };
  /** A seeded sample of (predicted, true) test points when `keepPoints` was given. */
  readonly points?: readonly (readonly [number, number])[];
}

/** Every record of a space as model rows (features computed once per manifest, then cached). */
export type RowSource = Pick<EvalOptions, 'dataDir' | 'representation' | 'encoderDim' | 'embeddings' | 'encoderKey' | 'onProgress' | 'useProxies' | 'proxiesOnly' | 'proxyDir'>;

export async function spaceRows(o: RowSource, space: string, stage: string = `features ${space}`): Promise<ModelRow[]> {
  const dir = join(o.dataDir, space);
  const records = loadManifest(join(dir, 'manifest.jsonl'));
  const layout = featureLayout(o.representation, o.encoderDim);
  const { features } = await recordFeatures(records, layout, o.embeddings, o.encoderKey, {
    onProgress: (d, t) => o.onProgress?.(stage, d, t),
  });
  const cached: Map<string, ProxyValues> = o.useProxies === false && !o.proxiesOnly ? new Map() : loadProxyCache(join(o.proxyDir ?? o.dataDir, space));
  // Without proxies the model reads none, but `proxiesOnly` still keeps the cached sample, so a
  // no-proxies ablation is measured on the same architectures as the run it is compared with.
  const proxies = o.useProxies === false ? new Map() : cached;
  // Scalars always come from the node-graph descriptors (the numeric tail), whatever the head reads.
  const numericFrom = layout.representation === 'text-only' ? null : layout.textLength;
  const rows = records.map((r, i) => {
    const p = asPredicted(proxies.get(r.id), r.macs);
    const x = features[i]!;
    const scalars = numericFrom === null ? Float64Array.from(SCALAR_FEATURES, () => NaN) : scalarRow(x, numericFrom, p);
    return { record: r, x: headRow(x, p), scalars };
  });
  return o.proxiesOnly ? rows.filter((r) => cached.get(r.record.id)) : rows;
}

const agreement = (a: ArrayLike<number>, b: ArrayLike<number>): BaselineReport => ({ kendall: kendallTau(a, b), spearman: spearmanRho(a, b) });

/** The transfer sets candidates are scored on: other built spaces, never a training or the test space. */
async function transferSets(o: RowSource & Pick<EvalOptions, 'selectionSpaces' | 'test' | 'train' | 'seed'>): Promise<NonNullable<FitModelOptions['transfer']>[number][]> {
  const transfer: NonNullable<FitModelOptions['transfer']>[number][] = [];
  for (const sel of o.selectionSpaces ?? []) {
    if (sel.space === o.test || o.train.includes(sel.space)) throw new UsageError(`selection space '${sel.space}' must be neither a training nor the test space`);
    const pool = shuffled((await spaceRows(o, sel.space, `features ${sel.space}`)).filter(({ record }) => Number.isFinite(record.labels[sel.target])), o.seed + 2).slice(0, sel.size ?? 2000);
    transfer.push({ space: sel.space, X: pool.map((x) => x.x), scalars: pool.map((x) => x.scalars), y: pool.map(({ record }) => record.labels[sel.target]!) });
  }
  return transfer;
}

export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  if (o.protocol === 'in-space' && (o.train.length !== 1 || o.train[0] !== o.test)) {
    throw new UsageError(`in-space evaluation trains and tests on one space: train ${o.test}, test ${o.test}`);
  }
  if (o.protocol !== 'in-space' && o.train.includes(o.test)) {
    throw new UsageError(`${o.protocol}: the test space '${o.test}' must not be among the training spaces`);
  }
  const t0 = performance.now();
  const testAll = (await spaceRows(o, o.test, `features ${o.test}`)).filter((x) => Number.isFinite(x.record.labels[o.target]));
  let trainPool: ModelRow[];
  let testPool: ModelRow[];
  if (o.protocol === 'in-space') {
    const order = shuffled(testAll, o.seed);
    const n = Math.min(o.trainSize ?? Math.floor(order.length / 2), order.length - 2);
    trainPool = order.slice(0, n);
    testPool = order.slice(n);
  } else {
    const pools: ModelRow[] = [];
    for (const s of o.train) pools.push(...(await spaceRows(o, s, `features ${s}`)));
    trainPool = shuffled(pools, o.seed);
    if (o.trainSize !== undefined) trainPool = trainPool.slice(0, o.trainSize);
    testPool = testAll;
  }
  if (o.testSize !== undefined) testPool = shuffled(testPool, o.seed + 1).slice(0, o.testSize);
  // The head learns the test target when training spaces have it; otherwise the training spaces'
  // most common target stands in (ranking only: zero-shot NB101 valid → NB201 test accuracy).
  const counts = new Map<string, number>();
  for (const { record } of trainPool) for (const t of Object.keys(record.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const trainedTarget = counts.has(o.target) ? o.target : [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (trainedTarget === undefined) throw new UsageError('no labelled training architectures');
  // Architectures without the trained target still teach the ranker their own space's order
  // (space-normalised labels); the head masks the missing label. In-space keeps labelled ones.
  if (o.protocol === 'in-space') trainPool = trainPool.filter(({ record }) => Number.isFinite(record.labels[trainedTarget]));

  const transfer = await transferSets(o);
  const t1 = performance.now();
  const scored = scoreSplit(trainPool, testPool, { target: o.target, trainedTarget, counts, head: o.head, rankerCandidates: o.rankerCandidates ?? DEFAULT_RANKER_CANDIDATES, pcaInputs: featureLayout(o.representation, o.encoderDim).textLength, gateText: featureLayout(o.representation, o.encoderDim).textLength > 0 ? o.encoderDim : 0, seed: o.seed, transfer });
  const t3 = performance.now();
  const { preds: pred, truth } = scored;
  return {
    protocol: o.protocol,
    train: o.train,
    test: o.test,
    target: o.target,
    trained_target: trainedTarget,
    n_train: trainPool.length,
    n_test: testPool.length,
    seed: o.seed,
    representation: o.representation,
    ...scored.report,
    seconds: { features: (t1 - t0) / 1000, train: scored.trainSeconds, test: (t3 - t1) / 1000 - scored.trainSeconds },
    ...(o.keepPoints ? { points: shuffled(pred.map((v, i) => [v, truth[i]!] as const), o.seed).slice(0, o.keepPoints) } : {}),
  };
}

export interface SplitOptions {
  readonly target: string;
  readonly trainedTarget: string;
  /** Label counts of the training pool (which primary targets it has). */
  readonly counts: ReadonlyMap<string, number>;
  readonly head: HeadConfig | readonly HeadConfig[];
  readonly rankerCandidates: FitModelOptions['rankerCandidates'];
  readonly pcaInputs: number;
  /** Width of the mean phrase embedding the gate reads (0: none). */
  readonly gateText: number;
  readonly seed: number;
  readonly transfer?: FitModelOptions['transfer'];
}

export type SplitReport = RankReport & Pick<EvalReport, 'coverage80' | 'validation' | 'selection' | 'baselines' | 'parts' | 'proxyCoverage' | 'nearSource' | 'nearScores'>;

/**
 * Fits the model on one training pool and scores one test pool: the shipped model's answers
 * (gate included), each part alone, the baselines, interval coverage.
 */
export function scoreSplit(trainPool: readonly ModelRow[], testPool: readonly ModelRow[], o: SplitOptions): { report: SplitReport; preds: number[]; truth: number[]; low: number[]; high: number[]; setScores: Float64Array | null; trainSeconds: number } {
  const t1 = performance.now();
  const trainedTarget = o.trainedTarget;
  const model = fitModel(trainPool, {
    targets: [trainedTarget],
    primary: (space) => (PRIMARY_TARGET[space] !== undefined && o.counts.has(PRIMARY_TARGET[space]!) ? PRIMARY_TARGET[space] : trainedTarget),
    headCandidates: o.head,
    rankerCandidates: o.rankerCandidates,
    scalarNames: SCALAR_FEATURES,
    pcaInputs: o.pcaInputs,
    seed: o.seed,
    gateText: o.gateText,
    ...(o.transfer ? { transfer: o.transfer } : {}),
  });
  const t2 = performance.now();
  const nearest = modelGateDistances(model, testPool.map((r) => r.x));
  const preds = predictModel(model, testPool, nearest);
  const pred = preds.map((p) => p[trainedTarget]!.accuracy);
  const truth = testPool.map(({ record }) => record.labels[o.target]!);
  // The head alone, whichever part the model lets answer near graphs.
  const headOnly = predictModel({ ...model, nearSource: 'head' }, testPool, testPool.map(() => ({ distance: 0, space: null }))).map((p) => p[trainedTarget]!.accuracy);
  const rankerOnly = rankerScores(model, testPool.map((r) => r.scalars));
  const aggCols = AGGREGATE_FEATURES.map((n) => SCALAR_FEATURES.indexOf(n));
  const proxyCols = PROXY_FEATURES.map((n) => SCALAR_FEATURES.indexOf(n));
  const withProxies = testPool.filter((r) => proxyCols.some((j) => Number.isFinite(r.scalars[j]!)));
  // The set ranker fitted with the model, the test pool scored as one set.
  const setScores = model.setRanker ? scoreSet(model.setRanker, testPool.map((r) => r.scalars)) : null;
  let inside = 0;
  preds.forEach((p, i) => { const q = p[trainedTarget]!; if (truth[i]! >= q.low && truth[i]! <= q.high) inside++; });
  const report: SplitReport = {
    ...rankReport(pred, truth),
    // Interval coverage means something only when the model learnt the test target itself.
    coverage80: trainedTarget === o.target ? inside / Math.max(1, testPool.length) : NaN,
    validation: model.validation,
    selection: { ...model.selection.head, ranker: model.selection.ranker, rankerChosen: model.rankerName, by: model.selection.by },
    baselines: {
      params: baseline(testPool.map(({ record }) => record.params), truth),
      macs: baseline(testPool.map(({ record }) => record.macs), truth),
      aggregate: withProxies.length > 1
        ? agreement(rankAggregate(testPool.map((r) => r.scalars), aggCols, aggCols.map(() => 1)), truth)
        : null,
    },
    nearSource: model.nearSource,
    nearScores: model.nearScores,
    parts: {
      head: agreement(headOnly, truth),
      ranker: agreement(rankerOnly, truth),
      ...(model.trees?.[trainedTarget] ? { trees: agreement(predictTrees(model.trees[trainedTarget].state, testPool.map((r) => r.scalars)), truth) } : {}),
      headShare: preds.filter((p) => p[trainedTarget]!.source === 'head').length / Math.max(1, preds.length),
      treesShare: preds.filter((p) => p[trainedTarget]!.source === 'trees').length / Math.max(1, preds.length),
      ...(setScores ? { setRanker: agreement(setScores, truth), setBlend: agreement(blendScores(setScores, pred), truth) } : {}),
    },
    proxyCoverage: withProxies.length / Math.max(1, testPool.length),
  };
  return { report, preds: pred, truth, low: preds.map((p) => p[trainedTarget]!.low), high: preds.map((p) => p[trainedTarget]!.high), setScores, trainSeconds: (t2 - t1) / 1000 };
}

export interface FewShotEvalOptions extends Omit<EvalOptions, 'protocol' | 'testSize' | 'keepPoints'> {
  /** Known-result counts to try (default FEW_SHOT_KS). */
  readonly ks?: readonly number[];
  /** Seeded draws of the known rows per k (default 10). */
  readonly draws?: number;
  /** Keep only test architectures whose proxies are cached (training spaces keep every architecture). */
  readonly testProxiesOnly?: boolean;
}

export interface FewShotReport {
  readonly protocol: 'few-shot';
  readonly train: readonly string[];
  readonly test: string;
  readonly target: string;
  readonly trained_target: string;
  readonly n_train: number;
  readonly n_test: number;
  readonly seed: number;
  readonly proxyCoverage: number;
  /** The model as trained, on the whole test set (k = 0). */
  readonly zeroShot: RankReport;
  readonly cells: readonly FewShotCell[];
}

/**
 * Few-shot: the model is trained on the training spaces (as `loso` does), then adapted to the
 * test space with k of its architectures' measured accuracies, for each k and seeded draw
 * (src/predictor/few-shot.ts). The test space's labels reach the model only as the k known
 * results of each draw, and every figure is measured on the rest.
 */
export async function evaluateFewShot(o: FewShotEvalOptions): Promise<FewShotReport> {
  if (o.train.includes(o.test)) throw new UsageError(`few-shot: the test space '${o.test}' must not be among the training spaces`);
  const testPool = (await spaceRows({ ...o, proxiesOnly: o.proxiesOnly === true || o.testProxiesOnly === true }, o.test, `features ${o.test}`)).filter((x) => Number.isFinite(x.record.labels[o.target]));
  const pools: ModelRow[] = [];
  for (const s of o.train) pools.push(...(await spaceRows(o, s, `features ${s}`)));
  let trainPool = shuffled(pools, o.seed);
  if (o.trainSize !== undefined) trainPool = trainPool.slice(0, o.trainSize);
  const counts = new Map<string, number>();
  for (const { record } of trainPool) for (const t of Object.keys(record.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const trainedTarget = counts.has(o.target) ? o.target : [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (trainedTarget === undefined) throw new UsageError('no labelled training architectures');
  const transfer = await transferSets(o);
  const layout = featureLayout(o.representation, o.encoderDim);
  const scored = scoreSplit(trainPool, testPool, { target: o.target, trainedTarget, counts, head: o.head, rankerCandidates: o.rankerCandidates ?? DEFAULT_RANKER_CANDIDATES, pcaInputs: layout.textLength, gateText: layout.textLength > 0 ? o.encoderDim : 0, seed: o.seed, transfer });
  const cells = fewShot({
    modelAccuracy: scored.preds,
    scalars: testPool.map((r) => r.scalars),
    truth: scored.truth,
    params: testPool.map(({ record }) => record.params),
    ...(o.ks ? { ks: o.ks } : {}),
    ...(o.draws !== undefined ? { draws: o.draws } : {}),
    seed: o.seed,
  });
  return {
    protocol: 'few-shot', train: o.train, test: o.test, target: o.target, trained_target: trainedTarget,
    n_train: trainPool.length, n_test: testPool.length, seed: o.seed,
    proxyCoverage: scored.report.proxyCoverage,
    zeroShot: rankReport(scored.preds, scored.truth),
    cells,
  };
}

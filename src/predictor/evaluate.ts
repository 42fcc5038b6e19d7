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
import { predictHead, type HeadConfig } from './head/infer.ts';
import { rankReport, type RankReport } from './metrics.ts';
import { baseline, coverage, fitHead, type BaselineReport, type TransferSet } from './fit.ts';
import { loadManifest, recordFeatures, shuffled, type LabeledRecord } from './records.ts';

export const PROTOCOLS = ['in-space', 'zero-shot', 'loso'] as const;

/** Each built space's main accuracy label: what a transfer set ranks against. */
export const PRIMARY_TARGET: Readonly<Record<string, string>> = Object.freeze({
  nb201: 'cifar10',
  nb101: 'cifar10',
  accel: 'imagenet',
  'transnas-micro': 'class_scene',
  timm: 'imagenet',
});

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
  readonly selection: { readonly candidates: readonly number[]; readonly chosen: number };
  readonly baselines: { readonly params: BaselineReport; readonly macs: BaselineReport };
  readonly seconds: { readonly features: number; readonly train: number; readonly test: number };
  /** A seeded sample of (predicted, true) test points when `keepPoints` was given. */
  readonly points?: readonly (readonly [number, number])[];
}

interface SpaceData {
  readonly records: LabeledRecord[];
  readonly features: Float32Array[];
}

/** Every record of a space with its features (computed once per manifest, then cached). */
async function spaceData(o: EvalOptions, space: string, stage: string): Promise<SpaceData> {
  const records = loadManifest(join(o.dataDir, space, 'manifest.jsonl'));
  const { features } = await recordFeatures(records, featureLayout(o.representation, o.encoderDim), o.embeddings, o.encoderKey, {
    onProgress: (d, t) => o.onProgress?.(stage, d, t),
  });
  return { records, features };
}

type Row = { readonly r: LabeledRecord; readonly x: Float32Array };

function toRows(d: SpaceData): Row[] {
  return d.records.map((r, i) => ({ r, x: d.features[i]! }));
}

export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  if (o.protocol === 'in-space' && (o.train.length !== 1 || o.train[0] !== o.test)) {
    throw new UsageError(`in-space evaluation trains and tests on one space: --train ${o.test} --test ${o.test}`);
  }
  if (o.protocol !== 'in-space' && o.train.includes(o.test)) {
    throw new UsageError(`${o.protocol}: the test space '${o.test}' must not be among the training spaces`);
  }
  const t0 = performance.now();
  const testAll = toRows(await spaceData(o, o.test, `features ${o.test}`)).filter((x) => Number.isFinite(x.r.labels[o.target]));
  let trainPool: Row[];
  let testPool: Row[];
  if (o.protocol === 'in-space') {
    const order = shuffled(testAll, o.seed);
    const n = Math.min(o.trainSize ?? Math.floor(order.length / 2), order.length - 2);
    trainPool = order.slice(0, n);
    testPool = order.slice(n);
  } else {
    const pools: Row[] = [];
    for (const s of o.train) pools.push(...toRows(await spaceData(o, s, `features ${s}`)));
    trainPool = shuffled(pools, o.seed);
    if (o.trainSize !== undefined) trainPool = trainPool.slice(0, o.trainSize);
    testPool = testAll;
  }
  if (o.testSize !== undefined) testPool = shuffled(testPool, o.seed + 1).slice(0, o.testSize);
  // The head learns the test target when training spaces have it; otherwise the training spaces'
  // most common target stands in (ranking only: zero-shot NB101 valid → NB201 test accuracy).
  const counts = new Map<string, number>();
  for (const { r } of trainPool) for (const t of Object.keys(r.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const trainedTarget = counts.has(o.target) ? o.target : [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (trainedTarget === undefined) throw new UsageError('no labelled training architectures');
  trainPool = trainPool.filter(({ r }) => Number.isFinite(r.labels[trainedTarget]));

  const transfer: TransferSet[] = [];
  for (const sel of o.selectionSpaces ?? []) {
    if (sel.space === o.test || o.train.includes(sel.space)) throw new UsageError(`selection space '${sel.space}' must be neither a training nor the test space`);
    const pool = shuffled(toRows(await spaceData(o, sel.space, `features ${sel.space}`)).filter(({ r }) => Number.isFinite(r.labels[sel.target])), o.seed + 2).slice(0, sel.size ?? 2000);
    transfer.push({ space: sel.space, X: pool.map((x) => x.x), y: pool.map(({ r }) => r.labels[sel.target]!) });
  }
  const t1 = performance.now();
  const fit = fitHead(trainPool.map((x) => x.x), trainPool.map((x) => x.r), [trainedTarget], o.head, o.seed, { pcaInputs: featureLayout(o.representation, o.encoderDim).textLength, transfer });
  const t2 = performance.now();
  const p = predictHead(fit.head, testPool.map((x) => x.x));
  const pred = p.mean.map((m) => m[0]!);
  const truth = testPool.map(({ r }) => r.labels[o.target]!);
  const t3 = performance.now();
  const scored = testPool.map((_, i) => [pred[i]!, truth[i]!, p.std[i]![0]!] as const);
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
    ...rankReport(pred, truth),
    // Interval coverage means something only when the head learnt the test target itself.
    coverage80: trainedTarget === o.target ? coverage(fit.head, scored, 0) : NaN,
    validation: fit.validation,
    selection: fit.selection,
    baselines: {
      params: baseline(testPool.map(({ r }) => r.params), truth),
      macs: baseline(testPool.map(({ r }) => r.macs), truth),
    },
    seconds: { features: (t1 - t0) / 1000, train: (t2 - t1) / 1000, test: (t3 - t2) / 1000 },
    ...(o.keepPoints ? { points: shuffled(pred.map((v, i) => [v, truth[i]!] as const), o.seed).slice(0, o.keepPoints) } : {}),
  };
}

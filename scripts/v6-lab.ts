/**
 * Predictor v6 lab (issue 22): leave-one-space-out over every built space, with the choice among
 * learners made by an *inner* leave-one-space-out on the training spaces only (the held-out space
 * never chooses), against params, MACs and the training-free aggregate on the same architectures.
 *
 *   npx tsx scripts/v6-lab.ts [--data data] [--per-space 2000] [--text] [--out out/v6-lab.json]
 *       [--spaces a,b] [--proxy-dir <snapshot>] [--proxies-only]
 *
 * Every learner is trained on the other spaces, each capped at --per-space rows (seeded) so none
 * dominates; labels are within-space normal scores of the space's primary target. Feature sets:
 *  - raw:        the scalar features as they are (size, depth, op mix, resolution, proxies);
 *  - rank:       each scalar as a normal score within the set scored together (what the
 *                training-free aggregate does), so a proxy's scale never has to transfer;
 *  - rank+ctx:   rank plus the raw context the file shows (size, resolution, depth, op mix), so
 *                how much a signal counts can depend on the kind of network;
 *  - rank+ctx+set: plus the set's own spread (does it share one skeleton, or is it a zoo?).
 * `--text` adds the encoder's embedding of the graph text, reduced by PCA fitted on the training
 * spaces (8 components), to each feature set: the text-path ablation.
 * Learners: ridge on `rank` (rank-ridge) and boosted trees on each feature set.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { EVD, Matrix, solve } from 'ml-matrix';
import { loadEncoder } from '../src/encoder/index.ts';
import { spaceRows, type RowSource } from '../src/predictor/evaluate.ts';
import { featureLayout, PhraseEmbeddings, textEmbedder } from '../src/predictor/features.ts';
import { kendallTau } from '../src/predictor/metrics.ts';
import { normalScores, rankAggregate } from '../src/predictor/ranker.ts';
import { AGGREGATE_FEATURES } from '../src/predictor/ranker-candidates.ts';
import { PRIMARY_TARGET } from '../src/predictor/records.ts';
import { SCALAR_FEATURES } from '../src/predictor/scalars.ts';
import { fitSetRanker, scoreSet, spread } from '../src/predictor/set-ranker.ts';
import { fitTrees, predictTrees } from '../src/predictor/trees.ts';
import { shuffled } from '../src/random.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string', default: 'data' }, 'per-space': { type: 'string', default: '2000' }, text: { type: 'boolean' },
  out: { type: 'string', default: 'out/v6-lab.json' }, spaces: { type: 'string' }, 'proxy-dir': { type: 'string' }, 'proxies-only': { type: 'boolean' },
} });
const DATA = values.data!;
const CAP = Number(values['per-space']);
const spaces = (values.spaces?.split(',') ?? Object.keys(PRIMARY_TARGET)).filter((s) => existsSync(`${DATA}/${s}/manifest.jsonl`));
const col = (n: string) => SCALAR_FEATURES.indexOf(n);
const CONTEXT = ['log_params', 'log_macs', 'log_resolution', 'log_depth_weighted', 'frac_depthwise', 'frac_conv1', 'frac_conv3', 'n_skip_adds', 'log_max_channels'].map(col);
const PCA_DIMS = 8;

interface SetData { space: string; X: Float64Array[]; text: Float32Array[] | null; y: number[]; u: number[]; params: number[]; macs: number[] }

/** Each column as normal scores within the set (a missing value, or a column missing everywhere, at 0). */
function rankColumns(X: readonly Float64Array[]): Float64Array[] {
  const d = X[0]?.length ?? 0;
  const out = X.map(() => new Float64Array(d));
  for (let j = 0; j < d; j++) {
    const idx = X.map((r, i) => [i, r[j]!] as const).filter(([, v]) => Number.isFinite(v));
    if (idx.length < 2) continue;
    const z = normalScores(Float64Array.from(idx, ([, v]) => v));
    idx.forEach(([i], k) => { out[i]![j] = z[k]!; });
  }
  return out;
}

const encoder = values.text ? await loadEncoder({ dtype: 'q8' }) : null;
const source: RowSource = encoder
  ? { dataDir: DATA, representation: 'node-graph', embeddings: new PhraseEmbeddings(textEmbedder(encoder)), encoderKey: `${encoder.id}/${encoder.dtype}`, encoderDim: encoder.dim }
  : { dataDir: DATA, representation: 'numeric-only', embeddings: null, encoderKey: 'none', encoderDim: 384 };
if (values['proxy-dir']) Object.assign(source, { proxyDir: values['proxy-dir'] });
if (values['proxies-only']) Object.assign(source, { proxiesOnly: true });
const textLength = encoder ? featureLayout('node-graph', encoder.dim).textLength : 0;

const sets: SetData[] = [];
for (const space of spaces) {
  const target = PRIMARY_TARGET[space]!;
  const rows = (await spaceRows(source, space)).filter((r) => Number.isFinite(r.record.labels[target]));
  const pick = shuffled(rows, 7).slice(0, CAP);
  if (pick.length < 20) continue;
  const y = pick.map((r) => r.record.labels[target]!);
  const proxied = pick.filter((r) => Number.isFinite(r.scalars[col('proxy_naswot')]!)).length;
  console.error(`${space}: ${pick.length} rows, proxies on ${proxied}`);
  sets.push({ space, X: pick.map((r) => r.scalars), text: encoder ? pick.map((r) => r.x.subarray(0, textLength)) : null, y, u: [...normalScores(y)], params: pick.map((r) => r.record.params), macs: pick.map((r) => r.record.macs) });
}

const FEATURES: Record<'raw' | 'rank' | 'rank+ctx', (s: SetData) => number[][]> = {
  raw: (s: SetData) => s.X.map((r) => [...r]),
  rank: (s: SetData) => rankColumns(s.X).map((r) => [...r]),
  'rank+ctx': (s: SetData) => rankColumns(s.X).map((r, i) => [...r, ...CONTEXT.map((j) => s.X[i]![j]!)]),
};
type FeatureSet = keyof typeof FEATURES;

/** PCA of the text embeddings of the training sets (each set weighing the same): mean and components. */
function fitPca(train: readonly SetData[]): { mean: Float64Array; comps: Float64Array[] } | null {
  if (!train[0]?.text) return null;
  const d = train[0].text[0]!.length;
  const mean = new Float64Array(d);
  const cov = new Matrix(d, d);
  let w = 0;
  for (const s of train) {
    const rows = s.text!.slice(0, 500);
    for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]! / rows.length;
    w++;
  }
  for (let j = 0; j < d; j++) mean[j]! /= w;
  for (const s of train) {
    const rows = s.text!.slice(0, 500);
    const A = new Matrix(rows.map((r) => Array.from(r, (v, j) => v - mean[j]!)));
    cov.add(A.transpose().mmul(A).div(rows.length));
  }
  const evd = new EVD(cov, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, PCA_DIMS);
  return { mean, comps: order.map(([, i]) => Float64Array.from(evd.eigenvectorMatrix.getColumn(i))) };
}

type Pca = ReturnType<typeof fitPca>;
// Memoised: the same training spaces give the same PCA, and a set's projection on it is reused.
const pcas = new Map<string, Pca>();
const pcaFor = (train: readonly SetData[]): Pca => {
  const key = train.map((s) => s.space).join(',');
  if (!pcas.has(key)) pcas.set(key, fitPca(train));
  return pcas.get(key)!;
};
const projections = new WeakMap<NonNullable<Pca>, Map<string, number[][]>>();
const project = (pca: Pca, s: SetData): number[][] => {
  if (!pca) return s.X.map(() => []);
  const memo = projections.get(pca) ?? projections.set(pca, new Map()).get(pca)!;
  if (!memo.has(s.space)) memo.set(s.space, s.X.map((_, i) => pca.comps.map((c) => c.reduce((a, v, j) => a + v * (s.text![i]![j]! - pca.mean[j]!), 0))));
  return memo.get(s.space)!;
};
const featureMemo = new Map<string, number[][]>();
const features = (fs: FeatureSet, s: SetData): number[][] => {
  const key = `${fs}|${s.space}`;
  if (!featureMemo.has(key)) featureMemo.set(key, FEATURES[fs](s));
  return featureMemo.get(key)!;
};


function ridge(X: readonly number[][], y: readonly number[], lambda: number): (x: number[]) => number {
  const A = new Matrix(X.map((r) => r.map((v) => (Number.isFinite(v) ? v : 0))));
  const AtA = A.transpose().mmul(A);
  for (let j = 0; j < AtA.rows; j++) AtA.set(j, j, AtA.get(j, j) + lambda * X.length);
  const w = solve(AtA, A.transpose().mmul(Matrix.columnVector([...y]))).getColumn(0);
  return (x) => x.reduce((s, v, j) => s + (Number.isFinite(v) ? v : 0) * w[j]!, 0);
}


/**
 * Gated experts: a stump on one statistic of the set (a spread) sends the whole set to one side;
 * each side has its expert. The stump is the (statistic, threshold) whose sides, each given the
 * better of the two fixed experts there (aggregate, MACs), maximise the training sets' mean τ;
 * the threshold sits midway between the nearest training sets on either side.
 */
const aggCols = AGGREGATE_FEATURES.map(col);
const GATE_STATS = ['log_nodes', 'log_max_channels', 'log_resolution', 'frac_depthwise', 'log_params', 'log_macs'].map(col);
const spreadOf = (s: SetData, j: number) => spread(s.X, j);
const FIXED = { aggregate: (s: SetData) => rankAggregate(s.X, aggCols, aggCols.map(() => 1)), macs: (s: SetData) => s.macs } as const;
const fixedTau = new Map<string, number>();
const tauFixed = (e: keyof typeof FIXED, s: SetData) => { const k = `${e}|${s.space}`; if (!fixedTau.has(k)) fixedTau.set(k, kendallTau(FIXED[e](s), s.y)); return fixedTau.get(k)!; };
function fitStump(train: readonly SetData[]): { stat: number; threshold: number; low: keyof typeof FIXED; high: keyof typeof FIXED } {
  let best = { score: -Infinity, margin: -Infinity, stat: GATE_STATS[0]!, threshold: Infinity, low: 'macs' as keyof typeof FIXED, high: 'macs' as keyof typeof FIXED };
  for (const stat of GATE_STATS) {
    const v = train.map((s) => spreadOf(s, stat)).sort((a, b) => a - b);
    const cuts = [v[0]! - 1, ...v.slice(1).map((x, i) => (x + v[i]!) / 2), v[v.length - 1]! + 1];
    for (const t of cuts) {
      const lowSets = train.filter((s) => spreadOf(s, stat) <= t);
      const highSets = train.filter((s) => spreadOf(s, stat) > t);
      const pick = (sets: readonly SetData[]) => (['aggregate', 'macs'] as const).map((e) => [e, sets.reduce((a, s) => a + tauFixed(e, s), 0)] as const).sort((a, b) => b[1] - a[1])[0]!;
      const [lo, loScore] = pick(lowSets);
      const [hi, hiScore] = pick(highSets);
      const score = (loScore + hiScore) / train.length;
      const margin = Math.min(...train.map((s) => Math.abs(spreadOf(s, stat) - t) / (v[v.length - 1]! - v[0]! || 1)));
      if (score > best.score + 1e-9 || (Math.abs(score - best.score) <= 1e-9 && margin > best.margin)) best = { score, margin, stat, threshold: t, low: lo, high: hi };
    }
  }
  return best;
}
const gated = (expert: (side: readonly SetData[], fixed: keyof typeof FIXED) => (s: SetData) => ArrayLike<number>) => (train: readonly SetData[]) => {
  const g = fitStump(train);
  const sides = { low: train.filter((s) => spreadOf(s, g.stat) <= g.threshold), high: train.filter((s) => spreadOf(s, g.stat) > g.threshold) };
  const fits = { low: expert(sides.low, g.low), high: expert(sides.high, g.high) };
  return (s: SetData) => (spreadOf(s, g.stat) <= g.threshold ? fits.low : fits.high)(s);
};
/** Sets that teach: some fixed expert ranks them at τ ≥ TEACH_TAU (a set no signal orders — NB201 cells on NinaPro — teaches only noise). */
const TEACH_TAU = 0.2;
const teaches = (s: SetData) => Math.max(tauFixed('aggregate', s), tauFixed('macs', s)) >= TEACH_TAU;
/** Per side: the learned expert when an inner leave-one-set-out over that side's teaching sets prefers it to the fixed one. */
const sideChoice = (learn: (side: readonly SetData[]) => (s: SetData) => ArrayLike<number>) => (side: readonly SetData[], e: keyof typeof FIXED) => {
  const teach = side.filter(teaches);
  if (teach.length < 3) return FIXED[e];
  const inner = (f: (tr: readonly SetData[]) => (s: SetData) => ArrayLike<number>) => teach.reduce((a, h) => a + kendallTau(f(teach.filter((x) => x !== h))(h), h.y), 0) / teach.length;
  return inner(learn) > inner(() => FIXED[e]) ? learn(teach) : FIXED[e];
};
const rankRidge = (train: readonly SetData[]) => { const f = ridge(train.flatMap((s) => features('rank', s)), train.flatMap((s) => s.u), 1); return (s: SetData) => features('rank', s).map(f); };
const rankTrees = (train: readonly SetData[]) => { const st = fitTrees(train.flatMap((s) => features('rank+ctx', s)), train.flatMap((s) => s.u), TREES); return (s: SetData) => predictTrees(st, features('rank+ctx', s)); };

const TREES = { trees: 150, depth: 3, learningRate: 0.05, subsample: 0.8, minLeaf: 20, lambda: 1, bins: 32, seed: 0 };
const LEARNERS: { name: string; fit: (train: readonly SetData[]) => (s: SetData) => ArrayLike<number> }[] = [
  { name: 'rank-ridge', fit: (train) => { const f = ridge(train.flatMap((s) => features('rank', s)), train.flatMap((s) => s.u), 1); return (s) => features('rank', s).map(f); } },
  ...(Object.keys(FEATURES) as FeatureSet[]).flatMap((fs) => [false, ...(encoder ? [true] : [])].map((text) => ({
    name: `trees(${fs}${text ? '+text' : ''})`,
    fit: (train: readonly SetData[]) => {
      const pca = text ? pcaFor(train) : null;
      const rows = (s: SetData) => { const p = project(pca, s); return features(fs, s).map((r, i) => [...r, ...p[i]!]); };
      const st = fitTrees(train.flatMap(rows), train.flatMap((s) => s.u), TREES);
      return (s: SetData) => predictTrees(st, rows(s));
    },
  }))),
  { name: 'set ranker (shipped)', fit: (train) => { const st = fitSetRanker(SCALAR_FEATURES, train.map((s) => ({ name: s.space, scalars: s.X, y: s.y }))); return (s) => scoreSet(st, s.X)!; } },
  { name: 'gate(fixed)', fit: gated((_, e) => FIXED[e]) },
  { name: 'gate(ridge)', fit: gated((side, e) => (side.length >= 2 ? rankRidge(side) : FIXED[e])) },
  { name: 'gate(trees)', fit: gated((side, e) => (side.length >= 2 ? rankTrees(side) : FIXED[e])) },
  { name: 'gate(trees, teaching sets)', fit: gated((side, e) => (side.filter(teaches).length >= 2 ? rankTrees(side.filter(teaches)) : FIXED[e])) },
  { name: 'gate(trees or fixed per side)', fit: gated(sideChoice(rankTrees)) },
  { name: 'gate(ridge or fixed per side)', fit: gated(sideChoice(rankRidge)) },
];

const tauOf = (s: SetData, pred: ArrayLike<number>) => kendallTau(pred, s.y);
const result: Record<string, Record<string, number | string>> = {};
const t0 = performance.now();
for (const test of sets) {
  const train = sets.filter((s) => s !== test);
  const hasProxies = test.X.some((r) => Number.isFinite(r[col('proxy_naswot')]!));
  const row: Record<string, number | string> = { n: test.y.length, params: tauOf(test, test.params), macs: tauOf(test, test.macs), aggregate: hasProxies ? tauOf(test, rankAggregate(test.X, aggCols, aggCols.map(() => 1))) : NaN };
  // Inner leave-one-space-out on the training spaces: the choice among learners.
  const inner: Record<string, number> = {};
  for (const L of LEARNERS) {
    const taus = train.map((h) => tauOf(h, L.fit(train.filter((s) => s !== h))(h)));
    inner[L.name] = taus.reduce((a, b) => a + b, 0) / taus.length;
    row[L.name] = tauOf(test, L.fit(train)(test));
  }
  const chosen = Object.entries(inner).sort((a, b) => b[1] - a[1])[0]![0];
  row.chosen = chosen;
  row.selected = row[chosen]!;
  result[test.space] = row;
  console.error(`${test.space} done (${((performance.now() - t0) / 1000).toFixed(0)} s): chose ${chosen} (inner τ ${inner[chosen]!.toFixed(3)})`);
}

const names = ['params', 'macs', 'aggregate', ...LEARNERS.map((l) => l.name), 'selected'];
console.log(`| held-out | n | ${names.join(' | ')} | chosen |\n|---|---:|${names.map(() => '---:').join('|')}|---|`);
const f = (v: number | string | undefined) => (typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(3) : 'n/a') : (v ?? ''));
for (const [space, r] of Object.entries(result)) console.log(`| ${space} | ${r.n} | ${names.map((n) => f(r[n])).join(' | ')} | ${r.chosen} |`);
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, `${JSON.stringify({ spaces: sets.map((s) => s.space), perSpace: CAP, text: !!encoder, result }, null, 1)}\n`);

/**
 * Predictor v6 lab (issue 22): leave-one-space-out over every built space, comparing learners that
 * see each signal *within its set* (normal scores of the signal among the architectures scored
 * together, as the training-free aggregate does) and the context the file shows, against params,
 * MACs and the aggregate. Lab only: nothing here ships; selection would use training spaces only.
 *
 *   npx tsx scripts/v6-lab.ts [--data data] [--per-space 2000] [--proxies-only]
 *
 * Learners (each trained on the other spaces, every space capped at --per-space rows so none
 * dominates; labels are within-space normal scores):
 *  - rank-ridge: ridge on the within-set normal scores of every scalar feature;
 *  - rank-trees: boosted trees on those scores plus raw context (size, resolution, depth, op mix);
 *  - raw-trees:  boosted trees on the raw scalar features (what v5's trees read, here cross-space).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Matrix, solve } from 'ml-matrix';
import { spaceRows } from '../src/predictor/evaluate.ts';
import { kendallTau } from '../src/predictor/metrics.ts';
import { normalScores, rankAggregate } from '../src/predictor/ranker.ts';
import { AGGREGATE_FEATURES } from '../src/predictor/ranker-candidates.ts';
import { PRIMARY_TARGET } from '../src/predictor/records.ts';
import { SCALAR_FEATURES } from '../src/predictor/scalars.ts';
import { fitTrees, predictTrees } from '../src/predictor/trees.ts';
import { shuffled } from '../src/random.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'data' }, 'per-space': { type: 'string', default: '2000' }, 'proxies-only': { type: 'boolean' } } });
const DATA = values.data!;
const CAP = Number(values['per-space']);
const spaces = Object.keys(PRIMARY_TARGET).filter((s) => existsSync(`${DATA}/${s}/manifest.jsonl`));
const CONTEXT = ['log_params', 'log_macs', 'log_resolution', 'log_depth_weighted', 'frac_depthwise', 'frac_conv1', 'frac_conv3', 'n_skip_adds', 'log_max_channels'].map((n) => SCALAR_FEATURES.indexOf(n));

interface SetData { space: string; X: Float64Array[]; y: number[]; u: Float64Array; params: number[]; macs: number[] }

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

const sets: SetData[] = [];
for (const space of spaces) {
  const target = PRIMARY_TARGET[space]!;
  const rows = (await spaceRows({ dataDir: DATA, representation: 'numeric-only', encoderDim: 384, embeddings: null, encoderKey: 'none', ...(values['proxies-only'] ? { proxiesOnly: true } : {}) }, space))
    .filter((r) => Number.isFinite(r.record.labels[target]));
  const pick = shuffled(rows, 7).slice(0, CAP);
  if (pick.length < 20) continue;
  const y = pick.map((r) => r.record.labels[target]!);
  sets.push({ space, X: pick.map((r) => r.scalars), y, u: normalScores(y), params: pick.map((r) => r.record.params), macs: pick.map((r) => r.record.macs) });
}

const features = {
  rank: (s: SetData) => rankColumns(s.X),
  rankCtx: (s: SetData) => rankColumns(s.X).map((r, i) => Float64Array.from([...r, ...CONTEXT.map((j) => s.X[i]![j]!)])),
  raw: (s: SetData) => s.X,
};

function ridge(X: readonly Float64Array[], y: readonly number[], lambda: number): (x: Float64Array) => number {
  const A = new Matrix(X.map((r) => Array.from(r, (v) => (Number.isFinite(v) ? v : 0))));
  const AtA = A.transpose().mmul(A);
  for (let j = 0; j < AtA.rows; j++) AtA.set(j, j, AtA.get(j, j) + lambda * X.length);
  const w = solve(AtA, A.transpose().mmul(Matrix.columnVector([...y]))).getColumn(0);
  return (x) => x.reduce((s, v, j) => s + (Number.isFinite(v) ? v : 0) * w[j]!, 0);
}

const aggCols = AGGREGATE_FEATURES.map((n) => SCALAR_FEATURES.indexOf(n));
const header = ['held-out', 'n', 'params', 'MACs', 'aggregate', 'rank-ridge', 'rank-trees', 'raw-trees'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`);
for (const test of sets) {
  const train = sets.filter((s) => s !== test);
  const tau = (pred: ArrayLike<number>) => kendallTau(pred, test.y).toFixed(3);
  const agg = rankAggregate(test.X, aggCols, aggCols.map(() => 1));
  const cols: string[] = [tau(test.params), tau(test.macs), test.X.some((r) => aggCols.some((j) => Number.isFinite(r[j]!) && j !== SCALAR_FEATURES.indexOf('log_macs'))) ? tau(agg) : 'n/a'];
  const rr = ridge(train.flatMap((s) => features.rank(s)), train.flatMap((s) => [...s.u]), 1);
  cols.push(tau(features.rank(test).map(rr)));
  for (const kind of ['rankCtx', 'raw'] as const) {
    const st = fitTrees(train.flatMap((s) => features[kind](s)), train.flatMap((s) => [...s.u]), { trees: 200, depth: 3, learningRate: 0.05, subsample: 0.8, minLeaf: 20, lambda: 1, bins: 32, seed: 0 });
    cols.push(tau(predictTrees(st, features[kind](test))));
  }
  console.log(`| ${test.space} | ${test.y.length} | ${cols.join(' | ')} |`);
}

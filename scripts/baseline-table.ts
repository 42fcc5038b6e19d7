/**
 * The yardstick before predictor v6 (issue 21, item 5): the *current* model design (v5: ranker,
 * head, trees, gate, calibration; src/predictor/model.ts), leave-one-space-out over every built
 * space — old and new — and leave-family-out inside the zoos, with params, MACs and the
 * training-free aggregate on the same test architectures. Appends JSON lines to --out (resumable
 * by key) and prints a Markdown table.
 *
 *   npx tsx scripts/baseline-table.ts [--data data] [--out out/baseline.jsonl] [--only loso,lfo]
 *       [--representation node-graph|numeric-only] [--train-size 10000] [--tests nb201-ninapro,pycls]
 *       [--proxy-dir <snapshot of data/<space>/proxies.jsonl>] [--proxies-only]
 *
 * `--lfo-other N` caps each other space's rows in a leave-family-out fold at N (seeded; default:
 * all), the zoo's own other families always whole.
 *
 * `--proxies-only` keeps the architectures whose proxies are cached (every space, both sides), so
 * a space whose cache is a sample is measured on that sample.
 *
 * Leave-family-out: 5 folds of whole families (manifest `family`) of one zoo and label; the
 * training side is the zoo's other families plus every other built space, minus any architecture
 * whose cross-zoo key (`arch_key`) is in the test fold — a ResNet-50 of timm never teaches the
 * ResNet-50 of pytorchcv it is tested on.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encoder/index.ts';
import { evaluate, scoreSplit, spaceRows, type RowSource } from '../src/predictor/evaluate.ts';
import { PhraseEmbeddings, textEmbedder, type Representation } from '../src/predictor/features.ts';
import { HEAD_CANDIDATES } from '../src/predictor/head/train.ts';
import { recordArchKey, recordFamily } from '../src/predictor/manifest.ts';
import { kendallTau, spearmanRho } from '../src/predictor/metrics.ts';
import type { ModelRow } from '../src/predictor/model.ts';
import { rankAggregate } from '../src/predictor/ranker.ts';
import { AGGREGATE_FEATURES, DEFAULT_RANKER_CANDIDATES } from '../src/predictor/ranker-candidates.ts';
import { groupFolds, PRIMARY_TARGET, shuffled } from '../src/predictor/records.ts';
import { PROXY_FEATURES, SCALAR_FEATURES } from '../src/predictor/scalars.ts';
import { blendScores } from '../src/predictor/set-ranker.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string', default: 'data' }, out: { type: 'string', default: 'out/baseline.jsonl' }, only: { type: 'string' },
  representation: { type: 'string', default: 'node-graph' }, 'proxy-dir': { type: 'string' }, 'proxies-only': { type: 'boolean' }, 'lfo-other': { type: 'string' }, 'train-size': { type: 'string', default: '10000' }, tests: { type: 'string' },
} });
const DATA = values.data!;
const R = values.representation as Representation;
const only = values.only ? new Set(values.only.split(',')) : null;
mkdirSync(dirname(values.out!), { recursive: true });
const done = new Map<string, Record<string, unknown>>(existsSync(values.out!) ? readFileSync(values.out!, 'utf8').split('\n').filter(Boolean).map((l) => { const j = JSON.parse(l) as { key: string }; return [j.key, j]; }) : []);
const spaces = Object.keys(PRIMARY_TARGET).filter((s) => existsSync(`${DATA}/${s}/manifest.jsonl`));
const encoder = R === 'numeric-only' ? null : await loadEncoder({ dtype: 'q8' });
const base: RowSource = { dataDir: DATA, representation: R, embeddings: encoder ? new PhraseEmbeddings(textEmbedder(encoder)) : null, encoderKey: encoder ? `${encoder.id}/${encoder.dtype}` : 'none', encoderDim: encoder?.dim ?? 384, ...(values['proxy-dir'] ? { proxyDir: values['proxy-dir'] } : {}), ...(values['proxies-only'] ? { proxiesOnly: true } : {}) };
const aggCols = AGGREGATE_FEATURES.map((n) => SCALAR_FEATURES.indexOf(n));
const proxyCols = PROXY_FEATURES.map((n) => SCALAR_FEATURES.indexOf(n));
const tau = (a: ArrayLike<number>, b: ArrayLike<number>) => ({ kendall: kendallTau(a, b), spearman: spearmanRho(a, b) });

interface Line { key: string; protocol: string; test: string; target: string; n: number; proxyCoverage: number; model: { kendall: number }; setRanker?: { kendall: number } | null; setBlend?: { kendall: number } | null; params: { kendall: number }; macs: { kendall: number }; aggregate: { kendall: number } | null; coverage80: number }
const lines: Line[] = [];
const record = (l: Line) => {
  appendFileSync(values.out!, `${JSON.stringify(l)}\n`);
  lines.push(l);
  console.error(`${l.key}: model τ ${l.model.kendall.toFixed(3)} set ranker ${l.setRanker?.kendall.toFixed(3) ?? 'n/a'} blend ${l.setBlend?.kendall.toFixed(3) ?? 'n/a'} params ${l.params.kendall.toFixed(3)} MACs ${l.macs.kendall.toFixed(3)} aggregate ${l.aggregate?.kendall.toFixed(3) ?? 'n/a'} (n ${l.n}, proxies ${l.proxyCoverage.toFixed(2)})`);
};

if (!only || only.has('loso')) {
  for (const test of values.tests ? values.tests.split(',') : spaces) {
    const target = PRIMARY_TARGET[test]!;
    const key = `loso|${test}|${target}|${R}`;
    if (done.has(key)) { lines.push(done.get(key) as unknown as Line); continue; }
    const r = await evaluate({ ...base, protocol: 'loso', train: spaces.filter((s) => s !== test), test, target, trainSize: Number(values['train-size']), seed: 0, head: HEAD_CANDIDATES });
    record({ key, protocol: 'loso', test, target, n: r.n_test, proxyCoverage: r.proxyCoverage, model: r, setRanker: r.parts.setRanker ?? null, setBlend: r.parts.setBlend ?? null, params: r.baselines.params, macs: r.baselines.macs, aggregate: r.baselines.aggregate, coverage80: r.coverage80 });
  }
}

if (!only || only.has('lfo')) {
  const all = new Map<string, ModelRow[]>();
  for (const s of spaces) all.set(s, await spaceRows(base, s));
  for (const [zoo, label] of [['timm', 'imagenet'], ['pytorchcv', 'imagenet'], ['pytorchcv', 'cifar10'], ['pytorchcv', 'cifar100']] as const) {
    const key = `lfo|${zoo}|${label}|${R}`;
    if (!all.has(zoo)) continue;
    if (done.has(key)) { lines.push(done.get(key) as unknown as Line); continue; }
    const rows = all.get(zoo)!.filter((r) => Number.isFinite(r.record.labels[label]));
    const famOf = (r: ModelRow) => recordFamily(r.record as ModelRow['record'] & { family?: string });
    const keyOf = (r: ModelRow) => recordArchKey(r.record as ModelRow['record'] & { arch_key?: string });
    const sizes = new Map<string, number>();
    for (const r of rows) sizes.set(famOf(r), (sizes.get(famOf(r)) ?? 0) + 1);
    const fold = groupFolds(sizes, 5);
    const pred: number[] = [];
    const truth: number[] = [];
    const testRows: ModelRow[] = [];
    const setPred: number[] = [];
    const blendPred: number[] = [];
    let inside = 0;
    for (let k = 0; k < 5; k++) {
      const test = rows.filter((r) => fold.get(famOf(r)) === k);
      if (test.length < 2) continue;
      const held = new Set(test.map(keyOf));
      // The zoo's other families whole; each other space capped at --lfo-other rows (seeded).
      const cap = values['lfo-other'] ? Number(values['lfo-other']) : Infinity;
      const others = [...all.entries()].filter(([s]) => s !== zoo).flatMap(([, rs]) => (rs.length > cap ? shuffled(rs, k).slice(0, cap) : rs));
      const train = [...all.get(zoo)!.filter((r) => fold.get(famOf(r)) !== k), ...others].filter((r) => !held.has(keyOf(r)));
      const counts = new Map<string, number>();
      for (const r of train) for (const t of Object.keys(r.record.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
      const s = scoreSplit(train, test, { target: label, trainedTarget: label, counts, head: HEAD_CANDIDATES, rankerCandidates: DEFAULT_RANKER_CANDIDATES, pcaInputs: R === 'numeric-only' ? 0 : 3 * (encoder?.dim ?? 384), gateText: R === 'numeric-only' ? 0 : encoder?.dim ?? 384, seed: k });
      const blend = s.setScores ? blendScores(s.setScores, s.preds) : null;
      s.preds.forEach((p, i) => { blendPred.push(blend?.[i] ?? NaN); pred.push(p); setPred.push(s.setScores?.[i] ?? NaN); truth.push(s.truth[i]!); if (s.truth[i]! >= s.low[i]! && s.truth[i]! <= s.high[i]!) inside++; });
      testRows.push(...test);
    }
    const withProxies = testRows.filter((r) => proxyCols.some((j) => Number.isFinite(r.scalars[j]!)));
    record({
      key, protocol: 'leave-family-out', test: zoo, target: label, n: truth.length, proxyCoverage: withProxies.length / Math.max(1, testRows.length),
      model: tau(pred, truth), setRanker: setPred.every(Number.isFinite) ? tau(setPred, truth) : null, setBlend: blendPred.every(Number.isFinite) ? tau(blendPred, truth) : null, params: tau(testRows.map((r) => r.record.params), truth), macs: tau(testRows.map((r) => r.record.macs), truth),
      aggregate: withProxies.length > 1 ? tau(rankAggregate(testRows.map((r) => r.scalars), aggCols, aggCols.map(() => 1)), truth) : null,
      coverage80: inside / Math.max(1, truth.length),
    });
  }
}
await encoder?.dispose();

const f = (v: { kendall: number } | null) => (v && Number.isFinite(v.kendall) ? v.kendall.toFixed(3) : 'n/a');
console.log('| protocol | test | target | n | proxy coverage | current model (v5) τ | set ranker (v6) τ | set ranker + model τ | params τ | MACs τ | aggregate τ | best trivial | model − best trivial | 80 % coverage |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const l of lines) {
  const best = Math.max(l.params.kendall, l.macs.kendall, l.aggregate?.kendall ?? -1);
  console.log(`| ${l.protocol} | ${l.test} | ${l.target} | ${l.n} | ${l.proxyCoverage.toFixed(2)} | ${f(l.model)} | ${f(l.setRanker ?? null)} | ${f(l.setBlend ?? null)} | ${f(l.params)} | ${f(l.macs)} | ${f(l.aggregate)} | ${best.toFixed(3)} | ${(l.model.kendall - best).toFixed(3)} | ${Number.isFinite(l.coverage80) ? l.coverage80.toFixed(2) : 'n/a'} |`);
}

/**
 * Runs every evaluation behind docs/RESULTS.md and appends one JSON line per run to
 * out/results.jsonl (resumable: runs already there are skipped). Render with
 * `npx tsx scripts/render-results.ts`.
 *
 *   npx tsx scripts/results.ts [--only zero-shot,in-space,targets,loso,timm-lfo,ablation] [--data data]
 *
 * Needs the built datasets (`onnx-predict dataset build <space> --out data/<space>`) and, for the
 * proxies, their caches (`npx tsx scripts/proxies-cache.ts data/<space>`): data/<space>/proxies.jsonl.
 * Every run reports the shipped model's answer (gate between head and ranker), each part alone,
 * the training-free rank aggregate of the proxies, and the params/MACs baselines on the same
 * test architectures. Selection never sees the test space (docs/RESULTS.md, "discipline").
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encoder/index.ts';
import { evaluate, scoreSplit, spaceRows, type EvalOptions, type EvalReport, type RowSource } from '../src/predictor/evaluate.ts';
import { PhraseEmbeddings, textEmbedder, type Representation } from '../src/predictor/features.ts';
import { HEAD_CANDIDATES } from '../src/predictor/head/train.ts';
import { kendallTau, spearmanRho } from '../src/predictor/metrics.ts';
import { DEFAULT_RANKER_CANDIDATES } from '../src/predictor/ranker-candidates.ts';
import { groupFolds } from '../src/predictor/records.ts';
import { timmEntriesByArch, timmExtra } from '../datasets/timm/index.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, skip: { type: 'string' }, data: { type: 'string', default: 'data' }, out: { type: 'string', default: 'out/results.jsonl' }, 'proxies-only': { type: 'boolean' }, 'proxy-dir': { type: 'string' } } });
/** Keep only architectures whose proxies are cached: the sample a partial cache covers. */
const PROXIES_ONLY = values['proxies-only'] === true;
const skip = new Set(values.skip ? values.skip.split(',') : []);
const only = values.only ? new Set(values.only.split(',')) : null;
const OUT = values.out!;
const DATA = values.data!;
mkdirSync('out', { recursive: true });
const done = new Set(existsSync(OUT) ? readFileSync(OUT, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { key: string }).key) : []);

type RunOptions = Omit<EvalOptions, 'embeddings' | 'encoderKey' | 'encoderDim' | 'head' | 'dataDir'>;
interface Run { readonly group: string; readonly key: string; readonly options: RunOptions }

const R: Representation = 'node-graph';
const runs: Run[] = [];
const add = (group: string, o: RunOptions) => {
  const key = `${group}|${o.protocol}|${o.train.join('+')}>${o.test}|${o.target}|${o.trainSize ?? 'all'}|${o.testSize ?? 'all'}|${o.seed}|${o.representation}|${o.useProxies === false ? 'no-proxies' : 'proxies'}${PROXIES_ONLY ? '|cached-sample' : ''}`;
  runs.push({ group, key, options: o });
};

/** Each space with its primary target; cross-space protocols score candidates on the others (never the test space). */
const SPACES = [['nb201', 'cifar10'], ['nb101', 'cifar10'], ['accel', 'imagenet-16ep'], ['transnas-micro', 'class_scene'], ['timm', 'imagenet']] as const;
const selection = (train: readonly string[], test: string) => SPACES.filter(([s]) => s !== test && !train.includes(s)).map(([space, target]) => ({ space, target }));

for (const size of [1000, 20001]) {
  for (const seed of [0, 1, 2]) add('zero-shot', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: size, seed, representation: R, keepPoints: 1500, selectionSpaces: selection(['nb101'], 'nb201') });
}
for (const size of [100, 1000]) {
  for (const seed of [0, 1, 2]) add('in-space', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: size, seed, representation: R, keepPoints: 1500 });
}
for (const target of ['cifar100', 'imagenet16-120']) {
  add('targets', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target, trainSize: 1000, seed: 0, representation: R });
}
for (const [test, target] of SPACES) {
  const train = SPACES.map(([s]) => s).filter((s) => s !== test);
  add('loso', { protocol: 'loso', train, test, target, trainSize: 10000, seed: 0, representation: R, keepPoints: 1500 });
}
for (const useProxies of [false]) {
  add('ablation', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation: R, useProxies, selectionSpaces: selection(['nb101'], 'nb201') });
  add('ablation', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation: R, useProxies });
}
add('ablation', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation: 'numeric-only', selectionSpaces: selection(['nb101'], 'nb201') });
add('ablation', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation: 'numeric-only' });

const encoder = await loadEncoder({ dtype: 'q8' });
const base = { dataDir: DATA, proxiesOnly: PROXIES_ONLY, ...(values['proxy-dir'] ? { proxyDir: values['proxy-dir'] } : {}), embeddings: new PhraseEmbeddings(textEmbedder(encoder)), encoderKey: `${encoder.id}/${encoder.dtype}`, encoderDim: encoder.dim };
const wanted = (group: string) => !(only && !only.has(group)) && !skip.has(group);

for (const run of runs) {
  if (!wanted(run.group) || done.has(run.key)) continue;
  const t0 = performance.now();
  let report: EvalReport;
  try {
    report = await evaluate({ ...run.options, ...base, head: HEAD_CANDIDATES });
  } catch (e) {
    console.error(`${run.key}: ${(e as Error).message}`);
    continue;
  }
  appendFileSync(OUT, `${JSON.stringify({ key: run.key, group: run.group, useProxies: run.options.useProxies !== false, ...report })}\n`);
  console.error(`${run.key}: τ ${report.kendall.toFixed(3)} ρ ${report.spearman.toFixed(3)} (ranker ${report.parts.ranker.kendall.toFixed(3)}, head ${report.parts.head.kendall.toFixed(3)}, aggregate ${report.baselines.aggregate?.kendall.toFixed(3) ?? 'n/a'}, params ${report.baselines.params.kendall.toFixed(3)}) ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

// timm leave-family-out: 5 folds of whole families; each fold trains on the other families (+ the
// NAS spaces' architectures as extra ranker data when `withNas`), predictions pooled over folds.
for (const withNas of [false, true]) {
  const key = `timm-lfo|${withNas ? 'timm+accel+nas' : 'timm+accel'}|5folds|0${PROXIES_ONLY ? '|cached-sample' : ''}`;
  if (!wanted('timm-lfo') || done.has(key)) continue;
  const t0 = performance.now();
  const src: RowSource = { ...base, representation: R };
  const timm = (await spaceRows(src, 'timm')).filter((r) => Number.isFinite(r.record.labels.imagenet));
  const extra = [...(await spaceRows(src, 'accel')), ...(withNas ? [...(await spaceRows(src, 'nb201')), ...(await spaceRows(src, 'nb101'))].filter((_, i) => i % 4 === 0) : [])];
  const entries = await timmEntriesByArch();
  const family = (arch: string) => timmExtra(entries.get(arch)!).family;
  const sizes = new Map<string, number>();
  for (const r of timm) sizes.set(family(r.record.arch), (sizes.get(family(r.record.arch)) ?? 0) + 1);
  const fold = groupFolds(sizes, 5);
  const pred: number[] = [];
  const truth: number[] = [];
  const params: number[] = [];
  const macs: number[] = [];
  let inside = 0;
  const folds: { fold: number; n: number; kendall: number; ranker: string; headShare: number; treesShare: number; near: string }[] = [];
  for (let k = 0; k < 5; k++) {
    const test = timm.filter((r) => fold.get(family(r.record.arch)) === k);
    const train = [...timm.filter((r) => fold.get(family(r.record.arch)) !== k), ...extra];
    const counts = new Map<string, number>();
    for (const r of train) for (const t of Object.keys(r.record.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const s = scoreSplit(train, test, { target: 'imagenet', trainedTarget: 'imagenet', counts, head: HEAD_CANDIDATES, rankerCandidates: DEFAULT_RANKER_CANDIDATES, pcaInputs: 3 * encoder.dim, gateText: encoder.dim, seed: k });
    s.preds.forEach((p, i) => {
      pred.push(p);
      truth.push(s.truth[i]!);
      if (s.truth[i]! >= s.low[i]! && s.truth[i]! <= s.high[i]!) inside++;
    });
    params.push(...test.map((r) => r.record.params));
    macs.push(...test.map((r) => r.record.macs));
    folds.push({ fold: k, n: test.length, kendall: s.report.kendall, ranker: s.report.selection.rankerChosen, headShare: s.report.parts.headShare, treesShare: s.report.parts.treesShare, near: s.report.nearSource });
  }
  const line = {
    key, group: 'timm-lfo', withNas, n_test: truth.length, families: sizes.size,
    kendall: kendallTau(pred, truth), spearman: spearmanRho(pred, truth), coverage80: inside / truth.length,
    baselines: { params: { kendall: kendallTau(params, truth), spearman: spearmanRho(params, truth) }, macs: { kendall: kendallTau(macs, truth), spearman: spearmanRho(macs, truth) } },
    folds, seconds: (performance.now() - t0) / 1000,
  };
  appendFileSync(OUT, `${JSON.stringify(line)}\n`);
  console.error(`${key}: τ ${line.kendall.toFixed(3)} ρ ${line.spearman.toFixed(3)} params τ ${line.baselines.params.kendall.toFixed(3)} (${line.seconds.toFixed(0)} s)`);
}
await encoder.dispose();

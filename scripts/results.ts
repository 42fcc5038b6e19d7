/**
 * Runs every evaluation behind docs/RESULTS.md and appends one JSON line per run to
 * out/results.jsonl (resumable: runs already there are skipped). Render with
 * `npx tsx scripts/render-results.ts`.
 *
 *   npx tsx scripts/results.ts [--only zero-shot,in-space,loso,targets,ablation,encoder] [--data data]
 *
 * Needs the built datasets: data/{nb201,nb101,accel,transnas-micro}/manifest.jsonl
 * (`onnx-predict dataset build <space> --out data/<space>`).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEncoder, type Encoder } from '../src/encoder/index.ts';
import { evaluate, type EvalOptions, type EvalReport } from '../src/predictor/evaluate.ts';
import { PhraseEmbeddings, textEmbedder, type Representation } from '../src/predictor/features.ts';
import { HEAD_CANDIDATES } from '../src/predictor/head/train.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, skip: { type: 'string' }, data: { type: 'string', default: 'data' }, out: { type: 'string', default: 'out/results.jsonl' } } });
const skip = new Set(values.skip ? values.skip.split(',') : []);
const only = values.only ? new Set(values.only.split(',')) : null;
const OUT = values.out!;
mkdirSync('out', { recursive: true });
const done = new Set(existsSync(OUT) ? readFileSync(OUT, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { key: string }).key) : []);

interface Run {
  readonly group: string;
  readonly key: string;
  readonly options: Omit<EvalOptions, 'embeddings' | 'encoderKey' | 'encoderDim' | 'head' | 'dataDir'> & { dtype?: 'q8' | 'fp32' };
}

const R: Representation = 'node-graph';
const runs: Run[] = [];
const add = (group: string, o: Run['options']) => {
  const key = `${group}|${o.protocol}|${o.train.join('+')}>${o.test}|${o.target}|${o.trainSize ?? 'all'}|${o.testSize ?? 'all'}|${o.seed}|${o.representation}|${o.dtype ?? 'q8'}`;
  runs.push({ group, key, options: o });
};

// Candidate heads for cross-space protocols are scored on other built spaces too (never the
// test space): accel and transnas-micro for NB101 → NB201.
const OTHER = [['nb201', 'cifar10'], ['nb101', 'cifar10'], ['accel', 'imagenet'], ['transnas-micro', 'class_scene']] as const;
const selection = (train: readonly string[], test: string) => OTHER.filter(([s]) => s !== test && !train.includes(s)).map(([space, target]) => ({ space, target }));

const ZS_SEEDS: Record<number, number[]> = { 200: [0, 1, 2, 3, 4], 1000: [0, 1, 2, 3, 4], 5000: [0, 1, 2, 3, 4], 20001: [0, 1, 2, 3, 4] };
for (const [size, seeds] of Object.entries(ZS_SEEDS)) {
  for (const seed of seeds) add('zero-shot', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: Number(size), seed, representation: R, keepPoints: 1500, selectionSpaces: selection(['nb101'], 'nb201') });
}
const IS_SEEDS: Record<number, number[]> = { 100: [0, 1, 2, 3, 4], 1000: [0, 1, 2, 3, 4], 10000: [0, 1, 2] };
for (const [size, seeds] of Object.entries(IS_SEEDS)) {
  for (const seed of seeds) add('in-space', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: Number(size), seed, representation: R, keepPoints: 1500 });
}
for (const target of ['cifar100', 'imagenet16-120']) {
  add('targets', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target, trainSize: 1000, seed: 0, representation: R });
}
for (const [test, target] of OTHER) {
  const train = OTHER.map(([s]) => s).filter((s) => s !== test);
  add('loso', { protocol: 'loso', train, test, target, trainSize: 20000, seed: 0, representation: R, keepPoints: 1500 });
}
for (const representation of ['numeric-only', 'text-only'] as const) {
  add('ablation', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation });
  add('ablation', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation, selectionSpaces: selection(['nb101'], 'nb201') });
}
// Whole-text and fp32 representations cost an encoder pass per architecture (compact: one
// window; chain_slim: ~24 windows for NB201), and features are computed per dataset: they run on
// a 600-architecture NB201 sample (`dataset build nb201 --out data/nb201-600 --limit 600 --seed 3`).
for (const representation of ['numeric-only', 'node-graph', 'text-compact'] as const) {
  add('ablation-small', { protocol: 'in-space', train: ['nb201-600'], test: 'nb201-600', target: 'cifar10', trainSize: 300, seed: 0, representation });
}
add('ablation-small', { protocol: 'in-space', train: ['nb201-600'], test: 'nb201-600', target: 'cifar10', trainSize: 300, seed: 0, representation: R, dtype: 'fp32' });

const encoders = new Map<string, Encoder>();
async function encoderFor(dtype: 'q8' | 'fp32'): Promise<Encoder> {
  let e = encoders.get(dtype);
  if (!e) {
    e = await loadEncoder({ dtype });
    encoders.set(dtype, e);
  }
  return e;
}

for (const run of runs) {
  if ((only && !only.has(run.group)) || skip.has(run.group)) continue;
  if (done.has(run.key)) continue;
  const { dtype = 'q8', ...o } = run.options;
  // numeric-only too: its features are sliced from the cached node-graph ones.
  const encoder = await encoderFor(dtype);
  const t0 = performance.now();
  let report: EvalReport;
  try {
    report = await evaluate({
      ...o,
      dataDir: values.data!,
      head: HEAD_CANDIDATES,
      embeddings: new PhraseEmbeddings(textEmbedder(encoder)),
      // fp32 features are cached apart from q8 ones.
      encoderKey: `${encoder.id}/${encoder.dtype}`,
      encoderDim: encoder.dim,
    });
  } catch (e) {
    console.error(`${run.key}: ${(e as Error).message}`);
    continue;
  }
  appendFileSync(OUT, `${JSON.stringify({ key: run.key, group: run.group, dtype, ...report })}\n`);
  console.error(`${run.key}: kendall ${report.kendall.toFixed(3)} spearman ${report.spearman.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
for (const e of encoders.values()) await e.dispose();

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
import { HEAD_CANDIDATES } from '../src/predictor/head.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, data: { type: 'string', default: 'data' }, out: { type: 'string', default: 'out/results.jsonl' } } });
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

for (const trainSize of [200, 1000, 5000, 20001]) {
  for (const seed of [0, 1, 2, 3, 4]) add('zero-shot', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize, seed, representation: R, keepPoints: 1500 });
}
for (const trainSize of [100, 1000, 10000]) {
  for (const seed of [0, 1, 2]) add('in-space', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize, seed, representation: R, keepPoints: 1500 });
}
for (const target of ['cifar100', 'imagenet16-120']) {
  for (const seed of [0, 1, 2]) add('targets', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target, trainSize: 1000, seed, representation: R });
}
const SPACES = [['nb201', 'cifar10'], ['nb101', 'cifar10'], ['accel', 'imagenet'], ['transnas-micro', 'class_scene']] as const;
for (const [test, target] of SPACES) {
  add('loso', { protocol: 'loso', train: SPACES.map(([s]) => s).filter((s) => s !== test), test, target, trainSize: 20000, seed: 0, representation: R, keepPoints: 1500 });
}
for (const representation of ['numeric-only', 'text-only', 'node-graph', 'text-compact'] as const) {
  add('ablation', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation });
  add('ablation', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation });
}
// chain_slim texts are ~6,000 tokens for an NB201 network (24 encoder windows): a small split.
for (const representation of ['text-chain-slim', 'text-compact', 'node-graph'] as const) {
  add('ablation-small', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: 300, testSize: 700, seed: 0, representation });
}
for (const dtype of ['q8', 'fp32'] as const) {
  add('encoder', { protocol: 'in-space', train: ['nb201'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation: R, dtype });
  add('encoder', { protocol: 'zero-shot', train: ['nb101'], test: 'nb201', target: 'cifar10', trainSize: 1000, seed: 0, representation: R, dtype });
}

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
  if (only && !only.has(run.group)) continue;
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

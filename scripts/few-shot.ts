/**
 * The few-shot table behind docs/RESULTS.md: for each held-out space, the model trained on the
 * other built spaces, adapted with k known results (k = 5 … 100, 10 seeded draws each), against
 * the zero-shot model, a fit on the k alone, the best single signal chosen on the k, and params.
 * Appends one JSON line per held-out space to --out (resumable by key).
 *
 *   npx tsx scripts/few-shot.ts [--only nb201,nb101] [--data data] [--out out/few-shot.jsonl]
 *       [--representation node-graph|numeric-only] [--proxies-only] [--draws 10] [--train-size 10000]
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encoder/index.ts';
import { evaluateFewShot } from '../src/predictor/evaluate.ts';
import { PhraseEmbeddings, textEmbedder, type Representation } from '../src/predictor/features.ts';
import { HEAD_CANDIDATES } from '../src/predictor/head/train.ts';
import { PRIMARY_TARGET } from '../src/predictor/records.ts';

const { values } = parseArgs({ options: {
  only: { type: 'string' }, data: { type: 'string', default: 'data' }, out: { type: 'string', default: 'out/few-shot.jsonl' },
  representation: { type: 'string', default: 'node-graph' }, 'proxies-only': { type: 'boolean' }, 'test-proxies-only': { type: 'boolean' }, draws: { type: 'string', default: '10' },
  'train-size': { type: 'string', default: '10000' }, ks: { type: 'string' },
} });
const DATA = values.data!;
const R = values.representation as Representation;
const spaces = Object.keys(PRIMARY_TARGET).filter((s) => existsSync(`${DATA}/${s}/manifest.jsonl`));
const tests = values.only ? values.only.split(',') : spaces;
mkdirSync(dirname(values.out!), { recursive: true });
const done = new Set(existsSync(values.out!) ? readFileSync(values.out!, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { key: string }).key) : []);
const encoder = R === 'numeric-only' ? null : await loadEncoder({ dtype: 'q8' });
for (const test of tests) {
  const train = spaces.filter((s) => s !== test);
  const key = `few-shot|${train.join('+')}>${test}|${PRIMARY_TARGET[test]}|${R}|${values['proxies-only'] ? 'cached-sample' : 'all'}`;
  if (done.has(key)) continue;
  const t0 = performance.now();
  const report = await evaluateFewShot({
    train, test, target: PRIMARY_TARGET[test]!, seed: 0, dataDir: DATA, representation: R, head: HEAD_CANDIDATES,
    embeddings: encoder ? new PhraseEmbeddings(textEmbedder(encoder)) : null,
    encoderKey: encoder ? `${encoder.id}/${encoder.dtype}` : 'none', encoderDim: encoder?.dim ?? 384,
    trainSize: Number(values['train-size']), draws: Number(values.draws),
    ...(values.ks ? { ks: values.ks.split(',').map(Number) } : {}),
    ...(values['proxies-only'] ? { proxiesOnly: true } : {}),
    ...(values['test-proxies-only'] ? { testProxiesOnly: true } : {}),
  });
  appendFileSync(values.out!, `${JSON.stringify({ key, seconds: (performance.now() - t0) / 1000, ...report })}\n`);
  const line = (m: string) => report.cells.map((c) => `${c.tau[m as 'adapted'].mean.toFixed(3)}`).join(' ');
  console.log(`${test} n=${report.n_test} zero-shot τ ${report.zeroShot.kendall.toFixed(3)} coverage(proxies) ${report.proxyCoverage.toFixed(2)}  k=${report.cells.map((c) => c.k).join('/')}`);
  for (const m of ['adapted', 'zeroShot', 'fresh', 'bestSignal', 'params']) console.log(`  ${m.padEnd(11)} ${line(m)}`);
  console.log(`  coverage80  ${report.cells.map((c) => c.coverage80.mean.toFixed(2)).join(' ')}`);
}
await encoder?.dispose();

/**
 * Few-shot with the *shipped* model on a space it never trained on (pytorchcv, pycls, NB201 on
 * NinaPro, ...): the product's own path. The space's architectures are scored by `batch` (proxies
 * on, resumable into out/), then the few-shot protocol (src/predictor/few-shot.ts) draws k known
 * results and ranks the rest: adapted, the shipped model alone (k = 0), the k alone, the best
 * single signal on the k, params. Appends one JSON line per run to --out.
 *
 *   npx tsx scripts/few-shot-shipped.ts --data data/nb201-ninapro --label ninapro --prior cifar10
 *       [--limit 1000] [--seed 0] [--draws 10] [--ks 5,10,20,50,100] [-j 2] [--out out/few-shot-shipped.jsonl]
 *
 * --label: the manifest label ranked against; --prior: the shipped model's target whose
 * prediction is the prior (a new task has no target of its own in the model: its ranking only).
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBatch } from '../src/batch/runner.ts';
import { scalarsOf } from '../src/batch/known.ts';
import { fewShot } from '../src/predictor/few-shot.ts';
import { kendallTau } from '../src/predictor/metrics.ts';
import { shuffled } from '../src/random.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string' }, label: { type: 'string' }, prior: { type: 'string' }, limit: { type: 'string', default: '1000' },
  seed: { type: 'string', default: '0' }, draws: { type: 'string', default: '10' }, ks: { type: 'string', default: '5,10,20,50,100' },
  j: { type: 'string', default: '1' }, out: { type: 'string', default: 'out/few-shot-shipped.jsonl' }, filter: { type: 'string' },
} });
if (!values.data || !values.label || !values.prior) throw new Error('--data, --label and --prior are required');
const dir = resolve(values.data);
const seed = Number(values.seed);
type Rec = { id: string; file: string; labels: Record<string, number> };
let manifest = readFileSync(join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec)
  .filter((r) => Number.isFinite(r.labels[values.label!]));
if (values.filter) manifest = manifest.filter((r) => r.id.includes(values.filter!));
const pick = shuffled(manifest, seed).slice(0, Number(values.limit));
mkdirSync('out', { recursive: true });
const tag = `${basename(dir)}-${values.label}-${pick.length}-s${seed}`;
const list = resolve('out', `few-shot-${tag}.txt`);
writeFileSync(list, `${pick.map((r) => join(dir, r.file)).join('\n')}\n`);
const t0 = performance.now();
const summary = await runBatch({ inputs: [`@${list}`], out: `out/few-shot-${tag}.jsonl`, resume: true, concurrency: Number(values.j) });
const truthOf = new Map(pick.map((r) => [join(dir, r.file), r.labels[values.label!]!]));
const rows = summary.rows.filter((r) => r.error === null && r.predictions[values.prior!] !== undefined && truthOf.has(resolve(r.file)));
const truth = rows.map((r) => truthOf.get(resolve(r.file))!);
const model = rows.map((r) => r.predictions[values.prior!]!.accuracy);
const withProxies = rows.filter((r) => (r.proxies as { proxies?: unknown } | undefined)?.proxies).length;
const cells = fewShot({ modelAccuracy: model, scalars: rows.map((r) => scalarsOf({ params: r.params, macs: r.macs, proxies: r.proxies })), truth, params: rows.map((r) => r.params ?? NaN), ks: values.ks!.split(',').map(Number), draws: Number(values.draws), seed });
const report = { key: tag, data: basename(dir), label: values.label, prior: values.prior, n: rows.length, proxyCoverage: withProxies / Math.max(1, rows.length), zeroShotTau: kendallTau(model, truth), seconds: (performance.now() - t0) / 1000, cells };
appendFileSync(values.out!, `${JSON.stringify(report)}\n`);
console.log(`${tag}: n=${rows.length} proxies ${report.proxyCoverage.toFixed(2)} shipped model τ ${report.zeroShotTau.toFixed(3)}`);
console.log(`  k            ${cells.map((c) => String(c.k).padStart(7)).join('')}`);
for (const m of ['adapted', 'zeroShot', 'fresh', 'bestSignal', 'params'] as const) console.log(`  ${m.padEnd(12)} ${cells.map((c) => c.tau[m].mean.toFixed(3).padStart(7)).join('')}`);
console.log(`  coverage80   ${cells.map((c) => c.coverage80.mean.toFixed(2).padStart(7)).join('')}`);

/**
 * Quick lab for the transferable ranker: scalar features (profile descriptors + proxies) of every
 * built space, then zero-shot / leave-one-space-out / timm leave-family-out with the ranker, the
 * training-free aggregate and the params/MACs baselines. Development tool; docs come from
 * scripts/results.ts.
 *   npx tsx scripts/transfer-lab.ts [--features a,b,c] [--lambda 0.1]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { featureLayout } from '../src/predictor/features.ts';
import { NUMERIC_FEATURES } from '../src/predictor/graph-features.ts';
import { kendallTau, spearmanRho } from '../src/predictor/metrics.ts';
import { fitRanker, rankAggregate, scoreRanker } from '../src/predictor/ranker.ts';
import { asPredicted, loadProxyCache } from '../src/predictor/scalars.ts';
import { PROXY_NAMES } from '../src/proxies/index.ts';
import { groupFolds, loadManifest, recordFeatures, type LabeledRecord } from '../src/predictor/records.ts';
import { timmEntriesByArch, timmExtra } from '../datasets/timm/index.ts';

const { values } = parseArgs({ options: { features: { type: 'string' }, lambda: { type: 'string', default: '0.1' }, nosign: { type: 'boolean' }, balance: { type: 'boolean' }, fixed: { type: 'boolean' } } });
const PRIMARY: Record<string, string> = { nb201: 'cifar10', nb101: 'cifar10', accel: 'imagenet-16ep', 'transnas-micro': 'class_scene', timm: 'imagenet' };

interface Space { space: string; records: LabeledRecord[]; F: Float64Array[]; y: number[] }
let names: string[] = [];

async function load(space: string): Promise<Space> {
  const all = loadManifest(`data/${space}/manifest.jsonl`);
  const layout = featureLayout('node-graph', 384);
  const { features } = await recordFeatures(all, layout, null, 'all-MiniLM-L6-v2/q8');
  const prox = new Map([...loadProxyCache(`data/${space}`)].filter((e): e is [string, Record<string, number | null>] => e[1] !== null && e[1] !== undefined));
  const proxNames = PROXY_NAMES as readonly string[];
  names = [...NUMERIC_FEATURES, ...proxNames.map((p) => `proxy_${p}`)];
  const t = PRIMARY[space]!;
  const keep = all.map((r, i) => i).filter((i) => Number.isFinite(all[i]!.labels[t]) && (prox.size === 0 || prox.has(all[i]!.id)));
  return {
    space,
    records: keep.map((i) => all[i]!),
    F: keep.map((i) => {
      const num = features[i]!.subarray(layout.textLength);
      const p = asPredicted(prox.get(all[i]!.id), all[i]!.macs);
      return Float64Array.from([...num, ...proxNames.map((n) => p?.[n] ?? NaN)]);
    }),
    y: keep.map((i) => all[i]!.labels[t]!),
  };
}

const spaces = new Map<string, Space>();
for (const s of ['nb201', 'nb101', 'accel', 'transnas-micro', 'timm']) {
  if (!existsSync(`data/${s}/manifest.jsonl`)) continue;
  try {
    spaces.set(s, await load(s));
  } catch (e) {
    console.error(`${s}: skipped (${(e as Error).message})`);
  }
}
const cols = values.features ? values.features.split(',').map((n) => { const j = names.indexOf(n); if (j < 0) throw new Error(`unknown feature ${n}; known ${names.join(',')}`); return j; }) : names.map((_, j) => j);
const pick = (F: Float64Array[]) => F.map((r) => Float64Array.from(cols, (j) => r[j]!));
const cfg = { lambda: Number(values.lambda), signFilter: !values.nosign, balance: values.balance === true, fixed: values.fixed === true };
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

function run(label: string, train: Space[], test: Space): void {
  const X = train.flatMap((s) => pick(s.F));
  const g = train.flatMap((s) => s.records.map(() => s.space));
  const y = train.flatMap((s) => s.y);
  const st = fitRanker(X, g, y, cols.map((j) => names[j]!), cfg);
  const pred = scoreRanker(st, pick(test.F));
  const li = names.indexOf('log_params');
  const mi = names.indexOf('log_macs');
  const w = [...st.weights].map((v, k) => [st.features[k], v] as const).filter(([, v]) => v !== 0).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 6).map(([n, v]) => `${n}:${v.toFixed(2)}`).join(' ');
  console.log(`${label.padEnd(34)} τ ${fmt(kendallTau(pred, test.y))} ρ ${fmt(spearmanRho(pred, test.y))} | params τ ${fmt(kendallTau(test.F.map((r) => r[li]!), test.y))} macs τ ${fmt(kendallTau(test.F.map((r) => r[mi]!), test.y))} | n ${X.length}/${test.y.length} | ${w}${st.dropped.length ? ` | dropped ${st.dropped.length}` : ''}`);
}

const nb101 = spaces.get('nb101');
const nb201 = spaces.get('nb201');
if (nb101 && nb201) run('zero-shot nb101 → nb201', [nb101], nb201);
const loso = ['nb201', 'nb101', 'accel', 'transnas-micro'].filter((s) => spaces.has(s));
for (const t of loso) run(`loso ${t}`, loso.filter((s) => s !== t).map((s) => spaces.get(s)!), spaces.get(t)!);
const timm = spaces.get('timm');
if (timm) {
  // Leave-family-out: 5 folds of whole families; pooled τ over all folds' predictions.
  const entries = await timmEntriesByArch();
  const fam = timm.records.map((r) => timmExtra(entries.get(r.arch)!).family);
  const sizes = new Map<string, number>();
  for (const f of fam) sizes.set(f, (sizes.get(f) ?? 0) + 1);
  const folds = groupFolds(sizes, 5);
  const pred = new Float64Array(timm.y.length);
  for (let k = 0; k < 5; k++) {
    const tr = timm.records.map((_, i) => i).filter((i) => folds.get(fam[i]!) !== k);
    const te = timm.records.map((_, i) => i).filter((i) => folds.get(fam[i]!) === k);
    const others = [...spaces.values()].filter((s) => s.space === 'accel');
    const X = [...tr.map((i) => timm.F[i]!), ...others.flatMap((s) => s.F)];
    const g = [...tr.map(() => 'timm'), ...others.flatMap((s) => s.records.map(() => s.space))];
    const y = [...tr.map((i) => timm.y[i]!), ...others.flatMap((s) => s.y)];
    const st = fitRanker(pick(X), g, y, cols.map((j) => names[j]!), cfg);
    const p = scoreRanker(st, pick(te.map((i) => timm.F[i]!)));
    te.forEach((i, q) => { pred[i] = p[q]!; });
  }
  const li = names.indexOf('log_params');
  const mi = names.indexOf('log_macs');
  console.log(`timm leave-family-out (+accel)      τ ${fmt(kendallTau(pred, timm.y))} ρ ${fmt(spearmanRho(pred, timm.y))} | params τ ${fmt(kendallTau(timm.F.map((r) => r[li]!), timm.y))} macs τ ${fmt(kendallTau(timm.F.map((r) => r[mi]!), timm.y))}`);
}
// Training-free aggregate of whatever proxies exist (+ MACs), within each test space.
const agg = cols;
if (agg.every((j) => j >= 0)) {
  for (const s of spaces.values()) {
    const a = rankAggregate(s.F, agg, agg.map(() => 1));
    console.log(`rank aggregate of the features ${s.space.padEnd(15)} τ ${fmt(kendallTau(a, s.y))} ρ ${fmt(spearmanRho(a, s.y))}`);
  }
}

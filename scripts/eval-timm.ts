/**
 * The timm zoo (datasets/timm): reader/profile/text coverage and leave-family-out evaluation of the
 * `imagenet` target. Results go to docs/ZOO.md by hand from the JSON/markdown this prints.
 *
 *   npx tsx scripts/eval-timm.ts coverage              # every committed graph: read, profile, describe
 *   npx tsx scripts/eval-timm.ts plot [--variant 'numeric-only, timm only']  # SVG of one run in .cache/timm/lfo.json
 *   npx tsx scripts/eval-timm.ts ranking <batch.csv> [--data data] [--target imagenet]
 *                                                      # top/bottom 10 of an `onnx-predict batch` CSV with true top-1
 *   npx tsx scripts/eval-timm.ts lfo [--folds 5] [--seed 0] [--accel-limit 300] [--data data]
 *                                    [--members 1] [--epochs 30] [--variants node-graph+accel,numeric-only+accel,node-graph,numeric-only]
 *
 * `lfo` builds data/timm (and data/accel with the CLI) when their manifests are missing, groups the
 * timm models by family (datasets/timm/labels.tsv), assigns whole families to K folds, and for each
 * fold trains a head on the other folds' timm models (+ an Accel-NASBench sample) and predicts the
 * held-out families. Params and MACs baselines are ranked on the same test models. Kendall τ and
 * Spearman ρ are reported per fold and pooled over the out-of-fold predictions; the scatter plot of
 * the first variant is written to docs/ZOO-timm-scatter.svg. JSON lands in .cache/timm/.
 * The head is DEFAULT_HEAD_CONFIG with fewer members and epochs by default (`--members`,
 * `--epochs`): K folds × 4 variants of the full head did not fit the shared 2-core machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDataset } from '../datasets/index.ts';
import { timmExtra, timmSpace } from '../datasets/timm/index.ts';
import { loadEncoder } from '../src/encoder/index.ts';
import { describeModel } from '../src/index.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { featureLayout, PhraseEmbeddings, type Representation } from '../src/predictor/features.ts';
import { predictHead } from '../src/predictor/head/infer.ts';
import { DEFAULT_HEAD_CONFIG } from '../src/predictor/head/train.ts';
import { kendallTau, spearmanRho } from '../src/predictor/metrics.ts';
import { fitHead } from '../src/predictor/fit.ts';
import { groupFolds, loadManifest, recordFeatures, shuffled, type LabeledRecord } from '../src/predictor/records.ts';

const OUT_DIR = '.cache/timm';
const SVG_PATH = 'docs/ZOO-timm-scatter.svg';

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

// ------------------------------------------------------------------------------------------------

async function coverage(): Promise<void> {
  const entries = await timmSpace.entries();
  const modes = ['compact', 'chain_slim'] as const;
  let read = 0, profiled = 0, fullShapes = 0, fullCost = 0;
  const described: Record<string, number> = { compact: 0, chain_slim: 0 };
  const unsupported = new Map<string, Set<string>>();
  const unknownShapeAt = new Map<string, number>();
  const failures: string[] = [];
  const partial: { arch: string; shape: number; cost: number; first: string }[] = [];
  const t0 = performance.now();
  for (const e of entries) {
    let model;
    try {
      model = readModel(timmSpace.build(e, { weights: 'stripped', seed: 0 }));
      read++;
    } catch (err) {
      failures.push(`${e.arch}: read: ${(err as Error).message}`);
      continue;
    }
    try {
      const p = profileModel(model);
      profiled++;
      if (p.totals.shapeCoverage === 1) fullShapes++;
      if (p.totals.costCoverage === 1) fullCost++;
      let first = '';
      for (const d of p.diagnostics) {
        if (d.kind === 'unsupported-op') {
          const k = `${d.domain || 'ai.onnx'}:${d.op}`;
          if (!unsupported.has(k)) unsupported.set(k, new Set());
          unsupported.get(k)!.add(e.arch);
        }
        if (d.kind === 'unknown-shape') {
          first ||= d.op;
          unknownShapeAt.set(d.op, (unknownShapeAt.get(d.op) ?? 0) + 1);
        }
      }
      if (p.totals.shapeCoverage < 1) partial.push({ arch: e.arch, shape: p.totals.shapeCoverage, cost: p.totals.costCoverage, first });
    } catch (err) {
      failures.push(`${e.arch}: profile: ${(err as Error).message}`);
    }
    for (const mode of modes) {
      try {
        describeModel(model, { mode });
        described[mode]!++;
      } catch (err) {
        failures.push(`${e.arch}: describe ${mode}: ${(err as Error).message}`);
      }
    }
  }
  const report = {
    graphs: entries.length, read, profiled, full_shapes: fullShapes, full_cost: fullCost, described,
    unsupported_ops: Object.fromEntries([...unsupported].map(([k, v]) => [k, [...v].sort()])),
    unknown_shape_ops: Object.fromEntries(unknownShapeAt), partial, failures,
    seconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'coverage.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`| graphs | read OK | profiled | full shapes | full cost | describe compact | describe chain_slim |`);
  console.log(`|---|---|---|---|---|---|---|`);
  console.log(`| ${entries.length} | ${read} | ${profiled} | ${fullShapes} | ${fullCost} | ${described.compact} | ${described.chain_slim} |`);
  console.log(`\nunsupported ops: ${[...unsupported].map(([k, v]) => `${k} (${v.size} graphs)`).join(', ') || 'none'}`);
  console.log(`nodes where shapes were lost: ${[...unknownShapeAt].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}`);
  console.log(`failures: ${failures.length}${failures.length ? '\n  ' + failures.slice(0, 30).join('\n  ') : ''}`);
  console.log(`(${report.seconds.toFixed(1)} s; JSON in ${OUT_DIR}/coverage.json)`);
}

// ------------------------------------------------------------------------------------------------

export const familyFolds = groupFolds;

interface Scored { readonly id: string; readonly arch: string; readonly family: string; readonly fold: number; readonly pred: number; readonly truth: number; readonly params: number; readonly macs: number }

interface RunResult {
  readonly name: string;
  readonly representation: Representation;
  readonly accel: number;
  readonly pooled: { kendall: number; spearman: number };
  readonly folds: { fold: number; n: number; families: number; kendall: number; spearman: number; params: number; macs: number }[];
  readonly scored: Scored[];
}

function corr(pred: readonly number[], truth: readonly number[]): { kendall: number; spearman: number } {
  return { kendall: kendallTau(pred, truth), spearman: spearmanRho(pred, truth) };
}

function ensureBuilt(data: string): void {
  const accel = join(data, 'accel', 'manifest.jsonl');
  if (!existsSync(accel)) {
    console.error(`building ${accel} ...`);
    execFileSync('./bin/onnx-predict.js', ['dataset', 'build', 'accel', '--out', join(data, 'accel')], { stdio: 'inherit' });
  }
}

async function lfo(): Promise<void> {
  const data = flag('data', 'data');
  const k = Number(flag('folds', '5'));
  const seed = Number(flag('seed', '0'));
  const accelLimit = Number(flag('accel-limit', '300'));
  const head = { ...DEFAULT_HEAD_CONFIG, members: Number(flag('members', '1')), epochs: Number(flag('epochs', '30')) };
  const variants = flag('variants', 'node-graph+accel,numeric-only+accel,node-graph,numeric-only').split(',');
  const timmDir = join(data, 'timm');
  if (!existsSync(join(timmDir, 'manifest.jsonl'))) await buildDataset('timm', { out: timmDir });
  ensureBuilt(data);
  const entries = new Map((await timmSpace.entries()).map((e) => [e.arch, e]));
  const timm = loadManifest(join(timmDir, 'manifest.jsonl')).filter((r) => entries.has(r.arch) && Number.isFinite(r.labels.imagenet));
  const familyOf = (r: LabeledRecord): string => timmExtra(entries.get(r.arch)!).family;
  const famSizes = new Map<string, number>();
  for (const r of timm) famSizes.set(familyOf(r), (famSizes.get(familyOf(r)) ?? 0) + 1);
  const foldOf = familyFolds(famSizes, k);
  const accelAll = loadManifest(join(data, 'accel', 'manifest.jsonl'));
  const accel = accelLimit > 0 ? shuffled(accelAll, seed).slice(0, accelLimit) : [];
  const records = [...timm, ...accel];
  console.error(`timm: ${timm.length} models, ${famSizes.size} families, ${k} folds; accel sample: ${accel.length}`);

  const encoder = await loadEncoder({ dtype: 'q8' });
  const emb = new PhraseEmbeddings(encoder);
  const encoderKey = `${encoder.id}/${encoder.dtype}`;
  const runs: RunResult[] = [];
  for (const representation of ['node-graph', 'numeric-only'] as const) {
    const layout = featureLayout(representation, encoder.dim);
    const t0 = performance.now();
    const { features } = await recordFeatures(records, layout, representation === 'numeric-only' ? null : emb, encoderKey);
    console.error(`${representation}: features ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const xOf = new Map(records.map((r, i) => [r.id, features[i]!]));
    for (const withAccel of [true, false]) {
      if (!variants.includes(`${representation}${withAccel ? '+accel' : ''}`)) continue;
      const scored: Scored[] = [];
      const folds: RunResult['folds'] = [];
      for (let f = 0; f < k; f++) {
        const test = timm.filter((r) => foldOf.get(familyOf(r)) === f);
        const train = [...timm.filter((r) => foldOf.get(familyOf(r)) !== f), ...(withAccel ? accel : [])];
        if (test.length < 2) continue;
        const tf = performance.now();
        const fit = fitHead(train.map((r) => xOf.get(r.id)!), train, ['imagenet'], head, seed + f);
        console.error(`  fold ${f}: ${train.length} train, ${test.length} test, fit ${((performance.now() - tf) / 1000).toFixed(1)} s`);
        const p = predictHead(fit.head, test.map((r) => xOf.get(r.id)!));
        const pred = p.mean.map((m) => m[0]!);
        const truth = test.map((r) => r.labels.imagenet!);
        const c = corr(pred, truth);
        folds.push({
          fold: f, n: test.length, families: new Set(test.map(familyOf)).size, ...c,
          params: kendallTau(test.map((r) => r.params), truth), macs: kendallTau(test.map((r) => r.macs), truth),
        });
        test.forEach((r, i) => scored.push({ id: r.id, arch: r.arch, family: familyOf(r), fold: f, pred: pred[i]!, truth: truth[i]!, params: r.params, macs: r.macs }));
      }
      const name = `${representation}, timm${withAccel ? ` + ${accel.length} accel` : ' only'}`;
      const run: RunResult = {
        name, representation, accel: withAccel ? accel.length : 0,
        pooled: corr(scored.map((s) => s.pred), scored.map((s) => s.truth)), folds, scored,
      };
      runs.push(run);
      console.error(`${name}: pooled τ ${fmt(run.pooled.kendall)} ρ ${fmt(run.pooled.spearman)}`);
    }
  }
  const all = runs[0]!.scored;
  const truth = all.map((s) => s.truth);
  const baselines = { params: corr(all.map((s) => s.params), truth), macs: corr(all.map((s) => s.macs), truth) };
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'lfo.json'), JSON.stringify({ k, seed, accelLimit, head, folds: Object.fromEntries(foldOf), baselines, runs }, null, 2) + '\n');

  console.log(`Leave-family-out, ${k} folds, ${timm.length} timm models in ${famSizes.size} families, target imagenet (top-1 %), seed ${seed}, head ${JSON.stringify(head)}.\n`);
  console.log('| predictor | pooled τ | pooled ρ | mean fold τ | fold τ (min … max) |');
  console.log('|---|---|---|---|---|');
  const meanFold = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const r of runs) {
    const ts = r.folds.map((f) => f.kendall);
    console.log(`| ${r.name} | ${fmt(r.pooled.kendall)} | ${fmt(r.pooled.spearman)} | ${fmt(meanFold(ts))} | ${fmt(Math.min(...ts))} … ${fmt(Math.max(...ts))} |`);
  }
  const f0 = runs[0]!.folds;
  console.log(`| params baseline | ${fmt(baselines.params.kendall)} | ${fmt(baselines.params.spearman)} | ${fmt(meanFold(f0.map((f) => f.params)))} | ${fmt(Math.min(...f0.map((f) => f.params)))} … ${fmt(Math.max(...f0.map((f) => f.params)))} |`);
  console.log(`| MACs baseline | ${fmt(baselines.macs.kendall)} | ${fmt(baselines.macs.spearman)} | ${fmt(meanFold(f0.map((f) => f.macs)))} | ${fmt(Math.min(...f0.map((f) => f.macs)))} … ${fmt(Math.max(...f0.map((f) => f.macs)))} |`);
  console.log('\nPer fold (τ; n test models / families):\n');
  console.log(`| fold | n | families | ${runs.map((r) => r.name).join(' | ')} | params | MACs |`);
  console.log(`|---|---|---|${runs.map(() => '---|').join('')}---|---|`);
  for (let i = 0; i < f0.length; i++) {
    const f = f0[i]!;
    console.log(`| ${f.fold} | ${f.n} | ${f.families} | ${runs.map((r) => fmt(r.folds[i]!.kendall)).join(' | ')} | ${fmt(f.params)} | ${fmt(f.macs)} |`);
  }
  console.log('\nFolds (families):');
  for (let f = 0; f < k; f++) console.log(`- ${f}: ${[...foldOf].filter(([, v]) => v === f).map(([n]) => n).join(', ')}`);
  const best = runs[0]!;
  const sorted = [...best.scored].sort((a, b) => b.pred - a.pred);
  const row = (s: Scored, i: number) => `| ${i} | ${s.arch} | ${s.family} | ${fmt(s.pred, 1)} | ${fmt(s.truth, 1)} |`;
  console.log(`\nOut-of-fold ranking (${best.name}): top 10 and bottom 10 by prediction.\n`);
  console.log('| rank | model@img_size | family | predicted top-1 | true top-1 |\n|---|---|---|---|---|');
  sorted.slice(0, 10).forEach((s, i) => console.log(row(s, i + 1)));
  console.log('| … | | | | |');
  sorted.slice(-10).forEach((s, i) => console.log(row(s, sorted.length - 9 + i)));
  writeFileSync(SVG_PATH, scatterSvg(best));
  console.log(`\n(scatter: ${SVG_PATH}; JSON: ${OUT_DIR}/lfo.json)`);
}

/** Predicted vs true top-1, one dot per out-of-fold prediction, coloured by fold. */
function scatterSvg(run: RunResult): string {
  const W = 520, H = 520, M = 56;
  const vals = run.scored.flatMap((s) => [s.pred, s.truth]);
  const lo = Math.floor(Math.min(...vals) / 5) * 5;
  const hi = Math.ceil(Math.max(...vals) / 5) * 5;
  const sx = (v: number) => M + ((v - lo) / (hi - lo)) * (W - M - 16);
  const sy = (v: number) => H - M - ((v - lo) / (hi - lo)) * (H - M - 16);
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  for (let v = lo; v <= hi; v += 5) {
    parts.push(`<line x1="${sx(v)}" y1="${sy(lo)}" x2="${sx(v)}" y2="${sy(hi)}" stroke="#eee"/><line x1="${sx(lo)}" y1="${sy(v)}" x2="${sx(hi)}" y2="${sy(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(v)}" y="${sy(lo) + 16}" text-anchor="middle">${v}</text><text x="${sx(lo) - 6}" y="${sy(v) + 4}" text-anchor="end">${v}</text>`);
  }
  parts.push(`<line x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}" stroke="#999" stroke-dasharray="4 4"/>`);
  for (const s of run.scored) {
    parts.push(`<circle cx="${sx(s.pred).toFixed(1)}" cy="${sy(s.truth).toFixed(1)}" r="3" fill="${colors[s.fold % colors.length]}" fill-opacity="0.7"><title>${s.arch} (${s.family}): predicted ${s.pred.toFixed(1)}, true ${s.truth.toFixed(1)}</title></circle>`);
  }
  parts.push(`<text x="${(W + M) / 2}" y="${H - 14}" text-anchor="middle">predicted ImageNet top-1 (%), out of fold</text>`);
  parts.push(`<text transform="translate(16 ${(H - M) / 2}) rotate(-90)" text-anchor="middle">true ImageNet top-1 (%)</text>`);
  parts.push(`<text x="${M}" y="14">timm leave-family-out, ${run.name}: τ ${fmt(run.pooled.kendall)}, ρ ${fmt(run.pooled.spearman)}, n ${run.scored.length}; colour = fold</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Re-draws the scatter for one run of the last `lfo` (its JSON), without retraining. */
function plot(): void {
  const name = flag('variant', 'numeric-only, timm only');
  const { runs } = JSON.parse(readFileSync(join(OUT_DIR, 'lfo.json'), 'utf8')) as { runs: RunResult[] };
  const run = runs.find((r) => r.name === name);
  if (!run) throw new Error(`no run '${name}' in ${OUT_DIR}/lfo.json; have: ${runs.map((r) => r.name).join('; ')}`);
  writeFileSync(SVG_PATH, scatterSvg(run));
  console.log(`${SVG_PATH}: ${run.name}, n ${run.scored.length}`);
}

/** Joins an `onnx-predict batch` CSV with data/timm's manifest: τ, ρ and top/bottom 10 with true top-1. */
async function ranking(): Promise<void> {
  const csvPath = process.argv[3];
  if (!csvPath) throw new Error('usage: eval-timm.ts ranking <batch.csv>');
  const data = flag('data', 'data');
  const target = flag('target', 'imagenet');
  const manifest = loadManifest(join(data, 'timm', 'manifest.jsonl'));
  const entries = new Map((await timmSpace.entries()).map((e) => [e.arch, e]));
  const byFile = new Map(manifest.map((r) => [r.file, r]));
  const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const fi = cols.indexOf('file');
  const pi = cols.indexOf(`${target}_accuracy`);
  if (fi < 0 || pi < 0) throw new Error(`${csvPath}: no 'file' or '${target}_accuracy' column`);
  const rows = lines.map((l) => l.split(',')).map((c) => {
    const r = byFile.get(resolve(c[fi]!));
    if (!r) throw new Error(`${c[fi]}: not in ${data}/timm/manifest.jsonl`);
    return { arch: r.arch, family: timmExtra(entries.get(r.arch)!).family, pred: Number(c[pi]), truth: r.labels.imagenet!, params: r.params };
  }).sort((a, b) => b.pred - a.pred);
  const c = corr(rows.map((r) => r.pred), rows.map((r) => r.truth));
  const p = corr(rows.map((r) => r.params), rows.map((r) => r.truth));
  console.log(`${rows.length} models: τ ${fmt(c.kendall)}, ρ ${fmt(c.spearman)} (params baseline τ ${fmt(p.kendall)}, ρ ${fmt(p.spearman)})\n`);
  console.log(`| rank | model@img_size | family | predicted ${target} | true top-1 |\n|---|---|---|---|---|`);
  const row = (s: (typeof rows)[number], i: number) => console.log(`| ${i} | ${s.arch} | ${s.family} | ${fmt(s.pred, 1)} | ${fmt(s.truth, 1)} |`);
  rows.slice(0, 10).forEach((s, i) => row(s, i + 1));
  console.log('| … | | | | |');
  rows.slice(-10).forEach((s, i) => row(s, rows.length - 9 + i));
}

// ------------------------------------------------------------------------------------------------

const command = process.argv[2] ?? 'lfo';
if (command === 'coverage') await coverage();
else if (command === 'lfo') await lfo();
else if (command === 'ranking') await ranking();
else if (command === 'plot') plot();
else {
  console.error(`unknown command '${command}'; use coverage, lfo, plot or ranking`);
  process.exitCode = 2;
}

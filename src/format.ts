/**
 * Human-readable renderings of predictions, predictor info and evaluation reports. Pure.
 */
import type { CheckpointMeta } from './predictor/checkpoint.ts';
import type { EvalReport, FewShotReport } from './predictor/evaluate.ts';
import { humanCount } from './onnx-to-text/text/compact.ts';
import { targetClasses, targetFacts, type TargetDomain } from './predictor/domain.ts';

/** What a model must look like to fit a target: input resolution and channels, output classes. */
function targetLine(t: string, d: TargetDomain | undefined): string {
  const f = targetFacts(t);
  const res = d?.resolution ? (d.resolution[0] === d.resolution[1] ? `${d.resolution[0]} px` : `${d.resolution[0]}–${d.resolution[1]} px`) : 'any size';
  const ch = d && d.channels.length > 0 ? `${d.channels.join('/')} ch` : 'any channels';
  const cls = targetClasses(t, d);
  return [f?.title, `fits ${res} (±25 %), ${ch}, ${cls.length > 0 ? `${cls.join(' or ')} classes` : 'any classes'}`, f?.proxyOf ? `a training proxy of ${f.proxyOf}` : ''].filter((x) => x).join('; ');
}

/** Shape of a prediction report as the CLI and HTTP service print it (see src/index.ts). */
interface PredictionLike {
  readonly file: string;
  readonly predictions: Readonly<Record<string, {
    accuracy: number; low: number; high: number; inDomain?: boolean; domainNote?: string; source?: string;
    measured?: { id: string; kind: string }; predicted?: { accuracy: number; low: number; high: number };
  }>>;
  readonly neighbors: readonly { id: string; space: string; arch: string; distance: number; accuracy: Readonly<Record<string, number>> }[];
  readonly exact: {
    id: string; space: string; arch: string; labels: Readonly<Record<string, number>>; note: string;
    match?: string; others?: readonly { id: string; arch: string; labels: Readonly<Record<string, number>> }[];
  } | null;
  readonly fits?: readonly string[];
  readonly stats: { params: number; macs: number; nodes: number };
  readonly proxies?: { readonly proxies: Readonly<Record<string, number | null>> | null; readonly seconds: number; readonly skipped?: { readonly message: string } } | null;
  readonly warnings?: readonly { readonly code: string; readonly summary?: string; readonly message: string }[];
}

const pct = (v: number) => `${v.toFixed(2)}%`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export interface FormatPredictionOptions {
  /** Show the targets the model does not fit, and training proxies, too (default: only `fits`). */
  readonly allTargets?: boolean;
  /** Warnings as full sentences instead of a code and a few words. */
  readonly verbose?: boolean;
}

/** One line per warning: its code and a few words (or the full sentence when verbose). */
export function formatWarning(w: { readonly code: string; readonly summary?: string; readonly message: string }, verbose = false): string {
  return `warning: ${verbose || w.summary === undefined ? w.message : w.summary} [${w.code}]`;
}

export function formatPrediction(r: PredictionLike, options: FormatPredictionOptions = {}): string {
  const lines = [`${r.file}`, `  ${humanCount(r.stats.params)} params, ${humanCount(r.stats.macs)} MACs, ${r.stats.nodes} nodes`];
  for (const w of r.warnings ?? []) lines.push(`  ${formatWarning(w, options.verbose)}`);
  if (r.exact) {
    lines.push(`  known architecture (${r.exact.id}): ${r.exact.note}`);
    const others = r.exact.others ?? [];
    for (const o of others.slice(0, 3)) lines.push(`    same graph: ${o.arch} (${o.id}) ${Object.entries(o.labels).map(([t, v]) => `${t} ${pct(v)}`).join(', ')}`);
    if (others.length > 3) lines.push(`    same graph: ${others.length - 3} more`);
  }
  const all = Object.entries(r.predictions);
  const fits = new Set(r.fits ?? all.filter(([, p]) => p.inDomain !== false).map(([t]) => t));
  const shown = options.allTargets ? all : all.filter(([t]) => fits.has(t));
  if (!options.allTargets && r.fits) shown.sort(([a], [b]) => r.fits!.indexOf(a) - r.fits!.indexOf(b));
  const hidden = all.length - shown.length;
  const measured = shown.some(([, p]) => p.source === 'measured');
  lines.push(measured ? '  accuracy (measured, or predicted with its 80% interval):' : '  predicted accuracy (80% interval):');
  if (shown.length === 0) lines.push('    none of the targets fits this model (add --all-targets to see the guesses)');
  for (const [t, p] of shown) {
    const note = p.inDomain === false ? `  (out of domain: ${p.domainNote ?? 'unlike the training graphs'})` : !fits.has(t) ? `  (a training proxy${targetFacts(t)?.proxyOf ? ` of ${targetFacts(t)!.proxyOf}` : ''})` : '';
    if (p.source === 'measured') {
      const m = p.measured;
      const model = p.predicted ? `; the model predicts ${pct(p.predicted.accuracy)} [${pct(p.predicted.low)} – ${pct(p.predicted.high)}]` : '';
      lines.push(`    ${t.padEnd(15)} ${pct(p.accuracy)}  measured${m ? ` (${m.id}${m.kind ? `, ${m.kind}` : ''})` : ''}${model}${note}`);
    } else {
      lines.push(`    ${t.padEnd(15)} ${pct(p.accuracy)}  [${pct(p.low)} – ${pct(p.high)}]${note}`);
    }
  }
  if (hidden > 0) {
    const unfit = all.filter(([t, p]) => !fits.has(t) && p.inDomain === false).length;
    const why = [unfit > 0 ? `${unfit} the model does not fit` : '', hidden - unfit > 0 ? `${hidden - unfit} training ${hidden - unfit === 1 ? 'proxy' : 'proxies'}` : ''].filter((x) => x !== '').join(', ');
    lines.push(`    (${plural(hidden, 'more target')} hidden: ${why}; --all-targets shows them)`);
  }
  const px = r.proxies;
  if (px?.proxies) {
    const vals = Object.entries(px.proxies).map(([k, v]) => `${k} ${v === null ? 'n/a' : Math.abs(v) >= 1000 ? v.toExponential(2) : v.toFixed(3)}`).join(', ');
    lines.push(`  zero-cost proxies (${px.seconds.toFixed(2)} s): ${vals}`);
  }
  if (r.neighbors.length > 0) {
    lines.push('  nearest known architectures:');
    for (const n of r.neighbors) {
      const acc = Object.entries(n.accuracy).map(([t, v]) => `${t} ${pct(v)}`).join(', ');
      const arch = n.arch.length > 60 ? `${n.arch.slice(0, 57)}...` : n.arch;
      lines.push(`    ${n.id} (${n.space}, distance ${n.distance.toFixed(3)}) ${arch}: ${acc}`);
    }
  }
  return lines.join('\n');
}

export interface PredictorInfo {
  readonly version: string;
  readonly checkpoint: string;
  readonly meta: CheckpointMeta;
}

export function formatInfo(info: PredictorInfo): string {
  const m = info.meta;
  const lines = [
    `onnx-predict ${info.version}`,
    `predictor:      ${m.name} (${m.format} v${m.version}, ${m.createdAt})`,
    `checkpoint:     ${info.checkpoint}`,
    `encoder:        ${m.encoder.id} (${m.encoder.dtype}, ${m.encoder.dim} dims)`,
    `representation: ${m.representation} (${m.featureLength} features)`,
    `targets:        ${m.targets.join(', ')}`,
    ...m.targets.map((t) => `  ${t.padEnd(15)} ${targetLine(t, m.domains[t])}`),
    `trained on:     ${Object.entries(m.trainedOn).map(([s, n]) => `${s} ${n}`).join(', ')}`,
  ];
  const v = (m.metrics as { validation?: Record<string, { kendall: number; spearman: number; coverage80: number; n: number }> }).validation;
  if (v) {
    lines.push('held-out validation (training spaces):');
    for (const [t, r] of Object.entries(v)) {
      lines.push(`  ${t.padEnd(15)} n=${r.n} kendall ${r.kendall.toFixed(3)} spearman ${r.spearman.toFixed(3)} 80%-coverage ${(r.coverage80 * 100).toFixed(1)}%`);
    }
  }
  return lines.join('\n');
}

export function formatEval(r: EvalReport): string {
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  return [
    `${r.protocol}: train ${r.train.join('+')} (n=${r.n_train}) → test ${r.test} (n=${r.n_test}), target ${r.target}${r.trained_target !== r.target ? ` (ranked by ${r.trained_target})` : ''}, seed ${r.seed}`,
    `  predictor:   kendall ${f(r.kendall)}  spearman ${f(r.spearman)}  mae ${f(r.mae)}  top-5% recall ${f(r.top5_recall)}  80%-coverage ${f(r.coverage80)}`,
    `  params:      kendall ${f(r.baselines.params.kendall)}  spearman ${f(r.baselines.params.spearman)}`,
    `  MACs:        kendall ${f(r.baselines.macs.kendall)}  spearman ${f(r.baselines.macs.spearman)}`,
    `  time (s):    features ${r.seconds.features.toFixed(1)}  train ${r.seconds.train.toFixed(1)}  test ${r.seconds.test.toFixed(1)}`,
  ].join('\n');
}

/** The few-shot table: τ on the rest per k, adapted against the baselines, and interval coverage. */
export function formatFewShot(r: FewShotReport): string {
  const ks = r.cells.map((c) => c.k);
  const cell = (v: { mean: number; sd: number }) => `${v.mean.toFixed(3)}±${v.sd.toFixed(3)}`.padStart(12);
  const rows: [string, (c: FewShotReport['cells'][number]) => string][] = [
    ['adapted', (c) => cell(c.tau.adapted)],
    ['zero-shot', (c) => cell(c.tau.zeroShot)],
    ['k alone', (c) => cell(c.tau.fresh)],
    ['best signal', (c) => cell(c.tau.bestSignal)],
    ['params', (c) => cell(c.tau.params)],
    ['80% coverage', (c) => cell(c.coverage80)],
  ];
  return [
    `few-shot: train ${r.train.join('+')} (n=${r.n_train}) → test ${r.test} (n=${r.n_test}), target ${r.target}${r.trained_target !== r.target ? ` (ranked by ${r.trained_target})` : ''}, seed ${r.seed}, proxy coverage ${r.proxyCoverage.toFixed(2)}`,
    `  zero-shot on the whole test space: kendall ${r.zeroShot.kendall.toFixed(3)}  spearman ${r.zeroShot.spearman.toFixed(3)}`,
    `  kendall τ on the rest (mean±sd over ${r.cells[0]?.draws ?? 0} draws of the known)`,
    `  ${'k known'.padEnd(13)}${ks.map((k) => String(k).padStart(12)).join('')}`,
    ...rows.map(([name, f]) => `  ${name.padEnd(13)}${r.cells.map(f).join('')}`),
  ].join('\n');
}

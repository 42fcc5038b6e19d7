/**
 * Renders out/results.jsonl (scripts/results.ts) into the tables of docs/RESULTS.md (between the
 * `<!-- results:begin -->` / `<!-- results:end -->` markers) and scatter plots in docs/plots/.
 *
 *   npx tsx scripts/render-results.ts [--in out/results.jsonl]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Pair { kendall: number; spearman: number }
interface Row {
  key: string;
  group: string;
  useProxies?: boolean;
  protocol: string;
  train: string[];
  test: string;
  target: string;
  trained_target: string;
  n_train: number;
  n_test: number;
  seed: number;
  representation: string;
  kendall: number;
  spearman: number;
  coverage80: number;
  proxyCoverage?: number;
  baselines: { params: Pair; macs: Pair; aggregate?: Pair | null };
  parts?: { head: Pair; ranker: Pair; trees?: Pair; headShare: number; treesShare?: number };
  nearSource?: string;
  selection?: { rankerChosen?: string; by?: string };
  seconds: { features: number; train: number; test: number } | number;
  points?: [number, number][];
  // timm-lfo
  withNas?: boolean;
  families?: number;
  folds?: { fold: number; n: number; kendall: number; ranker: string; headShare: number; treesShare?: number; near?: string }[];
}

const { values } = parseArgs({ options: { in: { type: 'string', default: 'out/results.jsonl' } } });
// One row per run key (the last one wins), so result files from several runners can be concatenated.
const byKey = new Map<string, Row>();
for (const l of readFileSync(values.in!, 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(l) as Row;
  byKey.set(r.key, r);
}
const rows = [...byKey.values()];
const f3 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const ms = (v: number[]) => (v.length === 0 ? 'n/a' : v.length === 1 ? f3(v[0]!) : `${f3(mean(v))} ± ${f3(sd(v))}`);
const trainSeconds = (r: Row) => (typeof r.seconds === 'number' ? r.seconds : r.seconds.train);

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** τ and ρ of one quantity over a group of runs. */
const pair = (g: Row[], get: (r: Row) => Pair | null | undefined) => {
  const ps = g.map(get).filter((p): p is Pair => p !== null && p !== undefined);
  return ps.length ? `${ms(ps.map((p) => p.kendall))} / ${ms(ps.map((p) => p.spearman))}` : 'n/a';
};

/** Which part answered near graphs in each run, with the share of test graphs it answered. */
const near = (g: Row[]) => [...groupBy(g, (r) => r.nearSource ?? 'head')].map(([src, rs]) => `${src} ×${rs.length} (${f3(mean(rs.map((r) => (src === 'trees' ? r.parts?.treesShare ?? NaN : src === 'head' ? r.parts?.headShare ?? NaN : 0))))})`).join('; ');

function seedTable(rs: Row[], label: (r: Row) => string): string[] {
  const out = [
    '| setting | seeds | n train | n test | **shipped model τ / ρ** | ranker only τ / ρ | head only τ / ρ | trees only τ / ρ | training-free aggregate τ / ρ | params τ / ρ | MACs τ / ρ | near graphs answered by (share of test) | 80 % coverage | ranker chosen |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, g] of groupBy(rs, label)) {
    const chosen = [...new Set(g.map((r) => r.selection?.rankerChosen ?? '?'))].join('; ');
    out.push(`| ${name} | ${g.length} | ${g[0]!.n_train} | ${g[0]!.n_test} | **${ms(g.map((r) => r.kendall))} / ${ms(g.map((r) => r.spearman))}** | ${pair(g, (r) => r.parts?.ranker)} | ${pair(g, (r) => r.parts?.head)} | ${pair(g, (r) => r.parts?.trees)} | ${pair(g, (r) => r.baselines.aggregate)} | ${pair(g, (r) => r.baselines.params)} | ${pair(g, (r) => r.baselines.macs)} | ${near(g)} | ${ms(g.map((r) => r.coverage80).filter(Number.isFinite))} | ${chosen} |`);
  }
  return out;
}

function scatter(name: string, r: Row): string {
  const pts = r.points ?? [];
  const W = 360;
  const H = 360;
  const P = 44;
  const xs = pts.map((p) => p[1]);
  const ys = pts.map((p) => p[0]);
  const xlo = Math.min(...xs);
  const xhi = Math.max(...xs);
  const ylo = Math.min(...ys);
  const yhi = Math.max(...ys);
  const sx = (v: number) => P + ((v - xlo) / (xhi - xlo || 1)) * (W - P - 10);
  const sy = (v: number) => H - P - ((v - ylo) / (yhi - ylo || 1)) * (H - P - 10);
  const dots = pts.map(([p, t]) => `<circle cx="${sx(t).toFixed(1)}" cy="${sy(p).toFixed(1)}" r="1.6" fill="#2060c0" fill-opacity="0.35"/>`).join('');
  const q = [0, 0.25, 0.5, 0.75, 1];
  const axis = q.map((f) => {
    const vx = xlo + f * (xhi - xlo);
    const vy = ylo + f * (yhi - ylo);
    return `<text x="${sx(vx).toFixed(1)}" y="${H - P + 14}" font-size="9" text-anchor="middle">${vx.toFixed(0)}</text><text x="${P - 4}" y="${(sy(vy) + 3).toFixed(1)}" font-size="9" text-anchor="end">${vy.toFixed(1)}</text>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<line x1="${P}" y1="${H - P}" x2="${W - 10}" y2="${H - P}" stroke="black"/><line x1="${P}" y1="10" x2="${P}" y2="${H - P}" stroke="black"/>
${axis}${dots}
<text x="${(W + P) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">true ${r.target} accuracy (%)</text>
<text x="12" y="${(H - P) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(H - P) / 2})">predicted (${r.trained_target}, %)</text>
<text x="${P + 6}" y="22" font-size="11">${name}: τ ${f3(r.kendall)}, ρ ${f3(r.spearman)} (n=${r.n_test}, ${pts.length} shown)</text>
</svg>\n`;
  mkdirSync('docs/plots', { recursive: true });
  const file = `docs/plots/${name}.svg`;
  writeFileSync(file, svg);
  return file.replace('docs/', '');
}

const md: string[] = [];
const sampleNote = (g: Row[]) => (g.some((r) => r.key.includes('cached-sample')) ? ' — on the architectures whose proxies are cached (a seeded random sample, see "Proxy coverage")' : '');
const zs = rows.filter((r) => r.group === 'zero-shot');
if (zs.length) {
  md.push(`### Zero-shot: train on NB101, test on NB201 (CIFAR-10)${sampleNote(zs)}`, '');
  md.push(...seedTable(zs.sort((a, b) => a.n_train - b.n_train), (r) => `NB101 ${r.n_train} → NB201`), '');
  const best = zs.filter((r) => r.seed === 0).sort((a, b) => b.n_train - a.n_train)[0];
  if (best?.points) md.push(`![zero-shot scatter](${scatter('zero-shot-nb101-nb201', best)})`, '');
}
const is = rows.filter((r) => r.group === 'in-space');
if (is.length) {
  md.push(`### In-space: NB201 (CIFAR-10), seeded train/test splits${sampleNote(is)}`, '');
  md.push(...seedTable(is.sort((a, b) => a.n_train - b.n_train), (r) => `NB201 train ${r.n_train}`), '');
  const one = is.find((r) => r.seed === 0 && r.n_train === 1000);
  if (one?.points) md.push(`![in-space scatter](${scatter('in-space-nb201-1000', one)})`, '');
}
const tg = rows.filter((r) => r.group === 'targets');
if (tg.length) {
  md.push('### In-space NB201, other targets (1,000 training architectures)', '');
  md.push(...seedTable(tg, (r) => r.target), '');
}
const lo = rows.filter((r) => r.group === 'loso');
if (lo.length) {
  md.push(`### Leave one space out${sampleNote(lo)}`, '');
  md.push(...seedTable(lo, (r) => `${r.test} (${r.target}) ← ${r.train.join(', ')}`), '');
  md.push('Goal: shipped model τ ≥ params τ + 0.10 in every space.', '');
  for (const r of lo) if (r.points) md.push(`![loso ${r.test}](${scatter(`loso-${r.test}`, r)})`);
  md.push('');
}
const lfo = rows.filter((r) => r.group === 'timm-lfo');
if (lfo.length) {
  md.push('### timm leave-family-out (ImageNet top-1, 5 folds of whole families, pooled)', '');
  md.push('| trained on | n models | families | shipped model τ / ρ | params τ / ρ | MACs τ / ρ | 80 % coverage | ranker chosen per fold | near graphs answered by, per fold (share) |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of lfo) md.push(`| other families + accel${r.withNas ? ' + ¼ of NB201/NB101' : ''} | ${r.n_test} | ${r.families} | ${f3(r.kendall)} / ${f3(r.spearman)} | ${f3(r.baselines.params.kendall)} / ${f3(r.baselines.params.spearman)} | ${f3(r.baselines.macs.kendall)} / ${f3(r.baselines.macs.spearman)} | ${f3(r.coverage80)} | ${(r.folds ?? []).map((f) => f.ranker).join('; ')} | ${(r.folds ?? []).map((f) => `${f.near ?? 'head'} (${f3(f.near === 'trees' ? f.treesShare : f.near === 'ranker' ? 0 : f.headShare)})`).join(', ')} |`);
  md.push('', 'Goal: τ ≥ 0.75.', '');
}
const ab = rows.filter((r) => r.group === 'ablation' || ((r.group === 'in-space' || r.group === 'zero-shot') && r.n_train === 1000 && r.seed === 0));
if (ab.length) {
  md.push('### Ablations (seed 0, 1,000 training architectures)', '');
  md.push('| protocol | representation | proxies | shipped τ / ρ | ranker only τ | head only τ | trees only τ | near graphs answered by (share) |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of ab) md.push(`| ${r.protocol} ${r.train.join('+')}→${r.test} | ${r.representation} | ${r.useProxies === false ? 'no' : 'yes'} | ${f3(r.kendall)} / ${f3(r.spearman)} | ${f3(r.parts?.ranker.kendall)} | ${f3(r.parts?.head.kendall)} | ${f3(r.parts?.trees?.kendall)} | ${near([r])} |`);
  md.push('');
}
const cov = rows.filter((r) => r.proxyCoverage !== undefined);
if (cov.length) md.push(`Proxy coverage of the test sets: ${[...new Set(cov.map((r) => `${r.test} ${f3(r.proxyCoverage)}`))].join(', ')}. Train seconds per run: median ${f3(cov.map(trainSeconds).sort((a, b) => a - b)[Math.floor(cov.length / 2)])}.`, '');

const doc = readFileSync('docs/RESULTS.md', 'utf8');
const begin = '<!-- results:begin -->';
const end = '<!-- results:end -->';
const i = doc.indexOf(begin);
const j = doc.indexOf(end);
if (i < 0 || j < 0) throw new Error('docs/RESULTS.md lacks the results markers');
writeFileSync('docs/RESULTS.md', `${doc.slice(0, i + begin.length)}\n${md.join('\n')}\n${doc.slice(j)}`);
console.log(`rendered ${rows.length} runs`);

/**
 * Renders out/results.jsonl (scripts/results.ts) into the tables of docs/RESULTS.md (between the
 * `<!-- results:begin -->` / `<!-- results:end -->` markers) and scatter plots in docs/plots/.
 *
 *   npx tsx scripts/render-results.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

interface Row {
  key: string;
  group: string;
  dtype: string;
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
  mae: number;
  top5_recall: number;
  coverage80: number;
  baselines: { params: { kendall: number; spearman: number }; macs: { kendall: number; spearman: number } };
  seconds: { features: number; train: number; test: number };
  points?: [number, number][];
}

// One row per run key (the last one wins), so result files from several runners can be concatenated.
const byKey = new Map<string, Row>();
for (const l of readFileSync('out/results.jsonl', 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(l) as Row;
  byKey.set(r.key, r);
}
const rows = [...byKey.values()];
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const ms = (v: number[]) => (v.length === 0 ? 'n/a' : v.length === 1 ? f3(v[0]!) : `${f3(mean(v))} ± ${f3(sd(v))}`);

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

function seedTable(rs: Row[], label: (r: Row) => string): string[] {
  const out = [
    `| ${'setting'} | seeds | n train | n test | Kendall τ | Spearman ρ | params τ / ρ | MACs τ / ρ | 80 % coverage | train s |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, g] of groupBy(rs, label)) {
    out.push(`| ${name} | ${g.length} | ${g[0]!.n_train} | ${g[0]!.n_test} | ${ms(g.map((r) => r.kendall))} | ${ms(g.map((r) => r.spearman))} | ${f3(mean(g.map((r) => r.baselines.params.kendall)))} / ${f3(mean(g.map((r) => r.baselines.params.spearman)))} | ${f3(mean(g.map((r) => r.baselines.macs.kendall)))} / ${f3(mean(g.map((r) => r.baselines.macs.spearman)))} | ${ms(g.map((r) => r.coverage80).filter(Number.isFinite))} | ${mean(g.map((r) => r.seconds.train)).toFixed(0)} |`);
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
  const lo = Math.min(...xs, ...ys);
  const hi = Math.max(...xs, ...ys);
  const sx = (v: number) => P + ((v - lo) / (hi - lo || 1)) * (W - P - 10);
  const sy = (v: number) => H - P - ((v - lo) / (hi - lo || 1)) * (H - P - 10);
  const dots = pts.map(([p, t]) => `<circle cx="${sx(t).toFixed(1)}" cy="${sy(p).toFixed(1)}" r="1.6" fill="#2060c0" fill-opacity="0.35"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((q) => lo + q * (hi - lo));
  const axis = ticks.map((v) => `<text x="${sx(v).toFixed(1)}" y="${H - P + 14}" font-size="9" text-anchor="middle">${v.toFixed(0)}</text><text x="${P - 4}" y="${(sy(v) + 3).toFixed(1)}" font-size="9" text-anchor="end">${v.toFixed(0)}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<line x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}" stroke="#999" stroke-dasharray="4 3"/>
<line x1="${P}" y1="${H - P}" x2="${W - 10}" y2="${H - P}" stroke="black"/><line x1="${P}" y1="10" x2="${P}" y2="${H - P}" stroke="black"/>
${axis}${dots}
<text x="${(W + P) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">true ${r.target} accuracy (%)</text>
<text x="12" y="${(H - P) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(H - P) / 2})">predicted (%)</text>
<text x="${P + 6}" y="22" font-size="11">${name}: τ ${f3(r.kendall)}, ρ ${f3(r.spearman)} (n=${r.n_test}, ${pts.length} shown)</text>
</svg>\n`;
  mkdirSync('docs/plots', { recursive: true });
  const file = `docs/plots/${name}.svg`;
  writeFileSync(file, svg);
  return file.replace('docs/', '');
}

const md: string[] = [];
const zs = rows.filter((r) => r.group === 'zero-shot');
if (zs.length) {
  md.push('### Zero-shot: train on NB101, test on all 15,625 NB201 (CIFAR-10)', '');
  md.push(...seedTable(zs.sort((a, b) => a.n_train - b.n_train), (r) => `NB101 ${r.n_train} → NB201`), '');
  const best = zs.filter((r) => r.seed === 0).sort((a, b) => b.n_train - a.n_train)[0];
  if (best?.points) md.push(`![zero-shot scatter](${scatter('zero-shot-nb101-nb201', best)})`, '');
}
const is = rows.filter((r) => r.group === 'in-space');
if (is.length) {
  md.push('### In-space: NB201 (CIFAR-10), seeded train/test splits', '');
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
  md.push('### Leave one space out', '');
  md.push('| test space (target) | trained on | ranked by | n train | n test | Kendall τ | Spearman ρ | params τ | MACs τ |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of lo) md.push(`| ${r.test} (${r.target}) | ${r.train.join(', ')} | ${r.trained_target} | ${r.n_train} | ${r.n_test} | ${f3(r.kendall)} | ${f3(r.spearman)} | ${f3(r.baselines.params.kendall)} | ${f3(r.baselines.macs.kendall)} |`);
  md.push('');
  for (const r of lo) if (r.points) md.push(`![loso ${r.test}](${scatter(`loso-${r.test}`, r)})`);
  md.push('');
}
// The node-graph rows of the ablation are the seed-0, 1,000-architecture runs of the main tables.
const ab = rows.filter((r) => r.group === 'ablation' || r.group === 'ablation-small' || r.group === 'encoder' || ((r.group === 'in-space' || r.group === 'zero-shot') && r.n_train === 1000 && r.seed === 0));
if (ab.length) {
  md.push('### Ablations (seed 0)', '');
  md.push('| protocol | n train / test | representation | encoder | Kendall τ | Spearman ρ | feature s |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of ab) md.push(`| ${r.protocol} ${r.train.join('+')}→${r.test} | ${r.n_train} / ${r.n_test} | ${r.representation} | ${r.dtype} | ${f3(r.kendall)} | ${f3(r.spearman)} | ${r.seconds.features.toFixed(0)} |`);
  md.push('', '`feature s` is what that run spent on features: near zero where an earlier run had cached them (features are cached per dataset manifest, representation and encoder).', '');
}

const doc = readFileSync('docs/RESULTS.md', 'utf8');
const begin = '<!-- results:begin -->';
const end = '<!-- results:end -->';
const i = doc.indexOf(begin);
const j = doc.indexOf(end);
if (i < 0 || j < 0) throw new Error('docs/RESULTS.md lacks the results markers');
writeFileSync('docs/RESULTS.md', `${doc.slice(0, i + begin.length)}\n${md.join('\n')}\n${doc.slice(j)}`);
console.log(`rendered ${rows.length} runs`);

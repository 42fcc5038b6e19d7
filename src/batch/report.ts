/**
 * The zoo report (`onnx-predict batch … --report report.html`): one self-contained HTML file —
 * inline CSS, inline SVG (plot.ts), a few lines of inline script for sorting — that fetches
 * nothing (its Content-Security-Policy forbids every other source). Per ranking target (the
 * target the files fit, as in the CLI summary): predicted accuracy against MACs and against
 * params with 80 % intervals, the Pareto front marked, the target's known architectures as a faint
 * background, and a sortable ranked table; then the files that fit no target, the failed files,
 * and each distinct warning once with its count. Pure: rows in, HTML out.
 */
import { targetFacts } from '../predictor/domain.ts';
import { sampleKnown, type KnownLine } from '../predictor/known-sample.ts';
import { paretoFront, scatterSvg, shortCount, type BackgroundPoint, type PlotPoint } from './plot.ts';
import type { BatchRow, RowPrediction } from './rows.ts';
import { rankingPlan, warningCounts, type RankGroup } from './summary.ts';

export interface ReportInput {
  readonly rows: readonly BatchRow[];
  /** Rank every file by this target (`--target`); default: each by the target it fits. */
  readonly target?: string;
  /** The checkpoint's known architectures (known.jsonl), for the background. */
  readonly known: readonly KnownLine[];
  /** Predictor and package, named in the header. */
  readonly predictor: string;
  readonly version: string;
  /** Background points per target at most (default 1500, an equal share per space). */
  readonly knownLimit?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (v: number): string => v.toFixed(2);
const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

type Pred = RowPrediction & { readonly source?: string; readonly measured?: { readonly id: string; readonly kind: string } };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1d1d1d}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:4px}
.small{color:#555;font-size:12.5px}.plots{display:flex;flex-wrap:wrap;gap:12px}.plots figure{margin:0}
figcaption{font-size:12.5px;color:#444;max-width:560px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:#0b4f9c}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
tr.guess td{color:#777}.tag{display:inline-block;border-radius:3px;padding:0 4px;font-size:11.5px;background:#eef3fa;color:#0b4f9c;margin-right:3px}
.tag.front{background:#fdebe0;color:#a83c00}.tag.measured{background:#e4f4e6;color:#1d6b2a}.warn{color:#8a5a00}
.legend span{margin-right:14px}.dot{display:inline-block;width:9px;height:9px;border-radius:50%;vertical-align:middle;margin-right:4px}
`;

const SORT_JS = `
for (const t of document.querySelectorAll('table.sortable')) {
  const ths = [...t.tHead.rows[0].cells];
  ths.forEach((th, c) => {
    const b = th.querySelector('button');
    if (!b) return;
    b.addEventListener('click', () => {
      const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      for (const o of ths) o.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      const key = (r) => { const d = r.cells[c].dataset.v; return d === undefined ? r.cells[c].textContent : d === '' ? null : Number(d); };
      const rows = [...t.tBodies[0].rows].sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === null) return y === null ? 0 : 1;
        if (y === null) return -1;
        return (typeof x === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
      });
      t.tBodies[0].append(...rows);
    });
  });
}
`;

function warningCodes(r: BatchRow): string[] {
  return Array.isArray(r.warnings) ? (r.warnings as { code?: unknown }[]).map((w) => String(w.code ?? '')).filter((c) => c !== '') : [];
}

function plotPoints(g: RankGroup, cost: 'macs' | 'params'): PlotPoint[] {
  return g.rows.map((r, i) => {
    const p = r.predictions[g.target] as Pred;
    return { rank: i + 1, file: r.file, x: r[cost] ?? 0, accuracy: p.accuracy, low: p.low, high: p.high, ...(p.source === 'measured' ? { measured: true } : {}) };
  });
}

function background(known: readonly KnownLine[], target: string, cost: 'macs' | 'params', limit: number): { points: BackgroundPoint[]; total: number } {
  const s = sampleKnown(known, target, limit);
  return { points: s.points.flatMap((p) => (p[cost] !== undefined ? [{ id: p.id, x: p[cost]!, accuracy: p.accuracy }] : [])), total: s.total };
}

function groupSection(g: RankGroup, input: ReportInput, index: number): string {
  const limit = input.knownLimit ?? 1500;
  const title = targetFacts(g.target)?.title;
  const out: string[] = [];
  const id = `target-${index}`;
  out.push(`<section class="group" id="${id}" data-target="${esc(g.target)}">`);
  out.push(`<h2>Ranked by ${esc(g.target)}${title ? ` <span class="small">(${esc(title)})</span>` : ''}: ${plural(g.rows.length, 'file')}</h2>`);
  if (g.asked) {
    const guesses = g.rows.length - g.fit;
    out.push(`<p>Every file ranked by <code>${esc(g.target)}</code> as asked (<code>--target</code>): ${g.fit} of ${plural(g.rows.length, 'file')} fit it${guesses > 0 ? `; for the other ${guesses} the prediction is a guess (grey rows)` : ''}.</p>`);
  } else {
    out.push(`<p>The files whose input and output fit <code>${esc(g.target)}</code> first (input resolution and channels as the graphs it was learnt from, its number of classes).</p>`);
  }
  const fronts: Record<'macs' | 'params', Set<number>> = { macs: new Set(), params: new Set() };
  out.push('<div class="plots">');
  for (const cost of ['macs', 'params'] as const) {
    const pts = plotPoints(g, cost);
    fronts[cost] = paretoFront(pts);
    const bg = background(input.known, g.target, cost, limit);
    const name = cost === 'macs' ? 'MACs' : 'params';
    const missing = pts.filter((p) => !(p.x > 0)).length;
    out.push(`<figure data-cost="${cost}">${scatterSvg({ points: pts, background: bg.points, xName: name, target: g.target })}`);
    out.push(`<figcaption>${g.target} accuracy against ${name}: ${plural(pts.length - missing, 'model')} (numbers are ranks in the table), ${fronts[cost].size} on the Pareto front (ringed, joined by the dashed staircase: no other model is both cheaper and more accurate); ${bg.points.length.toLocaleString('en')} of ${bg.total.toLocaleString('en')} known ${g.target} architectures in grey (measured accuracy).${missing > 0 ? ` ${plural(missing, 'model')} without ${name} not drawn.` : ''}</figcaption></figure>`);
  }
  out.push('</div>');
  out.push('<p class="legend small"><span><span class="dot" style="background:#1f5fa8"></span>predicted, bar = 80 % interval</span><span><span class="dot" style="background:#2a9d3a"></span>measured (a known architecture)</span><span><span class="dot" style="border:2px solid #d4500a;width:7px;height:7px"></span>Pareto front</span><span><span class="dot" style="background:#bbb"></span>known architectures</span></p>');
  const head = ['Rank', 'File', 'Accuracy (%)', '80 % interval', 'Params', 'MACs', 'Pareto front', 'Known architecture', 'Nearest known (measured)', 'Warnings'];
  const sortable = new Set([0, 1, 2, 4, 5]);
  out.push(`<table class="sortable ranked" id="${id}-table"><caption class="small">Choose a column header to sort by it.</caption><thead><tr>${head.map((h, c) => `<th scope="col"${c === 0 ? ' aria-sort="ascending"' : ''}>${sortable.has(c) ? `<button type="button">${h}</button>` : h}</th>`).join('')}</tr></thead><tbody>`);
  g.rows.forEach((r, i) => {
    const p = r.predictions[g.target] as Pred;
    const measured = p.source === 'measured';
    const tags = [fronts.macs.has(i) ? '<span class="tag front">MACs</span>' : '', fronts.params.has(i) ? '<span class="tag front">params</span>' : ''].join('');
    const n = r.nearest;
    const nAcc = n?.accuracy[g.target];
    const exact = r.exact !== null ? `<span class="tag measured">${esc(r.exact)}</span>${measured && p.measured?.kind ? ` <span class="small">${esc(p.measured.kind)}</span>` : ''}` : '';
    out.push(`<tr class="${p.inDomain === false ? 'guess' : ''}" data-file="${esc(r.file)}">`
      + `<td class="num" data-v="${i + 1}">${i + 1}</td><th scope="row">${esc(r.file)}</th>`
      + `<td class="num" data-v="${p.accuracy}">${pct(p.accuracy)}${p.inDomain === false ? '*' : ''}</td>`
      + `<td class="num">${measured ? '<span class="tag measured">measured</span>' : `${pct(p.low)}–${pct(p.high)}`}</td>`
      + `<td class="num" data-v="${r.params ?? ''}" title="${r.params ?? ''}">${r.params === null ? '' : shortCount(r.params)}</td>`
      + `<td class="num" data-v="${r.macs ?? ''}" title="${r.macs ?? ''}">${r.macs === null ? '' : shortCount(r.macs)}</td>`
      + `<td>${tags}</td><td>${exact}</td>`
      + `<td>${n ? `${esc(n.id)}${nAcc !== undefined ? ` (${pct(nAcc)} %)` : ''} <span class="small">${esc(n.arch.length > 48 ? `${n.arch.slice(0, 45)}…` : n.arch)}</span>` : ''}</td>`
      + `<td class="warn">${warningCodes(r).map(esc).join(', ')}</td></tr>`);
  });
  out.push('</tbody></table></section>');
  return out.join('\n');
}

export function renderReport(input: ReportInput): string {
  const plan = rankingPlan(input.rows, input.target);
  const scored = input.rows.length - plan.failed.length;
  const warnings = warningCounts(input.rows);
  const body: string[] = [];
  body.push(`<h1>Zoo report: ${plural(input.rows.length, 'file')}</h1>`);
  body.push(`<p class="small">onnx-predict ${esc(input.version)}, predictor ${esc(input.predictor)}. ${scored} scored, ${plan.failed.length} failed${plan.unfit.length > 0 ? `, ${plan.unfit.length} fit no target` : ''}. Self-contained: nothing on this page comes from another host.</p>`);
  const lines = plan.groups.map((g) => (g.asked ? `ranked by ${esc(g.target)} (asked): ${g.fit} of ${plural(g.rows.length, 'file')} fit it` : `${plural(g.rows.length, 'file')} ranked by ${esc(g.target)}, the target they fit`));
  if (lines.length > 0) body.push(`<p id="summary-line">${lines.map((l, i) => `<a href="#target-${i}">${l}</a>`).join('; ')}.</p>`);
  if (warnings.length > 0) {
    body.push('<section id="warnings"><h2>Warnings</h2><p class="small">Each distinct warning once, with the number of files it concerns; the CSV/JSONL rows carry the full sentences.</p>');
    body.push(`<table class="warnings"><thead><tr><th scope="col">Files</th><th scope="col">Warning</th><th scope="col">Code</th><th scope="col">Which</th></tr></thead><tbody>${warnings.map((w) => `<tr data-code="${esc(w.code)}"><td class="num">${w.count}</td><td>${esc(w.summary)}</td><td><code>${esc(w.code)}</code></td><td class="small">${w.files.slice(0, 8).map(esc).join(', ')}${w.files.length > 8 ? ', …' : ''}</td></tr>`).join('')}</tbody></table></section>`);
  }
  plan.groups.forEach((g, i) => body.push(groupSection(g, input, i)));
  if (plan.unfit.length > 0) {
    body.push(`<section id="unfit"><h2>Fit no target: ${plural(plan.unfit.length, 'file')}</h2><p>Their input size, channels or classes differ from every target's, so any accuracy would be a guess; <code>--target</code> ranks them anyway.</p><ul>${plan.unfit.map((r) => {
      const why = Object.entries(r.predictions).map(([t, p]) => (p as { domainNote?: string }).domainNote ? `${t}: ${(p as { domainNote?: string }).domainNote}` : '').filter((x) => x !== '')[0];
      return `<li>${esc(r.file)}${why ? ` <span class="small">(${esc(why)})</span>` : ''}</li>`;
    }).join('')}</ul></section>`);
  }
  if (plan.failed.length > 0) {
    body.push(`<section id="failed"><h2>Failed: ${plural(plan.failed.length, 'file')}</h2><ul>${plan.failed.map((r) => `<li>${esc(r.file)}: <code>${esc(r.error!.code)}</code> ${esc(r.error!.message)}</li>`).join('')}</ul></section>`);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>onnx-predict zoo report (${plural(input.rows.length, 'file')})</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
<script>${SORT_JS}</script>
</body>
</html>
`;
}

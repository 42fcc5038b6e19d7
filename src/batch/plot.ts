/**
 * Accuracy against cost as a self-contained SVG string: the zoo's models with their 80 % interval
 * bars, the Pareto front (the models no other beats on both accuracy and cost) ringed and joined
 * by a staircase, and known architectures of the same target as a faint background. Pure and
 * dependency-free (no DOM), so the HTML report (report.ts) and the web page draw the same plot.
 *
 * Every mark carries a class and data attributes (`model-point` with `data-file`, `data-x`,
 * `data-y`, `data-pareto`; `pareto-marker`; `known-point`; `interval`) and a `<title>`, so tests and
 * screen readers read the plot without its geometry.
 */

export interface PlotPoint {
  /** Rank shown beside the point (the report's table rank). */
  readonly rank: number;
  readonly file: string;
  /** Cost: params or MACs (> 0 to be drawn on the log scale). */
  readonly x: number;
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  /** A known architecture's measurement rather than a prediction (no interval). */
  readonly measured?: boolean;
}

export interface BackgroundPoint {
  readonly id: string;
  readonly x: number;
  readonly accuracy: number;
}

export interface ScatterSpec {
  readonly points: readonly PlotPoint[];
  readonly background: readonly BackgroundPoint[];
  /** 'params' or 'MACs': the axis title and tick words. */
  readonly xName: string;
  readonly target: string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Indices of the points on the Pareto front for "higher accuracy, lower cost": no other point has
 * a cost at most as high and an accuracy at least as high, one of them strictly. Points with a
 * cost ≤ 0 or a non-finite value take no part. Ties (equal cost and accuracy) are all on it.
 */
export function paretoFront(points: readonly { readonly x: number; readonly accuracy: number }[]): Set<number> {
  const ok = points.map((p, i) => [p, i] as const).filter(([p]) => p.x > 0 && Number.isFinite(p.x) && Number.isFinite(p.accuracy));
  // Cheapest first; at equal cost the most accurate first. A point is on the front when it beats
  // the best accuracy seen at any lower cost.
  ok.sort(([a], [b]) => a.x - b.x || b.accuracy - a.accuracy);
  const front = new Set<number>();
  let best = -Infinity;
  let last: { x: number; accuracy: number } | null = null;
  for (const [p, i] of ok) {
    const tie = last !== null && p.x === last.x && p.accuracy === last.accuracy;
    if (p.accuracy > best || tie) {
      front.add(i);
      best = Math.max(best, p.accuracy);
      last = p;
    }
  }
  return front;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** 1.2M, 340K, 18G: the tick words. */
export function shortCount(n: number): string {
  for (const [scale, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']] as const) {
    if (n >= scale) {
      const v = n / scale;
      return `${v >= 100 ? Math.round(v) : Number(v.toPrecision(2))}${suffix}`;
    }
  }
  return String(Math.round(n));
}

function niceStep(span: number, ticks: number): number {
  const raw = span / Math.max(1, ticks);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

export function scatterSvg(spec: ScatterSpec): string {
  const W = spec.width ?? 560;
  const H = spec.height ?? 380;
  const m = { top: 16, right: 20, bottom: 44, left: 52 };
  const pts = spec.points.filter((p) => p.x > 0 && Number.isFinite(p.x));
  const bg = spec.background.filter((p) => p.x > 0 && Number.isFinite(p.x) && Number.isFinite(p.accuracy));
  const xs = [...pts.map((p) => p.x), ...bg.map((p) => p.x)];
  const ys = [...pts.flatMap((p) => [p.low, p.high, p.accuracy]), ...bg.map((p) => p.accuracy)];
  const lx0 = xs.length ? Math.floor(Math.log10(Math.min(...xs)) * 4) / 4 : 0;
  const lx1 = xs.length ? Math.max(lx0 + 0.5, Math.ceil(Math.log10(Math.max(...xs)) * 4) / 4) : 1;
  const yStep0 = niceStep(Math.max(1, (ys.length ? Math.max(...ys) - Math.min(...ys) : 10)), 6);
  const y0 = ys.length ? Math.max(0, Math.floor(Math.min(...ys) / yStep0) * yStep0) : 0;
  const y1 = ys.length ? Math.min(100, Math.max(y0 + yStep0, Math.ceil(Math.max(...ys) / yStep0) * yStep0)) : 100;
  const px = (x: number) => m.left + ((Math.log10(x) - lx0) / (lx1 - lx0)) * (W - m.left - m.right);
  const py = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const out: string[] = [];
  const front = paretoFront(pts);
  const label = `${spec.target} accuracy against ${spec.xName}: ${pts.length} model${pts.length === 1 ? '' : 's'}, ${front.size} on the Pareto front, ${bg.length} known architectures in the background`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="zoo-plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(label)}" data-x="${esc(spec.xName)}">`);
  out.push(`<title>${esc(label)}</title>`);
  // Grid and axes.
  out.push('<g class="axes" font-size="11" fill="#444">');
  for (let e = Math.ceil(lx0); e <= Math.floor(lx1); e++) {
    const x = px(10 ** e);
    out.push(`<line x1="${f1(x)}" x2="${f1(x)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#e4e4e4"/><text x="${f1(x)}" y="${H - m.bottom + 15}" text-anchor="middle">${shortCount(10 ** e)}</text>`);
  }
  const yStep = niceStep(y1 - y0, 6);
  for (let v = Math.ceil(y0 / yStep) * yStep; v <= y1 + 1e-9; v += yStep) {
    const y = py(v);
    out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${f1(y)}" y2="${f1(y)}" stroke="#e4e4e4"/><text x="${m.left - 6}" y="${f1(y + 4)}" text-anchor="end">${Number(v.toFixed(6))}</text>`);
  }
  out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="#888"/><line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="#888"/>`);
  out.push(`<text x="${f1((m.left + W - m.right) / 2)}" y="${H - 8}" text-anchor="middle">${esc(spec.xName)} (log scale)</text>`);
  out.push(`<text transform="translate(13 ${f1((m.top + H - m.bottom) / 2)}) rotate(-90)" text-anchor="middle">${esc(spec.target)} accuracy (%)</text>`);
  out.push('</g>');
  out.push(`<g class="known" fill="#7a7a7a" fill-opacity="0.22">${bg.map((p) => `<circle class="known-point" cx="${f1(px(p.x))}" cy="${f1(py(p.accuracy))}" r="2"><title>${esc(p.id)}: measured ${p.accuracy.toFixed(2)} %</title></circle>`).join('')}</g>`);
  out.push(`<g class="intervals" stroke="#1f5fa8" stroke-width="1.5">${pts.filter((p) => !p.measured).map((p) => {
    const x = f1(px(p.x));
    return `<line class="interval" data-file="${esc(p.file)}" x1="${x}" x2="${x}" y1="${f1(py(p.low))}" y2="${f1(py(p.high))}"/>`;
  }).join('')}</g>`);
  const onFront = pts.map((p, i) => [p, i] as const).filter(([, i]) => front.has(i)).sort(([a], [b]) => a.x - b.x);
  if (onFront.length > 1) {
    // A staircase: from each front model, flat to the next cost, then up to its accuracy.
    let d = `M${f1(px(onFront[0]![0].x))},${f1(py(onFront[0]![0].accuracy))}`;
    for (const [p] of onFront.slice(1)) d += `H${f1(px(p.x))}V${f1(py(p.accuracy))}`;
    out.push(`<path class="pareto-line" d="${d}" fill="none" stroke="#d4500a" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  }
  out.push('<g class="models">');
  pts.forEach((p, i) => {
    const on = front.has(i);
    const cx = f1(px(p.x));
    const cy = f1(py(p.accuracy));
    const what = p.measured ? `measured ${p.accuracy.toFixed(2)} %` : `predicted ${p.accuracy.toFixed(2)} % (80 % interval ${p.low.toFixed(2)}–${p.high.toFixed(2)})`;
    const title = `#${p.rank} ${p.file}: ${what} at ${shortCount(p.x)} ${spec.xName}${on ? '; on the Pareto front' : ''}`;
    if (on) out.push(`<circle class="pareto-marker" data-file="${esc(p.file)}" cx="${cx}" cy="${cy}" r="8" fill="none" stroke="#d4500a" stroke-width="2"/>`);
    out.push(`<circle class="model-point" data-file="${esc(p.file)}" data-rank="${p.rank}" data-x="${p.x}" data-y="${p.accuracy}" data-pareto="${on}" cx="${cx}" cy="${cy}" r="4.5" fill="${p.measured ? '#2a9d3a' : '#1f5fa8'}" stroke="white" stroke-width="1"><title>${esc(title)}</title></circle>`);
    out.push(`<text class="model-label" x="${f1(px(p.x) + 9)}" y="${f1(py(p.accuracy) - 6)}" font-size="11" font-weight="bold" fill="#222" stroke="white" stroke-width="3" paint-order="stroke">${p.rank}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('');
}

/**
 * The page's two charts, drawn with Observable Plot as SVG (bundled at build time): the predicted
 * accuracy per target as a bar with its 80 % interval as whiskers, and the known architectures of
 * one target (params or MACs on a log scale against measured accuracy) with the dropped models on
 * top. Every mark that matters carries an aria-label and a text label, so nothing depends on colour.
 */
import * as Plot from '@observablehq/plot';
import type { KnownPoint } from './api.ts';
import { paretoFront } from '../src/batch/plot.ts';

export interface PredictionRow {
  readonly target: string;
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  readonly inDomain: boolean | undefined;
  /** Why the model is outside the target's domain (from the predictor). */
  readonly domainNote?: string;
}

export const pct = (v: number): string => v.toFixed(1);

export function predictionChart(rows: readonly PredictionRow[], width: number): SVGSVGElement | HTMLElement {
  const label = (d: PredictionRow) => `${pct(d.accuracy)} % (${pct(d.low)}–${pct(d.high)})${d.inDomain === false ? ', outside its domain' : ''}`;
  return Plot.plot({
    width,
    height: 44 + 34 * rows.length,
    style: { fontSize: '12px' },
    marginLeft: 120,
    marginRight: 170,
    ariaLabel: 'predicted accuracy per target with 80 % intervals',
    x: { domain: [0, 100], label: 'predicted accuracy (%) with 80 % interval', grid: true },
    y: { domain: rows.map((r) => r.target), label: null },
    marks: [
      Plot.barX(rows, { y: 'target', x: 'accuracy', fill: (d: PredictionRow) => (d.inDomain === false ? '#d9d9d9' : '#9ecae1'), insetTop: 6, insetBottom: 6 }),
      Plot.ruleY(rows, { y: 'target', x1: 'low', x2: 'high', stroke: 'currentColor', strokeWidth: 2, className: 'whisker' }),
      Plot.tickX(rows, { y: 'target', x: 'low', stroke: 'currentColor', strokeWidth: 2, insetTop: 8, insetBottom: 8 }),
      Plot.tickX(rows, { y: 'target', x: 'high', stroke: 'currentColor', strokeWidth: 2, insetTop: 8, insetBottom: 8 }),
      Plot.text(rows, { y: 'target', x: 'high', text: label, dx: 8, textAnchor: 'start', className: 'prediction-label', ariaLabel: (d: PredictionRow) => `${d.target}: ${label(d)}` }),
      Plot.ruleX([0]),
    ],
  });
}

export interface PlottedModel {
  readonly label: string;
  /** A known architecture's measurement (no interval). */
  readonly measured?: boolean;
  readonly x: number;
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
}

export type XField = 'params' | 'macs';

const X_LABEL: Readonly<Record<XField, string>> = { params: 'parameters (log scale)', macs: 'multiply-accumulates per inference (log scale)' };

function describeModel(m: PlottedModel, x: XField): string {
  const what = m.measured ? `measured ${pct(m.accuracy)} % (a known architecture)` : `predicted ${pct(m.accuracy)} % (80 % interval ${pct(m.low)}–${pct(m.high)})`;
  return `${m.label}: ${Math.round(m.x).toLocaleString('en')} ${x === 'params' ? 'parameters' : 'MACs'}, ${what}`;
}

/**
 * Known architectures (x > 0 on a log scale) and the dropped models as stars with their interval;
 * with several models, the Pareto front (src/batch/plot.ts, as in the batch report) ringed and
 * joined by a dashed staircase.
 */
export function scatterChart(known: readonly KnownPoint[], models: readonly PlottedModel[], x: XField, target: string, width: number): SVGSVGElement | HTMLElement {
  const pts = known.filter((p) => (p[x] ?? 0) > 0);
  const shown = models.filter((m) => m.x > 0);
  const front = shown.length > 1 ? [...paretoFront(shown.map((m) => ({ x: m.x, accuracy: m.accuracy })))].map((i) => shown[i]!).sort((a, b) => a.x - b.x) : [];
  return Plot.plot({
    width,
    height: 460,
    style: { fontSize: '12px' },
    marginRight: 24,
    ariaLabel: `measured ${target} accuracy of ${pts.length} known architectures against ${x}, with ${shown.length} dropped model${shown.length === 1 ? '' : 's'}${front.length > 0 ? `, ${front.length} on the Pareto front` : ''}`,
    x: { type: 'log', label: X_LABEL[x], grid: true },
    y: { label: `${target} accuracy (%): measured for known, predicted for yours`, grid: true },
    // One legend: the symbol legend takes the colours of the fill bound to the same channel.
    color: { scheme: 'tableau10' },
    symbol: { legend: true },
    marks: [
      Plot.dot(pts, { x, y: 'accuracy', fill: 'space', symbol: 'space', r: 2.2, fillOpacity: 0.55, className: 'known-point', title: (p: KnownPoint) => `${p.id}: ${pct(p.accuracy)} %` }),
      Plot.line(front, { x: 'x', y: 'accuracy', curve: 'step-after', stroke: '#d4500a', strokeWidth: 2, strokeDasharray: '5 4', className: 'pareto-line' }),
      Plot.ruleX(shown, { x: 'x', y1: 'low', y2: 'high', stroke: 'black', strokeWidth: 3, className: 'model-interval', ariaLabel: (m: PlottedModel) => `80 % interval of ${m.label}` }),
      Plot.dot(shown, { x: 'x', y: 'low', symbol: 'times', r: 5, stroke: 'black', strokeWidth: 2 }),
      Plot.dot(shown, { x: 'x', y: 'high', symbol: 'times', r: 5, stroke: 'black', strokeWidth: 2 }),
      Plot.dot(front, { x: 'x', y: 'accuracy', r: 17, fill: 'none', stroke: '#d4500a', strokeWidth: 2.5, className: 'pareto-marker', ariaLabel: (m: PlottedModel) => `${m.label}: on the Pareto front (no other model is both cheaper and more accurate)` }),
      Plot.dot(shown, { x: 'x', y: 'accuracy', symbol: 'star', r: 11, fill: '#e31a1c', stroke: 'black', strokeWidth: 1.5, className: 'model-point', ariaLabel: (m: PlottedModel) => describeModel(m, x), title: (m: PlottedModel) => describeModel(m, x) }),
      Plot.text(shown, { x: 'x', y: 'accuracy', text: 'label', dx: 14, dy: -16, textAnchor: 'start', fontWeight: 'bold', fontSize: 13, stroke: 'white', strokeWidth: 4, fill: 'black', className: 'model-label' }),
    ],
  });
}

/**
 * For a checkpoint whose known architectures carry no params/MACs: the measured accuracy of each
 * space as a box plot, and the dropped models' predictions beside them.
 */
export function distributionChart(known: readonly KnownPoint[], models: readonly PlottedModel[], target: string, width: number): SVGSVGElement | HTMLElement {
  const spaces = [...new Set(known.map((p) => p.space))];
  return Plot.plot({
    width,
    height: 420,
    style: { fontSize: '12px' },
    ariaLabel: `distribution of measured ${target} accuracy per space, with ${models.length} dropped model${models.length === 1 ? '' : 's'}`,
    x: { domain: [...spaces, ...models.map((m) => m.label)], label: null, tickRotate: models.length > 2 ? -20 : 0 },
    y: { label: `${target} accuracy (%)`, grid: true },
    marks: [
      Plot.boxY(known, { x: 'space', y: 'accuracy', className: 'known-box' }),
      Plot.ruleX(models, { x: 'label', y1: 'low', y2: 'high', stroke: 'black', strokeWidth: 3, className: 'model-interval' }),
      Plot.dot(models, { x: 'label', y: 'accuracy', symbol: 'star', r: 11, fill: '#e31a1c', stroke: 'black', strokeWidth: 1.5, className: 'model-point', ariaLabel: (m: PlottedModel) => `${m.label}: predicted ${pct(m.accuracy)} % (80 % interval ${pct(m.low)}–${pct(m.high)})` }),
    ],
  });
}

/**
 * Honest predictions: what a user must know before trusting a number. Each warning has a stable
 * code (for JSON consumers and tests) and a sentence (for people). Pure.
 */
import type { Profile } from '../onnx-to-text/profile.ts';

export const WARNING_CODES = [
  'unknown-ops',
  'tiny-graph',
  'costs-incomplete',
  'missing-external-data',
  'far-from-training',
  'clamped',
  'no-proxies',
  'out-of-domain',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface PredictionWarning {
  readonly code: WarningCode;
  readonly message: string;
}

/** Graphs with fewer weighted layers than this are not networks the predictor learnt from. */
export const TINY_WEIGHTED_LAYERS = 2;

/** Warnings that come from the graph alone. */
export function graphWarnings(profile: Profile, weightedLayers: number): PredictionWarning[] {
  const out: PredictionWarning[] = [];
  const unknown = profile.diagnostics.filter((d) => d.kind === 'unsupported-op');
  if (unknown.length > 0) {
    const ops = [...new Set(unknown.map((d) => (d.kind === 'unsupported-op' ? (d.domain && d.domain !== 'ai.onnx' ? `${d.domain}.${d.op}` : d.op) : '')))];
    out.push({ code: 'unknown-ops', message: `${unknown.length} node${unknown.length === 1 ? '' : 's'} with ops the profile does not know (${ops.slice(0, 5).join(', ')}${ops.length > 5 ? ', …' : ''}): their cost and meaning are not counted` });
  }
  if (profile.totals.nodes === 0 || weightedLayers < TINY_WEIGHTED_LAYERS) {
    out.push({ code: 'tiny-graph', message: profile.totals.nodes === 0 ? 'the graph is empty: there is no network to predict for' : `only ${weightedLayers} weighted layer${weightedLayers === 1 ? '' : 's'}: not a network like the ones the predictor learnt from` });
  }
  const noShape = profile.diagnostics.filter((d) => d.kind === 'unknown-shape').length;
  if (noShape > 0 || profile.totals.costCoverage < 1) {
    const n = Math.max(noShape, Math.round((1 - profile.totals.costCoverage) * profile.totals.nodes));
    out.push({ code: 'costs-incomplete', message: `MACs are a lower bound: ${n} node${n === 1 ? '' : 's'} without shapes` });
  }
  const missing = profile.diagnostics.filter((d) => d.kind === 'missing-external-data').length;
  if (missing > 0) out.push({ code: 'missing-external-data', message: `${missing} weight tensor${missing === 1 ? '' : 's'} stored in external files that were not found: params count their shapes only` });
  return out;
}

/**
 * Honest predictions: what a user must know before trusting a number. Each warning has a stable
 * code (for JSON consumers and tests), a one-line summary (a few words, what the human output
 * prints) and the full sentence (`--json`, `--verbose`, docs/CLI.md). Pure.
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
  /** A few words, one line: what the human output prints after the code. */
  readonly summary: string;
  /** The full sentence: why, and what it means for the numbers. */
  readonly message: string;
}

/**
 * Each code's few words when a summary is wanted without the details of one file (a batch's
 * warning counts, the report). Breaks the build when a code has none.
 */
export const WARNING_SUMMARIES = Object.freeze({
  'unknown-ops': 'ops the profile does not know: their cost is not counted',
  'tiny-graph': 'not a network like the training ones',
  'costs-incomplete': 'MACs are a lower bound',
  'missing-external-data': 'external weights not found: params from shapes only',
  'far-from-training': 'far from training data: ranking only, level uncertain',
  clamped: 'a prediction was clamped to 0–100 %',
  'no-proxies': 'zero-cost proxies did not run: structure only',
  'out-of-domain': 'fits no target: every prediction is a guess',
} satisfies Record<WarningCode, string>);

/** Graphs with fewer weighted layers than this are not networks the predictor learnt from. */
export const TINY_WEIGHTED_LAYERS = 2;

/** Warnings that come from the graph alone. */
export function graphWarnings(profile: Profile, weightedLayers: number): PredictionWarning[] {
  const out: PredictionWarning[] = [];
  const unknown = profile.diagnostics.filter((d) => d.kind === 'unsupported-op');
  if (unknown.length > 0) {
    const ops = [...new Set(unknown.map((d) => (d.kind === 'unsupported-op' ? (d.domain && d.domain !== 'ai.onnx' ? `${d.domain}.${d.op}` : d.op) : '')))];
    out.push({ code: 'unknown-ops', summary: `${unknown.length} node${unknown.length === 1 ? '' : 's'} with unknown ops (${ops.slice(0, 3).join(', ')}${ops.length > 3 ? ', …' : ''}): cost not counted`, message: `${unknown.length} node${unknown.length === 1 ? '' : 's'} with ops the profile does not know (${ops.slice(0, 5).join(', ')}${ops.length > 5 ? ', …' : ''}): their cost and meaning are not counted` });
  }
  if (profile.totals.nodes === 0 || weightedLayers < TINY_WEIGHTED_LAYERS) {
    out.push({ code: 'tiny-graph', summary: profile.totals.nodes === 0 ? 'the graph is empty' : `only ${weightedLayers} weighted layer${weightedLayers === 1 ? '' : 's'}: not a network like the training ones`, message: profile.totals.nodes === 0 ? 'the graph is empty: there is no network to predict for' : `only ${weightedLayers} weighted layer${weightedLayers === 1 ? '' : 's'}: not a network like the ones the predictor learnt from` });
  }
  const noShape = profile.diagnostics.filter((d) => d.kind === 'unknown-shape').length;
  if (noShape > 0 || profile.totals.costCoverage < 1) {
    const n = Math.max(noShape, Math.round((1 - profile.totals.costCoverage) * profile.totals.nodes));
    out.push({ code: 'costs-incomplete', summary: `MACs are a lower bound (${n} node${n === 1 ? '' : 's'} without shapes)`, message: `MACs are a lower bound: ${n} node${n === 1 ? '' : 's'} without shapes` });
  }
  const missing = profile.diagnostics.filter((d) => d.kind === 'missing-external-data').length;
  if (missing > 0) out.push({ code: 'missing-external-data', summary: `${missing} external weight tensor${missing === 1 ? '' : 's'} not found: params from shapes`, message: `${missing} weight tensor${missing === 1 ? '' : 's'} stored in external files that were not found: params count their shapes only` });
  return out;
}

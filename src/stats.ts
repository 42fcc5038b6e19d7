/**
 * The `stats` report: the static profile of a model, flattened into the JSON object the CLI
 * and the HTTP service print. Pure.
 */
import type { Dim, Model, ValueInfo } from './onnx-to-text/ir.ts';
import { defaultOpset } from './onnx-to-text/ir.ts';
import { profileModel, type Diagnostic, type Profile } from './onnx-to-text/profile.ts';
import { humanCount } from './onnx-to-text/text/compact.ts';

export interface TensorSummary {
  readonly name: string;
  readonly shape: readonly Dim[] | null;
  readonly dtype: string;
}

export interface StatsReport {
  readonly file?: string;
  readonly irVersion: number;
  readonly opset: number;
  readonly producer: string;
  readonly nodes: number;
  readonly params: number;
  readonly macs: number;
  readonly activationElements: number;
  readonly shapeCoverage: number;
  /** How complete the counts are: when `complete` is false, `macs` is a lower bound. */
  readonly coverage: {
    readonly shapes: number;
    readonly costs: number;
    readonly nodesWithoutShapes: number;
    readonly nodesWithoutCosts: number;
    readonly complete: boolean;
  };
  /** Sentences a user should read with the numbers (empty when there is nothing to say). */
  readonly warnings: readonly string[];
  readonly inputs: readonly TensorSummary[];
  readonly outputs: readonly TensorSummary[];
  readonly opCounts: Readonly<Record<string, number>>;
  readonly diagnostics: readonly Diagnostic[];
}

function summarize(v: ValueInfo, profile: Profile): TensorSummary {
  const t = v.type ?? profile.shapes.get(v.name) ?? null;
  return { name: v.name, shape: t?.shape ?? null, dtype: t?.dtype ?? 'unknown' };
}

export function statsReport(model: Model, profile: Profile = profileModel(model), file?: string): StatsReport {
  const producer = [model.producer.name, model.producer.version].filter((s) => s !== '').join(' ');
  return {
    ...(file !== undefined ? { file } : {}),
    irVersion: model.irVersion,
    opset: defaultOpset(model),
    producer,
    nodes: profile.totals.nodes,
    params: profile.totals.params,
    macs: profile.totals.macs,
    activationElements: profile.totals.activationElements,
    shapeCoverage: profile.totals.shapeCoverage,
    coverage: {
      shapes: profile.totals.shapeCoverage,
      costs: profile.totals.costCoverage,
      nodesWithoutShapes: profile.totals.nodesWithoutShapes,
      nodesWithoutCosts: profile.totals.nodesWithoutCosts,
      complete: profile.totals.complete,
    },
    warnings: coverageWarnings(profile),
    inputs: model.graph.inputs.map((v) => summarize(v, profile)),
    outputs: model.graph.outputs.map((v) => summarize(v, profile)),
    opCounts: Object.fromEntries(Object.entries(profile.opCounts).sort(([a], [b]) => a.localeCompare(b))),
    diagnostics: profile.diagnostics,
  };
}

/** The lower-bound sentence when some nodes' shapes or costs are unknown. */
export function coverageWarnings(profile: Profile): string[] {
  const t = profile.totals;
  if (t.complete) return [];
  const n = Math.max(t.nodesWithoutShapes, t.nodesWithoutCosts);
  const unsupported = profile.diagnostics.filter((d) => d.kind === 'unsupported-op').length;
  const why = unsupported > 0 ? ` (${unsupported} of unsupported ops)` : '';
  return [`MACs are a lower bound: ${n} ${n === 1 ? 'node' : 'nodes'} without shapes${why}`];
}

export function formatStats(r: StatsReport): string {
  const shape = (s: readonly Dim[] | null) => (s === null ? '?' : s.map((d) => (d === null ? '?' : String(d))).join('x'));
  const lines = [
    r.file !== undefined ? `file:      ${r.file}` : null,
    `producer:  ${r.producer || 'unknown'} (IR ${r.irVersion}, opset ${r.opset})`,
    `nodes:     ${r.nodes}`,
    `params:    ${humanCount(r.params)} (${r.params})`,
    `MACs:      ${humanCount(r.macs)} (${r.macs})`,
    `shapes:    ${(r.shapeCoverage * 100).toFixed(1)}% of nodes fully known`,
    ...r.warnings.map((w) => `warning:   ${w}`),
    ...r.inputs.map((t) => `input:     ${t.name} ${t.dtype}[${shape(t.shape)}]`),
    ...r.outputs.map((t) => `output:    ${t.name} ${t.dtype}[${shape(t.shape)}]`),
    `ops:       ${Object.entries(r.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]) => `${k}×${v}`).join(' ')}`,
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}

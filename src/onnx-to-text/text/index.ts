/**
 * Graph → text, the public face of the text encodings. Pure: same model bytes → same text.
 *
 * Modes live in one frozen table (`TEXT_MODE_SPECS`); adding a mode to `TextMode` without an entry
 * breaks the build. `compact` is the default; `chain_slim*` reproduce ONNX-Net's encodings for
 * comparison with their published numbers. docs/TEXT.md has the grammar and the quirks.
 */
import { UsageError } from '../../errors.ts';
import type { Model, TensorType } from '../ir.ts';
import { profileModel, type Profile } from '../profile.ts';
import { CHAIN_SLIM_VARIANTS, describeChainSlim } from './chain-slim.ts';
import { describeCompact } from './compact.ts';

export { textHash } from './hash.ts';

export type TextMode = 'compact' | 'chain_slim' | 'chain_slim_base' | 'chain_slim_input' | 'chain_slim_param' | 'chain_slim_outshape';

export interface DescribeOptions {
  readonly mode?: TextMode;
  /**
   * Character budget. `compact` degrades gracefully (drops its least informative lines); the
   * `chain_slim` modes are cut at the budget like a tokenizer truncates. Defaults per mode.
   */
  readonly maxChars?: number;
  /** Value types from a caller's own shape inference; default `inferShapes(model)` (via `profileModel`). */
  readonly shapes?: ReadonlyMap<string, TensorType>;
}

/** What a mode may read besides the model; the profile is computed at most once per call. */
export interface TextContext {
  readonly shapes: ReadonlyMap<string, TensorType>;
  readonly profile: () => Profile;
}

interface ModeSpec {
  readonly summary: string;
  /** Default budget; Infinity = unbounded (ONNX-Net fed up to 8,192 tokens to ModernBERT). */
  readonly maxChars: number;
  readonly lines: (model: Model, ctx: TextContext, maxChars: number) => string[];
}

const chainSlim = (variant: keyof typeof CHAIN_SLIM_VARIANTS): ModeSpec['lines'] => (model, ctx, maxChars) => {
  const text = describeChainSlim(model.graph, ctx.shapes, CHAIN_SLIM_VARIANTS[variant]);
  return (text.length > maxChars ? text.slice(0, maxChars) : text).split('\n');
};

/**
 * Default budget of `compact`: 640 characters ≈ 256 all-MiniLM-L6-v2 tokens (one encoder window)
 * at the ~2.5 characters per token measured on compact texts (docs/TEXT.md). Callers that embed
 * lines separately pass `maxChars: Infinity`.
 */
export const DEFAULT_COMPACT_MAX_CHARS = 640;

export const TEXT_MODE_SPECS = Object.freeze({
  compact: {
    summary: 'our default: summary header, then one short English line per chain of layers; budget-aware',
    maxChars: DEFAULT_COMPACT_MAX_CHARS,
    lines: (model, ctx, maxChars) => describeCompact(model, { shapes: ctx.shapes, profile: ctx.profile(), maxChars }),
  },
  chain_slim: { summary: "ONNX-Net's main encoding (faithful port, quirks included)", maxChars: Infinity, lines: chainSlim('chain_slim') },
  chain_slim_base: { summary: 'ONNX-Net ablation: op names only', maxChars: Infinity, lines: chainSlim('chain_slim_base') },
  chain_slim_input: { summary: 'ONNX-Net ablation: ops + inputs', maxChars: Infinity, lines: chainSlim('chain_slim_input') },
  chain_slim_param: { summary: 'ONNX-Net ablation: ops + attributes', maxChars: Infinity, lines: chainSlim('chain_slim_param') },
  chain_slim_outshape: { summary: 'ONNX-Net ablation: ops + output shapes', maxChars: Infinity, lines: chainSlim('chain_slim_outshape') },
} satisfies Record<TextMode, ModeSpec>);

/** Mode names in table order (CLI choices, HTTP validation). */
export const TEXT_MODES: readonly TextMode[] = Object.freeze(Object.keys(TEXT_MODE_SPECS) as TextMode[]);

export const DEFAULT_TEXT_MODE: TextMode = 'compact';

function resolve(model: Model, options: DescribeOptions): string[] {
  const mode = options.mode ?? DEFAULT_TEXT_MODE;
  const spec: ModeSpec | undefined = Object.hasOwn(TEXT_MODE_SPECS, mode) ? TEXT_MODE_SPECS[mode] : undefined;
  if (!spec) throw new UsageError(`options.mode: unknown text mode '${String(mode)}'; expected one of ${TEXT_MODES.join(', ')}`);
  const maxChars = options.maxChars ?? spec.maxChars;
  if (typeof maxChars !== 'number' || Number.isNaN(maxChars) || maxChars < 1) {
    throw new UsageError(`options.maxChars: expected a number >= 1, got ${String(options.maxChars)}`);
  }
  let profile: Profile | undefined;
  const ctx: TextContext = {
    profile: () => (profile ??= profileModel(model)),
    // profileModel runs the shape inference; reuse it rather than inferring twice.
    get shapes() { return options.shapes ?? ctx.profile().shapes; },
  };
  return spec.lines(model, ctx, maxChars);
}

/**
 * The text of a model in the chosen mode (default `compact`).
 * @example
 *   const text = describe(readModel(bytes));                      // compact, ≤ 1,000 chars
 *   const onnxNet = describe(readModel(bytes), { mode: 'chain_slim' });
 */
export function describe(model: Model, options: DescribeOptions = {}): string {
  return resolve(model, options).join('\n');
}

/**
 * The same text as lines, for callers that embed each line separately and pool the vectors.
 * In `compact`, line 0 is the summary header; `N times the next K lines:` lines head repeated
 * blocks. Empty lines are dropped. Budget and modes as in `describe`.
 */
export function describeLines(model: Model, options: DescribeOptions = {}): string[] {
  return resolve(model, options).filter((l) => l !== '');
}

export { describeNodes, type DescribedNode, type NodeDescriptions } from './nodes.ts';

/**
 * The op catalog: everything the product knows about an operator, in one entry keyed like
 * `opCounts` (`Op` for ai.onnx, `domain.Op` otherwise):
 *  - `category` and `rule`: the profile's cost convention and shape/cost rules (table.ts),
 *  - `family` and `word`: how the `compact` text writes it,
 *  - `phrase`: how `describeNodes` (the predictor's per-node phrases) writes it, and
 *  - `weighted`: whether `describeNodes` counts it as a weighted layer.
 * The facets answer different questions, so they may look like they disagree — `Gather` is
 * layout (category), a shape op (family) and folded away (phrase) — but they are written here,
 * side by side, once. test/profile-catalog.test.ts checks every op with a rule has an entry.
 *
 * English words because all-MiniLM-L6-v2's WordPiece vocabulary has them as single tokens
 * ("average pool" = 2 tokens, "AveragePool" = 4) and saw them in its training.
 */
import { OP_TABLE, opKey } from './table.ts';
import type { OpCategory, OpSpec } from './types.ts';

export { opKey };

export type OpFamily =
  | 'conv' // weighted spatial op: kernel, stride, dilation, groups, pads matter
  | 'linear' // weighted dense op
  | 'pool' // windowed pooling
  | 'global-pool'
  | 'norm'
  | 'act'
  | 'merge' // elementwise/concat ops that combine several values
  | 'shape' // layout only: reshape, transpose, slice
  | 'passthrough' // no effect at inference: dropped from the text
  | 'static' // produces constants or shape metadata: never a unit
  | 'other';

/** Per-family facts of the compact text: how much a line with such a unit is worth when a budget forces cuts. */
export const FAMILIES = {
  conv: { weighted: true, score: 3 },
  linear: { weighted: true, score: 3 },
  pool: { weighted: false, score: 2 },
  'global-pool': { weighted: false, score: 2 },
  merge: { weighted: false, score: 2 },
  norm: { weighted: false, score: 1 },
  act: { weighted: false, score: 1 },
  other: { weighted: false, score: 1 },
  shape: { weighted: false, score: 0.5 },
  passthrough: { weighted: false, score: 0 },
  static: { weighted: false, score: 0 },
} as const satisfies Record<OpFamily, { readonly weighted: boolean; readonly score: number }>;

/**
 * How describeNodes phrases a node. `words`: a fixed phrase. The other kinds read attributes,
 * initializers or shapes (text/nodes.ts has one function per kind). `skip`: the node carries no
 * signal of its own in an exported graph and is contracted away (edges run through it).
 */
export type Phrase =
  | { readonly kind: 'words'; readonly words: string }
  | { readonly kind: 'skip' }
  | { readonly kind: 'conv' }
  | { readonly kind: 'conv-transpose' }
  | { readonly kind: 'pool'; readonly words: string }
  | { readonly kind: 'linear' }
  | { readonly kind: 'add' }
  | { readonly kind: 'mul' }
  | { readonly kind: 'concat' };

export type PhraseKind = Phrase['kind'];

export interface OpEntry {
  /** Catalog key: `Op` for ai.onnx, `domain.Op` otherwise. */
  readonly key: string;
  readonly category: OpCategory;
  readonly family: OpFamily;
  readonly word: string;
  readonly phrase: Phrase;
  readonly weighted: boolean;
  readonly rule: OpSpec;
}

/** The facets an op has without a catalog entry too (unknown and custom-domain ops). */
export interface OpFacets {
  readonly family: OpFamily;
  readonly word: string;
  readonly phrase: Phrase;
  readonly weighted: boolean;
}

// ---------------------------------------------------------------------------------------------
// The data. Ops absent from TEXT are family 'other' with their name split into words; ops absent
// from PHRASES are phrased as their name split at case changes; WEIGHTED lists the rest.

const TEXT: Readonly<Record<string, readonly [OpFamily, string]>> = {
  Conv: ['conv', 'conv'],
  ConvInteger: ['conv', 'conv'],
  QLinearConv: ['conv', 'conv'],
  ConvTranspose: ['conv', 'transposed conv'],
  Gemm: ['linear', 'linear'],
  MatMul: ['linear', 'linear'],
  MatMulInteger: ['linear', 'linear'],
  QLinearMatMul: ['linear', 'linear'],
  MaxPool: ['pool', 'max pool'],
  AveragePool: ['pool', 'average pool'],
  LpPool: ['pool', 'lp pool'],
  GlobalAveragePool: ['global-pool', 'global average pool'],
  GlobalMaxPool: ['global-pool', 'global max pool'],
  GlobalLpPool: ['global-pool', 'global lp pool'],
  BatchNormalization: ['norm', 'batch norm'],
  InstanceNormalization: ['norm', 'instance norm'],
  LayerNormalization: ['norm', 'layer norm'],
  GroupNormalization: ['norm', 'group norm'],
  RMSNormalization: ['norm', 'rms norm'],
  LRN: ['norm', 'local response norm'],
  Relu: ['act', 'relu'],
  LeakyRelu: ['act', 'leaky relu'],
  PRelu: ['act', 'prelu'],
  Elu: ['act', 'elu'],
  Selu: ['act', 'selu'],
  Celu: ['act', 'celu'],
  Gelu: ['act', 'gelu'],
  Sigmoid: ['act', 'sigmoid'],
  HardSigmoid: ['act', 'hard sigmoid'],
  HardSwish: ['act', 'hard swish'],
  Swish: ['act', 'swish'],
  Mish: ['act', 'mish'],
  Tanh: ['act', 'tanh'],
  Softplus: ['act', 'softplus'],
  Softsign: ['act', 'softsign'],
  Clip: ['act', 'clip'],
  Softmax: ['act', 'softmax'],
  LogSoftmax: ['act', 'log softmax'],
  Add: ['merge', 'add'],
  Sum: ['merge', 'add'],
  Sub: ['merge', 'subtract'],
  Mul: ['merge', 'multiply'],
  Div: ['merge', 'divide'],
  Max: ['merge', 'max'],
  Min: ['merge', 'min'],
  Mean: ['merge', 'mean'],
  Concat: ['merge', 'concat'],
  Flatten: ['shape', 'flatten'],
  Reshape: ['shape', 'reshape'],
  Transpose: ['shape', 'transpose'],
  Squeeze: ['shape', 'squeeze'],
  Unsqueeze: ['shape', 'unsqueeze'],
  Slice: ['shape', 'slice'],
  Split: ['shape', 'split'],
  Gather: ['shape', 'gather'],
  Pad: ['shape', 'pad'],
  Expand: ['shape', 'expand'],
  Tile: ['shape', 'tile'],
  DepthToSpace: ['shape', 'depth to space'],
  SpaceToDepth: ['shape', 'space to depth'],
  Resize: ['shape', 'upsample'],
  Upsample: ['shape', 'upsample'],
  Cast: ['passthrough', 'cast'],
  Identity: ['passthrough', 'identity'],
  Dropout: ['passthrough', 'dropout'],
  Constant: ['static', 'constant'],
  ConstantOfShape: ['static', 'constant'],
  Shape: ['static', 'shape'],
  Size: ['static', 'size'],
};

const SKIP: Phrase = { kind: 'skip' };
const words = (w: string): Phrase => ({ kind: 'words', words: w });

const PHRASES: Readonly<Record<string, Phrase>> = {
  // Folded away: exports carry them for shape bookkeeping or training only.
  Identity: SKIP, Dropout: SKIP, Cast: SKIP, Constant: SKIP, Shape: SKIP, Gather: SKIP, Unsqueeze: SKIP, Squeeze: SKIP,
  Conv: { kind: 'conv' }, QLinearConv: { kind: 'conv' }, ConvInteger: { kind: 'conv' },
  ConvTranspose: { kind: 'conv-transpose' },
  MaxPool: { kind: 'pool', words: 'max pooling' },
  AveragePool: { kind: 'pool', words: 'average pooling' },
  GlobalAveragePool: words('global average pooling'),
  GlobalMaxPool: words('global max pooling'),
  Gemm: { kind: 'linear' }, MatMul: { kind: 'linear' },
  Add: { kind: 'add' },
  Mul: { kind: 'mul' },
  Concat: { kind: 'concat' },
  Relu: words('relu activation'),
  Sigmoid: words('sigmoid activation'),
  Softmax: words('softmax'),
  BatchNormalization: words('batch normalization'),
  LayerNormalization: words('layer normalization'),
  Flatten: words('reshape'), Reshape: words('reshape'),
};

/** Weighted layers for describeNodes' depth numerics (counted when a weight input is an initializer). */
const WEIGHTED: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'Einsum']);

// ---------------------------------------------------------------------------------------------

/** `GridSample` → `grid sample`, `LRN` → `lrn`: the compact text's default word. */
function splitWords(op: string): string {
  return op.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase();
}

/** The phrase of an op without a phrase rule (its name split at lower→upper case changes). */
function defaultPhrase(op: string): Phrase {
  return words(op.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
}

function facetsOf(key: string, op: string): OpFacets {
  const text = Object.hasOwn(TEXT, key) ? TEXT[key] : undefined;
  return {
    family: text?.[0] ?? 'other',
    word: text?.[1] ?? splitWords(op),
    phrase: (Object.hasOwn(PHRASES, key) ? PHRASES[key] : undefined) ?? defaultPhrase(op),
    weighted: WEIGHTED.has(key),
  };
}

function buildCatalog(): Readonly<Record<string, OpEntry>> {
  const out: Record<string, OpEntry> = {};
  for (const [key, rule] of Object.entries(OP_TABLE as Record<string, OpSpec>)) {
    const op = key.slice(key.lastIndexOf('.') + 1);
    out[key] = Object.freeze({ key, category: rule.category, rule, ...facetsOf(key, op) });
  }
  return Object.freeze(out);
}

/** Every op the product knows, by catalog key. */
export const OP_CATALOG: Readonly<Record<string, OpEntry>> = buildCatalog();

/** Keys of the text and phrase tables, for the catalog test (every one must be a catalog op). */
export const FACET_KEYS: readonly string[] = Object.freeze([...new Set([...Object.keys(TEXT), ...Object.keys(PHRASES), ...WEIGHTED])]);

/** The catalog entry of an op, or undefined for an op the profile has no rule for. */
export function lookupEntry(domain: string, op: string): OpEntry | undefined {
  const key = opKey(domain, op);
  return Object.hasOwn(OP_CATALOG, key) ? OP_CATALOG[key] : undefined;
}

const unknownFacets = new Map<string, OpFacets>();

/** Text and phrase facets of any op: its entry's, or the defaults for an op outside the catalog. */
export function opFacets(domain: string, op: string): OpFacets {
  const entry = lookupEntry(domain, op);
  if (entry) return entry;
  const key = opKey(domain, op);
  let f = unknownFacets.get(key);
  if (f === undefined) {
    // Custom-domain ops get no text or phrase rule: `com.x.Conv` is not known to be a conv.
    f = { family: 'other', word: splitWords(op), phrase: defaultPhrase(op), weighted: false };
    if (unknownFacets.size < 10_000) unknownFacets.set(key, f);
  }
  return f;
}

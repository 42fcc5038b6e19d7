/**
 * Op knowledge for the compact text, as data: which family an op belongs to and the plain-English
 * words it is written as. English words because all-MiniLM-L6-v2's WordPiece vocabulary has them
 * as single tokens ("average pool" = 2 tokens, "AveragePool" = 4) and saw them in its training.
 */

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

export interface OpInfo {
  readonly family: OpFamily;
  readonly word: string;
}

/** Per-family facts: how much a line with such a unit is worth when a budget forces cuts. */
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

export const OPS = {
  Conv: { family: 'conv', word: 'conv' },
  ConvInteger: { family: 'conv', word: 'conv' },
  QLinearConv: { family: 'conv', word: 'conv' },
  ConvTranspose: { family: 'conv', word: 'transposed conv' },
  Gemm: { family: 'linear', word: 'linear' },
  MatMul: { family: 'linear', word: 'linear' },
  MatMulInteger: { family: 'linear', word: 'linear' },
  QLinearMatMul: { family: 'linear', word: 'linear' },
  MaxPool: { family: 'pool', word: 'max pool' },
  AveragePool: { family: 'pool', word: 'average pool' },
  LpPool: { family: 'pool', word: 'lp pool' },
  GlobalAveragePool: { family: 'global-pool', word: 'global average pool' },
  GlobalMaxPool: { family: 'global-pool', word: 'global max pool' },
  GlobalLpPool: { family: 'global-pool', word: 'global lp pool' },
  BatchNormalization: { family: 'norm', word: 'batch norm' },
  InstanceNormalization: { family: 'norm', word: 'instance norm' },
  LayerNormalization: { family: 'norm', word: 'layer norm' },
  GroupNormalization: { family: 'norm', word: 'group norm' },
  RMSNormalization: { family: 'norm', word: 'rms norm' },
  LRN: { family: 'norm', word: 'local response norm' },
  Relu: { family: 'act', word: 'relu' },
  LeakyRelu: { family: 'act', word: 'leaky relu' },
  PRelu: { family: 'act', word: 'prelu' },
  Elu: { family: 'act', word: 'elu' },
  Selu: { family: 'act', word: 'selu' },
  Celu: { family: 'act', word: 'celu' },
  Gelu: { family: 'act', word: 'gelu' },
  Sigmoid: { family: 'act', word: 'sigmoid' },
  HardSigmoid: { family: 'act', word: 'hard sigmoid' },
  HardSwish: { family: 'act', word: 'hard swish' },
  Swish: { family: 'act', word: 'swish' },
  Mish: { family: 'act', word: 'mish' },
  Tanh: { family: 'act', word: 'tanh' },
  Softplus: { family: 'act', word: 'softplus' },
  Softsign: { family: 'act', word: 'softsign' },
  Clip: { family: 'act', word: 'clip' },
  Softmax: { family: 'act', word: 'softmax' },
  LogSoftmax: { family: 'act', word: 'log softmax' },
  Add: { family: 'merge', word: 'add' },
  Sum: { family: 'merge', word: 'add' },
  Sub: { family: 'merge', word: 'subtract' },
  Mul: { family: 'merge', word: 'multiply' },
  Div: { family: 'merge', word: 'divide' },
  Max: { family: 'merge', word: 'max' },
  Min: { family: 'merge', word: 'min' },
  Mean: { family: 'merge', word: 'mean' },
  Concat: { family: 'merge', word: 'concat' },
  Flatten: { family: 'shape', word: 'flatten' },
  Reshape: { family: 'shape', word: 'reshape' },
  Transpose: { family: 'shape', word: 'transpose' },
  Squeeze: { family: 'shape', word: 'squeeze' },
  Unsqueeze: { family: 'shape', word: 'unsqueeze' },
  Slice: { family: 'shape', word: 'slice' },
  Split: { family: 'shape', word: 'split' },
  Gather: { family: 'shape', word: 'gather' },
  Pad: { family: 'shape', word: 'pad' },
  Expand: { family: 'shape', word: 'expand' },
  Tile: { family: 'shape', word: 'tile' },
  DepthToSpace: { family: 'shape', word: 'depth to space' },
  SpaceToDepth: { family: 'shape', word: 'space to depth' },
  Resize: { family: 'shape', word: 'upsample' },
  Upsample: { family: 'shape', word: 'upsample' },
  Cast: { family: 'passthrough', word: 'cast' },
  Identity: { family: 'passthrough', word: 'identity' },
  Dropout: { family: 'passthrough', word: 'dropout' },
  Constant: { family: 'static', word: 'constant' },
  ConstantOfShape: { family: 'static', word: 'constant' },
  Shape: { family: 'static', word: 'shape' },
  Size: { family: 'static', word: 'size' },
} as const satisfies Record<string, OpInfo>;

/** Unknown ops: their name split at case changes and lowercased (`GridSample` → `grid sample`). */
export function opInfo(op: string, domain: string): OpInfo {
  if (domain === '' || domain === 'ai.onnx') {
    const known = (OPS as Record<string, OpInfo>)[op];
    if (known) return known;
  }
  const word = op.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase();
  return { family: 'other', word };
}

/**
 * Types shared by the op table (table.ts) and the profiler (../profile.ts).
 * Pure: no I/O.
 */
import type { Attrs } from '../graph.ts';
import type { Dim, DType, Node, Shape } from '../ir.ts';

export type { Attrs };

/**
 * What inference knows about one value. `values` is present only for small tensors whose
 * contents are known statically (constants, Shape outputs and arithmetic on them): Reshape,
 * Slice, Expand... read their targets from it. A `values` entry is a `Dim` because a Shape
 * output over a symbolic dimension carries that symbol ('N') rather than a number.
 */
export interface InferValue {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly values?: readonly Dim[];
}

/** Broad families of ops; drives the cost convention (docs/PROFILE.md) and tests. */
export type OpCategory =
  | 'conv' // Conv, ConvTranspose and quantized variants: MACs
  | 'matmul' // Gemm, MatMul, Einsum and quantized variants: MACs
  | 'recurrent' // LSTM/GRU/RNN: MACs
  | 'norm' // BatchNorm, LayerNorm, InstanceNorm, GroupNorm, LRN
  | 'pool' // Max/Average/Lp pools, global pools
  | 'elementwise' // unary and broadcasting n-ary math, activations, comparisons
  | 'reduce' // Reduce*, ArgMax, Softmax, TopK, CumSum
  | 'layout' // reshapes, transposes, concat/split, gathers, pads, resize: data movement
  | 'shape' // Shape, Size, Constant, Range...: tiny metadata computations
  | 'quant' // (De)QuantizeLinear
  | 'control' // If, Loop, Scan
  | 'dynamic'; // data-dependent output shapes (NonZero, NMS, sequences)

export interface OpContext {
  readonly node: Node;
  /** Opset of the node's domain (ai.onnx opset for the default domain). */
  readonly opset: number;
  /** One entry per node input; null for an omitted optional input or a value inference never reached. */
  readonly inputs: readonly (InferValue | null)[];
  readonly attrs: Attrs;
}

/** Shape rule: one entry per node output, null where unknown. Must not throw on odd inputs. */
export type ShapeRule = (ctx: OpContext) => readonly (InferValue | null)[];

/** Arithmetic of one node. `macs`: multiply-accumulates of the linear core; `elementOps`: everything else. */
export interface Cost {
  readonly macs: number;
  readonly elementOps: number;
}

/** Cost rule; null when shapes are too unknown to count. Absent rule: zero cost. */
export type CostRule = (ctx: OpContext, outputs: readonly (InferValue | null)[]) => Cost | null;

/**
 * Which inputs the node's live outputs depend on: one flag per input. For ops where some inputs
 * feed only some outputs (training-mode BatchNormalization: the running statistics never reach
 * Y). Absent rule: every output depends on every input.
 */
export type InputUseRule = (ctx: Pick<OpContext, 'node' | 'opset' | 'attrs'>, liveOutputs: readonly boolean[]) => readonly boolean[];

export interface OpSpec {
  readonly category: OpCategory;
  readonly infer: ShapeRule;
  readonly cost?: CostRule;
  readonly inputUse?: InputUseRule;
}

/**
 * The typed graph IR: the one small object model the rest of the product reads.
 * Produced by `readModel` (reader.ts) from ONNX bytes; never holds large tensor payloads.
 */

/** Element types, named as numpy/onnxruntime name them. */
export type DType =
  | 'undefined'
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1'
  | 'float8e8m0'
  | 'uint2'
  | 'int2';

/** A dimension: a known size, a symbolic name, or unknown (null). */
export type Dim = number | string | null;

/** Shape of a value; `null` when even the rank is unknown. */
export type Shape = Dim[] | null;

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

export interface ValueInfo {
  readonly name: string;
  /** `null` for non-tensor types (sequence, map, optional) or a missing type. */
  readonly type: TensorType | null;
}

/** Where a tensor's payload lives. `stripped` is our convention for dropped weights (docs/FORMAT.md). */
export type TensorLocation = 'inline' | 'external' | 'stripped' | 'empty';

export interface Tensor {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly location: TensorLocation;
  /** External-data reference, present when location is `external` or `stripped`. */
  readonly external?: { readonly location: string; readonly offset?: number; readonly length?: number };
  /** Values, decoded only for small numeric tensors (shapes, axes, pads, scalars). */
  readonly values?: readonly number[];
}

export type AttributeValue =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'graph'; readonly value: Graph }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly kind: 'graphs'; readonly value: readonly Graph[] }
  | { readonly kind: 'sparse_tensor' }
  | { readonly kind: 'sparse_tensors' }
  | { readonly kind: 'type_proto' }
  | { readonly kind: 'type_protos' }
  | { readonly kind: 'ref'; readonly value: string };

export type AttributeKind = AttributeValue['kind'];

export interface Node {
  readonly name: string;
  readonly op: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Input value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Attributes in file order. */
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export interface Graph {
  readonly name: string;
  readonly nodes: readonly Node[];
  /** Graph inputs that are not initializers: the data the network is fed. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Intermediate value types declared in the file (`value_info`). */
  readonly valueInfo: ReadonlyMap<string, TensorType>;
}

export interface Model {
  readonly irVersion: number;
  /** Opset version per domain ('' = ai.onnx). */
  readonly opsetImports: ReadonlyMap<string, number>;
  readonly producer: { readonly name: string; readonly version: string };
  readonly graph: Graph;
  readonly metadata: ReadonlyMap<string, string>;
  /** Names of model-local functions (their bodies are not expanded). */
  readonly functions: readonly string[];
}

/** Element count of a fully known shape, or null. */
export function elementCount(dims: readonly Dim[] | null): number | null {
  if (dims === null) return null;
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

/** Opset of the default domain (ai.onnx), 1 when absent. */
export function defaultOpset(model: Model): number {
  return model.opsetImports.get('') ?? model.opsetImports.get('ai.onnx') ?? 1;
}

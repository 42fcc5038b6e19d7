/**
 * A small ONNX graph builder over the same `onnx-buf` schema the reader uses. The dataset
 * builders emit benchmark networks through it; tests build fixtures with it.
 *
 * Weights: `weights: 'random'` writes deterministic pseudo-random float payloads (runnable in
 * onnxruntime); `'stripped'` writes no payload and marks each float initializer as external data
 * at `STRIPPED_LOCATION` (docs/FORMAT.md) so files stay small; small integer tensors (shapes,
 * axes) are always written inline.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import type { Dim, DType } from './ir.ts';
import { mulberry32 } from '../random.ts';
import { dtypeCode, STRIPPED_LOCATION } from './reader.ts';

export type WeightMode = 'random' | 'zeros' | 'stripped';

export type AttrInput = number | string | readonly number[] | readonly string[] | { readonly float: number } | { readonly floats: readonly number[] };

export interface BuilderOptions {
  readonly weights?: WeightMode;
  readonly opset?: number;
  readonly seed?: number;
  readonly producer?: string;
  readonly graphName?: string;
}

function valueInfo(name: string, dtype: DType, shape: readonly Dim[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: dtypeCode(dtype),
          shape: create(TensorShapeProtoSchema, {
            dim: shape.map((d) => create(TensorShapeProto_DimensionSchema, {
              value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : typeof d === 'string' ? { case: 'dimParam', value: d } : { case: undefined },
            })),
          }),
        }),
      },
    }),
  });
}

function attribute(name: string, v: AttrInput): AttributeProto {
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? create(AttributeProtoSchema, { name, type: AT.INT, i: BigInt(v) })
      : create(AttributeProtoSchema, { name, type: AT.FLOAT, f: v });
  }
  if (typeof v === 'string') return create(AttributeProtoSchema, { name, type: AT.STRING, s: new TextEncoder().encode(v) });
  if ('float' in v) return create(AttributeProtoSchema, { name, type: AT.FLOAT, f: v.float });
  if ('floats' in v) return create(AttributeProtoSchema, { name, type: AT.FLOATS, floats: [...v.floats] });
  if (v.length > 0 && typeof v[0] === 'string') {
    return create(AttributeProtoSchema, { name, type: AT.STRINGS, strings: (v as readonly string[]).map((s) => new TextEncoder().encode(s)) });
  }
  return create(AttributeProtoSchema, { name, type: AT.INTS, ints: (v as readonly number[]).map((x) => BigInt(x)) });
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inits: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Map<string, number>();
  private readonly rand: () => number;
  readonly weights: WeightMode;
  readonly opset: number;

  constructor(private readonly options: BuilderOptions = {}) {
    this.weights = options.weights ?? 'stripped';
    this.opset = options.opset ?? 13;
    this.rand = mulberry32(options.seed ?? 0);
  }

  /** A fresh value name with the given prefix (`prefix`, `prefix_1`, ...). */
  fresh(prefix: string): string {
    const n = this.names.get(prefix) ?? 0;
    this.names.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }

  input(name: string, shape: readonly Dim[], dtype: DType = 'float32'): string {
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  output(name: string, shape: readonly Dim[], dtype: DType = 'float32'): void {
    this.outputs.push(valueInfo(name, dtype, shape));
  }

  /** A float weight: payload per the builder's weight mode (He-style scale for `random`). */
  weight(prefix: string, dims: readonly number[]): string {
    const name = this.fresh(prefix);
    const count = dims.reduce((a, b) => a * b, 1);
    const t = create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType: dtypeCode('float32') });
    if (this.weights === 'stripped') {
      t.dataLocation = TensorProto_DataLocation.EXTERNAL;
      t.externalData = [
        create(StringStringEntryProtoSchema, { key: 'location', value: STRIPPED_LOCATION }),
        create(StringStringEntryProtoSchema, { key: 'length', value: String(count * 4) }),
      ];
    } else {
      const data = new Float32Array(count);
      if (this.weights === 'random') {
        const fanIn = dims.length > 1 ? count / (dims[0] ?? 1) : count;
        const scale = Math.sqrt(2 / Math.max(1, fanIn));
        for (let i = 0; i < count; i++) data[i] = (this.rand() * 2 - 1) * scale;
      }
      t.rawData = new Uint8Array(data.buffer);
    }
    this.inits.push(t);
    return name;
  }

  /** A small int64 constant (shapes, axes), always inline. */
  int64(prefix: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(prefix);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.inits.push(create(TensorProtoSchema, {
      name, dims: dims.map((d) => BigInt(d)), dataType: dtypeCode('int64'), rawData: new Uint8Array(data.buffer),
    }));
    return name;
  }

  /** Adds a node; returns its output names (fresh names derived from `op` unless given). */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}, options: { outputs?: number | readonly string[]; name?: string; domain?: string } = {}): string[] {
    const outs = Array.isArray(options.outputs)
      ? [...(options.outputs as readonly string[])]
      : Array.from({ length: (options.outputs as number | undefined) ?? 1 }, () => this.fresh(`${op.toLowerCase()}_out`));
    this.nodes.push(create(NodeProtoSchema, {
      name: options.name ?? this.fresh(`/${op}`),
      opType: op,
      domain: options.domain ?? '',
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    }));
    return outs;
  }

  /** Single-output convenience over `node`. */
  op(op: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }

  toBytes(): Uint8Array {
    const model = create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: this.options.producer ?? 'onnx-predict',
      producerVersion: '0.1.0',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(this.opset) })],
      graph: create(GraphProtoSchema, {
        name: this.options.graphName ?? 'main_graph',
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return toBinary(ModelProtoSchema, model);
  }
}

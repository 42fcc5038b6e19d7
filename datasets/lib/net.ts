/**
 * `Net`: writes layers the way PyTorch's exporter emits them in eval mode, on top of
 * `GraphBuilder`. Conv+BatchNorm pairs are folded (the Conv gains a bias); node names follow the
 * exporter's `/<module path>/<Op>` scheme with `_output_0` values; weights are named after the
 * module parameter they stand for.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { GraphBuilder, type AttrInput, type WeightMode } from '../../src/onnx-to-text/writer.ts';

export interface ConvSpec {
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride?: number;
  readonly pad?: number;
  /** A BatchNorm folded into this conv: the Conv gets a bias of `cout` elements. */
  readonly bias: boolean;
}

/** Suffix the exporter uses for the running variance of a standalone BatchNorm. */
const RUNNING_VAR = '.running_var';

export class Net {
  readonly b: GraphBuilder;
  private readonly used = new Map<string, number>();

  constructor(options: { weights: WeightMode; seed: number; graphName: string }) {
    this.b = new GraphBuilder({ weights: options.weights, seed: options.seed, producer: 'pytorch', graphName: options.graphName });
  }

  /** Adds a node named `/<scope>/<op>` (deduplicated like the exporter: `_1`, `_2`...). */
  node(scope: string, op: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}): string {
    const base = scope ? `/${scope}/${op}` : `/${op}`;
    const n = this.used.get(base) ?? 0;
    this.used.set(base, n + 1);
    const name = n === 0 ? base : `${base}_${n}`;
    return this.b.node(op, inputs, attrs, { name, outputs: [`${name}_output_0`] })[0]!;
  }

  conv(scope: string, x: string, c: ConvSpec): string {
    const stride = c.stride ?? 1;
    const pad = c.pad ?? Math.floor(c.k / 2);
    const w = this.b.weight(`${scope}.weight`, [c.cout, c.cin, c.k, c.k]);
    const inputs = c.bias ? [x, w, this.b.weight(`${scope}.bias`, [c.cout])] : [x, w];
    return this.node(scope, 'Conv', inputs, {
      dilations: [1, 1], group: 1, kernel_shape: [c.k, c.k], pads: [pad, pad, pad, pad], strides: [stride, stride],
    });
  }

  relu(scope: string, x: string): string {
    return this.node(scope, 'Relu', [x]);
  }

  add(scope: string, a: string, b: string): string {
    return this.node(scope, 'Add', [a, b]);
  }

  /** Python `sum(terms)`: a left-associated Add chain (the exporter drops the leading `0 +`). */
  sum(scope: string, terms: readonly string[]): string {
    if (terms.length === 0) throw new RangeError('sum of no terms');
    let acc = terms[0]!;
    for (let i = 1; i < terms.length; i++) acc = this.add(scope, acc, terms[i]!);
    return acc;
  }

  /** Eval-mode BatchNorm that could not be folded (it does not follow a Conv). */
  batchNorm(scope: string, x: string, c: number): string {
    const p = (n: string) => this.b.weight(`${scope}.${n}`, [c]);
    return this.node(scope, 'BatchNormalization', [x, p('weight'), p('bias'), p('running_mean'), p(RUNNING_VAR.slice(1))], {
      epsilon: { float: 1e-5 }, momentum: { float: 0.9 },
    });
  }

  linear(scope: string, x: string, cin: number, cout: number): string {
    const w = this.b.weight(`${scope}.weight`, [cout, cin]);
    const bias = this.b.weight(`${scope}.bias`, [cout]);
    return this.node(scope, 'Gemm', [x, w, bias], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 });
  }

  /** Encodes the model; in 'random' mode running variances are made positive so outputs stay finite. */
  toBytes(): Uint8Array {
    const bytes = this.b.toBytes();
    if (this.b.weights !== 'random') return bytes;
    const model = fromBinary(ModelProtoSchema, bytes);
    let touched = false;
    for (const t of model.graph?.initializer ?? []) {
      if (!t.name.endsWith(RUNNING_VAR) || t.rawData.byteLength === 0) continue;
      const v = new Float32Array(t.rawData.slice().buffer);
      for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]!) + 0.5;
      t.rawData = new Uint8Array(v.buffer);
      touched = true;
    }
    return touched ? toBinary(ModelProtoSchema, create(ModelProtoSchema, model)) : bytes;
  }
}

/**
 * Which intermediate values each proxy reads, chosen on the IR with shapes inferred at batch 1.
 * Pure: no onnxruntime here.
 *   - activations: the *input* of every ReLU-like non-linearity (its sign is the ReLU code; for
 *     GELU, SiLU, HardSwish, ReLU6 ... the sign of the input is where they switch);
 *   - maps: every 4-D (1, C, H, W) float node output that depends on the model input (MeCo);
 *   - blocks: outputs of merge nodes (residual Add / Sum / Concat of two or more data paths, the
 *     outermost of a chain), 3-D or 4-D (AZ-style expressivity and progressivity).
 */
import type { DType, Graph, Node, TensorType } from '../onnx-to-text/ir.ts';
import { isFloat } from './runnable.ts';

export interface Tap {
  readonly name: string;
  readonly dtype: DType;
  /** Shape at batch 1. */
  readonly dims: readonly number[];
  readonly elements: number;
  /** Non-linearities reading this value (NASWOT counts each ReLU module, so a shared input counts that often). */
  readonly weight: number;
}

export interface TapPlan {
  readonly activations: readonly Tap[];
  readonly maps: readonly Tap[];
  readonly blocks: readonly Tap[];
  /** Conv/ConvTranspose/Gemm/MatMul/Einsum nodes with a constant weight input. */
  readonly trainableLayers: number;
}

const RELU_LIKE = new Set(['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'HardSwish', 'Mish', 'ThresholdedRelu', 'Shrink']);
const MERGE_OPS = new Set(['Add', 'Sum', 'Concat']);
const LINEAR_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Einsum', 'ConvInteger', 'MatMulInteger', 'QLinearConv', 'QLinearMatMul']);

function knownDims(t: TensorType | undefined): number[] | null {
  if (!t?.shape) return null;
  const out: number[] = [];
  for (const d of t.shape) {
    if (typeof d !== 'number' || d < 0) return null;
    out.push(d);
  }
  return out;
}

/** Values computed from a graph input (not from constants alone). */
export function dynamicValues(graph: Graph): Set<string> {
  const dyn = new Set(graph.inputs.map((i) => i.name));
  for (const n of graph.nodes) {
    if (n.inputs.some((i) => i !== '' && dyn.has(i))) for (const o of n.outputs) if (o !== '') dyn.add(o);
  }
  return dyn;
}

function constantValue(graph: Graph, producers: ReadonlyMap<string, Node>, name: string): number | undefined {
  const init = graph.initializers.get(name);
  if (init?.values?.length === 1) return init.values[0];
  const p = producers.get(name);
  if (p?.op === 'Constant') {
    const a = p.attributes.get('value') ?? p.attributes.get('value_float');
    if (a?.kind === 'float') return a.value;
    if (a?.kind === 'tensor' && a.value.values?.length === 1) return a.value.values[0];
  }
  return undefined;
}

export function planTaps(graph: Graph, shapes: ReadonlyMap<string, TensorType>): TapPlan {
  const dyn = dynamicValues(graph);
  const producers = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o !== '') producers.set(o, n);
    for (const i of n.inputs) if (i !== '') (consumers.get(i) ?? consumers.set(i, []).get(i)!).push(n);
  }
  const tap = (name: string): Tap | null => {
    if (!dyn.has(name)) return null;
    const t = shapes.get(name);
    const dims = knownDims(t);
    if (!t || !dims || !isFloat(t.dtype) || dims.length === 0) return null;
    const elements = dims.reduce((a, b) => a * b, 1);
    return elements > 0 ? { name, dtype: t.dtype, dims, elements, weight: 1 } : null;
  };

  const actNames: string[] = [];
  for (const n of graph.nodes) {
    const x = n.inputs[0];
    if (!x) continue;
    if (RELU_LIKE.has(n.op)) actNames.push(x);
    else if (n.op === 'Clip') {
      const minAttr = n.attributes.get('min');
      const min = minAttr?.kind === 'float' ? minAttr.value : n.inputs[1] ? constantValue(graph, producers, n.inputs[1]) : undefined;
      if (min === 0) actNames.push(x);
    } else if (n.op === 'Sigmoid' || n.op === 'HardSigmoid') {
      // x · sigmoid(x) (SiLU / Swish) and x · hardsigmoid(x) (HardSwish): a gate on its own input.
      const gated = (consumers.get(n.outputs[0] ?? '') ?? []).some((c) => c.op === 'Mul' && c.inputs.includes(x));
      if (gated) actNames.push(x);
    } else if (n.op === 'Erf') {
      // GELU exported as x · 0.5 · (1 + erf(x / √2)): the sign of x.
      const p = producers.get(x);
      actNames.push(p && (p.op === 'Div' || p.op === 'Mul') && p.inputs[0] ? p.inputs[0] : x);
    }
  }
  const multiplicity = new Map<string, number>();
  for (const name of actNames) multiplicity.set(name, (multiplicity.get(name) ?? 0) + 1);
  const activations: Tap[] = [];
  for (const [name, weight] of multiplicity) {
    const t = tap(name);
    if (t) activations.push({ ...t, weight });
  }

  const maps: Tap[] = [];
  const blocks: Tap[] = [];
  for (const n of graph.nodes) {
    const o = n.outputs[0];
    if (!o || n.op === 'Constant' || n.op === 'Identity') continue;
    const t = tap(o);
    if (!t) continue;
    if (t.dims.length === 4 && t.dims[0] === 1 && t.dims[2]! * t.dims[3]! >= 1) maps.push(t);
    if (MERGE_OPS.has(n.op) && (t.dims.length === 3 || t.dims.length === 4) && n.inputs.filter((i) => dyn.has(i)).length >= 2) {
      const users = consumers.get(o) ?? [];
      const outer = users.length > 0 && users.every((c) => c.op === n.op);
      if (!outer) blocks.push(t);
    }
  }

  let trainableLayers = 0;
  for (const n of graph.nodes) {
    if (!LINEAR_OPS.has(n.op)) continue;
    const constant = n.inputs.some((i, slot) => {
      if (i === '' || dyn.has(i)) return false;
      const init = graph.initializers.get(i) ?? (producers.get(i)?.op === 'Identity' ? graph.initializers.get(producers.get(i)!.inputs[0] ?? '') : undefined);
      return slot >= 1 && (init !== undefined ? init.dims.length >= 2 : producers.get(i)?.op === 'Constant');
    }) || (n.op === 'MatMul' && n.inputs[0] !== undefined && !dyn.has(n.inputs[0]));
    if (constant) trainableLayers++;
  }
  return { activations, maps, blocks: blocks.length >= 2 ? blocks : activations.filter((a) => a.dims.length >= 3), trainableLayers };
}

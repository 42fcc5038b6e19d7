/**
 * The op table: shape rule and cost rule per operator, keyed like `opCounts`
 * (`Op` for ai.onnx, `domain.Op` otherwise). Op knowledge lives here as data; profile.ts only
 * walks the graph. Opset differences (attribute vs input forms) are handled inside each rule by
 * accepting whichever form the node actually carries. Cost convention: docs/PROFILE.md.
 */
import type { Dim, DType, Shape } from '../ir.ts';
import { dtypeName } from '../reader.ts';
import { addDim, broadcast, countDim, divDim, countElements, inferMinusOne, isKnown, mulDim, normAxis, numel, prodDims } from './dims.ts';
import type { Cost, CostRule, InferValue, InputUseRule, OpCategory, OpContext, OpSpec, ShapeRule } from './types.ts';

/** Statically known values are kept only for tensors up to this many elements. */
export const MAX_CONST_ELEMENTS = 1024;

/**
 * Per-element cost weights of non-linear arithmetic, after onnx-tool (node.py constants), so
 * our `elementOps` is comparable with its MAC counts for the same ops.
 */
export const ELEMENT_WEIGHTS = {
  add: 1,
  mul: 1,
  cmp: 1,
  div: 2,
  sqrt: 4,
  sin: 14,
  exp: 16,
  log: 16,
  pow: 32,
} as const;
const W = ELEMENT_WEIGHTS;

// ---------------------------------------------------------------------------------------------
// Small helpers

const NONE: readonly (InferValue | null)[] = [null];

function val(dtype: DType, shape: Shape, values?: readonly Dim[]): InferValue {
  return values !== undefined && values.length <= MAX_CONST_ELEMENTS ? { dtype, shape, values } : { dtype, shape };
}

function input(ctx: OpContext, i: number): InferValue | null {
  return ctx.inputs[i] ?? null;
}

function outElements(outs: readonly (InferValue | null)[], i = 0): number | null {
  return countElements(outs[i]?.shape ?? null);
}

/** Numeric values of an input, or undefined when absent/omitted, null when present but unknown. */
function inputNumbers(ctx: OpContext, i: number): number[] | null | undefined {
  if ((ctx.node.inputs[i] ?? '') === '') return undefined;
  const v = ctx.inputs[i];
  if (!v || !v.values) return null;
  return v.values.every((x) => typeof x === 'number') ? (v.values as number[]) : null;
}

/** Length of a 1-D axes input whose values are unknown (the output rank still follows). */
function axesCount(ctx: OpContext, i: number): number | null {
  const s = input(ctx, i)?.shape;
  return s && s.length === 1 && typeof s[0] === 'number' ? s[0] : null;
}

/** Attribute form (older opsets) or input form (newer): whichever the node carries. */
function intsAttrOrInput(ctx: OpContext, attr: string, i: number): number[] | null | undefined {
  const a = ctx.attrs.ints(attr);
  if (a !== undefined) return [...a];
  return inputNumbers(ctx, i);
}

function asNumbers(values: readonly Dim[] | undefined): number[] | undefined {
  return values !== undefined && values.every((x) => typeof x === 'number') ? (values as number[]) : undefined;
}

/** Output i copies input j's type (and its values). */
function same(j = 0, outputs = 1): ShapeRule {
  return (ctx) => {
    const x = input(ctx, j);
    return Array.from({ length: Math.max(outputs, 1) }, (_, k) => (k === 0 ? x : null));
  };
}

const perOutput = (weight: number): CostRule => (_ctx, outs) => {
  const n = outElements(outs);
  return n === null ? null : { macs: 0, elementOps: n * weight };
};

const perInput = (weight: number): CostRule => (ctx, _outs) => {
  const n = countElements(input(ctx, 0)?.shape ?? null);
  return n === null ? null : { macs: 0, elementOps: n * weight };
};

// ---------------------------------------------------------------------------------------------
// Elementwise ops with value evaluation (shape arithmetic in torch exports runs through them)

type NumFn = (...xs: number[]) => number;
type DimFn = (...xs: Dim[]) => Dim;

/** Broadcasts input values to the output shape and applies `fn`; undefined when not computable. */
function evalBroadcast(inputs: readonly (InferValue | null)[], outShape: Shape, fn: DimFn): Dim[] | undefined {
  if (!isKnown(outShape)) return undefined;
  const total = numel(outShape)!;
  if (total > MAX_CONST_ELEMENTS) return undefined;
  const rank = outShape.length;
  const plans: { values: readonly Dim[]; strides: number[] }[] = [];
  for (const v of inputs) {
    if (!v || !v.values || !isKnown(v.shape) || v.values.length !== numel(v.shape)) return undefined;
    const s = v.shape;
    const strides = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let k = s.length - 1; k >= 0; k--) {
      const axis = rank - s.length + k;
      strides[axis] = s[k] === 1 ? 0 : acc;
      acc *= s[k]!;
    }
    plans.push({ values: v.values, strides });
  }
  const out: Dim[] = new Array<Dim>(total);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    const args = plans.map((p) => {
      let o = 0;
      for (let k = 0; k < rank; k++) o += idx[k]! * p.strides[k]!;
      return p.values[o] ?? null;
    });
    out[flat] = fn(...args);
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]! += 1;
      if (idx[k]! < outShape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Lifts a numeric function to Dims: any symbol/unknown argument gives null. */
function numeric(fn: NumFn): DimFn {
  return (...xs) => (xs.every((x) => typeof x === 'number') ? fn(...(xs as number[])) : null);
}

const isIntType = (t: DType): boolean => /^u?int/.test(t);

function binaryValueFn(op: string, dtype: DType): DimFn | undefined {
  const int = isIntType(dtype);
  switch (op) {
    case 'Add': case 'Sum': return (a, b) => addDim(a, b);
    case 'Mul': return (a, b) => mulDim(a, b);
    case 'Sub': return (a, b) => (b === 0 ? a : typeof a === 'number' && typeof b === 'number' ? a - b : a === b && a !== null ? 0 : null);
    case 'Div': return (a, b) => (typeof a === 'number' && typeof b === 'number' ? (b === 0 ? null : int ? Math.trunc(a / b) : a / b) : divDim(a, b));
    case 'Mod': return numeric((a, b) => (b === 0 ? NaN : a - Math.floor(a / b) * b));
    case 'Pow': return numeric((a, b) => a ** b);
    case 'Max': return numeric((a, b) => Math.max(a, b));
    case 'Min': return numeric((a, b) => Math.min(a, b));
    // A symbolic extent never equals a non-positive number: this settles torch's expand(-1) idiom.
    case 'Equal': return (a, b) => (a !== null && a === b ? 1 : typeof a === 'number' && typeof b === 'number' ? 0
      : (typeof a === 'string' && typeof b === 'number' && b <= 0) || (typeof b === 'string' && typeof a === 'number' && a <= 0) ? 0 : null);
    case 'Less': return numeric((a, b) => (a < b ? 1 : 0));
    case 'LessOrEqual': return numeric((a, b) => (a <= b ? 1 : 0));
    case 'Greater': return numeric((a, b) => (a > b ? 1 : 0));
    case 'GreaterOrEqual': return numeric((a, b) => (a >= b ? 1 : 0));
    case 'And': return numeric((a, b) => (a && b ? 1 : 0));
    case 'Or': return numeric((a, b) => (a || b ? 1 : 0));
    default: return undefined;
  }
}

const UNARY_VALUE_FNS: Readonly<Record<string, NumFn>> = {
  Neg: (a) => -a,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: Math.round,
  Sqrt: Math.sqrt,
  Reciprocal: (a) => 1 / a,
  Not: (a) => (a ? 0 : 1),
  Relu: (a) => Math.max(a, 0),
  Sign: Math.sign,
};

/**
 * Clip of known values (torch's "same" padding computes max(0, ...) through Clip); bounds from
 * inputs 1 and 2 (opset 11+) or the min/max attributes; an unknown bound leaves values unknown.
 */
function clipValues(ctx: OpContext, x: InferValue): Dim[] | undefined {
  if (!x.values) return undefined;
  const bound = (i: number, attr: string, def: number): number | null => {
    if (ctx.attrs.has(attr)) return ctx.attrs.float(attr, def);
    const v = inputNumbers(ctx, i);
    if (v === undefined) return def;
    return v !== null && v.length === 1 ? v[0]! : null;
  };
  const lo = bound(1, 'min', -Infinity);
  const hi = bound(2, 'max', Infinity);
  if (lo === null || hi === null) return undefined;
  return x.values.map((v) => (typeof v === 'number' ? Math.min(Math.max(v, lo), hi) : null));
}

/** Unary elementwise op: output type = input type (or `dtype`), cost per output element. */
function unary(weight: number, dtype?: DType): OpSpec {
  return {
    category: 'elementwise',
    infer: (ctx) => {
      const x = input(ctx, 0);
      if (!x) return NONE;
      // Identity forwards values as they are, symbols included (shape targets pass through it).
      if (ctx.node.op === 'Identity') return [val(x.dtype, x.shape, x.values)];
      if (ctx.node.op === 'Clip') return [val(x.dtype, x.shape, clipValues(ctx, x))];
      const fn = UNARY_VALUE_FNS[ctx.node.op];
      const f = fn ? numeric(fn) : undefined;
      const values = f && x.values ? x.values.map((v) => f(v)) : undefined;
      return [val(dtype ?? x.dtype, x.shape, values)];
    },
    cost: perOutput(weight),
  };
}

/** Broadcasting n-ary elementwise op; `dtype` fixes the output type (comparisons give bool). */
function nary(weight: number, dtype?: DType): OpSpec {
  return {
    category: 'elementwise',
    infer: (ctx) => {
      const xs = ctx.node.inputs.map((_, i) => input(ctx, i));
      const first = xs.find((x) => x !== null) ?? null;
      if (xs.length === 0 || xs.some((x) => x === null)) {
        return [first && xs.length === 1 ? first : dtype && first ? val(dtype, null) : first ? val(first.dtype, null) : null];
      }
      const shape = broadcast(xs.map((x) => x!.shape));
      const outType = dtype ?? first!.dtype;
      const fn = binaryValueFn(ctx.node.op, outType);
      let values: Dim[] | undefined;
      if (fn && xs.length >= 2) {
        values = evalBroadcast(xs.slice(0, 2), shape, fn);
        for (let i = 2; values && i < xs.length; i++) {
          values = evalBroadcast([val(outType, shape, values), xs[i]!], shape, fn);
        }
      }
      return [val(outType, shape, values)];
    },
    cost: (ctx, outs) => {
      const n = outElements(outs);
      return n === null ? null : { macs: 0, elementOps: n * weight * Math.max(1, ctx.node.inputs.length - 1) };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Convolution and pooling

function spatialOut(inDim: Dim, k: number, s: number, d: number, pb: number, pe: number, autoPad: string, ceil: boolean): Dim {
  const ek = (k - 1) * d + 1;
  if (typeof inDim !== 'number') {
    // Only size-preserving windows keep a symbolic extent.
    const preserving = s === 1 && ((autoPad.startsWith('SAME')) || (autoPad !== 'VALID' && pb + pe === ek - 1));
    return preserving ? inDim : null;
  }
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(inDim / s);
  if (autoPad === 'VALID') return ceil ? Math.ceil((inDim - ek + 1) / s) : Math.floor((inDim - ek) / s) + 1;
  const x = (inDim + pb + pe - ek) / s;
  let out = (ceil ? Math.ceil(x) : Math.floor(x)) + 1;
  // The last window must start inside the input or its left padding (PyTorch/onnxruntime rule).
  if (ceil && (out - 1) * s >= inDim + pb) out -= 1;
  return Math.max(out, 0);
}

interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly pads: readonly number[];
  readonly autoPad: string;
}

function windowOf(ctx: OpContext, nsp: number, kernel: readonly number[]): Window {
  const a = ctx.attrs;
  return {
    kernel,
    strides: a.ints('strides') ?? new Array<number>(nsp).fill(1),
    dilations: a.ints('dilations') ?? new Array<number>(nsp).fill(1),
    pads: a.ints('pads') ?? new Array<number>(2 * nsp).fill(0),
    autoPad: a.string('auto_pad', 'NOTSET'),
  };
}

function windowDims(xs: readonly Dim[], w: Window, ceil: boolean): Dim[] {
  const nsp = xs.length - 2;
  return Array.from({ length: nsp }, (_, i) =>
    spatialOut(xs[2 + i] ?? null, w.kernel[i] ?? 1, w.strides[i] ?? 1, w.dilations[i] ?? 1, w.pads[i] ?? 0, w.pads[i + nsp] ?? 0, w.autoPad, ceil));
}

/** Conv-family rule; `x`/`w` are input indices (they differ for QLinearConv). */
function convSpec(x: number, w: number, bias: number, outDtype?: (ctx: OpContext) => DType): OpSpec {
  return {
    category: 'conv',
    infer: (ctx) => {
      const X = input(ctx, x);
      const Wt = input(ctx, w);
      const xs = X?.shape ?? null;
      const ws = Wt?.shape ?? null;
      const dtype = outDtype ? outDtype(ctx) : (X?.dtype ?? 'float32');
      const rank = xs?.length ?? ws?.length;
      if (rank === undefined || rank < 3) return [val(dtype, null)];
      const nsp = rank - 2;
      const kernel = ctx.attrs.ints('kernel_shape') ?? (ws ? ws.slice(2).map((d) => (typeof d === 'number' ? d : NaN)) : null);
      const channels = ws ? (ws[0] ?? null) : null;
      if (!xs || !kernel || kernel.some((k) => Number.isNaN(k))) {
        return [val(dtype, [xs?.[0] ?? null, channels, ...new Array<Dim>(nsp).fill(null)])];
      }
      return [val(dtype, [xs[0] ?? null, channels, ...windowDims(xs, windowOf(ctx, nsp, kernel), false)])];
    },
    cost: (ctx, outs) => {
      const n = outElements(outs);
      const ws = input(ctx, w)?.shape ?? null;
      if (n === null || !isKnown(ws) || ws.length < 3) return null;
      // W is [M, C/group, k...]: each output element reads C/group × prod(k) inputs.
      const macs = n * numel(ws.slice(1))!;
      const hasBias = (ctx.node.inputs[bias] ?? '') !== '';
      return { macs, elementOps: hasBias ? n * W.add : 0 };
    },
  };
}

const convTranspose: OpSpec = {
  category: 'conv',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const ws = input(ctx, 1)?.shape ?? null;
    const xs = X?.shape ?? null;
    const dtype = X?.dtype ?? 'float32';
    const rank = xs?.length ?? ws?.length;
    if (rank === undefined || rank < 3) return [val(dtype, null)];
    const nsp = rank - 2;
    const group = ctx.attrs.int('group', 1);
    const channels = ws ? mulDim(ws[1] ?? null, group) : null;
    const kernel = ctx.attrs.ints('kernel_shape') ?? (isKnown(ws) ? ws.slice(2) : null);
    const outputShape = ctx.attrs.ints('output_shape');
    if (!xs || !kernel) return [val(dtype, [xs?.[0] ?? null, channels, ...new Array<Dim>(nsp).fill(null)])];
    const w = windowOf(ctx, nsp, kernel);
    const outPad = ctx.attrs.ints('output_padding') ?? new Array<number>(nsp).fill(0);
    const spatial = Array.from({ length: nsp }, (_, i): Dim => {
      if (outputShape) return outputShape[outputShape.length - nsp + i] ?? null;
      const inDim = xs[2 + i];
      if (typeof inDim !== 'number') return null;
      const s = w.strides[i] ?? 1;
      if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return inDim * s;
      const ek = ((kernel[i] ?? 1) - 1) * (w.dilations[i] ?? 1) + 1;
      const pads = w.autoPad === 'VALID' ? 0 : (w.pads[i] ?? 0) + (w.pads[i + nsp] ?? 0);
      return s * (inDim - 1) + (outPad[i] ?? 0) + ek - pads;
    });
    return [val(dtype, [xs[0] ?? null, channels, ...spatial])];
  },
  cost: (ctx, outs) => {
    const nIn = countElements(input(ctx, 0)?.shape ?? null);
    const ws = input(ctx, 1)?.shape ?? null;
    const nOut = outElements(outs);
    if (nIn === null || nOut === null || !isKnown(ws) || ws.length < 3) return null;
    // W is [C, M/group, k...]: each input element scatters into M/group × prod(k) outputs.
    const macs = nIn * numel(ws.slice(1))!;
    return { macs, elementOps: (ctx.node.inputs[2] ?? '') !== '' ? nOut * W.add : 0 };
  },
};

function poolSpec(weight: number, indices: boolean): OpSpec {
  return {
    category: 'pool',
    infer: (ctx) => {
      const X = input(ctx, 0);
      const xs = X?.shape ?? null;
      const kernel = ctx.attrs.ints('kernel_shape');
      const dtype = X?.dtype ?? 'float32';
      let shape: Shape = null;
      if (xs && xs.length >= 3) {
        shape = kernel
          ? [xs[0] ?? null, xs[1] ?? null, ...windowDims(xs, windowOf(ctx, xs.length - 2, kernel), ctx.attrs.int('ceil_mode', 0) === 1)]
          : [xs[0] ?? null, xs[1] ?? null, ...new Array<Dim>(xs.length - 2).fill(null)];
      }
      return indices ? [val(dtype, shape), val('int64', shape)] : [val(dtype, shape)];
    },
    cost: (ctx, outs) => {
      const n = outElements(outs);
      const kernel = ctx.attrs.ints('kernel_shape');
      if (n === null || !kernel) return null;
      return { macs: 0, elementOps: n * kernel.reduce((a, b) => a * b, 1) * weight };
    },
  };
}

function globalPool(weight: number): OpSpec {
  return {
    category: 'pool',
    infer: (ctx) => {
      const X = input(ctx, 0);
      if (!X) return NONE;
      const xs = X.shape;
      return [val(X.dtype, xs && xs.length >= 2 ? [xs[0] ?? null, xs[1] ?? null, ...new Array<Dim>(xs.length - 2).fill(1)] : null)];
    },
    cost: perInput(weight),
  };
}

// ---------------------------------------------------------------------------------------------
// Linear algebra

function matmulShape(a: Shape, b: Shape): Shape {
  if (!a || !b || a.length === 0 || b.length === 0) return null;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) return null;
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2] ?? null);
  if (b.length > 1) out.push(b2[b2.length - 1] ?? null);
  return out;
}

function matmulSpec(a: number, b: number, outDtype?: DType | ((ctx: OpContext) => DType)): OpSpec {
  return {
    category: 'matmul',
    infer: (ctx) => {
      const A = input(ctx, a);
      const B = input(ctx, b);
      const dtype = typeof outDtype === 'function' ? outDtype(ctx) : (outDtype ?? A?.dtype ?? B?.dtype ?? 'float32');
      return [val(dtype, matmulShape(A?.shape ?? null, B?.shape ?? null))];
    },
    cost: (ctx, outs) => {
      const n = outElements(outs);
      const as = input(ctx, a)?.shape ?? null;
      const k = as && as.length > 0 ? countDim(as[as.length - 1] ?? null) : null;
      return n === null || k === null ? null : { macs: n * k, elementOps: 0 };
    },
  };
}

const gemm: OpSpec = {
  category: 'matmul',
  infer: (ctx) => {
    const A = input(ctx, 0);
    const as = A?.shape ?? null;
    const bs = input(ctx, 1)?.shape ?? null;
    const m = as && as.length === 2 ? as[ctx.attrs.int('transA', 0) ? 1 : 0]! : null;
    const n = bs && bs.length === 2 ? bs[ctx.attrs.int('transB', 0) ? 0 : 1]! : null;
    return [val(A?.dtype ?? 'float32', [m, n])];
  },
  cost: (ctx, outs) => {
    const n = outElements(outs);
    const as = input(ctx, 0)?.shape ?? null;
    const k = as && as.length === 2 ? countDim(as[ctx.attrs.int('transA', 0) ? 0 : 1] ?? null) : null;
    if (n === null || k === null) return null;
    return { macs: n * k, elementOps: (ctx.node.inputs[2] ?? '') !== '' ? n * W.add : 0 };
  },
};

interface EinsumPlan {
  readonly out: Shape;
  readonly iterations: number | null;
}

/** Einsum: letters map to dims; '...' broadcasts. MACs = product of all index extents. */
function planEinsum(equation: string, shapes: readonly Shape[]): EinsumPlan {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhsRaw] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) return { out: null, iterations: null };
  const sizes = new Map<string, Dim>();
  const ellipses: Shape[] = [];
  const counts = new Map<string, number>();
  for (let t = 0; t < terms.length; t++) {
    const shape = shapes[t];
    const term = terms[t]!;
    const [pre, post] = term.includes('...') ? (term.split('...') as [string, string]) : [term, undefined];
    const letters = [...pre, ...(post ?? '')];
    for (const l of letters) counts.set(l, (counts.get(l) ?? 0) + 1);
    if (!shape) {
      for (const l of letters) if (!sizes.has(l)) sizes.set(l, null);
      ellipses.push(null);
      continue;
    }
    const ellRank = shape.length - letters.length;
    pre.split('').forEach((l, i) => { const d = shape[i] ?? null; if (!sizes.has(l) || sizes.get(l) === 1) sizes.set(l, d); });
    if (post !== undefined) {
      post.split('').forEach((l, i) => { const d = shape[pre.length + ellRank + i] ?? null; if (!sizes.has(l) || sizes.get(l) === 1) sizes.set(l, d); });
      ellipses.push(shape.slice(pre.length, pre.length + Math.max(ellRank, 0)));
    }
  }
  const ell = ellipses.length === 0 ? [] : broadcast(ellipses);
  const rhs = rhsRaw ?? ((eq.includes('...') ? '...' : '') + [...counts.keys()].filter((l) => counts.get(l) === 1 && l !== '.').sort().join(''));
  const out: Dim[] = [];
  const [rpre, rpost] = rhs.includes('...') ? (rhs.split('...') as [string, string]) : [rhs, undefined];
  for (const l of rpre) out.push(sizes.get(l) ?? null);
  if (rpost !== undefined) {
    if (!ell) return { out: null, iterations: null };
    out.push(...ell);
    for (const l of rpost) out.push(sizes.get(l) ?? null);
  }
  let iterations: number | null = ell ? countElements(ell) : null;
  for (const d of sizes.values()) { const c = countDim(d); iterations = iterations !== null && c !== null ? iterations * c : null; }
  return { out, iterations };
}

const einsum: OpSpec = {
  category: 'matmul',
  infer: (ctx) => {
    const xs = ctx.node.inputs.map((_, i) => input(ctx, i));
    const plan = planEinsum(ctx.attrs.string('equation', ''), xs.map((x) => x?.shape ?? null));
    return [val(xs[0]?.dtype ?? 'float32', plan.out)];
  },
  cost: (ctx, _outs) => {
    const plan = planEinsum(ctx.attrs.string('equation', ''), ctx.node.inputs.map((_, i) => input(ctx, i)?.shape ?? null));
    if (plan.iterations === null) return null;
    // A single operand only transposes/sums: no multiplies.
    return ctx.node.inputs.length >= 2 ? { macs: plan.iterations, elementOps: 0 } : { macs: 0, elementOps: plan.iterations };
  },
};

/** LSTM/GRU/RNN with `gates` gate matrices. */
function recurrent(gates: number, outputs: number): OpSpec {
  const dims = (ctx: OpContext) => {
    const xs = input(ctx, 0)?.shape ?? null;
    const ws = input(ctx, 1)?.shape ?? null;
    const rs = input(ctx, 2)?.shape ?? null;
    const layout = ctx.attrs.int('layout', 0);
    const dirs = ctx.attrs.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
    const hidden: Dim = ctx.attrs.has('hidden_size') ? ctx.attrs.int('hidden_size', 0) : (rs?.[2] ?? null);
    const seq: Dim = xs ? (xs[layout ? 1 : 0] ?? null) : null;
    const batch: Dim = xs ? (xs[layout ? 0 : 1] ?? null) : null;
    const inSize: Dim = ws?.[2] ?? xs?.[2] ?? null;
    return { layout, dirs, hidden, seq, batch, inSize };
  };
  return {
    category: 'recurrent',
    infer: (ctx) => {
      const { layout, dirs, hidden, seq, batch } = dims(ctx);
      const dtype = input(ctx, 0)?.dtype ?? 'float32';
      const y: Dim[] = layout ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
      const h: Dim[] = layout ? [batch, dirs, hidden] : [dirs, batch, hidden];
      return [val(dtype, y), val(dtype, h), val(dtype, h)].slice(0, outputs);
    },
    cost: (ctx, _outs) => {
      const { dirs, hidden, seq, batch, inSize } = dims(ctx);
      const f = [seq, batch, hidden, inSize].map(countDim);
      if (!f.every((d) => d !== null)) return null;
      const [s, b, h, i] = f as number[];
      const steps = s! * b! * dirs;
      return { macs: steps * gates * h! * (i! + h!), elementOps: steps * gates * h! * W.exp };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Normalisation

function normSpec(weightPerElement: number, statOutputs: (ctx: OpContext) => (InferValue | null)[] = () => []): OpSpec {
  return {
    category: 'norm',
    infer: (ctx) => [input(ctx, 0), ...statOutputs(ctx)],
    cost: perOutput(weightPerElement),
  };
}

const batchNormStats = (ctx: OpContext): (InferValue | null)[] => {
  const xs = input(ctx, 0)?.shape ?? null;
  const c = xs && xs.length >= 2 ? [xs[1] ?? null] : null;
  return [1, 2, 3, 4].map(() => val('float32', c));
};

/**
 * BatchNormalization in training mode (attribute `training_mode` from opset 14, more than one
 * output before) normalises X with its own batch statistics: Y reads X, scale and B only, and
 * input_mean/input_var feed the running-statistics outputs alone. timm's weight-standardised
 * convs export this way, with input_mean/var computed from a second, transposed copy of the
 * weight that must not count as parameters when those outputs are unused.
 */
const batchNormInputUse: InputUseRule = (ctx, liveOutputs) => {
  const training = ctx.opset >= 14 ? ctx.attrs.int('training_mode', 0) !== 0 : ctx.node.outputs.filter((o) => o !== '').length > 1;
  const stats = !training || liveOutputs.slice(1).some((x) => x);
  return ctx.node.inputs.map((_, k) => k < 3 || stats);
};

const layerNormStats = (ctx: OpContext): (InferValue | null)[] => {
  const xs = input(ctx, 0)?.shape ?? null;
  if (!xs) return [null, null];
  const axis = normAxis(ctx.attrs.int('axis', -1), xs.length);
  const s = axis === null ? null : xs.map((d, i) => (i >= axis ? 1 : d));
  return [val('float32', s), val('float32', s)];
};

// ---------------------------------------------------------------------------------------------
// Layout: reshape family

function reshapeTarget(xs: Shape, target: readonly Dim[], allowZero: boolean): Shape {
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (xs ? (xs[i] ?? null) : null) : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) out[minus] = xs ? inferMinusOne(xs, out) : null;
  return out;
}

const reshape: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const shapeAttr = ctx.attrs.ints('shape');
    const target: readonly Dim[] | undefined = shapeAttr ?? input(ctx, 1)?.values;
    let shape: Shape = null;
    if (target) shape = reshapeTarget(X.shape, target, ctx.attrs.int('allowzero', 0) === 1);
    else {
      const ts = input(ctx, 1)?.shape;
      if (ts && ts.length === 1 && typeof ts[0] === 'number') shape = new Array<Dim>(ts[0]).fill(null);
    }
    return [val(X.dtype, shape, X.values)];
  },
};

const flatten: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    if (!xs) return [val(X.dtype, [null, null], X.values)];
    const axis = ctx.attrs.int('axis', 1);
    const a = axis < 0 ? axis + xs.length : axis;
    return [val(X.dtype, [prodDims(xs.slice(0, a)), prodDims(xs.slice(a))], X.values)];
  },
};

const transpose: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    if (!xs) return [val(X.dtype, null)];
    const perm = ctx.attrs.ints('perm') ?? xs.map((_, i) => xs.length - 1 - i);
    const out = perm.map((p) => xs[p] ?? null);
    return [val(X.dtype, out, transposeValues(X, perm, out))];
  },
};

/** Row-major strides of a known shape. */
function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) st[k] = st[k + 1]! * shape[k + 1]!;
  return st;
}

/**
 * Values of a small transposed tensor (torch's computed Pad reverses a [n, 2] pads table with
 * Slice + Transpose before flattening it).
 */
function transposeValues(X: InferValue, perm: readonly number[], out: readonly Dim[]): Dim[] | undefined {
  const xs = X.shape;
  if (!X.values || !isKnown(xs) || !isKnown(out) || X.values.length !== numel(xs) || perm.length !== xs.length) return undefined;
  if (xs.length <= 1 || X.values.length === 1) return [...X.values];
  const inStrides = stridesOf(xs);
  const total = X.values.length;
  const res: Dim[] = new Array<Dim>(total);
  const idx = new Array<number>(out.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let o = 0;
    for (let k = 0; k < out.length; k++) o += idx[k]! * inStrides[perm[k]!]!;
    res[flat] = X.values[o] ?? null;
    for (let k = out.length - 1; k >= 0; k--) {
      idx[k]! += 1;
      if (idx[k]! < out[k]!) break;
      idx[k] = 0;
    }
  }
  return res;
}

const squeeze: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    const axes = intsAttrOrInput(ctx, 'axes', 1);
    if (!xs) return [val(X.dtype, null, X.values)];
    if (axes === null) {
      const count = axesCount(ctx, 1);
      return [val(X.dtype, count === null ? null : new Array<Dim>(Math.max(xs.length - count, 0)).fill(null), X.values)];
    }
    let drop: Set<number>;
    if (axes === undefined) {
      if (xs.some((d) => typeof d !== 'number')) return [val(X.dtype, null, X.values)];
      drop = new Set(xs.flatMap((d, i) => (d === 1 ? [i] : [])));
    } else drop = new Set(axes.map((a) => (a < 0 ? a + xs.length : a)));
    return [val(X.dtype, xs.filter((_, i) => !drop.has(i)), X.values)];
  },
};

const unsqueeze: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    const axes = intsAttrOrInput(ctx, 'axes', 1);
    if (!xs || !axes) {
      const count = axesCount(ctx, 1);
      return [val(X.dtype, xs && count !== null ? new Array<Dim>(xs.length + count).fill(null) : null, X.values)];
    }
    const rank = xs.length + axes.length;
    const ins = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(ins.has(i) ? 1 : (xs[j++] ?? null));
    return [val(X.dtype, out, X.values)];
  },
};

/** Concatenates known values along an axis (shape-vector Concat in torch exports). */
function concatValues(xs: readonly InferValue[], axis: number, out: Shape): Dim[] | undefined {
  if (!isKnown(out) || numel(out)! > MAX_CONST_ELEMENTS) return undefined;
  if (xs.some((x) => !x.values || !isKnown(x.shape))) return undefined;
  const outer = numel(out.slice(0, axis))!;
  const res: Dim[] = [];
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const s = x.shape as number[];
      const chunk = numel(s.slice(axis))!;
      res.push(...x.values!.slice(o * chunk, (o + 1) * chunk));
    }
  }
  return res;
}

const concat: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const xs = ctx.node.inputs.map((_, i) => input(ctx, i));
    const first = xs.find((x) => x !== null);
    if (!first) return NONE;
    const ranked = xs.find((x) => x?.shape);
    const rank = ranked?.shape?.length;
    if (rank === undefined || xs.some((x) => x === null)) return [val(first.dtype, rank === undefined ? null : new Array<Dim>(rank).fill(null))];
    const axis = normAxis(ctx.attrs.int('axis', 0), rank);
    if (axis === null) return [val(first.dtype, null)];
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      if (i === axis) {
        let acc: Dim = 0;
        for (const x of xs) acc = x!.shape ? addDim(acc, x!.shape[i] ?? null) : null;
        out.push(acc);
      } else {
        const dims = xs.map((x) => x!.shape?.[i] ?? null);
        out.push(dims.find((d) => typeof d === 'number') ?? dims.find((d) => d !== null) ?? null);
      }
    }
    return [val(first.dtype, out, concatValues(xs as InferValue[], axis, out))];
  },
};

const split: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const n = ctx.node.outputs.length;
    if (!X || !X.shape) return ctx.node.outputs.map(() => (X ? val(X.dtype, null) : null));
    const xs = X.shape;
    const axis = normAxis(ctx.attrs.int('axis', 0), xs.length);
    if (axis === null) return ctx.node.outputs.map(() => val(X.dtype, null));
    const total = xs[axis] ?? null;
    let sizes: (Dim)[] | null = intsAttrOrInput(ctx, 'split', 1) ?? null;
    if (sizes === null && (ctx.node.inputs[1] ?? '') !== '' && inputNumbers(ctx, 1) === null) sizes = new Array<Dim>(n).fill(null);
    if (sizes === null) {
      if (typeof total !== 'number') sizes = new Array<Dim>(n).fill(null);
      else {
        // opset 18 `num_outputs` allows an uneven last chunk: ceil-sized chunks, remainder last.
        const chunk = Math.ceil(total / n);
        sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, total - i * chunk)));
      }
    }
    return ctx.node.outputs.map((_, i) => val(X.dtype, xs.map((d, k) => (k === axis ? (sizes![i] ?? null) : d))));
  },
};

function sliceIndex(v: number, dim: number, step: number, isStart: boolean): number {
  let x = v < 0 ? v + dim : v;
  if (step > 0) x = Math.min(Math.max(x, 0), dim);
  else x = Math.min(Math.max(x, -1), dim - 1);
  void isStart;
  return x;
}

/** Values of a small sliced tensor, any rank: output index i on an axis reads first + i·step. */
function sliceValues(X: InferValue, first: readonly number[], step: readonly number[], out: readonly Dim[]): Dim[] | undefined {
  const xs = X.shape;
  if (!X.values || !isKnown(xs) || !isKnown(out) || X.values.length !== numel(xs)) return undefined;
  const total = numel(out)!;
  if (total > MAX_CONST_ELEMENTS) return undefined;
  const st = stridesOf(xs);
  const res: Dim[] = new Array<Dim>(total);
  const idx = new Array<number>(out.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let o = 0;
    for (let k = 0; k < out.length; k++) o += (first[k]! + idx[k]! * step[k]!) * st[k]!;
    res[flat] = X.values[o] ?? null;
    for (let k = out.length - 1; k >= 0; k--) {
      idx[k]! += 1;
      if (idx[k]! < out[k]!) break;
      idx[k] = 0;
    }
  }
  return res;
}

const slice: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    if (!xs) return [val(X.dtype, null)];
    const starts = intsAttrOrInput(ctx, 'starts', 1);
    const ends = intsAttrOrInput(ctx, 'ends', 2);
    const axes = intsAttrOrInput(ctx, 'axes', 3) ?? (starts ? starts.map((_, i) => i) : null);
    const steps = (ctx.attrs.has('starts') ? undefined : inputNumbers(ctx, 4)) ?? (starts ? starts.map(() => 1) : null);
    if (!starts || !ends || !axes || !steps) {
      // Without constant bounds only the sliced axes become unknown; the rest keep their dims.
      const known = axes ?? null;
      return [val(X.dtype, known ? xs.map((d, i) => (known.some((a) => normAxis(a, xs.length) === i) ? null : d)) : xs.map(() => null))];
    }
    const out: Dim[] = [...xs];
    // Per axis: first index and step of the kept elements (identity on unsliced axes).
    const first = xs.map(() => 0);
    const stride = xs.map(() => 1);
    for (let i = 0; i < axes.length; i++) {
      const axis = normAxis(axes[i]!, xs.length);
      if (axis === null) return [val(X.dtype, null)];
      const dim = xs[axis];
      const step = steps[i] ?? 1;
      if (typeof dim !== 'number' || step === 0) {
        // x[:] over a symbolic axis keeps the symbol.
        const full = starts[i] === 0 && step === 1 && (ends[i] ?? 0) >= Number.MAX_SAFE_INTEGER / 2;
        out[axis] = full ? dim ?? null : null;
        continue;
      }
      const s = sliceIndex(starts[i]!, dim, step, true);
      const e = sliceIndex(ends[i]!, dim, step, false);
      out[axis] = Math.max(0, Math.ceil((e - s) / step));
      first[axis] = s;
      stride[axis] = step;
    }
    return [val(X.dtype, out, sliceValues(X, first, stride, out))];
  },
};

const gather: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const I = input(ctx, 1);
    if (!X) return NONE;
    const xs = X.shape;
    const is = I?.shape ?? null;
    if (!xs || !is) return [val(X.dtype, null)];
    const axis = normAxis(ctx.attrs.int('axis', 0), xs.length);
    if (axis === null) return [val(X.dtype, null)];
    const out = [...xs.slice(0, axis), ...is, ...xs.slice(axis + 1)];
    let values: Dim[] | undefined;
    const idx = asNumbers(I?.values);
    if (X.values && idx && isKnown(xs) && numel(out) !== null && numel(out)! <= MAX_CONST_ELEMENTS) {
      const outer = numel(xs.slice(0, axis))!;
      const inner = numel(xs.slice(axis + 1))!;
      const dim = xs[axis]!;
      values = [];
      for (let o = 0; o < outer; o++) {
        for (const raw of idx) {
          const k = raw < 0 ? raw + dim : raw;
          for (let n = 0; n < inner; n++) values.push(X.values[o * dim * inner + k * inner + n] ?? null);
        }
      }
    }
    return [val(X.dtype, out, values)];
  },
};

const gatherND: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const is = input(ctx, 1)?.shape ?? null;
    const xs = X?.shape ?? null;
    if (!X) return NONE;
    const b = ctx.attrs.int('batch_dims', 0);
    const last = is?.[is.length - 1];
    if (!xs || !is || typeof last !== 'number') return [val(X.dtype, null)];
    return [val(X.dtype, [...is.slice(0, -1), ...xs.slice(b + last)])];
  },
};

const expand: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const target = input(ctx, 1)?.values;
    if (!target) {
      const ts = input(ctx, 1)?.shape;
      const n = ts && ts.length === 1 ? ts[0] : null;
      return [val(X.dtype, typeof n === 'number' && X.shape ? new Array<Dim>(Math.max(n, X.shape.length)).fill(null) : null)];
    }
    const shape = broadcast([X.shape, [...target]]);
    return [val(X.dtype, shape, evalBroadcast([X], shape, (a) => a))];
  },
};

const tile: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const reps = input(ctx, 1)?.values;
    if (!X.shape || !reps) return [val(X.dtype, X.shape ? X.shape.map(() => null) : null)];
    return [val(X.dtype, X.shape.map((d, i) => mulDim(d, reps[i] ?? null)))];
  },
};

const pad: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    const pads = ctx.attrs.ints('pads') ?? ctx.attrs.ints('paddings') ?? inputNumbers(ctx, 1);
    if (!xs || !pads) return [val(X.dtype, xs ? xs.map(() => null) : null)];
    const axes = (inputNumbers(ctx, 3) ?? xs.map((_, i) => i)).map((a) => (a < 0 ? a + xs.length : a));
    const out: Dim[] = [...xs];
    axes.forEach((a, i) => { out[a] = addDim(xs[a] ?? null, (pads[i] ?? 0) + (pads[i + axes.length] ?? 0)); });
    return [val(X.dtype, out)];
  },
};

const resize: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const xs = X.shape;
    if (!xs) return [val(X.dtype, null)];
    const axes = (ctx.attrs.ints('axes') ?? xs.map((_, i) => i)).map((a) => (a < 0 ? a + xs.length : a));
    const sizes = ctx.node.op === 'Resize' && ctx.node.inputs.length >= 4 ? inputNumbers(ctx, 3) : undefined;
    if (sizes && sizes.length === axes.length) {
      const out: Dim[] = [...xs];
      axes.forEach((a, i) => { out[a] = sizes[i]!; });
      return [val(X.dtype, out)];
    }
    // Resize opset 10 and Upsample opset 9: scales is input 1; Resize opset 11+: input 2.
    const scalesAt = ctx.node.op === 'Resize' && ctx.opset >= 11 ? 2 : 1;
    const scales = ctx.attrs.floats('scales') ?? inputNumbers(ctx, scalesAt);
    if (!scales || scales.length !== axes.length) return [val(X.dtype, xs.map(() => null))];
    const out: Dim[] = [...xs];
    axes.forEach((a, i) => {
      const d = xs[a] ?? null;
      const s = scales[i]!;
      out[a] = s === 1 ? d : typeof d === 'number' ? Math.floor(d * s + 1e-6) : null;
    });
    return [val(X.dtype, out)];
  },
  cost: (ctx, outs) => {
    const n = outElements(outs);
    if (n === null) return null;
    const mode = ctx.attrs.string('mode', 'nearest');
    return { macs: 0, elementOps: n * (mode.includes('cubic') ? 8 : mode.includes('linear') ? 4 : 0) };
  },
};

function depthSpace(toSpace: boolean): OpSpec {
  return {
    category: 'layout',
    infer: (ctx) => {
      const X = input(ctx, 0);
      if (!X) return NONE;
      const xs = X.shape;
      const b = ctx.attrs.int('blocksize', 1);
      if (!xs || xs.length !== 4) return [val(X.dtype, null)];
      const [n, c, h, w] = xs as [Dim, Dim, Dim, Dim];
      const div = (d: Dim, k: number): Dim => (typeof d === 'number' ? Math.floor(d / k) : k === 1 ? d : null);
      return [val(X.dtype, toSpace ? [n, div(c, b * b), mulDim(h, b), mulDim(w, b)] : [n, mulDim(c, b * b), div(h, b), div(w, b)])];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reductions

function reduceShape(xs: Shape, axes: readonly number[] | null | undefined, keep: boolean, noopEmpty: boolean, count: number | null = null): Shape {
  if (!xs) return null;
  if (axes === null) return keep ? xs.map(() => null) : count !== null && count > 0 ? new Array<Dim>(Math.max(xs.length - count, 0)).fill(null) : null;
  if (axes === undefined || axes.length === 0) {
    if (noopEmpty) return xs;
    return keep ? xs.map(() => 1) : [];
  }
  const red = new Set(axes.map((a) => (a < 0 ? a + xs.length : a)));
  return keep ? xs.map((d, i) => (red.has(i) ? 1 : d)) : xs.filter((_, i) => !red.has(i));
}

function reduceSpec(weight: number): OpSpec {
  return {
    category: 'reduce',
    infer: (ctx) => {
      const X = input(ctx, 0);
      if (!X) return NONE;
      const axes = intsAttrOrInput(ctx, 'axes', 1);
      const shape = reduceShape(X.shape, axes, ctx.attrs.int('keepdims', 1) === 1, ctx.attrs.int('noop_with_empty_axes', 0) === 1, axesCount(ctx, 1));
      let values: Dim[] | undefined;
      const nums = asNumbers(X.values);
      if (nums && numel(shape) === 1 && (ctx.node.op === 'ReduceProd' || ctx.node.op === 'ReduceSum')) {
        values = [ctx.node.op === 'ReduceProd' ? nums.reduce((a, b) => a * b, 1) : nums.reduce((a, b) => a + b, 0)];
      }
      return [val(X.dtype, shape, values)];
    },
    cost: perInput(weight),
  };
}

const argReduce: OpSpec = {
  category: 'reduce',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const axis = ctx.attrs.int('axis', 0);
    return [val('int64', reduceShape(X.shape, [axis], ctx.attrs.int('keepdims', 1) === 1, false))];
  },
  cost: perInput(W.cmp),
};

const topK: OpSpec = {
  category: 'reduce',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return [null, null];
    const xs = X.shape;
    const k: Dim = ctx.attrs.has('k') ? ctx.attrs.int('k', 1) : (input(ctx, 1)?.values?.[0] ?? null);
    if (!xs) return [val(X.dtype, null), val('int64', null)];
    const axis = normAxis(ctx.attrs.int('axis', -1), xs.length);
    const shape = xs.map((d, i) => (i === axis ? k : d));
    return [val(X.dtype, shape), val('int64', shape)];
  },
  cost: perInput(W.cmp),
};

// ---------------------------------------------------------------------------------------------
// Shape / constant ops

function tensorValue(t: { dtype: DType; dims: readonly number[]; values?: readonly number[] }): InferValue {
  return val(t.dtype, [...t.dims], t.values);
}

const constant: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const a = ctx.attrs;
    const t = a.raw('value');
    if (t?.kind === 'tensor') return [tensorValue(t.value)];
    if (a.has('value_float')) return [val('float32', [], [a.float('value_float', 0)])];
    if (a.has('value_int')) return [val('int64', [], [a.int('value_int', 0)])];
    const fs = a.floats('value_floats');
    if (fs) return [val('float32', [fs.length], fs)];
    const is = a.ints('value_ints');
    if (is) return [val('int64', [is.length], is)];
    if (a.has('value_string')) return [val('string', [])];
    const ss = a.raw('value_strings');
    if (ss?.kind === 'strings') return [val('string', [ss.value.length])];
    return NONE;
  },
};

const shapeOp: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const xs = input(ctx, 0)?.shape ?? null;
    if (!xs) return [val('int64', [null])];
    const r = xs.length;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const start = clamp(ctx.attrs.int('start', 0));
    const end = ctx.attrs.has('end') ? clamp(ctx.attrs.int('end', r)) : r;
    const dims = xs.slice(start, Math.max(start, end));
    return [val('int64', [dims.length], dims)];
  },
};

const sizeOp: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const xs = input(ctx, 0)?.shape ?? null;
    const n = xs ? prodDims(xs) : null;
    return [val('int64', [], n === null ? undefined : [n])];
  },
};

const constantOfShape: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const v = ctx.attrs.raw('value');
    const dtype: DType = v?.kind === 'tensor' ? v.value.dtype : 'float32';
    const fill = v?.kind === 'tensor' ? (v.value.values?.[0] ?? 0) : 0;
    const target = input(ctx, 0)?.values;
    if (!target) {
      const ts = input(ctx, 0)?.shape;
      const n = ts && ts.length === 1 ? ts[0] : null;
      return [val(dtype, typeof n === 'number' ? new Array<Dim>(n).fill(null) : null)];
    }
    const shape = [...target];
    const n = numel(shape);
    return [val(dtype, shape, n !== null && n <= MAX_CONST_ELEMENTS ? new Array<Dim>(n).fill(fill) : undefined)];
  },
};

const range: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const [s, l, d] = [0, 1, 2].map((i) => input(ctx, i)?.values?.[0]);
    const dtype = input(ctx, 0)?.dtype ?? 'int64';
    if (typeof s !== 'number' || typeof l !== 'number' || typeof d !== 'number' || d === 0) return [val(dtype, [null])];
    const n = Math.max(Math.ceil((l - s) / d), 0);
    return [val(dtype, [n], n <= MAX_CONST_ELEMENTS ? Array.from({ length: n }, (_, i) => s + i * d) : undefined)];
  },
};

const cast: OpSpec = {
  category: 'elementwise',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const to = ctx.node.op === 'CastLike' ? (input(ctx, 1)?.dtype ?? 'undefined') : dtypeName(ctx.attrs.int('to', 0));
    if (!X) return [val(to, null)];
    const values = X.values && (isIntType(to) || to === 'bool')
      ? X.values.map((v) => (typeof v === 'number' ? (to === 'bool' ? (v ? 1 : 0) : Math.trunc(v)) : v))
      : X.values;
    return [val(to, X.shape, values)];
  },
};

const where: OpSpec = {
  category: 'elementwise',
  infer: (ctx) => {
    const xs = [0, 1, 2].map((i) => input(ctx, i));
    const dtype = xs[1]?.dtype ?? xs[2]?.dtype ?? 'float32';
    if (xs.some((x) => x === null)) return [val(dtype, null)];
    const shape = broadcast(xs.map((x) => x!.shape));
    return [val(dtype, shape, evalBroadcast(xs, shape, (c, a, b) => (c === null ? null : c ? a : b)))];
  },
  cost: perOutput(W.cmp),
};

// ---------------------------------------------------------------------------------------------
// Quantisation

const quantize: OpSpec = {
  category: 'quant',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const attrType = ctx.attrs.has('output_dtype') ? dtypeName(ctx.attrs.int('output_dtype', 2)) : undefined;
    const dtype = attrType ?? input(ctx, 2)?.dtype ?? 'uint8';
    return [X ? val(dtype, X.shape) : null];
  },
  cost: perOutput(W.div + W.add),
};

const dequantize: OpSpec = {
  category: 'quant',
  infer: (ctx) => {
    const X = input(ctx, 0);
    return [X ? val(input(ctx, 1)?.dtype ?? 'float32', X.shape) : null];
  },
  cost: perOutput(W.add + W.mul),
};

const dynamicQuantize: OpSpec = {
  category: 'quant',
  infer: (ctx) => {
    const X = input(ctx, 0);
    return [X ? val('uint8', X.shape) : null, val('float32', []), val('uint8', [])];
  },
  cost: perOutput(W.div + W.add),
};

// ---------------------------------------------------------------------------------------------
// Data-dependent and control-flow ops: known, but their output extents are not static.

function dynamic(shapes: (ctx: OpContext) => readonly (InferValue | null)[]): OpSpec {
  return { category: 'dynamic', infer: shapes };
}

const unknownOutputs: ShapeRule = (ctx) => ctx.node.outputs.map(() => null);

const ifOp: OpSpec = {
  category: 'control',
  infer: (ctx) => {
    // Both branches must declare the same output types for the result to be static.
    const [a, b] = ['then_branch', 'else_branch'].map((n) => { const g = ctx.attrs.raw(n); return g?.kind === 'graph' ? g.value : undefined; });
    return ctx.node.outputs.map((_, i) => {
      const ta = a?.outputs[i]?.type;
      const tb = b?.outputs[i]?.type;
      if (!ta || !tb || JSON.stringify(ta) !== JSON.stringify(tb)) return ta ? val(ta.dtype, null) : null;
      return val(ta.dtype, ta.shape);
    });
  },
};

const loopOp: OpSpec = {
  category: 'control',
  infer: (ctx) => {
    // Loop-carried values keep the types of their initial values (inputs 2..).
    const carried = ctx.node.inputs.length - 2;
    return ctx.node.outputs.map((_, i) => (i < carried ? input(ctx, i + 2) : null));
  },
};

// ---------------------------------------------------------------------------------------------
// Misc shape rules

const oneHot: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const is = input(ctx, 0)?.shape ?? null;
    const depth = input(ctx, 1)?.values?.[0] ?? null;
    const dtype = input(ctx, 2)?.dtype ?? 'float32';
    if (!is) return [val(dtype, null)];
    const r = is.length + 1;
    const axis = normAxis(ctx.attrs.int('axis', -1), r) ?? r - 1;
    const out = [...is];
    out.splice(axis, 0, typeof depth === 'number' ? Math.trunc(depth) : depth);
    return [val(dtype, out)];
  },
};

const randomOf: OpSpec = {
  category: 'shape',
  infer: (ctx) => [val(dtypeName(ctx.attrs.int('dtype', 1)), ctx.attrs.ints('shape') ? [...ctx.attrs.ints('shape')!] : null)],
};

const randomLike: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const X = input(ctx, 0);
    return [X ? val(ctx.attrs.has('dtype') ? dtypeName(ctx.attrs.int('dtype', 1)) : X.dtype, X.shape) : null];
  },
};

const roiAlign: OpSpec = {
  category: 'pool',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const rs = input(ctx, 1)?.shape ?? null;
    const c = X?.shape?.[1] ?? null;
    const pooled = ctx.attrs.ints('pooled_shape');
    const h = pooled ? pooled[0]! : ctx.attrs.int('output_height', 1);
    const w = pooled ? pooled[1]! : ctx.attrs.int('output_width', 1);
    return [val(X?.dtype ?? 'float32', [rs?.[0] ?? null, c, h, w])];
  },
};

const gridSample: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const gs = input(ctx, 1)?.shape ?? null;
    const xs = X?.shape ?? null;
    if (!X || !xs || !gs) return [X ? val(X.dtype, null) : null];
    return [val(X.dtype, [xs[0] ?? null, xs[1] ?? null, ...gs.slice(1, -1)])];
  },
  cost: perOutput(4),
};

const maxUnpool: OpSpec = {
  category: 'pool',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X) return NONE;
    const explicit = inputNumbers(ctx, 2);
    if (explicit) return [val(X.dtype, [...explicit])];
    if (explicit === null) return [val(X.dtype, X.shape ? X.shape.map(() => null) : null)];
    const xs = X.shape;
    const kernel = ctx.attrs.ints('kernel_shape');
    if (!xs || !kernel) return [val(X.dtype, null)];
    const w = windowOf(ctx, xs.length - 2, kernel);
    const nsp = xs.length - 2;
    return [val(X.dtype, [xs[0] ?? null, xs[1] ?? null, ...xs.slice(2).map((d, i) =>
      (typeof d === 'number' ? (d - 1) * (w.strides[i] ?? 1) + (kernel[i] ?? 1) - (w.pads[i] ?? 0) - (w.pads[i + nsp] ?? 0) : null))])];
  },
};

const det: OpSpec = {
  category: 'matmul',
  infer: (ctx) => {
    const X = input(ctx, 0);
    return [X ? val(X.dtype, X.shape ? X.shape.slice(0, -2) : null) : null];
  },
};

const sameType = (category: OpCategory, outputs = 1, cost?: CostRule): OpSpec => ({ category, infer: same(0, outputs), ...(cost ? { cost } : {}) });

const dropout: OpSpec = {
  category: 'elementwise',
  infer: (ctx) => {
    const X = input(ctx, 0);
    return [X, X ? val('bool', X.shape) : null];
  },
};

const gatherElements: OpSpec = {
  category: 'layout',
  infer: (ctx) => {
    const X = input(ctx, 0);
    const I = input(ctx, 1);
    return [X ? val(X.dtype, I?.shape ?? null) : null];
  },
};

function countNull(xs: Shape): Dim {
  return xs ? numel(xs) : null;
}

/** Loss ops: scalar unless reduction is 'none', then the target's shape. */
function lossSpec(extraLogProb: boolean): OpSpec {
  return {
    category: 'reduce',
    infer: (ctx) => {
      const X = input(ctx, 0);
      const T = input(ctx, 1);
      const dtype = X?.dtype ?? 'float32';
      const loss = ctx.attrs.string('reduction', 'mean') === 'none' ? val(dtype, T?.shape ?? null) : val(dtype, []);
      return extraLogProb ? [loss, X ? val(dtype, X.shape) : null] : [loss];
    },
    cost: perInput(W.exp + W.log + W.add),
  };
}

const windowOp: OpSpec = {
  category: 'shape',
  infer: (ctx) => {
    const n = input(ctx, 0)?.values?.[0];
    return [val(dtypeName(ctx.attrs.int('output_datatype', 1)), [typeof n === 'number' ? n : null])];
  },
};

/** Training optimisers (ai.onnx.preview.training): output k updates input 2 + k. */
const optimizer: OpSpec = {
  category: 'elementwise',
  infer: (ctx) => ctx.node.outputs.map((_, k) => input(ctx, 2 + k)),
  cost: perInput(4),
};

const tfIdf: OpSpec = {
  category: 'dynamic',
  infer: (ctx) => {
    const xs = input(ctx, 0)?.shape ?? null;
    const idx = ctx.attrs.ints('ngram_indexes') ?? [];
    const width = idx.length === 0 ? null : Math.max(...idx) + 1;
    return [val('float32', xs === null ? null : xs.length === 2 ? [xs[0] ?? null, width] : [width])];
  },
};

const stringNormalizer: OpSpec = {
  category: 'dynamic',
  infer: (ctx) => {
    const X = input(ctx, 0);
    // Stopword removal changes the length; without stopwords the shape is unchanged.
    if (!X || !X.shape) return [val('string', null)];
    return [val('string', ctx.attrs.has('stopwords') ? [...X.shape.slice(0, -1), null] : X.shape)];
  },
};

const scanOp: OpSpec = {
  category: 'control',
  infer: (ctx) => {
    const body = ctx.attrs.raw('body');
    const m = ctx.attrs.int('num_scan_inputs', 0);
    // Scan-8 carries an optional sequence_lens input first; Scan-9+ does not.
    const first = ctx.opset < 9 ? 1 : 0;
    const nState = ctx.node.inputs.length - first - m;
    const scanIn = input(ctx, first + nState);
    const axis0 = ctx.attrs.ints('scan_input_axes')?.[0] ?? 0;
    const seq: Dim = scanIn?.shape ? (scanIn.shape[ctx.opset < 9 ? 1 : normAxis(axis0, scanIn.shape.length) ?? 0] ?? null) : null;
    return ctx.node.outputs.map((_, k) => {
      if (k < nState) return input(ctx, first + k);
      const t = body?.kind === 'graph' ? body.value.outputs[k]?.type : undefined;
      if (!t) return null;
      return val(t.dtype, t.shape ? (ctx.opset < 9 ? [scanIn?.shape?.[0] ?? null, seq, ...t.shape] : [seq, ...t.shape]) : null);
    });
  },
};

const compress: OpSpec = {
  category: 'dynamic',
  infer: (ctx) => {
    const X = input(ctx, 0);
    if (!X || !X.shape) return [X ? val(X.dtype, null) : null];
    const axis = ctx.attrs.has('axis') ? normAxis(ctx.attrs.int('axis', 0), X.shape.length) : null;
    return [val(X.dtype, axis === null ? [null] : X.shape.map((d, i) => (i === axis ? null : d)))];
  },
};

// ---------------------------------------------------------------------------------------------
// The table

const unaryOps = {
  Relu: unary(W.cmp), LeakyRelu: unary(W.mul + W.cmp), PRelu: nary(W.mul + W.cmp), Elu: unary(W.exp), Selu: unary(W.exp + W.mul),
  Celu: unary(W.exp), ThresholdedRelu: unary(W.cmp), Sigmoid: unary(W.exp), HardSigmoid: unary(W.mul + W.add + 2 * W.cmp),
  HardSwish: unary(W.mul + W.add + 2 * W.cmp + W.mul), Tanh: unary(2 * W.exp), Softplus: unary(W.exp + W.log), Softsign: unary(W.div + W.add),
  Swish: unary(W.exp + W.mul + W.div), Mish: unary(W.exp + W.log + 2 * W.exp), Gelu: unary(W.exp + 3 * W.mul), Erf: unary(W.exp), Exp: unary(W.exp), Log: unary(W.log),
  Sqrt: unary(W.sqrt), Reciprocal: unary(W.div), Neg: unary(W.cmp), Abs: unary(W.cmp), Floor: unary(W.cmp), Ceil: unary(W.cmp),
  Round: unary(W.cmp), Sign: unary(W.cmp), Sin: unary(W.sin), Cos: unary(W.sin), Tan: unary(W.sin), Asin: unary(W.sin), Acos: unary(W.sin),
  Atan: unary(W.sin), Sinh: unary(W.exp), Cosh: unary(W.exp), Asinh: unary(W.exp), Acosh: unary(W.exp), Atanh: unary(W.exp),
  Not: unary(W.cmp, 'bool'), IsNaN: unary(W.cmp, 'bool'), IsInf: unary(W.cmp, 'bool'), BitwiseNot: unary(W.cmp), Shrink: unary(W.cmp),
  Clip: unary(2 * W.cmp), Identity: unary(0), ImageScaler: unary(W.add + W.mul),
} satisfies Record<string, OpSpec>;

const binaryOps = {
  Add: nary(W.add), Sub: nary(W.add), Mul: nary(W.mul), Div: nary(W.div), Pow: nary(W.pow), Mod: nary(W.div), Max: nary(W.cmp),
  Min: nary(W.cmp), Sum: nary(W.add), Mean: nary(W.add), BitShift: nary(W.cmp), BitwiseAnd: nary(W.cmp), BitwiseOr: nary(W.cmp),
  BitwiseXor: nary(W.cmp), And: nary(W.cmp, 'bool'), Or: nary(W.cmp, 'bool'), Xor: nary(W.cmp, 'bool'), Equal: nary(W.cmp, 'bool'),
  Less: nary(W.cmp, 'bool'), LessOrEqual: nary(W.cmp, 'bool'), Greater: nary(W.cmp, 'bool'), GreaterOrEqual: nary(W.cmp, 'bool'),
} satisfies Record<string, OpSpec>;

export const OP_TABLE = {
  ...unaryOps,
  ...binaryOps,
  Where: where,
  Cast: cast,
  CastLike: cast,
  Dropout: dropout,

  Conv: convSpec(0, 1, 2),
  ConvInteger: convSpec(0, 1, -1, () => 'int32'),
  QLinearConv: convSpec(0, 3, 8, (ctx) => input(ctx, 7)?.dtype ?? 'uint8'),
  ConvTranspose: convTranspose,

  MaxPool: poolSpec(W.cmp, true),
  AveragePool: poolSpec(W.add, false),
  LpPool: poolSpec(W.mul + W.add, false),
  GlobalAveragePool: globalPool(W.add),
  GlobalMaxPool: globalPool(W.cmp),
  GlobalLpPool: globalPool(W.mul + W.add),
  MaxRoiPool: roiAlign,
  RoiAlign: roiAlign,
  MaxUnpool: maxUnpool,

  Gemm: gemm,
  MatMul: matmulSpec(0, 1),
  MatMulInteger: matmulSpec(0, 1, 'int32'),
  QLinearMatMul: matmulSpec(0, 3, (ctx) => input(ctx, 7)?.dtype ?? 'uint8'),
  Einsum: einsum,
  Det: det,
  LSTM: recurrent(4, 3),
  GRU: recurrent(3, 2),
  RNN: recurrent(1, 2),

  // Norms: per element roughly (x - mean) * scale + shift, plus statistics for the non-BN ones.
  BatchNormalization: { ...normSpec(W.mul + W.add, (ctx) => (ctx.node.outputs.length > 1 ? batchNormStats(ctx) : [])), inputUse: batchNormInputUse },
  LayerNormalization: normSpec(3 * W.add + W.mul + W.div + W.mul + W.add, layerNormStats),
  InstanceNormalization: normSpec(3 * W.add + W.mul + W.div),
  GroupNormalization: normSpec(3 * W.add + W.mul + W.div + W.mul + W.add),
  MeanVarianceNormalization: normSpec(3 * W.add + W.mul + W.div),
  LpNormalization: normSpec(W.mul + W.add + W.div),
  RMSNormalization: normSpec(W.mul + W.add + W.sqrt + W.div + W.mul),
  LRN: { category: 'norm', infer: same(), cost: (ctx, outs) => { const n = outElements(outs); return n === null ? null : { macs: 0, elementOps: n * (W.div + W.exp + W.add + ctx.attrs.int('size', 1) * W.mul) }; } },

  Softmax: sameType('reduce', 1, perOutput(W.exp + W.div)),
  LogSoftmax: sameType('reduce', 1, perOutput(W.exp + W.log)),
  Hardmax: sameType('reduce', 1, perOutput(W.cmp)),
  CumSum: sameType('reduce', 1, perOutput(W.add)),
  ReduceSum: reduceSpec(W.add), ReduceMean: reduceSpec(W.add), ReduceMax: reduceSpec(W.cmp), ReduceMin: reduceSpec(W.cmp),
  ReduceProd: reduceSpec(W.mul), ReduceL1: reduceSpec(W.add), ReduceL2: reduceSpec(W.mul + W.add), ReduceLogSum: reduceSpec(W.add),
  ReduceLogSumExp: reduceSpec(W.exp + W.add), ReduceSumSquare: reduceSpec(W.mul + W.add),
  ArgMax: argReduce, ArgMin: argReduce,
  TopK: topK,

  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterND: sameType('layout'),
  ScatterElements: sameType('layout'),
  Scatter: sameType('layout'),
  Expand: expand,
  Tile: tile,
  Pad: pad,
  Resize: resize,
  Upsample: resize,
  DepthToSpace: depthSpace(true),
  SpaceToDepth: depthSpace(false),
  OneHot: oneHot,
  Trilu: sameType('layout'),
  ReverseSequence: sameType('layout'),
  GridSample: gridSample,
  EyeLike: randomLike,

  Shape: shapeOp,
  Size: sizeOp,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  RandomNormal: randomOf,
  RandomUniform: randomOf,
  RandomNormalLike: randomLike,
  RandomUniformLike: randomLike,
  Bernoulli: randomLike,
  Multinomial: dynamic((ctx) => [val('int32', [input(ctx, 0)?.shape?.[0] ?? null, ctx.attrs.int('sample_size', 1)])]),

  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DynamicQuantizeLinear: dynamicQuantize,

  NonZero: dynamic((ctx) => [val('int64', [input(ctx, 0)?.shape?.length ?? null, null])]),
  NonMaxSuppression: dynamic(() => [val('int64', [null, 3])]),
  Unique: dynamic((ctx) => {
    const X = input(ctx, 0);
    const xs = X?.shape ?? null;
    const axis = ctx.attrs.has('axis') && xs ? normAxis(ctx.attrs.int('axis', 0), xs.length) : null;
    const y = axis !== null && xs ? xs.map((d, i) => (i === axis ? null : d)) : [null];
    return [X ? val(X.dtype, y) : null, val('int64', [null]), val('int64', [axis !== null && xs ? (xs[axis] ?? null) : countNull(xs)]), val('int64', [null])];
  }),
  Compress: compress,
  StringNormalizer: stringNormalizer,
  SequenceConstruct: dynamic(unknownOutputs), SequenceEmpty: dynamic(unknownOutputs), SequenceInsert: dynamic(unknownOutputs),
  SequenceAt: dynamic(unknownOutputs), SequenceErase: dynamic(unknownOutputs), SequenceLength: dynamic(() => [val('int64', [])]),
  SplitToSequence: dynamic(unknownOutputs), ConcatFromSequence: dynamic(unknownOutputs), SequenceMap: dynamic(unknownOutputs),
  Optional: dynamic(unknownOutputs), OptionalGetElement: dynamic(unknownOutputs), OptionalHasElement: dynamic(() => [val('bool', [])]),

  If: ifOp,
  Loop: loopOp,
  Scan: scanOp,

  NegativeLogLikelihoodLoss: lossSpec(false),
  SoftmaxCrossEntropyLoss: lossSpec(true),
  BlackmanWindow: windowOp,
  HammingWindow: windowOp,
  HannWindow: windowOp,
  TfIdfVectorizer: tfIdf,
  'ai.onnx.preview.training.Adagrad': optimizer,
  'ai.onnx.preview.training.Momentum': optimizer,
  'ai.onnx.preview.training.Adam': optimizer,

  // Microsoft contrib ops that torch/ORT-optimised transformer exports commonly carry.
  'com.microsoft.Gelu': unary(W.exp + 3 * W.mul),
  'com.microsoft.FastGelu': unary(W.exp + 3 * W.mul),
  'com.microsoft.BiasGelu': nary(W.exp + 3 * W.mul),
  'com.microsoft.QuickGelu': unary(W.exp + W.mul),
} satisfies Record<string, OpSpec>;

export type OpName = keyof typeof OP_TABLE;

/** Table key of a node: the op name for ai.onnx, `domain.Op` otherwise. */
export function opKey(domain: string, op: string): string {
  return domain === '' || domain === 'ai.onnx' ? op : `${domain}.${op}`;
}

export function lookupOp(domain: string, op: string): OpSpec | undefined {
  const key = opKey(domain, op);
  return Object.hasOwn(OP_TABLE, key) ? (OP_TABLE as Record<string, OpSpec>)[key] : undefined;
}

/** Zero cost, used for ops with no cost rule (pure data movement, metadata). */
export const NO_COST: Cost = { macs: 0, elementOps: 0 };

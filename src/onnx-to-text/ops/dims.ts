/**
 * Dimension arithmetic for shape rules. A Dim is a number, a symbol or unknown (null).
 * Symbolic dims are monomials written canonically as '4*batch' or 'batch*seq' (coefficient
 * first, symbols sorted): products and exact quotients of symbols stay exact, which is what
 * torch's attention reshapes (batch × heads) need. Sums of symbols degrade to null rather than
 * guessing.
 */
import type { Dim, Shape } from '../ir.ts';

interface Monomial {
  readonly k: number;
  readonly syms: readonly string[];
}

function mono(d: number | string): Monomial {
  if (typeof d === 'number') return { k: d, syms: [] };
  let k = 1;
  const syms: string[] = [];
  for (const part of d.split('*')) {
    if (/^\d+$/.test(part)) k *= Number(part);
    else syms.push(part);
  }
  return { k, syms: syms.sort() };
}

function fromMono(m: Monomial): Dim {
  if (m.syms.length === 0 || m.k === 0) return m.k;
  return m.k === 1 ? m.syms.join('*') : `${m.k}*${m.syms.join('*')}`;
}

/** a / b when exact (coefficient divisible, b's symbols all in a); null otherwise. */
function divMono(a: Monomial, b: Monomial): Monomial | null {
  if (b.k === 0 || a.k % b.k !== 0) return null;
  const rest = [...a.syms];
  for (const s of b.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return null;
    rest.splice(i, 1);
  }
  return { k: a.k / b.k, syms: rest };
}

export function divDim(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : null;
  const m = divMono(mono(a), mono(b));
  return m === null ? null : fromMono(m);
}

export function isKnown(shape: Shape | readonly Dim[]): shape is number[] {
  return shape !== null && shape.every((d) => typeof d === 'number');
}

export function numel(shape: Shape | readonly Dim[]): number | null {
  if (shape === null) return null;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

export function mulDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 0 || b === 0) return 0;
  if (a === null || b === null) return null;
  const x = mono(a);
  const y = mono(b);
  return fromMono({ k: x.k * y.k, syms: [...x.syms, ...y.syms].sort() });
}

export function addDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return null;
}

/** Product of dims as a monomial; null when any dim is unknown. */
export function prodDims(dims: readonly Dim[]): Dim {
  let acc: Dim = 1;
  for (const d of dims) acc = mulDim(acc, d);
  return acc;
}

/** Normalises a possibly negative axis against a rank; null when out of range. */
export function normAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}

/** Broadcast of two dims under numpy rules; a symbol against 1 is that symbol. */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  // A number other than 1 must be the result when the other side is symbolic/unknown (or the
  // model is invalid, which we do not police here).
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return null;
}

/** Multidirectional (numpy) broadcasting of any number of shapes; null if any rank is unknown. */
export function broadcast(shapes: readonly Shape[]): Shape {
  if (shapes.length === 0) return null;
  if (shapes.some((s) => s === null)) return null;
  const known = shapes as readonly Dim[][];
  const rank = Math.max(...known.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of known) {
      const j = s.length - rank + i;
      d = broadcastDim(d, j >= 0 ? (s[j] ?? null) : 1);
    }
    out.push(d);
  }
  return out;
}

/**
 * Resolves a Reshape target's -1 as (product of input dims) / (product of the target's other
 * dims), exactly over monomials; null when the quotient is not exact or a dim is unknown.
 */
export function inferMinusOne(input: readonly Dim[], target: readonly Dim[]): Dim {
  const num = prodDims(input);
  const den = prodDims(target.filter((d) => d !== -1));
  return divDim(num, den);
}

/**
 * Extent used for counting (elements, MACs): a symbolic dim counts as 1, so counts are per unit
 * of each symbol (per sample for a symbolic batch); an unknown dim makes the count unknown.
 */
export function countDim(d: Dim): number | null {
  return typeof d === 'number' ? d : typeof d === 'string' ? mono(d).k : null;
}

/** Element count with symbolic dims counted as 1 (see countDim); null when rank or a dim is unknown. */
export function countElements(shape: Shape | readonly Dim[]): number | null {
  if (shape === null) return null;
  let n = 1;
  for (const d of shape) {
    const c = countDim(d);
    if (c === null) return null;
    n *= c;
  }
  return n;
}

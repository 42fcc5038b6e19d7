/**
 * Dimension arithmetic for shape rules. A Dim is a number, a symbol ('N') or unknown (null);
 * symbols survive only the operations where that is trivially right (x*1, copying, equal
 * symbols cancelling), everything else degrades to null rather than guessing.
 */
import type { Dim, Shape } from '../ir.ts';

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
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  return null;
}

export function addDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return null;
}

/** Product of dims; a single symbol times numeric 1s stays that symbol. */
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
 * Resolves a Reshape target's -1 by cancelling the input's dims against the target's known
 * dims: equal symbols cancel, numbers divide. Returns null when symbols do not cancel.
 */
export function inferMinusOne(input: readonly Dim[], target: readonly Dim[]): Dim {
  const syms: string[] = [];
  let num = 1;
  for (const d of input) {
    if (d === null) return null;
    if (typeof d === 'number') num *= d;
    else syms.push(d);
  }
  let den = 1;
  for (const d of target) {
    if (d === -1) continue;
    if (d === null) return null;
    if (typeof d === 'number') den *= d;
    else {
      const k = syms.indexOf(d);
      if (k < 0) return null;
      syms.splice(k, 1);
    }
  }
  if (den === 0) return null;
  if (syms.length === 0) return num % den === 0 ? num / den : null;
  if (syms.length === 1 && num === den) return syms[0]!;
  return null;
}

/**
 * Extent used for counting (elements, MACs): a symbolic dim counts as 1, so counts are per unit
 * of each symbol (per sample for a symbolic batch); an unknown dim makes the count unknown.
 */
export function countDim(d: Dim): number | null {
  return typeof d === 'number' ? d : typeof d === 'string' ? 1 : null;
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

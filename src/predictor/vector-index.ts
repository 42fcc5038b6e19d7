/**
 * Nearest known architectures. `VectorIndex` is the interface; the hnswlib-node implementation
 * sits behind it (chosen by name from `VECTOR_INDEXES`), so tests and small indexes can use the
 * exact brute-force one.
 */
import { createRequire } from 'node:module';

export interface Neighbor {
  readonly label: number;
  /** Cosine distance (1 − cosine similarity). */
  readonly distance: number;
}

export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  add(vector: Float32Array, label: number): void;
  search(query: Float32Array, k: number): Neighbor[];
  /** Serialises the index to a file (hnswlib's own format) or bytes. */
  save(path: string): void;
}

export type VectorIndexKind = 'hnsw' | 'exact';

interface HnswNative {
  initIndex(opts: { maxElements: number; m?: number; efConstruction?: number; randomSeed?: number }): void;
  readIndexSync(path: string, allowReplaceDeleted?: boolean): void;
  writeIndexSync(path: string): void;
  addPoint(v: number[], label: number): void;
  searchKnn(q: number[], k: number): { distances: number[]; neighbors: number[] };
  getCurrentCount(): number;
  getMaxElements(): number;
  resizeIndex(n: number): void;
  setEf(ef: number): void;
}

const require = createRequire(import.meta.url);

class HnswIndex implements VectorIndex {
  private readonly native: HnswNative;
  constructor(readonly dim: number, options: { maxElements?: number; path?: string } = {}) {
    const { HierarchicalNSW } = require('hnswlib-node') as { HierarchicalNSW: new (space: string, dim: number) => HnswNative };
    this.native = new HierarchicalNSW('cosine', dim);
    if (options.path !== undefined) this.native.readIndexSync(options.path);
    else this.native.initIndex({ maxElements: Math.max(16, options.maxElements ?? 1024), m: 8, efConstruction: 100, randomSeed: 100 });
    this.native.setEf(64);
  }
  get size(): number {
    return this.native.getCurrentCount();
  }
  add(vector: Float32Array, label: number): void {
    if (this.size >= this.native.getMaxElements()) this.native.resizeIndex(this.native.getMaxElements() * 2);
    this.native.addPoint(Array.from(vector), label);
  }
  search(query: Float32Array, k: number): Neighbor[] {
    const kk = Math.min(k, this.size);
    if (kk === 0) return [];
    const r = this.native.searchKnn(Array.from(query), kk);
    // Rounding can make the cosine distance of identical vectors -0 or a hair below zero.
    return r.neighbors.map((label, i) => ({ label, distance: Math.max(0, r.distances[i]!) }));
  }
  save(path: string): void {
    this.native.writeIndexSync(path);
  }
}

/** Brute-force cosine search: exact, for small sets and for checking the approximate index. */
export class ExactIndex implements VectorIndex {
  private readonly vectors: Float32Array[] = [];
  private readonly labels: number[] = [];
  constructor(readonly dim: number) {}
  get size(): number {
    return this.vectors.length;
  }
  add(vector: Float32Array, label: number): void {
    this.vectors.push(normalized(vector));
    this.labels.push(label);
  }
  search(query: Float32Array, k: number): Neighbor[] {
    const q = normalized(query);
    const scored = this.vectors.map((v, i) => {
      let dot = 0;
      for (let d = 0; d < this.dim; d++) dot += v[d]! * q[d]!;
      return { label: this.labels[i]!, distance: Math.max(0, 1 - dot) };
    });
    return scored.sort((a, b) => a.distance - b.distance || a.label - b.label).slice(0, k);
  }
  save(): void {
    throw new Error('ExactIndex is not persisted');
  }
}

function normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

export const VECTOR_INDEXES = Object.freeze({
  hnsw: (dim: number, options?: { maxElements?: number; path?: string }) => new HnswIndex(dim, options),
  exact: (dim: number) => new ExactIndex(dim),
} satisfies Record<VectorIndexKind, (dim: number, options?: { maxElements?: number; path?: string }) => VectorIndex>);

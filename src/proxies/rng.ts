/**
 * Seeded normals for synthetic weights and inputs: Mulberry32 (the stream of src/random.ts, its
 * state held here so bulk draws run without a call per number) + Box–Muller / an inverse-CDF table. Pure.
 */
export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    // Spread small consecutive seeds apart so seed 0, 1, 2 give unrelated streams.
    this.state = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  /** The next 32-bit word of Mulberry32. */
  word(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  private next(): number {
    return this.word() / 4294967296;
  }

  uniform(): number {
    return this.next();
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.next();
    while (u <= 1e-300) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Bulk normals from a 65,536-level inverse-CDF table: two draws per 32-bit word, ~10× faster than
   * Box–Muller, which matters for millions of synthetic weights. Quantised at 1/65536 of probability.
   */
  fillNormal(out: Float64Array | Float32Array, std: number): void {
    const table = normalTable();
    const n = out.length;
    let a = this.state;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const w = (t ^ (t >>> 14)) >>> 0;
      out[i] = table[w & 0xffff]! * std;
      out[i + 1] = table[w >>> 16]! * std;
    }
    this.state = a;
    if (i < n) out[i] = table[Math.floor(this.next() * 65536) & 0xffff]! * std;
  }

  /**
   * `rows` rows of `fanIn` normals (std) into `out`, each shifted to mean zero as it is drawn
   * (one pass; the same draws as fillNormal over the whole array).
   */
  fillCentredRows(out: Float32Array, rows: number, fanIn: number, std: number): void {
    const table = normalTable();
    let a = this.state;
    let w = 0;
    let carry = false;
    for (let r = 0; r < rows; r++) {
      const base = r * fanIn;
      const end = base + fanIn;
      let i = base;
      if (carry) { out[i++] = table[w >>> 16]! * std; carry = false; }
      for (; i + 1 < end; i += 2) {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        w = (t ^ (t >>> 14)) >>> 0;
        out[i] = table[w & 0xffff]! * std;
        out[i + 1] = table[w >>> 16]! * std;
      }
      if (i < end) {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        w = (t ^ (t >>> 14)) >>> 0;
        out[i] = table[w & 0xffff]! * std;
        carry = true;
      }
      let sum = 0;
      for (let j = base; j < end; j++) sum += out[j]!;
      const mean = sum / fanIn;
      for (let j = base; j < end; j++) out[j]! -= mean;
    }
    this.state = a;
  }

  /** `k` distinct indices of [0, n), sorted (all of them when k ≥ n). */
  subset(n: number, k: number): Int32Array {
    if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    return idx.slice(0, k).sort();
  }
}

let TABLE: Float32Array | null = null;

/** The 65,536 quantiles in float32: 256 KB, which stays in cache while millions of weights are drawn. */
function normalTable(): Float32Array {
  if (TABLE) return TABLE;
  const t = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = inverseNormal((i + 0.5) / 65536);
  TABLE = t;
  return t;
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

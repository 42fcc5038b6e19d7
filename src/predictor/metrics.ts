/**
 * Rank metrics as ONNX-Net reports them: Kendall τ-b and Spearman ρ (ties averaged), plus MAE
 * and top-k recall. Pure.
 */

function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`metric inputs differ in length: ${a.length} vs ${b.length}`);
}

/**
 * Kendall τ-b (tie-corrected), Knight's O(n log n) algorithm: sort by x (then y), count ties,
 * then count discordant pairs as the swaps of a merge sort on y.
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPaired(x, y);
  const n = x.length;
  if (n < 2) return NaN;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((i, j) => x[i]! - x[j]! || y[i]! - y[j]!);
  // Pairs tied in x, and tied in both.
  let tiesX = 0;
  let tiesXY = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && x[idx[j]!] === x[idx[i]!]) j++;
    const run = j - i;
    tiesX += (run * (run - 1)) / 2;
    for (let k = i; k < j; ) {
      let l = k + 1;
      while (l < j && y[idx[l]!] === y[idx[k]!]) l++;
      tiesXY += ((l - k) * (l - k - 1)) / 2;
      k = l;
    }
    i = j;
  }
  // Merge sort on y counting inversions (discordant pairs).
  const ys = Float64Array.from(idx, (i) => y[i]!);
  const buf = new Float64Array(n);
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (ys[i]! <= ys[j]!) buf[k++] = ys[i++]!;
        else {
          buf[k++] = ys[j++]!;
          swaps += mid - i;
        }
      }
      while (i < mid) buf[k++] = ys[i++]!;
      while (j < hi) buf[k++] = ys[j++]!;
    }
    ys.set(buf);
  }
  let tiesY = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && ys[j] === ys[i]) j++;
    tiesY += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  const total = (n * (n - 1)) / 2;
  const concordantMinusDiscordant = total - tiesX - tiesY + tiesXY - 2 * swaps;
  const denom = Math.sqrt((total - tiesX) * (total - tiesY));
  return denom === 0 ? NaN : concordantMinusDiscordant / denom;
}

/** Ranks 1..n with ties given their average rank. */
export function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]!);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && v[idx[j]!] === v[idx[i]!]) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) r[idx[k]!] = avg;
    i = j;
  }
  return r;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPaired(x, y);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export function spearmanRho(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPaired(x, y);
  return pearson(ranks(x), ranks(y));
}

export function meanAbsoluteError(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  checkPaired(pred, truth);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i]! - truth[i]!);
  return s / pred.length;
}

/** Share of the true top-k (by truth) found in the predicted top-k. */
export function topKRecall(pred: ArrayLike<number>, truth: ArrayLike<number>, k: number): number {
  checkPaired(pred, truth);
  const n = pred.length;
  const kk = Math.min(k, n);
  if (kk === 0) return NaN;
  const top = (v: ArrayLike<number>) => new Set(Array.from({ length: n }, (_, i) => i).sort((a, b) => v[b]! - v[a]!).slice(0, kk));
  const t = top(truth);
  let hit = 0;
  for (const i of top(pred)) if (t.has(i)) hit++;
  return hit / kk;
}

export interface RankReport {
  readonly n: number;
  readonly kendall: number;
  readonly spearman: number;
  readonly mae: number;
  readonly top5_recall: number;
}

export function rankReport(pred: ArrayLike<number>, truth: ArrayLike<number>): RankReport {
  return {
    n: pred.length,
    kendall: kendallTau(pred, truth),
    spearman: spearmanRho(pred, truth),
    mae: meanAbsoluteError(pred, truth),
    // top-5 % of the test set, at least 1 (the share ONNX-Net-style NAS papers use for recall).
    top5_recall: topKRecall(pred, truth, Math.max(1, Math.round(pred.length * 0.05))),
  };
}

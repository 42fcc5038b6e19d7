/**
 * The known architectures of one target as plots draw them: a deterministic sample with an equal
 * share per space (the page's GET /v1/known and the batch report's background), read from a
 * checkpoint's known.jsonl.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One known architecture as the plot needs it. */
export interface KnownPoint {
  readonly id: string;
  readonly space: string;
  readonly accuracy: number;
  /** Absent when the checkpoint predates params/MACs in known.jsonl. */
  readonly params?: number;
  readonly macs?: number;
}

export interface KnownResponse {
  readonly target: string;
  /** Known architectures with a measured accuracy for this target. */
  readonly total: number;
  readonly returned: number;
  /** Which x axes the points carry (false for both on a checkpoint without params/MACs). */
  readonly fields: { readonly params: boolean; readonly macs: boolean };
  /** Points per space in the sample. */
  readonly spaces: Readonly<Record<string, number>>;
  readonly points: readonly KnownPoint[];
}

export interface KnownLine {
  readonly id: string;
  readonly space: string;
  readonly labels: Readonly<Record<string, number>>;
  readonly params?: number;
  readonly macs?: number;
}

/** FNV-1a, 32 bits: a stable order of ids that does not depend on the file's order. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Deterministic sample of `limit` architectures: every space gets an equal share (a space smaller
 * than its share is taken whole and the rest is shared out again), and within a space the
 * architectures with the lowest FNV-1a hash of their id are kept. The same checkpoint, target and
 * limit always give the same points, and small spaces (timm's 154 models) are never drowned.
 */
export function sampleKnown(known: readonly KnownLine[], target: string, limit: number): KnownResponse {
  const bySpace = new Map<string, { h: number; p: KnownPoint }[]>();
  let total = 0;
  for (const k of known) {
    const acc = k.labels[target];
    if (!finite(acc)) continue;
    total++;
    const p: KnownPoint = {
      id: k.id, space: k.space, accuracy: acc,
      ...(finite(k.params) ? { params: k.params } : {}),
      ...(finite(k.macs) ? { macs: k.macs } : {}),
    };
    let list = bySpace.get(k.space);
    if (list === undefined) bySpace.set(k.space, list = []);
    list.push({ h: fnv1a(k.id), p });
  }
  const groups = [...bySpace].sort(([a, x], [b, y]) => x.length - y.length || a.localeCompare(b));
  let remaining = limit;
  const points: KnownPoint[] = [];
  const spaces: Record<string, number> = {};
  groups.forEach(([space, list], i) => {
    const quota = Math.min(list.length, Math.floor(remaining / (groups.length - i)));
    remaining -= quota;
    list.sort((a, b) => a.h - b.h || (a.p.id < b.p.id ? -1 : 1));
    for (const { p } of list.slice(0, quota)) points.push(p);
    spaces[space] = quota;
  });
  return {
    target, total, returned: points.length,
    fields: { params: points.some((p) => p.params !== undefined), macs: points.some((p) => p.macs !== undefined) },
    spaces, points,
  };
}

export function readKnown(checkpointDir: string): KnownLine[] {
  const path = join(checkpointDir, 'known.jsonl');
  if (!existsSync(path)) return [];
  const out: KnownLine[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const k = JSON.parse(line) as Partial<KnownLine>;
    if (typeof k.id === 'string' && typeof k.space === 'string' && k.labels !== null && typeof k.labels === 'object') out.push(k as KnownLine);
  }
  return out;
}


/**
 * Cross-checks onnx-predict's MACs on the committed timm exports against the reference MACs that
 * `export.py` recorded with torch's flop counter (`ref_macs` in `exports.jsonl`, FLOPs / 2 of one
 * forward pass of the same module: convolutions and matmuls, no bias adds, which is our `macs`
 * convention). Goal: within 2 % on every exported model.
 *
 *   npx tsx datasets/timm/check-macs.ts [--tolerance 0.02] [--only arch@size,...] [--json out/timm/macs.json]
 *
 * Prints a summary, then one line per model outside the tolerance with what our profile lacks:
 * the linear nodes (Conv, MatMul, Gemm, ...) whose MACs are unknown, the ops where shape knowledge
 * was lost (`unknown-shape` diagnostics), and the per-kind split (convolution vs matmul) of both
 * counters, which tells a convention difference from a shape gap.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readModel } from '../../src/onnx-to-text/reader.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';

const LOG_URL = new URL('./exports.jsonl', import.meta.url);
const GRAPHS_URL = new URL('./graphs/', import.meta.url);

/** One successful export as logged, with the fields the check reads. */
export interface ExportRecord {
  readonly arch: string;
  readonly img_size: number;
  readonly status: string;
  readonly family?: string;
  readonly exporter?: string;
  readonly ref_macs?: number;
  readonly ref_macs_by_op?: Readonly<Record<string, number>>;
  readonly timm_params?: number;
}

export interface MacsCheck {
  /** `<arch>@<img_size>`. */
  readonly key: string;
  readonly family: string;
  readonly exporter: string;
  readonly ours: number;
  readonly ref: number;
  /** (ours − ref) / ref; 0 when both are 0. */
  readonly rel: number;
  readonly within: boolean;
  readonly shapeCoverage: number;
  /** Ours split into convolutions and matmul-like ops (MatMul, Gemm, Einsum), and the same split of torch's counter. */
  readonly oursConv: number;
  readonly oursMatmul: number;
  readonly refConv: number;
  readonly refMatmul: number;
  /** Linear-core nodes whose MACs we could not count, by op type. */
  readonly unknownMacNodes: Readonly<Record<string, number>>;
  /** Ops at which shape knowledge was lost (`unknown-shape` diagnostics), by op type. */
  readonly lostAt: Readonly<Record<string, number>>;
  /** The first node (in graph order) where shape knowledge was lost, for a concrete case. */
  readonly firstLost: string | null;
  /** Our params and timm's Σ p.numel() (BN folding makes ours slightly smaller). */
  readonly params: number;
  readonly timmParams: number | null;
}

const CONV_OPS = new Set(['Conv', 'ConvTranspose', 'QLinearConv', 'ConvInteger']);
const REF_CONV_OPS = new Set(['aten.convolution', 'aten._convolution', 'aten.conv1d', 'aten.conv2d', 'aten.conv3d', 'aten.conv_transpose1d', 'aten.conv_transpose2d']);

/**
 * Last record per (arch, img_size): the log is append-only and a retry supersedes a skip. A last
 * line without its newline is one a running export is still writing, and is left out.
 */
export function readExportLog(text: string = readFileSync(LOG_URL, 'utf8')): Map<string, ExportRecord> {
  const out = new Map<string, ExportRecord>();
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as ExportRecord;
    out.set(`${r.arch}@${r.img_size}`, r);
  }
  return out;
}

export function graphBytes(r: ExportRecord): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(new URL(`${r.arch}-${r.img_size}.onnx.gz`, GRAPHS_URL))));
}

function bump(m: Record<string, number>, k: string, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}

/** Profiles one exported graph and compares its MACs with the logged reference. */
export function checkMacs(r: ExportRecord, bytes: Uint8Array = graphBytes(r), tolerance = 0.02): MacsCheck {
  if (r.ref_macs === undefined) throw new Error(`${r.arch}@${r.img_size}: no ref_macs in the export log (run export.py --ref-macs)`);
  const p = profileModel(readModel(bytes));
  let oursConv = 0, oursMatmul = 0;
  const unknownMacNodes: Record<string, number> = {};
  for (const n of p.nodes) {
    if (n.macs === null) {
      if (CONV_OPS.has(n.op) || ['MatMul', 'Gemm', 'Einsum', 'MatMulInteger', 'QLinearMatMul'].includes(n.op)) bump(unknownMacNodes, n.op);
      continue;
    }
    if (CONV_OPS.has(n.op)) oursConv += n.macs;
    else oursMatmul += n.macs;
  }
  const lostAt: Record<string, number> = {};
  let firstLost: string | null = null;
  for (const d of p.diagnostics) {
    if (d.kind !== 'unknown-shape') continue;
    bump(lostAt, d.op);
    firstLost ??= `${d.op} ${d.node}`;
  }
  let refConv = 0, refMatmul = 0;
  for (const [op, v] of Object.entries(r.ref_macs_by_op ?? {})) {
    if (REF_CONV_OPS.has(op)) refConv += v;
    else refMatmul += v;
  }
  const ours = p.totals.macs, ref = r.ref_macs;
  const rel = ref === 0 ? (ours === 0 ? 0 : Infinity) : (ours - ref) / ref;
  return {
    key: `${r.arch}@${r.img_size}`,
    family: r.family ?? '',
    exporter: r.exporter ?? 'torch 1.13',
    ours,
    ref,
    rel,
    within: Math.abs(rel) <= tolerance,
    shapeCoverage: p.totals.shapeCoverage,
    oursConv,
    oursMatmul,
    refConv,
    refMatmul,
    unknownMacNodes,
    lostAt,
    firstLost,
    params: p.totals.params,
    timmParams: r.timm_params ?? null,
  };
}

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : 'inf');
const g = (v: number): string => (v / 1e9).toFixed(3);
const list = (m: Readonly<Record<string, number>>): string =>
  Object.entries(m).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, v]) => `${k}×${v}`).join(' ') || '-';

function main(): void {
  const tolerance = Number(flag('tolerance', '0.02'));
  const only = new Set(flag('only', '').split(',').filter((s) => s !== ''));
  const jsonOut = flag('json', '');
  const records = [...readExportLog().values()].filter((r) => r.status === 'ok' && (only.size === 0 || only.has(`${r.arch}@${r.img_size}`)));
  const checks: MacsCheck[] = [];
  const noRef: string[] = [];
  const t0 = performance.now();
  for (const r of records) {
    if (r.ref_macs === undefined) {
      noRef.push(`${r.arch}@${r.img_size}`);
      continue;
    }
    checks.push(checkMacs(r, graphBytes(r), tolerance));
  }
  const seconds = (performance.now() - t0) / 1000;
  const bad = checks.filter((c) => !c.within).sort((a, b) => Math.abs(b.rel) - Math.abs(a.rel));
  const full = checks.filter((c) => c.shapeCoverage === 1);
  const badFull = bad.filter((c) => c.shapeCoverage === 1);
  console.log(`${checks.length} exports with reference MACs (${noRef.length} without), profiled in ${seconds.toFixed(1)} s`);
  console.log(`within ${pct(tolerance)}: ${checks.length - bad.length} / ${checks.length}`);
  console.log(`full shapes: ${full.length}; of those within: ${full.length - badFull.length}`);
  console.log(`partial shapes: ${checks.length - full.length}; of those within: ${checks.length - full.length - (bad.length - badFull.length)}`);
  const byLost: Record<string, number> = {};
  for (const c of bad) for (const k of Object.keys(c.lostAt)) bump(byLost, k);
  console.log(`outside tolerance, by op where shapes are lost (models): ${list(byLost)}`);
  console.log('\n| model | exporter | ours G | torch G | diff | shapes | ours conv / matmul G | torch conv / matmul G | linear nodes without MACs | shapes lost at | first lost at |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const c of bad) {
    console.log(`| ${c.key} | ${c.exporter} | ${g(c.ours)} | ${g(c.ref)} | ${pct(c.rel)} | ${c.shapeCoverage.toFixed(3)} | ${g(c.oursConv)} / ${g(c.oursMatmul)} | ${g(c.refConv)} / ${g(c.refMatmul)} | ${list(c.unknownMacNodes)} | ${list(c.lostAt)} | ${c.firstLost ?? '-'} |`);
  }
  const withParams = checks.filter((c) => c.timmParams !== null && c.timmParams > 0);
  const prel = (c: MacsCheck): number => (c.params - c.timmParams!) / c.timmParams!;
  const p1 = withParams.filter((c) => Math.abs(prel(c)) <= 0.01).length, p5 = withParams.filter((c) => Math.abs(prel(c)) <= 0.05).length;
  console.log(`\nparams vs timm: ${p1} / ${withParams.length} within 1 %, ${p5} within 5 %; outside 1 %:`);
  console.log(withParams.filter((c) => Math.abs(prel(c)) > 0.01).sort((a, b) => prel(b) - prel(a)).map((c) => `${c.key} ${prel(c) > 0 ? '+' : ''}${(prel(c) * 100).toFixed(1)} %`).join(', ') || '-');
  if (noRef.length > 0) console.log(`\nwithout ref_macs: ${noRef.join(', ')}`);
  if (jsonOut !== '') writeFileSync(jsonOut, JSON.stringify({ tolerance, seconds, checks, noRef }, null, 1) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) main();

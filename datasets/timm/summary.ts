/**
 * Export coverage of the timm zoo, from the export log and timm's results table, as the markdown
 * that docs/ZOO.md's "Export coverage" section shows.
 *
 *   npx tsx datasets/timm/summary.ts [--results ../shared/data/timm_imagenet_results]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExportLog, type ExportRecord } from './check-macs.ts';
import { timmExtra, timmSpace } from './index.ts';

interface Logged extends ExportRecord {
  readonly seconds?: number;
  readonly reason?: string;
  readonly nodes?: number;
  readonly gz_bytes?: number;
  readonly stripped_bytes?: number;
  readonly peak_rss_gb?: number;
  readonly timm_params?: number;
}

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const n = (v: number): string => v.toLocaleString('en-US');

async function main(): Promise<void> {
  const csv = readFileSync(join(flag('results', '../shared/data/timm_imagenet_results'), 'results-imagenet.csv'), 'utf8');
  const pairs = new Set<string>(), archs = new Set<string>();
  for (const line of csv.split('\n').slice(1)) {
    const [model, size] = line.split(',');
    if (!model || !size) continue;
    const arch = model.split('.')[0]!;
    archs.add(arch);
    pairs.add(`${arch}@${size}`);
  }
  const log = [...readExportLog().values()] as Logged[];
  const ok = log.filter((r) => r.status === 'ok');
  const byStatus = new Map<string, Logged[]>();
  for (const r of log) byStatus.set(r.status, [...(byStatus.get(r.status) ?? []), r]);
  const okArchs = new Set(ok.map((r) => r.arch));
  const attemptedArchs = new Set(log.map((r) => r.arch));
  // Families as labels.tsv has them (the log keeps the family of the export.py that wrote each line).
  const families = new Map<string, number>();
  for (const e of await timmSpace.entries()) families.set(timmExtra(e).family, (families.get(timmExtra(e).family) ?? 0) + 1);

  console.log('| | count |\n|---|---|');
  console.log(`| architectures / (arch, img_size) pairs in the results table | ${n(archs.size)} / ${n(pairs.size)} |`);
  console.log(`| jobs attempted (architectures) | ${n(log.length)} (${n(attemptedArchs.size)}) |`);
  console.log(`| **exported** (architectures; families in labels.tsv) | **${n(ok.length)}** (${n(okArchs.size)}; ${families.size}) |`);
  for (const [status, rs] of [...byStatus].sort()) if (status !== 'ok') console.log(`| ${status} | ${rs.length} |`);
  console.log(`| architectures not attempted | ${n(archs.size - attemptedArchs.size)} |`);
  console.log(`| (arch, img_size) pairs not attempted | ${n(pairs.size - log.length)} |`);

  console.log('\n| exporter | exported | median s | p90 s | max s | total s | median nodes | max peak RSS GB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const exp of [...new Set(ok.map((r) => r.exporter ?? 'torch 1.13'))].sort()) {
    const rs = ok.filter((r) => (r.exporter ?? 'torch 1.13') === exp);
    const s = rs.map((r) => r.seconds ?? 0);
    console.log(`| ${exp} | ${rs.length} | ${quantile(s, 0.5).toFixed(1)} | ${quantile(s, 0.9).toFixed(1)} | ${Math.max(...s).toFixed(1)} | ${n(Math.round(s.reduce((a, b) => a + b, 0)))} | ${quantile(rs.map((r) => r.nodes ?? 0), 0.5)} | ${Math.max(...rs.map((r) => r.peak_rss_gb ?? 0)).toFixed(2)} |`);
  }
  const gz = ok.reduce((a, r) => a + (r.gz_bytes ?? 0), 0), raw = ok.reduce((a, r) => a + (r.stripped_bytes ?? 0), 0);
  const nodes = ok.map((r) => r.nodes ?? 0), params = ok.map((r) => r.timm_params ?? 0);
  console.log(`\nnodes: median ${quantile(nodes, 0.5)}, range ${Math.min(...nodes)}–${n(Math.max(...nodes))}; timm params ${(Math.min(...params) / 1e6).toFixed(2)}–${(Math.max(...params) / 1e6).toFixed(0)} M`);
  console.log(`size: ${(raw / 1e6).toFixed(1)} MB stripped, ${(gz / 1e6).toFixed(2)} MB gzipped (median ${(quantile(ok.map((r) => r.gz_bytes ?? 0), 0.5) / 1e3).toFixed(1)} KB per graph)`);
  console.log(`families in labels.tsv (${families.size}): ${[...families].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([f, c]) => `${f} ${c}`).join(', ')}`);
  for (const [status, rs] of [...byStatus].sort()) {
    if (status === 'ok') continue;
    const reasons = new Map<string, string[]>();
    for (const r of rs) {
      // One group per kind of reason: drop the per-model number of a too-big skip, keep a message's first sentence.
      const reason = (r.reason ?? '').replace(/^[\d.]+ M params >/, 'published params >').replace(/\s*\[Caused by.*$/, '').replace(/(\.) .*$/, '$1').slice(0, 160).trim();
      reasons.set(reason, [...(reasons.get(reason) ?? []), `${r.arch}@${r.img_size}`]);
    }
    for (const [reason, keys] of reasons) console.log(`\n- ${status} (${keys.length}) ${reason}: ${keys.join(', ')}`);
  }
}

await main();

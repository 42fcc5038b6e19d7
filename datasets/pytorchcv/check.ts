/**
 * Checks every committed pytorchcv graph against its table and its export: our `profileModel` params vs the zoo's
 * count (BN folding makes ours slightly smaller: within 1 %), the count of the model built at export vs the table
 * (exact), our MACs vs torch's flop counter at export (`ref_macs`, within 2 %) and vs the zoo's "FLOPs/2", and full
 * shape coverage. Prints one line per row outside a tolerance and a summary (docs/DATASETS.md, pytorchcv).
 *
 *   npx tsx datasets/pytorchcv/check.ts [--json out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readModel } from '../../src/onnx-to-text/reader.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';
import { pytorchcvExtra, pytorchcvSpace } from './index.ts';

export interface ZooRowCheck {
  readonly model: string;
  readonly params: number;
  readonly tableParams: number;
  readonly builtParams: number;
  /** (ours − table) / table. */
  readonly paramsRel: number;
  readonly macs: number;
  readonly refMacs: number | null;
  readonly macsRel: number | null;
  /** (ours − the zoo's FLOPs/2) / theirs. */
  readonly tableMacsRel: number;
  readonly shapeCoverage: number;
}

/** The export log's last record per model. */
export function readPytorchcvLog(text = readFileSync(new URL('./exports.jsonl', import.meta.url), 'utf8')): Map<string, { status: string; ref_macs?: number; reason?: string; dataset?: string }> {
  const out = new Map<string, { status: string; ref_macs?: number; reason?: string; dataset?: string }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { model: string; status: string };
      out.set(r.model, r);
    } catch {
      // a line still being appended by a running export
    }
  }
  return out;
}

export async function checkPytorchcv(): Promise<ZooRowCheck[]> {
  const log = readPytorchcvLog();
  const out: ZooRowCheck[] = [];
  for (const e of await pytorchcvSpace.entries()) {
    const x = pytorchcvExtra(e);
    const p = profileModel(readModel(pytorchcvSpace.build(e, { weights: 'stripped', seed: 0 })));
    const ref = log.get(x.model)?.ref_macs ?? null;
    out.push({
      model: x.model, params: p.totals.params, tableParams: x.tableParams, builtParams: x.builtParams,
      paramsRel: (p.totals.params - x.tableParams) / x.tableParams, macs: p.totals.macs, refMacs: ref,
      macsRel: ref ? (p.totals.macs - ref) / ref : null, tableMacsRel: (p.totals.macs - x.tableMacsM * 1e6) / (x.tableMacsM * 1e6),
      shapeCoverage: p.totals.shapeCoverage,
    });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { json: { type: 'string' } } });
  const t0 = performance.now();
  const rows = await checkPytorchcv();
  const f = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  for (const r of rows) {
    if (Math.abs(r.paramsRel) > 0.01 || r.builtParams !== r.tableParams || r.macsRel === null || Math.abs(r.macsRel) > 0.02 || r.shapeCoverage < 1) {
      console.log(`${r.model}: params ${r.params} vs table ${r.tableParams} (${f(r.paramsRel)}), built ${r.builtParams}; macs ${r.macs} vs torch ${r.refMacs} (${f(r.macsRel)}), vs table ${f(r.tableMacsRel)}; coverage ${r.shapeCoverage}`);
    }
  }
  const n = rows.length;
  const count = (pred: (r: ZooRowCheck) => boolean) => rows.filter(pred).length;
  console.log(JSON.stringify({
    rows: n, paramsWithin1pct: count((r) => Math.abs(r.paramsRel) <= 0.01), builtEqualsTable: count((r) => r.builtParams === r.tableParams),
    macsWithin2pctOfTorch: count((r) => r.macsRel !== null && Math.abs(r.macsRel) <= 0.02), macsWithin5pctOfTable: count((r) => Math.abs(r.tableMacsRel) <= 0.05),
    fullShapes: count((r) => r.shapeCoverage === 1), seconds: (performance.now() - t0) / 1000,
  }));
  if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 1));
}

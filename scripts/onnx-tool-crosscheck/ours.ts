/**
 * Prints our profile of each ONNX file as JSON (totals and per-op-type sums), for
 * crosscheck.py to compare with onnx-tool. Usage: npx tsx scripts/onnx-tool-crosscheck/ours.ts a.onnx ...
 */
import { readFileSync } from 'node:fs';
import { profileModel } from '../../src/onnx-to-text/profile.ts';
import { readModel } from '../../src/onnx-to-text/reader.ts';

const out: Record<string, unknown> = {};
for (const file of process.argv.slice(2)) {
  const p = profileModel(readModel(readFileSync(file)));
  const byOp: Record<string, { macs: number; elementOps: number; params: number; count: number }> = {};
  for (const n of p.nodes) {
    const e = (byOp[n.op] ??= { macs: 0, elementOps: 0, params: 0, count: 0 });
    e.macs += n.macs ?? 0;
    e.elementOps += n.elementOps ?? 0;
    e.params += n.params;
    e.count += 1;
  }
  out[file] = { totals: p.totals, byOp };
}
process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);

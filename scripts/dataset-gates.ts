/**
 * Full correctness gates for a space: for every architecture (or a seeded sample), params mapped
 * to the benchmark's convention vs the published count, and the arch recovered from the graph;
 * for a smaller seeded sample, a forward pass with random weights in onnxruntime. Prints JSON.
 *
 *   npx tsx scripts/dataset-gates.ts nb201 [--limit N] [--forward 50] [--seed 0]
 */
import { parseArgs } from 'node:util';
import { getSpace } from '../datasets/index.ts';
import { forwardCheck, staticCheck } from '../datasets/lib/checks.ts';
import { selectEntries } from '../datasets/lib/build.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: 'string' }, forward: { type: 'string', default: '50' }, seed: { type: 'string', default: '0' } },
});
const space = positionals[0] ?? 'nb201';
const seed = Number(values.seed);
const builder = await getSpace(space);
const all = await builder.entries();
const entries = selectEntries(all, values.limit === undefined ? undefined : Number(values.limit), seed);
let exact = 0, within1 = 0, roundTrip = 0, withPublished = 0;
let maxRel = 0;
const failures: string[] = [];
const t0 = performance.now();
for (const [i, e] of entries.entries()) {
  const c = staticCheck(builder, e);
  if (c.published !== undefined) {
    withPublished++;
    if (c.benchmarkParams === c.published) exact++;
    if ((c.relError ?? 1) <= 0.01) within1++;
    else if (failures.length < 20) failures.push(`${e.index} params ${c.benchmarkParams} vs ${c.published}`);
    maxRel = Math.max(maxRel, c.relError ?? 0);
  }
  if (c.roundTrip) roundTrip++;
  else if (failures.length < 20) failures.push(`${e.index} round trip: ${c.recovered}`);
  if ((i + 1) % 2000 === 0) process.stderr.write(`${space}: ${i + 1}/${entries.length}\n`);
}
const staticSeconds = (performance.now() - t0) / 1000;
const fwdEntries = selectEntries(all, Number(values.forward), seed + 1);
let fwdOk = 0;
const t1 = performance.now();
for (const e of fwdEntries) {
  const r = await forwardCheck(builder, e, seed);
  if (r.dims.length === 2 && r.dims[0] === 1 && r.finite) fwdOk++; // [1, classes]
  else failures.push(`${e.index} forward: dims ${r.dims.join('x')} finite ${r.finite}`);
}
console.log(JSON.stringify({
  space, checked: entries.length,
  params: { withPublished, exact, within1pct: within1, exactRate: exact / withPublished, within1pctRate: within1 / withPublished, maxRelError: maxRel },
  roundTrip: { ok: roundTrip, rate: roundTrip / entries.length },
  forward: { ok: fwdOk, of: fwdEntries.length, seconds: (performance.now() - t1) / 1000 },
  staticSeconds, failures,
}, null, 2));

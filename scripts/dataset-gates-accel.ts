/**
 * Gates for the Accel-NASBench builder over the whole label table:
 *  1. params: `profileModel` params vs the published count (within 1 %), and exactly
 *     published − folded-BatchNorm channels;
 *  2. round trip: the 7 × (e, k, l, se) configuration recovered from every graph equals its key;
 *  3. onnxruntime: `--run N` seeded samples with random weights load and map [1,3,256,256] → [1,1000].
 * Prints a summary and exits 1 if a gate fails.
 *
 *   npx tsx scripts/dataset-gates-accel.ts [--run 5] [--limit 5138]
 */
import * as ort from 'onnxruntime-node';
import { accelSpace } from '../datasets/accel/index.ts';
import { decodeAccelGraph } from '../datasets/accel/decode.ts';
import { bnChannels, formatKey, parseKey, RESOLUTION } from '../datasets/accel/space.ts';
import { shuffled } from '../datasets/lib/random.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`--${name} must be a non-negative integer`);
  return v;
}

const runN = flag('run', 5);
const entries = (await accelSpace.entries()).slice(0, flag('limit', Number.MAX_SAFE_INTEGER));

let within1 = 0;
let exact = 0;
let roundTrip = 0;
let maxRel = 0;
let bytesTotal = 0;
const failures: string[] = [];
const t0 = performance.now();
let buildMs = 0;
for (const e of entries) {
  const tb = performance.now();
  const bytes = accelSpace.build(e, { weights: 'stripped', seed: 0 });
  buildMs += performance.now() - tb;
  bytesTotal += bytes.length;
  const model = readModel(bytes);
  const params = profileModel(model).totals.params;
  const published = e.publishedParams!;
  const rel = Math.abs(params - published) / published;
  maxRel = Math.max(maxRel, rel);
  if (rel <= 0.01) within1++;
  if (params === published - bnChannels(parseKey(e.arch))) exact++;
  else if (failures.length < 10) failures.push(`#${e.index} ${e.arch}: params ${params}, published ${published}`);
  let decoded: string;
  try {
    decoded = formatKey(decodeAccelGraph(model));
  } catch (err) {
    decoded = String(err);
  }
  if (decoded === e.arch) roundTrip++;
  else if (failures.length < 10) failures.push(`#${e.index} ${e.arch}: decoded ${decoded}`);
}
const staticSeconds = (performance.now() - t0) / 1000;

const sample = shuffled(entries, 1).slice(0, runN);
let runOk = 0;
const runTimes: number[] = [];
for (const e of sample) {
  const bytes = accelSpace.build(e, { weights: 'random', seed: e.index });
  const session = await ort.InferenceSession.create(bytes);
  const input = new Float32Array(3 * RESOLUTION * RESOLUTION).map((_, i) => Math.sin(i * 0.37));
  const tr = performance.now();
  const out = (await session.run({ input: new ort.Tensor('float32', input, [1, 3, RESOLUTION, RESOLUTION]) }))['output'];
  runTimes.push(performance.now() - tr);
  const ok = out !== undefined && out.dims.join(',') === '1,1000' && (out.data as Float32Array).every(Number.isFinite);
  if (ok) runOk++;
  else failures.push(`#${e.index}: onnxruntime output ${out?.dims.join('x')}`);
  await session.release();
}

const n = entries.length;
const pct = (k: number, of: number): string => `${k}/${of} (${((100 * k) / Math.max(1, of)).toFixed(2)} %)`;
console.log(`Accel-NASBench gates over ${n} architectures`);
console.log(`  params within 1 % of published:          ${pct(within1, n)}; max relative diff ${(100 * maxRel).toFixed(3)} %`);
console.log(`  params == published − folded BN channels: ${pct(exact, n)}`);
console.log(`  key recovered from graph:                 ${pct(roundTrip, n)}`);
console.log(`  onnxruntime [1,3,${RESOLUTION},${RESOLUTION}] → [1,1000], finite: ${pct(runOk, sample.length)}; median run ${runTimes.length ? [...runTimes].sort((a, b) => a - b)[runTimes.length >> 1]!.toFixed(0) : '-'} ms`);
console.log(`  build (stripped) ${(buildMs / 1000).toFixed(1)} s total, ${(buildMs / n).toFixed(1)} ms/arch; build+read+profile+decode ${staticSeconds.toFixed(1)} s; mean file ${(bytesTotal / n / 1024).toFixed(1)} KiB`);
for (const f of failures) console.log(`  FAIL ${f}`);
const pass = within1 / n >= 0.99 && exact === n && roundTrip === n && runOk === sample.length;
console.log(pass ? 'PASS' : 'FAIL');
process.exitCode = pass ? 0 : 1;

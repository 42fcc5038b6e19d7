/**
 * Warm prediction throughput of the shipped predictor on NB201-size graphs, against the cost of
 * reading + profiling alone (the floor any prediction pays) in the same run. Medians of repeats.
 *
 *   npx tsx bench/predict.ts [--dir data/nb201] [--n 500] [--repeats 3]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPredictor, predictModels } from '../src/index.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'data/nb201' }, n: { type: 'string', default: '500' }, repeats: { type: 'string', default: '3' } } });
const files = readdirSync(values.dir!).filter((f) => f.endsWith('.onnx')).sort().slice(0, Number(values.n));
const bytes = files.map((f) => readFileSync(join(values.dir!, f)));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

const predictor = loadPredictor();
// Warm-up: first call loads the neighbour index.
await predictModels(predictor, [{ model: readModel(bytes[0]!), file: files[0]! }]);

const profileRates: number[] = [];
const predictRates: number[] = [];
const single: number[] = [];
for (let r = 0; r < Number(values.repeats); r++) {
  let t = performance.now();
  for (const b of bytes) profileModel(readModel(b));
  profileRates.push(bytes.length / ((performance.now() - t) / 1000));
  t = performance.now();
  for (let s = 0; s < bytes.length; s += 64) {
    const part = bytes.slice(s, s + 64).map((b, i) => ({ model: readModel(b), file: files[s + i]! }));
    await predictModels(predictor, part);
  }
  predictRates.push(bytes.length / ((performance.now() - t) / 1000));
  for (let i = 0; i < 20; i++) {
    const t1 = performance.now();
    await predictModels(predictor, [{ model: readModel(bytes[i]!), file: files[i]! }]);
    single.push(performance.now() - t1);
  }
}
await predictor.dispose();
const result = {
  files: bytes.length,
  dir: values.dir,
  read_profile_per_s: median(profileRates),
  predict_per_s: median(predictRates),
  predict_over_profile: median(predictRates) / median(profileRates),
  single_latency_ms_p50: median(single),
  repeats: Number(values.repeats),
};
console.log(JSON.stringify(result, null, 1));

/**
 * Builds a space's dataset with `buildDataset` and prints a timing summary (JSON).
 *
 *   npx tsx scripts/dataset-build.ts nb201 --out data/nb201 [--limit N] [--seed S] [--weights stripped|random] [--workers 2]
 */
import { parseArgs } from 'node:util';
import { buildDataset } from '../datasets/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, limit: { type: 'string' }, seed: { type: 'string' }, weights: { type: 'string' }, workers: { type: 'string' } },
});
const space = positionals[0];
if (!space || !values.out) throw new Error('usage: dataset-build.ts <space> --out <dir> [--limit N] [--seed S] [--weights stripped|random]');
const weights = (values.weights ?? 'stripped') as 'stripped' | 'random';
let last = 0;
const summary = await buildDataset(space, {
  out: values.out,
  weights,
  ...(values.limit !== undefined ? { limit: Number(values.limit) } : {}),
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}),
  onProgress: (done, total) => {
    if (done === total || performance.now() - last > 10_000) {
      last = performance.now();
      process.stderr.write(`${space}: ${done}/${total}\n`);
    }
  },
});
console.log(JSON.stringify(summary));

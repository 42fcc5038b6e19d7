/**
 * Regenerates `datasets/accel/labels.tsv` from the shared Accel-NASBench CSV, so the product
 * never reads ../shared at run time. Run once by a maintainer:
 *
 *   npx tsx datasets/accel/make-table.ts [../shared/data/accel_nasbench/anb_dataset_flat.csv]
 *
 * The CSV is itself a flattening of the upstream `anb_dataset_jsons.tar.gz` (one row per
 * `result_N.json`); rows are written in N order, and N becomes the entry index.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { formatKey, NUM_BLOCKS, publishedStyleParams, type BlockConfig } from './space.ts';

const here = dirname(fileURLToPath(import.meta.url));
const src = process.argv[2] ?? join(here, '..', '..', '..', 'shared', 'data', 'accel_nasbench', 'anb_dataset_flat.csv');
const rows = parse(readFileSync(src, 'utf8'), { columns: true }) as Record<string, string>[];

const lines: string[] = [];
let exact = 0;
for (const r of rows) {
  const m = /^result_(\d+)\.json$/.exec(r.file ?? '');
  if (!m) throw new Error(`unexpected file column '${r.file}'`);
  const cfg: BlockConfig[] = [];
  for (let b = 0; b < NUM_BLOCKS; b++) {
    cfg.push({ e: Number(r[`block${b}_e`]), k: Number(r[`block${b}_k`]), l: Number(r[`block${b}_l`]), se: r[`block${b}_se`] === 'True' });
  }
  const params = Math.round(Number(r.params) * 1e6);
  if (publishedStyleParams(cfg) === params) exact++;
  lines.push([m[1], formatKey(cfg), r.val_top1, r.val_top5, params].join('\t'));
}
lines.sort((a, b) => Number(a.split('\t')[0]) - Number(b.split('\t')[0]));

const header = [
  '# Accel-NASBench labels: ImageNet-1k validation top-1/top-5 (%) after the benchmark\'s proxy training, 1 seed.',
  '# SOURCE: GitHub afzalxo/Accel-NASBench, anb_dataset/anb_dataset_jsons.tar.gz (commit 42603572d530310e6bac7191d00cf45625a6b197),',
  '#   via ../shared/data/accel_nasbench/anb_dataset_flat.csv. LICENSE: Apache-2.0 (upstream repository).',
  '# index = N of result_N.json. key = per block <e><k><l><s|n> (expansion, kernel, layers, squeeze-excite), blocks 0-6 joined by "-".',
  '# params = the benchmark\'s model_info.params (thop, BatchNorm affine included), in parameters (the JSON has millions).',
  'index\tkey\ttop1\ttop5\tparams',
];
writeFileSync(join(here, 'labels.tsv'), header.join('\n') + '\n' + lines.join('\n') + '\n');
console.log(`wrote ${lines.length} rows; params formula exact on ${exact}/${rows.length}`);

/**
 * Regenerates the compact label tables the product ships (datasets/nb201/nb201.csv,
 * datasets/nb101/nb101.csv) from the shared data folder. Dev-time only; the product reads the
 * compact tables, never the shared folder.
 *
 *   npx tsx scripts/dataset-tables.ts [--data ../shared/data]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { encodeSpec, hashSpec, pruneSpec, type Nb101Spec } from '../datasets/nb101/spec.ts';
import { formatArch, parseArch } from '../datasets/nb201/arch.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data' } } });
const data = values.data!;
type Row = Record<string, string>;
const read = (p: string): Row[] => parse(readFileSync(join(data, p)), { columns: true }) as Row[];
const fixed = (x: number, d: number): string => String(Number(x.toFixed(d)));

// NB201: labels from NATS-Bench (seed means), params from the BayesWatch table (M → count).
const nats = read('nb201_nats_tss_vtao/nats_bench.csv');
const bw = read('nb201_naswot_bayeswatch/arch_score_acc.csv');
if (nats.length !== 15625 || bw.length !== 15625) throw new Error('NB201 tables must have 15,625 rows');
const nb201 = ['index,arch,cifar10,cifar100,imagenet16_120,params'];
nats.forEach((r, i) => {
  const arch = r['ArchitectureString']!;
  if (formatArch(parseArch(arch)) !== arch || bw[i]!['cellstr'] !== arch || Number(bw[i]!['arch']) !== i) throw new Error(`NB201 row ${i} mismatch`);
  // M → count; 199 rows are not whole numbers (a mean over seed records that disagree), kept as published.
  const params = fixed(Number(bw[i]!['params']) * 1e6, 2);
  nb201.push([i, arch, fixed(Number(r['CIFAR10TestAccuracy200Epochs']), 6), fixed(Number(r['CIFAR100TestAccuracy200Epochs']), 6),
    fixed(Number(r['ImageNetTestAccuracy200Epochs']), 6), params].join(','));
});
writeFileSync('datasets/nb201/nb201.csv', nb201.join('\n') + '\n');

// NB101: recovered graphs; 108-epoch validation accuracy fraction → percent.
const nb101Rows = read('nb101_nasbench_vis_20k/nb101_20k_with_graphs.csv');
const nb101 = ['index,hash,ops,matrix,valid_108,params'];
nb101Rows.forEach((r, i) => {
  const spec = pruneSpec({ matrix: JSON.parse(r['adjacency']!), ops: JSON.parse(r['ops']!) } as Nb101Spec);
  if (hashSpec(spec) !== r['hash']) throw new Error(`NB101 row ${i}: graph does not hash to ${r['hash']}`);
  const { ops, matrix } = encodeSpec(spec);
  nb101.push([i, r['hash'], ops, matrix, fixed(Number(r['val_acc_108ep']) * 100, 6), Number(r['trainable_parameters'])].join(','));
});
writeFileSync('datasets/nb101/nb101.csv', nb101.join('\n') + '\n');
console.log(`nb201: ${nb201.length - 1} rows, nb101: ${nb101.length - 1} rows`);

/**
 * Regenerates `datasets/transnas/labels.tsv` from the shared NASLib Suite-Zero sample file, so the
 * product never reads ../shared at run time. Run once by a maintainer:
 *
 *   npx tsx datasets/transnas/make-table.ts [../shared/data/naslib_suite_zero_samples/zc_transbench101_micro.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellIndex, parseNaslibTuple, publishedStyleParams, TASKS, transnasString } from './space.ts';

const here = dirname(fileURLToPath(import.meta.url));
const src = process.argv[2] ?? join(here, '..', '..', '..', 'shared', 'data', 'naslib_suite_zero_samples', 'zc_transbench101_micro.json');
type Rec = { val_accuracy: number; params: { score: number } };
const data = JSON.parse(readFileSync(src, 'utf8')) as Record<string, Record<string, Rec>>;

const keys = Object.keys(data[TASKS[0]!.name]!);
const rows: { index: number; line: string }[] = [];
let exact = 0;
for (const key of keys) {
  const cell = parseNaslibTuple(key);
  const cols = [transnasString(cell)];
  let naslibParams = -1;
  for (const t of TASKS) {
    const r = data[t.name]?.[key];
    if (!r) throw new Error(`${key} missing from task ${t.name}`);
    cols.push(String(r.val_accuracy));
    const p = Math.round(r.params.score * 1e6);
    if (naslibParams >= 0 && p !== naslibParams + (t.naslibClasses - TASKS[0]!.naslibClasses) * 513) throw new Error(`${key}: params disagree across tasks`);
    if (naslibParams < 0) {
      naslibParams = p;
      if (publishedStyleParams(cell, t.naslibClasses) === p) exact++;
    }
  }
  cols.push(String(naslibParams));
  rows.push({ index: cellIndex(cell), line: cols.join('\t') });
}
rows.sort((a, b) => a.index - b.index);

const header = [
  '# TransNAS-Bench-101 micro (64-41414-<cell>): validation top-1 (%) of class_scene and class_object, as NASLib queried them',
  '#   (TransNAS-Bench API get_single_metric(arch, task, "valid_top1"), default mode "best" over the 25 training epochs);',
  '#   711 of the 4,096 micro cells (NAS-Bench-Suite-Zero sample).',
  '# SOURCE: GitHub automl/NASLib, naslib/data/zc_transbench101_micro.json (commit e5a821c2dadf608042e4e046e386006cf6bd0564),',
  '#   via ../shared/data/naslib_suite_zero_samples/. LICENSE: Apache-2.0 (NASLib); the values come from TransNAS-Bench-101 (yawen-d/TransNASBench, MIT).',
  `# naslib_params = NASLib's zero-cost "params" score x 1e6 for class_scene (its head has 63 classes; TransNAS-Bench trained 47).`,
  'arch\tclass_scene\tclass_object\tnaslib_params',
];
writeFileSync(join(here, 'labels.tsv'), header.join('\n') + '\n' + rows.map((r) => r.line).join('\n') + '\n');
console.log(`wrote ${rows.length} rows; params formula exact on ${exact}/${rows.length}`);

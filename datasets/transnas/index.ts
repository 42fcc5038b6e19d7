/**
 * TransNAS-Bench-101 micro (yawen-d/TransNASBench): the 711 cells of the NAS-Bench-Suite-Zero
 * sample, each built twice — with the class_scene head (47 classes) and the class_object head
 * (75 classes) — since the benchmark trained a separate network per task. Labels: validation
 * top-1 % from `labels.tsv` beside this file (see its header for source and license). The other
 * five tasks have no accuracy label or another network (docs/DATASETS.md).
 *
 * @example
 *   const entries = await transnasMicroSpace.entries(); // 1,422: 711 cells × 2 tasks
 *   const onnx = transnasMicroSpace.build(entries[0]!, { weights: 'stripped', seed: 0 });
 */
import { malformedRow, tsvRows } from '../lib/table.ts';
import { readFileSync } from 'node:fs';
import { OnnxPredictError } from '../../src/errors.ts';
import type { ArchEntry, SpaceBuilder } from '../lib/types.ts';
import { buildTransnasNetwork } from './network.ts';
import { cellIndex, parseTransnasString, TASKS, type Task } from './space.ts';

export const TRANSNAS_MICRO_SPACE = 'transnas-micro';
export const TRANSNAS_LABEL_KIND = 'top1-valid-best@25ep';
/** Entry index = task position × 4096 + the cell's base-4 index. */
export const CELLS_PER_TASK = 4096;
const HEAD_PARAMS_PER_CLASS = 512 + 1;
const NASLIB_REFERENCE_CLASSES = TASKS[0]!.naslibClasses;

const TABLE_URL = new URL('./labels.tsv', import.meta.url);
const HEADER = ['arch', ...TASKS.map((t) => t.name), 'naslib_params'].join('\t');

export function parseTransnasTable(text: string): ArchEntry[] {
  const out: ArchEntry[] = [];
  for (const row of tsvRows(text, HEADER)) {
    const cols = row.cols;
    const nums = cols.slice(1).map(Number);
    if (cols.length !== TASKS.length + 2 || nums.some((n) => !Number.isFinite(n))) throw malformedRow(row);
    const arch = cols[0]!;
    const cell = cellIndex(parseTransnasString(arch));
    const naslibParams = nums[TASKS.length]!;
    TASKS.forEach((task: Task, t) => {
      out.push({
        space: TRANSNAS_MICRO_SPACE,
        index: t * CELLS_PER_TASK + cell,
        arch,
        labels: { [task.name]: nums[t]! },
        labelKind: { [task.name]: TRANSNAS_LABEL_KIND },
        // NASLib's count with its head resized to the class count TransNAS-Bench trained with.
        publishedParams: naslibParams + (task.classes - NASLIB_REFERENCE_CLASSES) * HEAD_PARAMS_PER_CLASS,
        extra: { task: task.name, classes: task.classes, naslibParams },
      });
    });
  }
  out.sort((a, b) => a.index - b.index);
  return out;
}

export function taskOf(entry: ArchEntry): Task {
  const name = entry.extra?.['task'];
  const task = TASKS.find((t) => t.name === name);
  if (!task) throw new OnnxPredictError('DATASET_ERROR', `transnas-micro entry #${entry.index} has no known task (extra.task = ${String(name)})`);
  return task;
}

let cache: ArchEntry[] | undefined;

export const transnasMicroSpace: SpaceBuilder = {
  space: TRANSNAS_MICRO_SPACE,
  description: 'TransNAS-Bench-101 micro: 711 cells (4 nodes, ops zero/skip/conv1x1/conv3x3) in the 64-41414 ResNet-like encoder + linear head, 256 px; labels: class_scene (47 cls) / class_object (75 cls) valid top-1 %, one entry per cell and task',
  async entries() {
    cache ??= parseTransnasTable(readFileSync(TABLE_URL, 'utf8'));
    return cache;
  },
  build(entry, options) {
    if (entry.space !== TRANSNAS_MICRO_SPACE) throw new OnnxPredictError('DATASET_ERROR', `transnas-micro builder got an entry of space '${entry.space}'`);
    return buildTransnasNetwork(parseTransnasString(entry.arch), { ...options, classes: taskOf(entry).classes });
  },
};

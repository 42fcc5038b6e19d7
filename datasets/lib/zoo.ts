/**
 * Model zoos stored as exported graphs (datasets/pytorchcv, datasets/pycls; timm keeps its own
 * reader): a `labels.tsv` written by the zoo's `export.py --labels` with named columns, and one
 * gzipped, stripped ONNX file per row under `graphs/`. `build()` returns the stored bytes; there
 * are no weights to give.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { OnnxPredictError } from '../../src/errors.ts';
import { malformedRow, tsvRows, type TsvRow } from './table.ts';
import type { ArchEntry, BuildOptions } from './types.ts';

/** Rows of `labels.tsv` as column → cell maps; the header must be exactly `columns`. */
export function namedRows(text: string, columns: readonly string[], name = 'labels.tsv'): { row: TsvRow; get: (column: string) => string }[] {
  return tsvRows(text, columns.join('\t'), name).map((row) => {
    if (row.cols.length !== columns.length) throw malformedRow(row, name);
    return { row, get: (column: string) => row.cols[columns.indexOf(column)] ?? '' };
  });
}

/** A finite number from a cell, or the malformed-row error. */
export function numberCell(row: TsvRow, cell: string, name = 'labels.tsv'): number {
  const n = Number(cell);
  if (cell === '' || !Number.isFinite(n)) throw malformedRow(row, name);
  return n;
}

/** The stored graph `file` under `graphsUrl`, gunzipped; weights other than 'stripped' are a DATASET_ERROR. */
export function storedGraph(space: string, graphsUrl: URL, file: string, options: BuildOptions): Uint8Array {
  if (options.weights !== 'stripped') {
    throw new OnnxPredictError('DATASET_ERROR', `${space} graphs are stored without weights; weights '${options.weights}' is not available (parameter 'weights'; use 'stripped')`);
  }
  return new Uint8Array(gunzipSync(readFileSync(new URL(file, graphsUrl))));
}

/** `entry.extra` as `T` after checking the entry's space. */
export function zooExtra<T>(space: string, entry: ArchEntry): T {
  if (entry.space !== space || !entry.extra) throw new OnnxPredictError('DATASET_ERROR', `not a ${space} entry: '${entry.arch}' (space '${entry.space}')`);
  return entry.extra as unknown as T;
}

/** Reads the compact label tables shipped beside each builder (plain CSV, no quoting). */
import { readFile } from 'node:fs/promises';
import { OnnxPredictError } from '../../src/errors.ts';

export async function readTable(url: URL, columns: readonly string[]): Promise<string[][]> {
  let text: string;
  try {
    text = await readFile(url, 'utf8');
  } catch (e) {
    throw new OnnxPredictError('DATASET_ERROR', `cannot read label table '${url.pathname}'`, { cause: e });
  }
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== columns.join(',')) {
    throw new OnnxPredictError('DATASET_ERROR', `label table '${url.pathname}' must start with '${columns.join(',')}'`);
  }
  return lines.slice(1).map((l, i) => {
    const cells = l.split(',');
    if (cells.length !== columns.length) throw new OnnxPredictError('DATASET_ERROR', `label table '${url.pathname}' line ${i + 2}: ${cells.length} cells`);
    return cells;
  });
}

/** One data row of a tab-separated label table: its 1-based line number and its cells. */
export interface TsvRow {
  readonly line: number;
  readonly cols: string[];
}

/**
 * Rows of a tab-separated label table (`labels.tsv` beside a builder): blank lines and `#`
 * comments (source and license notes) are skipped, the first other line must be `header`.
 */
export function tsvRows(text: string, header: string, name = 'labels.tsv'): TsvRow[] {
  const out: TsvRow[] = [];
  let seenHeader = false;
  text.split('\n').forEach((l, i) => {
    if (l === '' || l.startsWith('#')) return;
    if (!seenHeader) {
      if (l !== header) throw new OnnxPredictError('DATASET_ERROR', `${name}:${i + 1}: unexpected header '${l}'`);
      seenHeader = true;
      return;
    }
    out.push({ line: i + 1, cols: l.split('\t') });
  });
  return out;
}

/** The error for a row that does not parse. */
export function malformedRow(row: TsvRow, name = 'labels.tsv'): OnnxPredictError {
  return new OnnxPredictError('DATASET_ERROR', `${name}:${row.line}: malformed row '${row.cols.join('\t')}'`);
}

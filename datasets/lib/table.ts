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

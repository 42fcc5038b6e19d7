/**
 * `onnx-predict batch --set-rank` ranks a batch of 10 or more files as a set (src/batch/set-rank.ts)
 * with the shipped checkpoint's set ranker when most of them are far from the training data, on
 * real NB201 graphs: the per-file predictions, reordered by the blended set score, with the
 * per-file ones kept beside them; near the training data (and by default) the per-file order stays.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSetRanking, rowScalars, setRankRows } from '../src/batch/set-rank.ts';
import type { BatchRow } from '../src/batch/rows.ts';
import { loadCheckpoint } from '../src/predictor/checkpoint.ts';
import { DEFAULT_CHECKPOINT_DIR } from '../src/predictor/predictor.ts';
import { blendScores, scoreSet } from '../src/predictor/set-ranker.ts';
import { buildDataset } from '../datasets/index.ts';
import { runCli } from './helpers/cli.ts';

describe('onnx-predict batch ranks a set (real NB201 graphs)', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'onnx-predict-set-'));
    await buildDataset('nb201', { out: join(root, 'zoo'), limit: 14, seed: 21 });
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('--set-rank on NB201 cells, near the training data: the per-file order is kept, and the output says why', async () => {
    const r = await runCli(['batch', 'zoo', '--out', 'out/near.jsonl', '--no-proxies', '--top', '3', '--set-rank'], { cwd: root, timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/a set of 14, 14 of them near the training data: ranked by the per-file predictions/);
    const rows = readFileSync(join(root, 'out', 'near.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow);
    for (const x of rows) expect(x.modelPredictions).toBeUndefined();
  }, 300_000);

  it('far from the training data, hands out the per-file accuracies in the blended set order and keeps them beside it', async () => {
    const r = await runCli(['batch', 'zoo', '--out', 'out/r.jsonl', '--no-proxies'], { cwd: root, timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    // The same real rows, as if every graph were far from the training data.
    const rows = readFileSync(join(root, 'out', 'r.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const x = JSON.parse(l) as BatchRow;
      return { ...x, warnings: [...(x.warnings as object[]), { code: 'far-from-training', summary: '', message: '' }] } as BatchRow;
    });
    const state = loadCheckpoint(DEFAULT_CHECKPOINT_DIR).model.setRanker!;
    const targets = Object.keys(rows[0]!.predictions);
    const { rows: out, report } = setRankRows(rows, state, targets);
    expect(report).toMatchObject({ applied: true, far: 14, n: 14, side: 'low', leftOut: 0 });
    expect(formatSetRanking(report!)).toMatch(/ranked as a set of 14 \(one search-space skeleton: \d of \d spreads agree, e\.g\. \w+ \d+\.\d\d ≤ \d+\.\d\d\) by .+, blended with the per-file predictions: the order depends on the files ranked together/);
    const score = scoreSet(state, rows.map((x) => rowScalars(x)!))!;
    // NB201 cells are known architectures: their CIFAR-10 measurement stays; the targets they have
    // no measurement for are reordered.
    for (const x of out) expect(x.predictions.cifar10).toMatchObject({ source: 'measured' });
    const predicted = targets.filter((t) => rows.every((x) => x.predictions[t] && x.predictions[t]!.source !== 'measured'));
    expect(predicted.length).toBeGreaterThanOrEqual(2);
    for (const t of predicted) {
      const acc = out.map((x) => x.predictions[t]!.accuracy);
      const own = rows.map((x) => x.predictions[t]!.accuracy);
      for (const x of out) expect((x.modelPredictions as Record<string, unknown>)[t]).toEqual(rows[out.indexOf(x)]!.predictions[t]);
      // The same values, reordered: sorted by the set score blended with the per-file one, the accuracies ascend.
      expect([...acc].sort((a, b) => a - b)).toEqual([...own].sort((a, b) => a - b));
      const blend = blendScores(score, own);
      const byScore = rows.map((_, i) => i).sort((a, b) => blend[a]! - blend[b]!);
      for (let k = 1; k < byScore.length; k++) expect(acc[byScore[k]!]!).toBeGreaterThanOrEqual(acc[byScore[k - 1]!]!);
      out.forEach((x, i) => {
        expect(x.predictions[t]).toMatchObject({ source: 'set' });
        expect(x.predictions[t]!.high - x.predictions[t]!.low).toBeCloseTo(rows[i]!.predictions[t]!.high - rows[i]!.predictions[t]!.low, 9);
      });
    }
    // Fewer than 10 files: no set.
    expect(setRankRows(rows.slice(0, 9), state, targets).report).toBeNull();
  }, 300_000);

  it('without --set-rank (the default) nothing is said about sets', async () => {
    const a = await runCli(['batch', 'zoo', '--out', 'a.csv', '--no-proxies'], { cwd: root, timeoutMs: 240_000 });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).not.toMatch(/set of/);
    const plain = parse(readFileSync(join(root, 'a.csv')), { columns: true }) as Record<string, string>[];
    expect(Object.keys(plain[0]!)).not.toContain('cifar10_model');
  }, 300_000);
});

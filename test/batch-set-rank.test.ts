/**
 * `onnx-predict batch` ranks a batch of 10 or more files as a set (src/batch/set-rank.ts) with the
 * shipped checkpoint's set ranker, on real NB201 graphs: the per-file predictions, reordered by the
 * set score, with the per-file ones kept beside them; `--no-set-rank` keeps the per-file order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowScalars } from '../src/batch/set-rank.ts';
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

  it('hands out the per-file accuracies in the set ranker\'s order and keeps them beside it', async () => {
    const r = await runCli(['batch', 'zoo', '--out', 'out/r.jsonl', '--no-proxies', '--top', '3'], { cwd: root, timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ranked as a set of 14 \(one search-space skeleton: \d of \d spreads agree, e\.g\. \w+ \d+\.\d\d ≤ \d+\.\d\d\) by .+, blended with the per-file predictions: the order depends on the files ranked together/);
    const rows = readFileSync(join(root, 'out', 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow & { modelPredictions: Record<string, { accuracy: number; low: number; high: number; source?: string }> });
    expect(rows).toHaveLength(14);
    const state = loadCheckpoint(DEFAULT_CHECKPOINT_DIR).model.setRanker!;
    const score = scoreSet(state, rows.map((x) => rowScalars(x)!))!;
    // NB201 cells are known architectures: their CIFAR-10 measurement stays; the targets they have
    // no measurement for are reordered.
    for (const x of rows) expect(x.predictions.cifar10).toMatchObject({ source: 'measured' });
    const predicted = Object.keys(rows[0]!.predictions).filter((t) => rows.every((x) => x.modelPredictions[t] && (x.modelPredictions[t] as { source?: string }).source !== 'measured'));
    expect(predicted.length).toBeGreaterThanOrEqual(2);
    for (const t of predicted) {
      const acc = rows.map((x) => x.predictions[t]!.accuracy);
      const own = rows.map((x) => x.modelPredictions[t]!.accuracy);
      // The same values, reordered: sorted by the set score blended with the per-file one, the accuracies ascend.
      expect([...acc].sort((a, b) => a - b)).toEqual([...own].sort((a, b) => a - b));
      const blend = blendScores(score, own);
      const byScore = rows.map((_, i) => i).sort((a, b) => blend[a]! - blend[b]!);
      for (let k = 1; k < byScore.length; k++) expect(acc[byScore[k]!]!).toBeGreaterThanOrEqual(acc[byScore[k - 1]!]!);
      for (const x of rows) {
        expect(x.predictions[t]).toMatchObject({ source: 'set' });
        expect(x.predictions[t]!.high - x.predictions[t]!.low).toBeCloseTo(x.modelPredictions[t]!.high - x.modelPredictions[t]!.low, 9);
      }
    }
    // Resume: nothing is scored again; the set is ranked again from the per-file predictions.
    const before = readFileSync(join(root, 'out', 'r.jsonl'), 'utf8');
    const again = await runCli(['batch', 'zoo', '--out', 'out/r.jsonl', '--no-proxies', '--resume'], { cwd: root, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 scored, 0 failed, 14 skipped/);
    expect(readFileSync(join(root, 'out', 'r.jsonl'), 'utf8')).toBe(before);
  }, 300_000);

  it('--no-set-rank keeps the per-file predictions; a CSV gets the per-file columns when ranked as a set', async () => {
    const a = await runCli(['batch', 'zoo', '--out', 'a.csv', '--no-proxies', '--no-set-rank'], { cwd: root, timeoutMs: 240_000 });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).not.toMatch(/ranked as a set/);
    const plain = parse(readFileSync(join(root, 'a.csv')), { columns: true }) as Record<string, string>[];
    expect(Object.keys(plain[0]!)).not.toContain('cifar10_model');
    const b = await runCli(['batch', 'zoo', '--out', 'b.csv', '--no-proxies'], { cwd: root, timeoutMs: 240_000 });
    expect(b.code, b.stderr).toBe(0);
    const set = parse(readFileSync(join(root, 'b.csv')), { columns: true }) as Record<string, string>[];
    const byFile = new Map(plain.map((x) => [x.file, x]));
    for (const x of set) expect(Number(x.svhn_model)).toBeCloseTo(Number(byFile.get(x.file)!.svhn_accuracy), 6);
    expect(set.map((x) => Number(x.svhn_accuracy)).sort()).toEqual(plain.map((x) => Number(x.svhn_accuracy)).sort());
  }, 300_000);
});

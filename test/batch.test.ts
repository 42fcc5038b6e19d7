/**
 * Batch scoring: inputs (dirs, globs, @lists), CSV/JSONL correctness, error rows, resume after a
 * torn write and after a real kill, resume under three spellings of the same folder, outputs that
 * collide with inputs or are not ours, output folders, and the `onnx-predict batch` command.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as face from '../src/index.ts';
import * as batch from '../src/batch/index.ts';
import type { BatchRow } from '../src/batch/index.ts';
import { buildDataset } from '../datasets/index.ts';
import { csvHeaderLine, normalizeRow, parseExisting, serializeRow } from '../src/batch/rows.ts';
import { badInputs } from './helpers/bad-inputs.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { childPids } from './helpers/processes.ts';

// The face does not re-export the batch adapter; datasets are built through datasets/ directly.
const api = { ...face, ...batch, buildDataset };

let root: string;
let zoo: string;
let good: string[];
let many: string;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const csv = (p: string) => parse(readFileSync(p), { columns: true }) as Record<string, string>[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'onnx-predict-batch-'));
  zoo = join(root, 'zoo');
  await api.buildDataset('nb201', { out: zoo, limit: 5, seed: 5 });
  good = readdirSync(zoo).filter((f) => f.endsWith('.onnx')).sort().map((f) => join(zoo, f));
  mkdirSync(join(zoo, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(zoo, 'sub', 'corrupt.onnx'), badInputs()[2]!.bytes);
  // A name that needs CSV quoting.
  copyFileSync(good[0]!, join(zoo, 'sub', 'deeper', 'we,ird "name".onnx'));
  writeFileSync(join(zoo, 'sub', 'notes.txt'), 'not a model, not listed\n');
  many = join(root, 'many');
  await api.buildDataset('nb201', { out: many, limit: 40, seed: 9 });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('collectModelPaths', () => {
  it('walks directories recursively for .onnx only, sorted', async () => {
    const paths = await api.collectModelPaths([zoo]);
    expect(paths).toHaveLength(7);
    expect(paths.every((p) => p.endsWith('.onnx'))).toBe(true);
    expect(paths).toContain(join(zoo, 'sub', 'deeper', 'we,ird "name".onnx'));
  });
  it('reads @lists and plain text lists (paths relative to the list), globs, dedupes', async () => {
    const list = join(root, 'list.txt');
    writeFileSync(list, `# models\n${relative(root, good[0]!)}\n\n${good[1]}\nmissing.onnx\n`);
    expect(await api.collectModelPaths([`@${list}`], { cwd: root })).toEqual([relative(root, good[0]!), good[1]!, 'missing.onnx']);
    expect(await api.collectModelPaths([list, good[1]!], { cwd: root })).toHaveLength(3);
    const globbed = await api.collectModelPaths([`${relative(root, zoo)}/*.onnx`], { cwd: root });
    expect(globbed).toHaveLength(5);
  });
});

describe('runBatch', () => {
  it('CSV: one row per input, correct quoting, sha256, error rows, targets as columns', async () => {
    const out = join(root, 'r.csv');
    const s = await api.runBatch({ inputs: [zoo, join(root, 'nope.onnx')], out });
    expect(s).toMatchObject({ inputs: 8, written: 8, scored: 6, failed: 2, skipped: 0 });
    const rows = csv(out);
    expect(Object.keys(rows[0]!)).toEqual(api.csvColumns(s.targets));
    expect(rows).toHaveLength(8);
    const weird = rows.find((r) => r.file!.endsWith('we,ird "name".onnx'))!;
    expect(weird.sha256).toBe(sha(good[0]!));
    const same = rows.find((r) => r.file === good[0])!;
    expect(weird[`${s.targets[0]}_accuracy`]).toBe(same[`${s.targets[0]}_accuracy`]);
    const corrupt = rows.find((r) => r.file!.endsWith('corrupt.onnx'))!;
    expect(corrupt).toMatchObject({ error_code: 'INVALID_MODEL', [`${s.targets[0]}_accuracy`]: '' });
    expect(corrupt.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.find((r) => r.file!.endsWith('nope.onnx'))).toMatchObject({ error_code: 'UNREADABLE_INPUT', sha256: '' });
    for (const r of rows.filter((x) => x.error_code === '')) {
      for (const t of s.targets) {
        const [a, lo, hi] = [Number(r[`${t}_accuracy`]), Number(r[`${t}_low`]), Number(r[`${t}_high`])];
        expect(lo).toBeLessThanOrEqual(a);
        expect(hi).toBeGreaterThanOrEqual(a);
      }
      expect(Number(r.params)).toBeGreaterThan(0);
      expect(r.nearest_id).toMatch(/^nb201-/);
    }
  }, 180_000); // the first batch pays the cold start (checkpoint, encoder, proxies for 6 models): over 60 s on a loaded 2-core machine

  it('JSONL gives the same rows; output is deterministic', async () => {
    const a = await api.runBatch({ inputs: [zoo], out: join(root, 'a.jsonl') });
    const b = await api.runBatch({ inputs: [zoo], out: join(root, 'b.jsonl') });
    expect(readFileSync(join(root, 'a.jsonl'), 'utf8')).toBe(readFileSync(join(root, 'b.jsonl'), 'utf8'));
    const lines = readFileSync(join(root, 'a.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow);
    expect(lines).toEqual(a.rows);
    expect(b.rows.filter((r) => r.error).map((r) => r.error!.code)).toEqual(['INVALID_MODEL']);
  });

  it('resume: cuts a torn last line, skips rows already present, no duplicates', async () => {
    const out = join(root, 'resume.csv');
    // Proxies off for the 40-file runs: they cost a forward pass per file and are covered above.
    await api.runBatch({ inputs: [many], out, proxies: false });
    const full = readFileSync(out, 'utf8');
    const lines = full.split('\n');
    // Header + 12 rows + half of row 13, as a kill mid-write would leave it.
    writeFileSync(out, `${lines.slice(0, 13).join('\n')}\n${lines[13]!.slice(0, 20)}`);
    const s = await api.runBatch({ inputs: [many], out, resume: true, proxies: false });
    expect(s).toMatchObject({ inputs: 40, skipped: 12, written: 28, scored: 28, failed: 0 });
    expect(readFileSync(out, 'utf8')).toBe(full);
  });

  it('worker processes write the same file as one thread', async () => {
    const s = await api.runBatch({ inputs: [zoo], out: join(root, 'w2.csv'), concurrency: 2 });
    expect(s).toMatchObject({ written: 7, scored: 6, failed: 1 });
    await api.runBatch({ inputs: [zoo], out: join(root, 'w1.csv'), concurrency: 1 });
    expect(readFileSync(join(root, 'w2.csv'), 'utf8')).toBe(readFileSync(join(root, 'w1.csv'), 'utf8'));
  });

  it('rankRows: top k by the chosen target, failures excluded', async () => {
    const s = await api.runBatch({ inputs: [zoo], out: join(root, 'rank.csv') });
    const t = s.targets[1]!;
    const top = api.rankRows(s.rows, t, 3);
    expect(top).toHaveLength(3);
    expect(top[0]!.predictions[t]!.accuracy).toBeGreaterThanOrEqual(top[2]!.predictions[t]!.accuracy);
    expect(api.rankRows(s.rows, t, 100)).toHaveLength(6);
  });

  it('BAD CALL: wrong extension, nothing to score, a foreign file on resume', async () => {
    await expect(api.runBatch({ inputs: [zoo], out: join(root, 'x.txt') })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(api.runBatch({ inputs: [join(root, 'empty-dir-*')], out: join(root, 'y.csv') })).rejects.toMatchObject({ code: 'USAGE' });
    writeFileSync(join(root, 'foreign.csv'), 'a,b,c\n1,2,3\n');
    await expect(api.runBatch({ inputs: [zoo], out: join(root, 'foreign.csv'), resume: true })).rejects.toThrow(/cannot resume .*foreign\.csv: it is not a batch CSV/);
    // Without resume it is not overwritten either: it is not ours.
    await expect(api.runBatch({ inputs: [zoo], out: join(root, 'foreign.csv') })).rejects.toThrow(/exists and is not a results file/);
    expect(readFileSync(join(root, 'foreign.csv'), 'utf8')).toBe('a,b,c\n1,2,3\n');
  });
});

describe('scorer pool', () => {
  it('a native crash (SIGSEGV) of a scoring process is reported, once, and fails the scores after it', async () => {
    const { workerPool } = await import('../src/batch/scorers.ts');
    const crashes: Error[] = [];
    const pool = await workerPool(2, undefined, (e) => crashes.push(e));
    try {
      const pids = childPids('batch/worker');
      expect(pids).toHaveLength(2);
      process.kill(pids[0]!, 'SIGSEGV');
      const t0 = Date.now();
      while (crashes.length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
      expect(crashes).toHaveLength(1);
      expect(crashes[0]!.message).toMatch(/a scoring process was killed by SIGSEGV \(a native crash\)/);
      await expect(pool.score(good[0]!)).rejects.toThrow(/SIGSEGV/);
    } finally {
      await pool.close();
    }
    expect(childPids('batch/worker')).toHaveLength(0);
  }, 120_000);
});

describe('rows', () => {
  it('fields the prediction report adds (in-domain flags, proxies, warnings) survive CSV and JSONL round trips', () => {
    const targets = ['cifar10', 'imagenet'];
    const row: BatchRow = {
      file: 'a b,c.onnx', sha256: 'ab'.repeat(32),
      predictions: { cifar10: { accuracy: 91.5, low: 89, high: 93.25, inDomain: true }, imagenet: { accuracy: 40, low: 30, high: 50, inDomain: false } },
      params: 1000, macs: 20000, nearest: { id: 'nb201-1', arch: '|skip_connect~0|+', distance: 0.5, accuracy: { cifar10: 90 } },
      exact: null, error: null, proxies: { synflow: 12.5, jacov: -3 }, warnings: [{ code: 'FAR_FROM_TRAINING', message: 'far, "quoted"' }],
    };
    for (const format of ['csv', 'jsonl'] as const) {
      const text = (format === 'csv' ? csvHeaderLine(targets) : '') + serializeRow(row, format, targets);
      const back = parseExisting(Buffer.from(text), format, targets, `x.${format}`).rows;
      expect(back, format).toEqual([row]);
      expect(serializeRow(back[0]!, format, targets)).toBe(serializeRow(row, format, targets));
    }
    // The proxies' wall time is not part of a row: equal files, equal rows.
    expect(normalizeRow({ ...row, proxies: { proxies: { synflow: 1 }, seconds: 0.73, samples: 16 } }).proxies).toEqual({ proxies: { synflow: 1 }, samples: 16 });
  });
});

describe('safe batch files', () => {
  it('globs keep their spelling: absolute stays absolute, ./ stays ./', async () => {
    const abs = await api.collectModelPaths([`${zoo}/*.onnx`]);
    expect(abs).toHaveLength(5);
    expect(abs.every((p) => p.startsWith(`${zoo}/`))).toBe(true);
    const dot = await api.collectModelPaths(['./zoo/*.onnx'], { cwd: root });
    expect(dot.every((p) => p.startsWith('./zoo/'))).toBe(true);
  });

  it('resume finds the same rows under four spellings of the folder: no re-scoring, no duplicates', async () => {
    symlinkSync(zoo, join(root, 'zlink'));
    const out = join(root, 'spell.csv');
    const first = await api.runBatch({ inputs: ['zoo'], out, cwd: root });
    expect(first).toMatchObject({ inputs: 7, written: 7 });
    const full = readFileSync(out, 'utf8');
    for (const spelling of ['./zoo', zoo, 'zlink', `${root}/zoo/../zoo/`]) {
      const s = await api.runBatch({ inputs: [spelling], out, resume: true, cwd: root });
      expect(s, spelling).toMatchObject({ inputs: 7, written: 0, skipped: 7 });
      expect(readFileSync(out, 'utf8'), spelling).toBe(full);
    }
    // Paths are written as the first run spelled them.
    expect(csv(out).every((r) => r.file!.startsWith('zoo/'))).toBe(true);
  });

  it('resume re-scores a file whose bytes changed and drops its old row', async () => {
    const dir = join(root, 'changing');
    mkdirSync(dir);
    for (const [i, g] of good.slice(0, 3).entries()) copyFileSync(g, join(dir, `m${i}.onnx`));
    const out = join(root, 'changing.jsonl');
    await api.runBatch({ inputs: [dir], out });
    copyFileSync(good[3]!, join(dir, 'm1.onnx'));
    const s = await api.runBatch({ inputs: [dir], out, resume: true });
    expect(s).toMatchObject({ inputs: 3, written: 1, skipped: 2 });
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow);
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r.file.endsWith('m1.onnx'))!.sha256).toBe(sha(good[3]!));
  });

  it('BAD CALL: an output that is also an input (any spelling, a symlink) is refused and left as it was', async () => {
    const list = join(root, 'paths.csv');
    const text = `${good[0]}\n${good[1]}\n`;
    writeFileSync(list, text);
    for (const [inputs, out] of [[[list], list], [[`@${list}`], './paths.csv'], [['paths.csv'], join(root, '.', 'paths.csv')]] as const) {
      await expect(api.runBatch({ inputs, out, cwd: root })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/is also an input .*refusing to overwrite it/) });
      await expect(api.runBatch({ inputs, out, cwd: root, resume: true })).rejects.toMatchObject({ code: 'USAGE' });
    }
    symlinkSync(list, join(root, 'alias.csv'));
    await expect(api.runBatch({ inputs: [list], out: join(root, 'alias.csv') })).rejects.toThrow(/is also an input/);
    expect(readFileSync(list, 'utf8')).toBe(text);
  });

  it('BAD CALL: a results file given as an input is refused with a sentence, never read as a list', async () => {
    const out = join(root, 'res.csv');
    await api.runBatch({ inputs: [good[0]!], out });
    const jsonl = join(root, 'res.jsonl');
    await api.runBatch({ inputs: [good[0]!], out: jsonl });
    for (const results of [out, jsonl, `@${out}`]) {
      await expect(api.runBatch({ inputs: [zoo, results], out: join(root, 'other.csv'), resume: true }))
        .rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/is a results file written by onnx-predict batch, not a list of model paths/) });
    }
    expect(existsSync(join(root, 'other.csv'))).toBe(false);
  });

  it('output folders: created when missing; a file in the way or a folder as output is a sentence', async () => {
    const deep = join(root, 'new', 'a', 'b', 'r.jsonl');
    expect((await api.runBatch({ inputs: [good[0]!], out: deep })).written).toBe(1);
    expect(existsSync(deep)).toBe(true);
    writeFileSync(join(root, 'plain'), 'x');
    await expect(api.runBatch({ inputs: [good[0]!], out: join(root, 'plain', 'r.csv') })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/plain is a file, not a folder/) });
    await expect(api.runBatch({ inputs: [good[0]!], out: join(root, 'plain', 'sub', 'r.csv') })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/cannot create the folder .*plain\/sub .*a part of the path is a file, not a folder/) });
    mkdirSync(join(root, 'dir.csv'));
    await expect(api.runBatch({ inputs: [good[0]!], out: join(root, 'dir.csv') })).rejects.toThrow(/is a folder; name a \.csv or \.jsonl file/);
  });

  it('a checkpoint that fails to load leaves no output file', async () => {
    const out = join(root, 'nock.csv');
    await expect(api.runBatch({ inputs: [good[0]!], out, checkpoint: join(root, 'no-checkpoint') })).rejects.toMatchObject({ code: 'INCOMPATIBLE_CHECKPOINT' });
    expect(existsSync(out)).toBe(false);
  });
});

describe('onnx-predict batch (real binary)', () => {
  it('writes the CSV, prints the ranked table and a summary; exit 0 with error rows', async () => {
    const out = join(root, 'cli.csv');
    const r = await runCli(['batch', zoo, '--out', out, '--top', '3', '--target', 'cifar100', '--progress']);
    expect(r.code, r.stderr).toBe(0);
    // The NB201 graphs keep a 10-class head: none fits CIFAR-100's 100 classes.
    expect(r.stdout).toMatch(/^ranked by cifar100 \(--target\): 0 of 6 files fit it; for the other 6 it is a guess \(marked \*\) \(top 3 of 6, /m);
    const plain = await runCli(['batch', zoo, '--out', out, '--resume', '--top', '3']);
    expect(plain.stdout).toMatch(/^ranked by cifar10, the target all 6 files fit \(top 3 of 6, /m);
    expect(r.stdout).toMatch(/7 inputs: 6 scored, 1 failed, 0 skipped/);
    expect(r.stdout).toMatch(/nearest known architectures:\n1 {2}nb201-\d+ \(distance [\d.]+\): \|[a-z_0-9]+~0\|\+/);
    expect(csv(out)).toHaveLength(7);
    const bad = await runCli(['batch', zoo, '--out', out, '--target', 'mnist']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--target must be one of/);
  });

  it('resume after a real kill: exactly one row per file', async () => {
    const out = join(root, 'killed.csv');
    const child = spawn(process.execPath, [BIN, 'batch', many, '--out', out, '--top', '0', '-j', '1', '--no-proxies'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      if (existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 6) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const partial = csv(out).length;
    expect(partial).toBeGreaterThanOrEqual(5);
    expect(statSync(out).size).toBeGreaterThan(0);
    const r = await runCli(['batch', many, '--out', out, '--resume', '--top', '0', '--no-proxies']);
    expect(r.code, r.stderr).toBe(0);
    const rows = csv(out);
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((x) => x.file)).size).toBe(40);
    expect(r.stdout).toMatch(new RegExp(`40 inputs: ${40 - Math.min(partial, 40)} scored, 0 failed, ${Math.min(partial, 40)} skipped`));
  });
});

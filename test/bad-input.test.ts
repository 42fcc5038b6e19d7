/**
 * EXPECTED FAILURES: corrupt and hostile inputs are rejected with typed errors, in-process and
 * through the real CLI (exit 3, one line on stderr, nothing on stdout).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxPredictError } from '../src/errors.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { describe as describeText } from '../src/onnx-to-text/text/index.ts';
import { badInputs, smallNet } from './helpers/bad-inputs.ts';
import { runCli } from './helpers/cli.ts';

const corpus = badInputs();

describe('bad input, in process', () => {
  for (const bad of corpus) {
    it(`${bad.name}: typed error, bounded time`, () => {
      const t0 = performance.now();
      let err: unknown;
      try {
        readModel(bad.bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OnnxPredictError);
      expect((err as OnnxPredictError).exitCode).toBe(3);
      expect((err as Error).message).toMatch(bad.message);
      expect(performance.now() - t0).toBeLessThan(2000);
    });
  }
});

describe('bad input, through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-predict-bad-'));
  for (const bad of corpus) {
    it(`${bad.name}: stats and describe exit 3 with one line`, async () => {
      const file = join(dir, `${bad.name}.onnx`);
      writeFileSync(file, bad.bytes);
      for (const cmd of ['stats', 'describe']) {
        const r = await runCli([cmd, file]);
        expect(r.code).toBe(3);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(bad.message);
      }
    });
  }

  it('a missing file exits 3 and names the file', async () => {
    const r = await runCli(['stats', join(dir, 'nope.onnx')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nope\.onnx: no such file/);
  });

  it('a directory exits 3', async () => {
    const r = await runCli(['stats', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is a directory/);
  });
});

/** Seeded byte mutations of a real file: every outcome is success or a typed error. */
describe('fuzz: mutated real files', () => {
  it('2,000 mutations never throw an untyped error', () => {
    const base = smallNet();
    let s = 12345;
    const rand = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    const outcomes = { ok: 0, typed: 0 };
    for (let i = 0; i < 2000; i++) {
      const bytes = base.slice();
      const edits = 1 + rand(8);
      for (let k = 0; k < edits; k++) {
        const kind = rand(3);
        const at = rand(bytes.length);
        if (kind === 0) bytes[at] = rand(256);
        else if (kind === 1) bytes[at] = bytes[at]! ^ (1 << rand(8));
        else bytes[at] = 0xff;
      }
      const cut = rand(10) === 0 ? bytes.subarray(0, rand(bytes.length)) : bytes;
      try {
        const model = readModel(cut);
        profileModel(model);
        describeText(model, { mode: 'chain_slim' });
        describeText(model);
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof OnnxPredictError)) throw new Error(`mutation ${i} threw untyped ${String(e)}`, { cause: e });
        outcomes.typed++;
      }
    }
    expect(outcomes.ok + outcomes.typed).toBe(2000);
    expect(outcomes.typed).toBeGreaterThan(0);
  });
});

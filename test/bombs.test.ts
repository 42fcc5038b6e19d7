/**
 * Bounded decoding: generated bombs (valid protobuf, cheap on disk, expensive to decode naively)
 * are refused by the pre-scan with INVALID_MODEL, before anything is built, in bounded time.
 * Sizes here are just over the limits (or the limits are lowered through `scanModel`); the
 * full-size bombs of issue 14 run in bench/bombs.ts as whole processes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxPredictError } from '../src/errors.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { READ_LIMITS, readModel, scanModel } from '../src/onnx-to-text/reader.ts';
import { WireLimitError } from '../src/onnx-to-text/wire.ts';
import { hugeRepeated, identityChain, manySmallSubgraphs, nestedIfs, type RepeatedKind } from './helpers/bombs.ts';
import { runCli } from './helpers/cli.ts';

function refusal(bytes: Uint8Array, source?: string): { err: OnnxPredictError; ms: number } {
  const t = performance.now();
  try {
    readModel(bytes, source === undefined ? {} : { source });
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxPredictError);
    return { err: e as OnnxPredictError, ms: performance.now() - t };
  }
  throw new Error('the bomb was accepted');
}

describe('generated bombs are refused before decoding', () => {
  it('one node over maxNodes (Identity chain): INVALID_MODEL, exit 3, in bounded time', () => {
    const bytes = identityChain(READ_LIMITS.maxNodes + 1);
    const { err, ms } = refusal(bytes, 'chain.onnx');
    expect(err.code).toBe('INVALID_MODEL');
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(new RegExp(`^chain\\.onnx: .*more than ${READ_LIMITS.maxNodes} nodes`));
    expect(ms).toBeLessThan(5000);
  });

  it('the limit is exact: maxNodes nodes pass the scan, one more does not', () => {
    const bytes = identityChain(1001);
    expect(scanModel(bytes, { ...READ_LIMITS, maxNodes: 1001 }).nodes).toBe(1001);
    expect(() => scanModel(bytes, { ...READ_LIMITS, maxNodes: 1000 })).toThrow(WireLimitError);
  });

  it('deep-but-legal nesting of big If subgraphs is refused by its total node count', () => {
    const bytes = nestedIfs(21, 100);
    const counts = scanModel(bytes);
    expect(counts.maxGraphDepth).toBe(21);
    expect(counts.nodes).toBe(21 * 100 + 20);
    expect(() => scanModel(bytes, { ...READ_LIMITS, maxNodes: 2000 })).toThrow(/more than 2000 nodes/);
    // Under the limits it reads and profiles: bodies count once, inside their If node.
    const p = profileModel(readModel(bytes));
    expect(p.totals.nodes + p.totals.subgraphNodes).toBe(21 * 100 + 20);
  });

  it('nesting past maxGraphDepth is refused without recursing into it', () => {
    const { err } = refusal(nestedIfs(READ_LIMITS.maxGraphDepth + 1, 1));
    expect(err.message).toMatch(/nested deeper than 64 levels/);
  });

  const repeated: readonly [RepeatedKind, number, RegExp][] = [
    ['attribute-ints', READ_LIMITS.maxAttributeElements + 1, /an attribute with more than 1000000 elements/],
    ['attribute-strings', READ_LIMITS.maxAttributeElements + 1, /an attribute with more than 1000000 elements/],
    ['node-inputs', READ_LIMITS.maxNodeArity + 1, /a node with more than 100000 inputs/],
    ['tensor-dims', READ_LIMITS.maxRank + 1, /a tensor of rank over 64/],
  ];
  for (const [kind, n, message] of repeated) {
    it(`a huge repeated field (${kind}, ${n} elements) is refused`, () => {
      const { err, ms } = refusal(hugeRepeated(kind, n));
      expect(err.code).toBe('INVALID_MODEL');
      expect(err.message).toMatch(message);
      expect(ms).toBeLessThan(2000);
      // The same structure just under the limit is an ordinary model.
      expect(readModel(hugeRepeated(kind, kind === 'tensor-dims' ? 4 : 1000)).graph.nodes.length).toBe(1);
    });
  }

  it('many small subgraphs under a big graph profile in linear time (no outer-scope copies)', () => {
    const model = readModel(manySmallSubgraphs(4000, 2000));
    const t = performance.now();
    const p = profileModel(model);
    expect(p.totals.nodes).toBe(4000 + 1 + 2000);
    expect(p.totals.subgraphNodes).toBe(4000);
    // Copying the 4,000-value scope into 4,000 bodies was 16 M map entries; the chain is ~0.
    expect(performance.now() - t).toBeLessThan(3000);
  });
});

describe('bombs through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-predict-bombs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stats refuses a node bomb with exit 3 and one sentence naming the file', async () => {
    const file = join(dir, 'nodes.onnx');
    writeFileSync(file, identityChain(READ_LIMITS.maxNodes + 1));
    const r = await runCli(['stats', file]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/nodes\.onnx/);
    expect(lines[0]).toContain(`more than ${READ_LIMITS.maxNodes} nodes`);
  });
});

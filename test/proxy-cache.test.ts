/**
 * The proxy cache of a built dataset (src/proxies/cache.ts) through the product: `dataset build
 * --proxies` fills it in child processes, a second run computes nothing, a model that cannot be
 * read costs one skipped line, and the committed form round-trips.
 */
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheProxies, exportCommitted, importCommitted, proxyCoverage, readCache } from '../src/proxies/cache.ts';
import { PROXY_NAMES, PROXY_VERSION } from '../src/proxies/index.ts';
import { runCli } from './helpers/cli.ts';

describe('proxy cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'proxy-cache-'));
  // NB101: no committed cache, so its proxies are computed.
  const dir = join(root, 'nb101');

  it('dataset build --proxies computes every architecture, in child processes', async () => {
    const r = await runCli(['dataset', 'build', 'nb101', '--out', dir, '--limit', '5', '--seed', '4', '--proxies', '--workers', '2']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { built: number; proxies: { coverage: number; computed: number; workers: number; version: string } };
    expect(j.built).toBe(5);
    expect(j.proxies).toMatchObject({ coverage: 1, computed: 5, workers: 2, version: PROXY_VERSION });
    const cache = readCache(dir);
    expect(cache.size).toBe(5);
    for (const line of cache.values()) expect(Object.keys(line.proxies!)).toEqual([...PROXY_NAMES]);
  }, 120_000);

  it('dataset build --proxies imports the committed NB201 cache instead of computing', async () => {
    const nb201 = join(root, 'nb201');
    const r = await runCli(['dataset', 'build', 'nb201', '--out', nb201, '--limit', '5', '--seed', '4', '--proxies']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { proxies: { coverage: number; computed: number; imported: number } };
    expect(j.proxies).toMatchObject({ coverage: 1, computed: 0, imported: 5 });
    for (const line of readCache(nb201).values()) expect(line.version).toBe(PROXY_VERSION);
  }, 120_000);

  it('is resumable, and a model that cannot run costs one skipped line', async () => {
    writeFileSync(join(dir, 'broken.onnx'), 'not an onnx file');
    appendFileSync(join(dir, 'manifest.jsonl'), `${JSON.stringify({ id: 'broken', space: 'nb101', arch: 'x', file: 'broken.onnx', labels: {}, params: 0, macs: 0 })}\n`);
    const s = await cacheProxies({ dir, workers: 1 });
    expect(s).toMatchObject({ total: 6, cached: 5, computed: 1, skipped: 1 });
    expect(readCache(dir).get('broken')!.skipped!.code).toBe('run-failed');
    expect(proxyCoverage(dir)).toMatchObject({ total: 6, withProxies: 5, skipped: 1, missing: 0 });
    expect((await cacheProxies({ dir, workers: 2 })).computed).toBe(0);
  }, 120_000);

  it('the committed form round-trips into a folder built without proxies', () => {
    const file = join(root, 'nb201.committed.jsonl.gz');
    expect(exportCommitted(dir, file)).toBe(6);
    const other = join(root, 'other');
    mkdirSync(other);
    copyFileSync(join(dir, 'manifest.jsonl'), join(other, 'manifest.jsonl'));
    expect(importCommitted(other, undefined, file)).toBe(6);
    expect(importCommitted(other, undefined, file)).toBe(0);
    const a = readCache(dir);
    const b = readCache(other);
    for (const [id, line] of a) {
      if (!line.proxies) { expect(b.get(id)!.skipped!.code).toBe('run-failed'); continue; }
      // Seven significant digits.
      for (const k of PROXY_NAMES) expect(Math.abs(b.get(id)!.proxies![k]! - line.proxies[k]!)).toBeLessThanOrEqual(1e-6 * Math.abs(line.proxies[k]!));
    }
    // An id whose architecture differs is left alone.
    const third = join(root, 'third');
    mkdirSync(third);
    writeFileSync(join(third, 'manifest.jsonl'), readFileSync(join(dir, 'manifest.jsonl'), 'utf8').replace(/"arch":"/g, '"arch":"changed'));
    expect(importCommitted(third, undefined, file)).toBe(0);
  });
});

/**
 * Manifest-driven corpus: real torchvision/torch exports (weights stripped, tiny_encoder kept
 * whole) with golden params, MACs, op counts and output shapes in
 * test/fixtures/models/manifest.json. Regenerate the goldens after an intended change with
 *   UPDATE_GOLDEN=1 npx vitest run test/corpus-fixtures.test.ts
 * and review the diff. `referenceMacs` are independent published figures (torchvision's model
 * docs list "GFLOPS" that are in fact MACs) and are never rewritten.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dim } from '../src/onnx-to-text/ir.ts';
import { profileModel, type Profile } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';

interface Golden {
  params: number;
  macs: number;
  elementOps: number;
  activationElements: number;
  shapeCoverage: number;
  nodes: number;
  outputs: Record<string, readonly Dim[] | null>;
  opCounts: Record<string, number>;
}

interface Entry {
  file: string;
  /** Published MACs and the relative tolerance their rounding allows. */
  referenceMacs?: { value: number; tolerance: number; source: string };
  golden?: Golden;
}

const manifestUrl = new URL('./fixtures/models/manifest.json', import.meta.url);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as { description: string; models: Record<string, Entry> };
const update = process.env.UPDATE_GOLDEN === '1';

function goldenOf(p: Profile, outputs: readonly string[]): Golden {
  return {
    params: p.totals.params,
    macs: p.totals.macs,
    elementOps: p.totals.elementOps,
    activationElements: p.totals.activationElements,
    shapeCoverage: p.totals.shapeCoverage,
    nodes: p.totals.nodes,
    outputs: Object.fromEntries(outputs.map((o) => [o, p.shapes.get(o)?.shape ?? null])),
    opCounts: Object.fromEntries(Object.entries(p.opCounts).sort(([a], [b]) => a.localeCompare(b))),
  };
}

describe('exported model corpus', () => {
  for (const [name, entry] of Object.entries(manifest.models)) {
    it(name, () => {
      const model = readModel(readFileSync(new URL(`./fixtures/models/${entry.file}`, import.meta.url)));
      const p = profileModel(model);
      const got = goldenOf(p, model.graph.outputs.map((o) => o.name));
      // The walker must visit every node and never lose shape knowledge on these exports.
      expect(p.nodes.length).toBe(model.graph.nodes.length);
      expect(p.diagnostics.filter((d) => d.kind !== 'stripped-weights')).toEqual([]);
      if (entry.referenceMacs) {
        const rel = Math.abs(got.macs - entry.referenceMacs.value) / entry.referenceMacs.value;
        expect(rel, `MACs ${got.macs} vs ${entry.referenceMacs.value}`).toBeLessThanOrEqual(entry.referenceMacs.tolerance);
      }
      if (update) entry.golden = got;
      else expect(got).toEqual(entry.golden);
    });
  }
  if (update) {
    it('writes the updated manifest', () => {
      writeFileSync(manifestUrl, `${JSON.stringify(manifest, null, 2)}\n`);
    });
  }
});

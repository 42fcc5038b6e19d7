/**
 * Walks every model of Debian's libonnx-testdata (the ONNX backend test data: node/,
 * pytorch-converted/, pytorch-operator/, simple/), reads and profiles it. Expectations live in
 * test/fixtures/models/onnx-testdata.json. Skipped, visibly, when the package is not installed:
 *   apt-get install -y libonnx-testdata
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOnnxPredictError } from '../src/errors.ts';
import type { Model, Shape } from '../src/onnx-to-text/ir.ts';
import { statsReport } from '../src/stats.ts';
import { describe as describeText, TEXT_MODES } from '../src/onnx-to-text/text/index.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';

interface Manifest {
  folder: string;
  models: number;
  /** relative path → exact expected `code: message` of the typed error. */
  expectedErrors: Record<string, string>;
  minFullShapesDeclared: number;
  minFullShapesInferred: number;
  knownUnsupportedOps: string[];
  /** Models with If/Loop/Scan: relative path → nodes inside their bodies. */
  subgraphNodes: Record<string, number>;
}

const manifest = JSON.parse(readFileSync(new URL('./fixtures/models/onnx-testdata.json', import.meta.url), 'utf8')) as Manifest;
const root = process.env.ONNX_TESTDATA_DIR ?? manifest.folder;
const present = existsSync(root);

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.onnx')) out.push(p);
  }
  return out;
}

/** Inferred shape agrees with a declared one where both give a concrete extent. */
function compatible(declared: Shape, inferred: Shape): boolean {
  if (declared === null || inferred === null) return true;
  if (declared.length !== inferred.length) return false;
  return declared.every((d, i) => typeof d !== 'number' || typeof inferred[i] !== 'number' || d === inferred[i]);
}

if (!present) {
  console.warn(`SKIPPED corpus-onnx-testdata: ${root} not found (apt-get install -y libonnx-testdata)`);
}

describe.skipIf(!present)('libonnx-testdata corpus', () => {
  it('reads and profiles every model without an untyped throw', () => {
    const files = walk(root);
    expect(files.length).toBe(manifest.models);
    let fullDeclared = 0;
    let fullInferred = 0;
    const errors: Record<string, string> = {};
    const conflicts: string[] = [];
    const unsupported = new Set<string>();
    const subgraphNodes: Record<string, number> = {};
    const t0 = performance.now();
    for (const f of files) {
      const rel = relative(root, f);
      let model: Model;
      try {
        model = readModel(readFileSync(f));
      } catch (e) {
        if (!isOnnxPredictError(e)) throw e;
        errors[rel] = `${e.code}: ${e.message}`;
        continue;
      }
      const declared = profileModel(model);
      const inferred = profileModel(model, { useDeclaredTypes: false });
      if (declared.totals.shapeCoverage === 1) fullDeclared++;
      // What `stats` and `describe` print, in every text mode: none may throw on a real model.
      statsReport(model, declared, rel);
      for (const mode of TEXT_MODES) describeText(model, { mode });
      if (rel in manifest.subgraphNodes) subgraphNodes[rel] = inferred.totals.subgraphNodes;
      if (inferred.totals.shapeCoverage === 1) fullInferred++;
      for (const d of inferred.diagnostics) if (d.kind === 'unsupported-op') unsupported.add(d.op);
      for (const d of declared.diagnostics) if (d.kind === 'shape-mismatch') conflicts.push(`${rel}: ${d.value}`);
      // Our rules against the file's declared graph outputs, where both are concrete.
      for (const o of model.graph.outputs) {
        const got = inferred.shapes.get(o.name);
        if (o.type && got && !compatible(o.type.shape, got.shape)) {
          conflicts.push(`${rel}: output ${o.name} declared ${JSON.stringify(o.type.shape)} inferred ${JSON.stringify(got.shape)}`);
        }
      }
    }
    const ms = performance.now() - t0;
    console.log(`libonnx-testdata: ${files.length} models, full shapes ${fullDeclared} with declared types (${(100 * fullDeclared / files.length).toFixed(1)}%), ${fullInferred} from inference alone (${(100 * fullInferred / files.length).toFixed(1)}%), ${ms.toFixed(0)} ms`);
    expect(errors).toEqual(manifest.expectedErrors);
    expect(conflicts).toEqual([]);
    expect(subgraphNodes).toEqual(manifest.subgraphNodes);
    expect([...unsupported].sort()).toEqual([...manifest.knownUnsupportedOps].sort());
    expect(fullDeclared).toBeGreaterThanOrEqual(manifest.minFullShapesDeclared);
    expect(fullInferred).toBeGreaterThanOrEqual(manifest.minFullShapesInferred);
  });
});

/**
 * The structure the code must keep (docs/CLI.md, ../README "Layout"): no import circles in src/
 * and datasets/ (type-only imports included), src/ never imports datasets/, the public face
 * re-exports no adapter, and heavy modules load only inside the commands that need them.
 * Equivalent to `npx madge --circular --extensions ts src datasets`, from our own import walk.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, parseImports, reachable } from './helpers/import-graph.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const graph = importGraph(ROOT, ['src', 'datasets', 'bin']);
const HEAVY = ['@huggingface/transformers', 'onnxruntime-node', 'hnswlib-node', 'express', 'busboy', 'cli-progress'];
const staticRuntime = (e: { typeOnly: boolean; dynamic: boolean }) => !e.typeOnly && !e.dynamic;

describe('import graph', () => {
  it('has no circle in src/ and datasets/ (type-only imports count)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(findCycles(graph)).toEqual([]);
  });

  it('src/ never imports datasets/ or bin/', () => {
    const bad = [...graph.values()].filter((f) => f.path.startsWith('src/')).flatMap((f) =>
      f.imports.filter((e) => e.to.startsWith('datasets/') || e.to.startsWith('bin/')).map((e) => `${f.path} → ${e.to}`));
    expect(bad).toEqual([]);
  });

  it('the public face imports no adapter (cli, server, batch)', () => {
    const face = reachable(graph, 'src/index.ts', () => true);
    expect([...face].filter((p) => /^src\/(cli|server|batch)\//.test(p))).toEqual([]);
  });

  it('the face, the CLI frame and every command module load no heavy package at import time', () => {
    const roots = ['src/index.ts', 'src/cli/main.ts', 'bin/cli.ts'];
    for (const root of roots) {
      const files = reachable(graph, root, staticRuntime);
      const heavy = [...files].flatMap((p) => (graph.get(p)?.packages ?? []).filter((e) => staticRuntime(e) && HEAVY.some((h) => e.to === h || e.to.startsWith(`${h}/`))).map((e) => `${p} → ${e.to}`));
      expect(heavy, root).toEqual([]);
    }
  });

  it('the CLI frame loads no command module until that command runs', () => {
    const frame = reachable(graph, 'src/cli/main.ts', staticRuntime);
    expect([...frame].sort()).toEqual(['src/cli/commands.ts', 'src/cli/io.ts', 'src/cli/main.ts', 'src/errors.ts', 'src/version.ts']);
  });
});

describe('the import reader itself', () => {
  it('finds static, type-only, side-effect and dynamic imports and ignores comments', () => {
    const found = parseImports([
      "import { a } from './a.ts';",
      "import type { B } from './b.ts';",
      "import { type C, type D } from './c.ts';",
      "export { e } from './e.ts';",
      "import './side.ts';",
      "const m = await import('./lazy.ts');",
      "// import { x } from './commented.ts';",
      "/* export * from './block.ts'; */",
      "const url = 'http://example.org/x'; import {\n  f,\n  g,\n} from 'pkg';",
    ].join('\n'));
    expect(found).toEqual([
      { spec: './a.ts', typeOnly: false, dynamic: false },
      { spec: './b.ts', typeOnly: true, dynamic: false },
      { spec: './c.ts', typeOnly: true, dynamic: false },
      { spec: './e.ts', typeOnly: false, dynamic: false },
      { spec: 'pkg', typeOnly: false, dynamic: false },
      { spec: './side.ts', typeOnly: false, dynamic: false },
      { spec: './lazy.ts', typeOnly: false, dynamic: true },
    ]);
  });

  it('reports a circle it is given', () => {
    const g = new Map([
      ['a.ts', { path: 'a.ts', imports: [{ to: 'b.ts', typeOnly: false, dynamic: false }], packages: [] }],
      ['b.ts', { path: 'b.ts', imports: [{ to: 'a.ts', typeOnly: true, dynamic: false }], packages: [] }],
      ['c.ts', { path: 'c.ts', imports: [{ to: 'a.ts', typeOnly: false, dynamic: false }], packages: [] }],
    ]);
    expect(findCycles(g)).toEqual([['a.ts', 'b.ts']]);
  });
});

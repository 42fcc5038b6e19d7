/**
 * The import graph of our TypeScript sources, read from the files themselves (what
 * `madge --circular --extensions ts src datasets` checks, without the dependency): every relative
 * `import`/`export … from`/`import()` edge, type-only ones included, plus the bare package names
 * each file imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  readonly to: string;
  /** `import type`/`export type`: gone at run time, still an arrow between rooms. */
  readonly typeOnly: boolean;
  /** `import('…')`: loaded only when that code runs. */
  readonly dynamic: boolean;
}

export interface SourceFile {
  /** Path relative to the root, with forward slashes. */
  readonly path: string;
  /** Relative imports resolved to root-relative paths. */
  readonly imports: readonly ImportEdge[];
  /** Bare specifiers ('commander', 'node:fs', '@huggingface/transformers'). */
  readonly packages: readonly ImportEdge[];
}

/** Removes comments, keeping string and template contents (a `//` inside a URL string stays). */
function stripComments(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    const n = code[i + 1];
    if (c === '/' && n === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      out += code.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// The clause between `import`/`export` and `from` is names, braces, commas, `as`, `*` and nothing else.
const STATIC = /(?:^|[;\s}])(import|export)\s+(type\s+)?([\w\s{},*$]*?)\s*from\s*['"]([^'"]+)['"]/g;
const SIDE_EFFECT = /(?:^|[;\s}])import\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

export function parseImports(code: string): { spec: string; typeOnly: boolean; dynamic: boolean }[] {
  const text = stripComments(code);
  const out: { spec: string; typeOnly: boolean; dynamic: boolean }[] = [];
  for (const m of text.matchAll(STATIC)) {
    const clause = m[3]!.trim();
    // `import { type A, type B } from` is type-only too.
    const allTypes = /^\{[^}]*\}$/.test(clause) && clause.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '').every((s) => s.startsWith('type '));
    out.push({ spec: m[4]!, typeOnly: m[2] !== undefined || allTypes, dynamic: false });
  }
  for (const m of text.matchAll(SIDE_EFFECT)) out.push({ spec: m[1]!, typeOnly: false, dynamic: false });
  for (const m of text.matchAll(DYNAMIC)) out.push({ spec: m[1]!, typeOnly: false, dynamic: true });
  return out;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
}

/** Every `.ts` file under `dirs` (relative to `root`) with its imports. */
export function importGraph(root: string, dirs: readonly string[]): Map<string, SourceFile> {
  const files: string[] = [];
  for (const d of dirs) walk(join(root, d), files);
  const graph = new Map<string, SourceFile>();
  const rel = (p: string) => relative(root, p).split('\\').join('/');
  for (const f of files) {
    const imports: ImportEdge[] = [];
    const packages: ImportEdge[] = [];
    for (const { spec, typeOnly, dynamic } of parseImports(readFileSync(f, 'utf8'))) {
      if (spec.startsWith('.')) imports.push({ to: rel(resolve(dirname(f), spec)), typeOnly, dynamic });
      else packages.push({ to: spec, typeOnly, dynamic });
    }
    graph.set(rel(f), { path: rel(f), imports, packages });
  }
  return graph;
}

/** Import circles (strongly connected components of more than one file, or a file importing itself). */
export function findCycles(graph: ReadonlyMap<string, SourceFile>, include: (e: ImportEdge) => boolean = () => true): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const e of graph.get(v)!.imports) {
      if (!include(e) || !graph.has(e.to)) continue;
      if (!idx.has(e.to)) {
        strong(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (on.has(e.to)) {
        low.set(v, Math.min(low.get(v)!, idx.get(e.to)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      const self = graph.get(v)!.imports.some((e) => include(e) && e.to === v);
      if (comp.length > 1 || self) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

/** Files reachable from `start` through edges `include` accepts (the start itself included). */
export function reachable(graph: ReadonlyMap<string, SourceFile>, start: string, include: (e: ImportEdge) => boolean): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  while (todo.length > 0) {
    const f = graph.get(todo.pop()!);
    if (!f) continue;
    for (const e of f.imports) {
      if (include(e) && !seen.has(e.to)) {
        seen.add(e.to);
        todo.push(e.to);
      }
    }
  }
  return seen;
}

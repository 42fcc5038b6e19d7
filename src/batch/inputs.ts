/**
 * Batch inputs: directories (walked recursively for .onnx), glob patterns, `@list.txt` file lists
 * (or any non-.onnx text file: one path per line, relative to the list's folder, `#` comments),
 * and plain files. A path that does not exist is kept, so it gets an error row instead of
 * stopping the run.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UnreadableInputError, UsageError } from '../errors.ts';

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if ((e.isFile() || e.isSymbolicLink()) && /\.onnx$/i.test(e.name)) out.push(p);
  }
}

/** True when the first bytes look like text (no NUL, valid UTF-8), i.e. a list of paths, not a model. */
function looksLikeText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

async function readList(listPath: string, depth: number, out: string[], cwd: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (e) {
    throw new UnreadableInputError(`file list ${listPath}: ${(e as Error).message}`);
  }
  const base = dirname(listPath);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // Absolute entries stay as written; relative ones are relative to the list's folder.
    await expand(isAbsolute(line) ? line : relative(cwd, join(base, line)) || '.', depth + 1, out, cwd);
  }
}

async function expand(arg: string, depth: number, out: string[], cwd: string): Promise<void> {
  if (depth > 8) throw new UsageError(`file lists nested more than 8 deep at '${arg}'`);
  if (arg.startsWith('@')) return readList(resolve(cwd, arg.slice(1)), depth, out, cwd);
  const abs = resolve(cwd, arg);
  const s = await stat(abs).catch(() => null);
  if (s?.isDirectory()) return walk(arg, out);
  if (s?.isFile()) {
    if (!/\.onnx$/i.test(arg)) {
      const head = Buffer.alloc(Math.min(s.size, 4096));
      const fh = await open(abs, 'r');
      try {
        await fh.read(head, 0, head.length, 0);
      } finally {
        await fh.close();
      }
      if (s.size > 0 && looksLikeText(head)) return readList(abs, depth, out, cwd);
    }
    out.push(arg);
    return;
  }
  if (s === null && isDynamicPattern(arg)) {
    const matches = await glob(arg, { cwd, onlyFiles: true, expandDirectories: false });
    out.push(...matches.filter((m) => /\.onnx$/i.test(m)).sort());
    return;
  }
  out.push(arg);
}

/** Expands arguments into model paths: input order, each path once. */
export async function collectModelPaths(args: readonly string[], options: { cwd?: string } = {}): Promise<string[]> {
  const cwd = options.cwd ?? process.cwd();
  const out: string[] = [];
  for (const a of args) await expand(a, 0, out, cwd);
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = resolve(cwd, p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

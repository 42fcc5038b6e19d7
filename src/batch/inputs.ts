/**
 * Batch inputs: directories (walked recursively for .onnx), glob patterns, `@list.txt` file lists
 * (or any non-.onnx text file: one path per line, relative to the list's folder, `#` comments),
 * and plain files. A path that does not exist is kept, so it gets an error row instead of
 * stopping the run. Paths keep the spelling they were given: an absolute argument or glob gives
 * absolute paths, a relative one relative paths.
 */
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UnreadableInputError, UsageError } from '../errors.ts';

export interface ExpandedInputs {
  /** Model paths in input order, each real file once. */
  readonly files: string[];
  /** Absolute paths of the file lists that were read (an output must never be one of them). */
  readonly lists: string[];
}

/** Walks `abs`, pushing paths spelled from `dir` (the argument as given). */
async function walk(dir: string, abs: string, out: string[]): Promise<void> {
  const entries = await readdir(abs, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, join(abs, e.name), out);
    else if ((e.isFile() || e.isSymbolicLink()) && /\.onnx$/i.test(e.name)) out.push(p);
  }
}

/** True when the first bytes look like text (no NUL, valid UTF-8), i.e. a list of paths, not a model. */
function looksLikeText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  try {
    // A 4 KiB window may cut a multi-byte character: decode in streaming mode.
    new TextDecoder('utf-8', { fatal: true }).decode(buf, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * True when text starts like a file `onnx-predict batch` wrote: our CSV header, or a JSON line
 * with a row's fields. Such a file is never a list of paths.
 */
export function looksLikeResults(head: string): boolean {
  const first = head.split(/\r?\n/, 1)[0]!.trim();
  if (first.startsWith('file,sha256,')) return true;
  if (!first.startsWith('{')) return false;
  try {
    const o = JSON.parse(first) as Record<string, unknown>;
    return typeof o.file === 'string' && typeof o.sha256 === 'string' && typeof o.predictions === 'object';
  } catch {
    // A torn first line of a JSONL results file still starts like one.
    return /^\{"file":".*","sha256":"/.test(first);
  }
}

function resultsRefusal(path: string): UsageError {
  return new UsageError(`${path} is a results file written by onnx-predict batch, not a list of model paths; to continue it, give it as the output with resume instead of as an input`);
}

class Expander {
  readonly out: string[] = [];
  readonly lists: string[] = [];
  constructor(private readonly cwd: string) {}

  async readList(listPath: string, depth: number): Promise<void> {
    let text: string;
    try {
      text = await readFile(listPath, 'utf8');
    } catch (e) {
      throw new UnreadableInputError(`file list ${listPath}: ${(e as Error).message}`);
    }
    if (looksLikeResults(text.slice(0, 4096))) throw resultsRefusal(listPath);
    this.lists.push(resolve(this.cwd, listPath));
    const base = dirname(listPath);
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      // Absolute entries stay as written; relative ones are relative to the list's folder.
      await this.expand(isAbsolute(line) ? line : relative(this.cwd, join(base, line)) || '.', depth + 1);
    }
  }

  async expand(arg: string, depth: number): Promise<void> {
    if (depth > 8) throw new UsageError(`file lists nested more than 8 deep at '${arg}'`);
    if (arg.startsWith('@')) return this.readList(resolve(this.cwd, arg.slice(1)), depth);
    const abs = resolve(this.cwd, arg);
    const s = await stat(abs).catch(() => null);
    if (s?.isDirectory()) return walk(arg, abs, this.out);
    if (s?.isFile()) {
      if (!/\.onnx$/i.test(arg)) {
        const head = Buffer.alloc(Math.min(s.size, 4096));
        const fh = await open(abs, 'r');
        try {
          await fh.read(head, 0, head.length, 0);
        } finally {
          await fh.close();
        }
        if (s.size > 0 && looksLikeText(head)) return this.readList(abs, depth);
      }
      this.out.push(arg);
      return;
    }
    if (s === null && isDynamicPattern(arg)) {
      const matches = await glob(arg, { cwd: this.cwd, onlyFiles: true, expandDirectories: false, absolute: isAbsolute(arg) });
      // tinyglobby drops a leading './'; keep it, so a glob's paths read as the glob was written.
      const dot = /^\.[\\/]/.test(arg) ? './' : '';
      this.out.push(...matches.filter((m) => /\.onnx$/i.test(m)).sort().map((m) => (dot !== '' && !m.startsWith('.') ? `${dot}${m}` : m)));
      return;
    }
    this.out.push(arg);
  }
}

/** The real location of a path (symlinks, `.`/`..` and spelling resolved); the resolved path when it does not exist. */
export async function realKey(path: string, cwd: string = process.cwd()): Promise<string> {
  const abs = resolve(cwd, path);
  return realpath(abs).catch(() => abs);
}

/** Expands arguments into model paths (input order, each real file once) and the lists read. */
export async function expandInputs(args: readonly string[], options: { cwd?: string } = {}): Promise<ExpandedInputs> {
  const cwd = options.cwd ?? process.cwd();
  const ex = new Expander(cwd);
  for (const a of args) await ex.expand(a, 0);
  const seen = new Set<string>();
  const files: string[] = [];
  for (const p of ex.out) {
    const key = await realKey(p, cwd);
    if (seen.has(key)) continue;
    seen.add(key);
    files.push(p);
  }
  return { files, lists: ex.lists };
}

/** Expands arguments into model paths: input order, each path once. */
export async function collectModelPaths(args: readonly string[], options: { cwd?: string } = {}): Promise<string[]> {
  return (await expandInputs(args, options)).files;
}

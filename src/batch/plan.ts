/**
 * The output side of a batch, shared by local runs and queue runs: checks that the output may be
 * written (not an input, not someone's file, its folder creatable), reads what a resumed output
 * already holds, decides which inputs still need scoring, and writes rows one line at a time.
 *
 * Resume identity is a file's content hash plus its real location: `zoo`, `./zoo` and `/abs/zoo`
 * name the same files, so their rows are found again whatever the spelling; a file whose bytes
 * changed is scored again and its old row dropped.
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { DEFAULT_CHECKPOINT_DIR } from '../predictor/predictor.ts';
import { loadCheckpoint } from '../predictor/checkpoint.ts';
import { expandInputs, looksLikeResults, realKey } from './inputs.ts';
import { csvHeaderLine, formatFromPath, parseExisting, serializeRow, type BatchFormat, type BatchRow } from './rows.ts';

export interface PlanOptions {
  readonly inputs: readonly string[];
  readonly out: string;
  readonly resume?: boolean;
  readonly cwd?: string;
}

export interface Pending {
  /** The path as the user spelled it (the row's `file`). */
  readonly file: string;
  /** Its real absolute location. */
  readonly key: string;
  /** Content hash when planning already read the file ('' unreadable), else undefined. */
  readonly sha256: string | undefined;
}

export interface BatchPlan {
  readonly format: BatchFormat;
  readonly targets: readonly string[];
  /** Inputs after expansion. */
  readonly inputs: number;
  readonly todo: readonly Pending[];
  /** Inputs the output already has a row for. */
  readonly skipped: number;
  /** Rows kept from the existing output (resume), in file order. */
  readonly previous: readonly BatchRow[];
  /** Creates the output folder, fixes up the existing file, writes the header; then append rows. */
  open(): RowWriter;
}

export interface RowWriter {
  write(row: BatchRow): void;
  close(): void;
}

/** Hex sha256 of a file's bytes; '' when it cannot be read (the row will say why). */
export async function sha256Of(file: string): Promise<string> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch {
    return '';
  }
}

/**
 * A checkpoint's targets from its small metadata file, without loading phrases, known
 * architectures or the index (the scorers load those once each).
 */
export function checkpointTargets(checkpoint: string = DEFAULT_CHECKPOINT_DIR): readonly string[] {
  try {
    const meta = JSON.parse(readFileSync(join(checkpoint, 'predictor.json'), 'utf8')) as { targets?: unknown };
    if (Array.isArray(meta.targets) && meta.targets.length > 0 && meta.targets.every((t) => typeof t === 'string')) return meta.targets as string[];
  } catch {
    // Fall through: the full loader says precisely what is wrong with the folder.
  }
  return loadCheckpoint(checkpoint).meta.targets;
}

/** A short identity of a checkpoint: equal predictor.json bytes, equal predictions. */
export function checkpointKey(checkpoint: string = DEFAULT_CHECKPOINT_DIR): string {
  try {
    return createHash('sha256').update(readFileSync(join(checkpoint, 'predictor.json'))).digest('hex').slice(0, 16);
  } catch {
    return loadCheckpoint(checkpoint).meta.name;
  }
}

/** A file-system failure in user terms. */
function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', ENOTDIR: 'a part of the path is a file, not a folder', EISDIR: 'it is a folder' };
  return (code !== undefined ? words[code] : undefined) ?? (e as Error).message;
}

async function checkOutput(out: string, cwd: string, resume: boolean, inputs: readonly string[]): Promise<boolean> {
  const abs = resolve(cwd, out);
  const st = await stat(abs).catch(() => null);
  if (st === null) {
    const dir = dirname(abs);
    const ds = await stat(dir).catch(() => null);
    if (ds !== null && !ds.isDirectory()) throw new UsageError(`cannot write ${out}: ${dir} is a file, not a folder`);
    return false;
  }
  if (st.isDirectory()) throw new UsageError(`the output ${out} is a folder; name a .csv or .jsonl file`);
  for (const p of inputs) {
    const s = await stat(resolve(cwd, p)).catch(() => null);
    if (s !== null && s.dev === st.dev && s.ino === st.ino) {
      throw new UsageError(`the output ${out} is also an input (${p}); refusing to overwrite it: choose another output file`);
    }
  }
  if (!resume && st.size > 0) {
    const fd = openSync(abs, 'r');
    const buf = Buffer.alloc(Math.min(st.size, 4096));
    try {
      readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
    const head = buf.toString('utf8');
    if (!looksLikeResults(head)) throw new UsageError(`the output ${out} exists and is not a results file of onnx-predict batch; refusing to overwrite it: choose another output file`);
  }
  return true;
}

export async function planBatch(options: PlanOptions, targets: readonly string[]): Promise<BatchPlan> {
  const format = formatFromPath(options.out);
  const cwd = options.cwd ?? process.cwd();
  const resume = options.resume === true;
  const { files, lists } = await expandInputs(options.inputs, { cwd });
  if (files.length === 0) throw new UsageError(`no .onnx files in ${options.inputs.join(' ')}`);
  const outPath = resolve(cwd, options.out);
  const exists = await checkOutput(options.out, cwd, resume, [...lists, ...files]);

  let previous: BatchRow[] = [];
  let keepBytes = 0;
  let hasHeader = false;
  let wasAdapted = false;
  if (resume && exists) {
    const existing = parseExisting(readFileSync(outPath), format, targets, options.out);
    previous = existing.rows;
    keepBytes = existing.validBytes;
    hasHeader = existing.hasHeader;
    wasAdapted = existing.adapted === true;
  }
  const prevByKey = new Map<string, number[]>();
  for (let i = 0; i < previous.length; i++) {
    const k = await realKey(previous[i]!.file, cwd);
    prevByKey.set(k, [...(prevByKey.get(k) ?? []), i]);
  }
  const drop = new Set<number>();
  const todo: Pending[] = [];
  let skipped = 0;
  for (const file of files) {
    const key = await realKey(file, cwd);
    const prev = prevByKey.get(key);
    if (prev === undefined) {
      todo.push({ file, key, sha256: undefined });
      continue;
    }
    // Only files the output already names are hashed here, once; the rest are hashed when scored.
    const sha = await sha256Of(key);
    const match = prev.find((i) => previous[i]!.sha256 === sha);
    for (const i of prev) if (i !== match) drop.add(i);
    if (match !== undefined) skipped++;
    else todo.push({ file, key, sha256: sha });
  }
  const kept = previous.filter((_, i) => !drop.has(i));

  return {
    format, targets, inputs: files.length, todo, skipped, previous: kept,
    open(): RowWriter {
      try {
        mkdirSync(dirname(outPath), { recursive: true });
      } catch (e) {
        throw new UsageError(`cannot create the folder ${dirname(outPath)} for ${options.out}: ${fsReason(e)}`);
      }
      const header = format === 'csv' ? csvHeaderLine(targets) : '';
      let fd: number;
      try {
        if (drop.size > 0 || wasAdapted) {
          // Rows of changed files go (and an adapted output goes back to the model's rows):
          // rewrite what stays, then swap it in whole.
          const tmp = `${outPath}.${process.pid}.tmp`;
          writeFileSync(tmp, header + kept.map((r) => serializeRow(r, format, targets)).join(''));
          renameSync(tmp, outPath);
          fd = openSync(outPath, 'a');
        } else if (resume && exists) {
          // Cut a torn last line left by a killed run, then append.
          const rw = openSync(outPath, 'r+');
          try {
            ftruncateSync(rw, keepBytes);
          } finally {
            closeSync(rw);
          }
          fd = openSync(outPath, 'a');
          if (!hasHeader) writeSync(fd, header);
        } else {
          fd = openSync(outPath, 'w');
          writeSync(fd, header);
        }
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(`cannot write ${options.out}: ${fsReason(e)}`);
      }
      return {
        write: (row) => {
          writeSync(fd, serializeRow(row, format, targets));
        },
        close: () => closeSync(fd),
      };
    },
  };
}

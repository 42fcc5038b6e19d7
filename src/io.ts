/**
 * File input at the edge: the only place the library touches the file system for models.
 * Failures become typed errors so adapters can map them to exit codes and HTTP statuses.
 */
import { open, stat } from 'node:fs/promises';
import { LimitExceededError, UnreadableInputError } from './errors.ts';

/** Largest model file read by default (2 GiB: the protobuf limit for a single ONNX file). */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 31;

export async function readModelBytes(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new UnreadableInputError(`${path}: is a directory, not an ONNX file`);
    if (!s.isFile()) throw new UnreadableInputError(`${path}: not a regular file`);
    size = s.size;
  } catch (e) {
    if (e instanceof UnreadableInputError) throw e;
    throw new UnreadableInputError(`${path}: ${describeFsError(e)}`, { cause: e });
  }
  if (size > maxBytes) throw new LimitExceededError(`${path}: ${size} bytes is over the ${maxBytes}-byte limit`);
  // One exact-size read: no intermediate chunks, so peak memory stays near the file size.
  let handle;
  try {
    handle = await open(path, 'r');
    const buf = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await handle.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === size ? buf : buf.subarray(0, off);
  } catch (e) {
    throw new UnreadableInputError(`${path}: ${describeFsError(e)}`, { cause: e });
  } finally {
    await handle?.close();
  }
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory, not an ONNX file';
    default: return e instanceof Error ? e.message : String(e);
  }
}

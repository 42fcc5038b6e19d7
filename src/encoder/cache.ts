/**
 * On-disk embedding cache: content hash → vector, so embedding the same text twice is free.
 *
 * Layout: 16 append-only shard files (`v1-0.bin` … `v1-f.bin`, by the key's first hex digit). A
 * record is
 *   magic "OPE1" | dim u32 LE | key 32 bytes | check u32 (first 4 bytes of sha256(key ‖ payload)) | dim × f32 LE
 * Why this shape: ~100k+ vectors must not become 100k files, and two processes may write at once.
 * Every record goes out in one write() on an O_APPEND descriptor, which local file systems never
 * interleave; readers still verify each record's checksum and skip anything torn (a crash mid-write)
 * by scanning to the next valid record, and wait for a record whose bytes are not all there yet.
 * Duplicates (two processes embedding the same text) are harmless: the vectors are identical.
 * Vectors are read back on demand with positional reads; memory holds only the key → offset index.
 * Float data is stored in the machine's byte order, assumed little-endian (all Node platforms).
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxPredictError } from '../errors.ts';

export interface EmbeddingCache {
  /** One entry per key: the stored vector or `undefined`. */
  get(keys: readonly string[]): (Float32Array | undefined)[];
  put(entries: readonly { readonly key: string; readonly vector: Float32Array }[]): void;
  /** Number of distinct keys currently visible (all shards read). */
  size(): number;
  close(): void;
}

const MAGIC = 0x3145504f; // "OPE1" read as little-endian u32
const HEADER = 44;
const KEY_BYTES = 32;
const SHARDS = 16;
/** Refuses absurd dims from a corrupt header instead of trying to wait for gigabytes of payload. */
const MAX_DIM = 1 << 16;

/** The cache key for a text under one model configuration (hex sha256). */
export function embeddingKey(namespace: string, text: string): string {
  return createHash('sha256').update(namespace).update('\u0000').update(text).digest('hex');
}

function checksum(key: Buffer, payload: Buffer): number {
  return createHash('sha256').update(key).update(payload).digest().readUInt32LE(0);
}

interface Shard {
  readonly path: string;
  readFd: number | null;
  appendFd: number | null;
  /** Bytes of the file already indexed. */
  parsed: number;
  readonly index: Map<string, { offset: number; dim: number }>;
}

export class DiskEmbeddingCache implements EmbeddingCache {
  readonly dir: string;
  readonly #shards: Shard[];
  #closed = false;

  constructor(dir: string) {
    this.dir = dir;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new OnnxPredictError(
        'ENCODER_ERROR',
        `cannot create the embedding cache folder ${dir}: ${(e as Error).message}; set another cacheDir or disable the cache`,
        { cause: e },
      );
    }
    this.#shards = Array.from({ length: SHARDS }, (_, i) => ({
      path: join(dir, `v1-${i.toString(16)}.bin`),
      readFd: null,
      appendFd: null,
      parsed: 0,
      index: new Map(),
    }));
  }

  get(keys: readonly string[]): (Float32Array | undefined)[] {
    this.#assertOpen();
    const refreshed = new Set<Shard>();
    return keys.map((key) => {
      const shard = this.#shardOf(key);
      let hit = shard.index.get(key);
      if (!hit && !refreshed.has(shard)) {
        // Another process may have appended since we last looked.
        this.#refresh(shard);
        refreshed.add(shard);
        hit = shard.index.get(key);
      }
      if (!hit || shard.readFd === null) return undefined;
      const buf = Buffer.allocUnsafe(hit.dim * 4);
      readSync(shard.readFd, buf, 0, buf.length, hit.offset + HEADER);
      return new Float32Array(buf.buffer, buf.byteOffset, hit.dim).slice();
    });
  }

  put(entries: readonly { readonly key: string; readonly vector: Float32Array }[]): void {
    this.#assertOpen();
    const byShard = new Map<Shard, Buffer[]>();
    for (const { key, vector } of entries) {
      if (!/^[0-9a-f]{64}$/.test(key)) throw new TypeError(`cache key must be 64 hex characters, got '${key}'`);
      const shard = this.#shardOf(key);
      const keyBuf = Buffer.from(key, 'hex');
      const payload = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      const header = Buffer.alloc(HEADER);
      header.writeUInt32LE(MAGIC, 0);
      header.writeUInt32LE(vector.length, 4);
      keyBuf.copy(header, 8);
      header.writeUInt32LE(checksum(keyBuf, payload), 8 + KEY_BYTES);
      const list = byShard.get(shard) ?? [];
      list.push(header, payload);
      byShard.set(shard, list);
    }
    for (const [shard, parts] of byShard) {
      shard.appendFd ??= openSync(shard.path, 'a');
      // One record per write() keeps each record contiguous even with concurrent appenders.
      for (let i = 0; i < parts.length; i += 2) {
        const record = Buffer.concat([parts[i]!, parts[i + 1]!]);
        writeSync(shard.appendFd, record);
      }
      this.#refresh(shard);
    }
  }

  size(): number {
    this.#assertOpen();
    let n = 0;
    for (const shard of this.#shards) {
      this.#refresh(shard);
      n += shard.index.size;
    }
    return n;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const shard of this.#shards) {
      if (shard.readFd !== null) closeSync(shard.readFd);
      if (shard.appendFd !== null) closeSync(shard.appendFd);
      shard.readFd = shard.appendFd = null;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new OnnxPredictError('ENCODER_ERROR', 'the embedding cache was closed');
  }

  #shardOf(key: string): Shard {
    return this.#shards[parseInt(key[0] ?? '0', 16) % SHARDS]!;
  }

  /** Indexes bytes appended since the last look, by us or by another process. */
  #refresh(shard: Shard): void {
    if (shard.readFd === null) {
      try {
        shard.readFd = openSync(shard.path, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
    }
    const size = fstatSync(shard.readFd).size;
    if (size <= shard.parsed) return;
    const buf = Buffer.allocUnsafe(size - shard.parsed);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(shard.readFd, buf, got, buf.length - got, shard.parsed + got);
      if (n === 0) break;
      got += n;
    }
    let pos = 0;
    while (pos + HEADER <= got) {
      const dim = buf.readUInt32LE(pos + 4);
      if (buf.readUInt32LE(pos) !== MAGIC || dim === 0 || dim > MAX_DIM) {
        pos = nextMagic(buf, pos + 1, got);
        continue;
      }
      const end = pos + HEADER + dim * 4;
      if (end > got) break; // still being written: look again next time
      const key = buf.subarray(pos + 8, pos + 8 + KEY_BYTES);
      const payload = buf.subarray(pos + HEADER, end);
      if (buf.readUInt32LE(pos + 8 + KEY_BYTES) !== checksum(key, payload)) {
        pos = nextMagic(buf, pos + 1, got);
        continue;
      }
      const hex = key.toString('hex');
      if (!shard.index.has(hex)) shard.index.set(hex, { offset: shard.parsed + pos, dim });
      pos = end;
    }
    shard.parsed += pos;
  }
}

function nextMagic(buf: Buffer, from: number, end: number): number {
  const needle = Buffer.alloc(4);
  needle.writeUInt32LE(MAGIC, 0);
  const at = buf.indexOf(needle, from);
  // Stop just short of the end so a magic split across reads is seen next time.
  return at === -1 || at >= end ? Math.max(from, end - 3) : at;
}

/**
 * `Encoder` on transformers.js (@huggingface/transformers 4.x, onnxruntime-node). The only module
 * that imports transformers.js; offline unless a caller explicitly allows remote loading.
 *
 * We drive the tokenizer and the model ourselves (AutoTokenizer + AutoModel) rather than the
 * feature-extraction pipeline: that gives one tokenization per text (reused for counting, sorting
 * and truncation), length-sorted batches with minimal padding, and truncation that keeps the
 * closing special token as sentence-transformers does (transformers.js' own truncation cuts it).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  AutoModel,
  AutoTokenizer,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  Tensor,
} from '@huggingface/transformers';
import { OnnxPredictError } from '../errors.ts';
import { checkInteger } from '../integers.ts';
import { DEFAULT_BATCH_SIZE, defaultCacheDir } from './defaults.ts';
import { DiskEmbeddingCache, embeddingKey, type EmbeddingCache } from './cache.ts';
import { ENCODER_DTYPES, type Encoder, type EncoderDtype, type EncoderStats, type LoadEncoderOptions } from './encoder.ts';
import { DEFAULT_ENCODER, ENCODERS, vendoredModelsDir } from './registry.ts';

/** More intra-op threads than this stopped paying off for a 6-layer MiniLM on small batches. */
const MAX_DEFAULT_THREADS = 4;

const ONNX_FILE: Readonly<Record<EncoderDtype, string>> = Object.freeze({
  q8: 'onnx/model_quantized.onnx',
  fp32: 'onnx/model.onnx',
} satisfies Record<EncoderDtype, string>);

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

function encoderError(message: string, cause?: unknown): OnnxPredictError {
  return new OnnxPredictError('ENCODER_ERROR', message, cause === undefined ? undefined : { cause });
}

function checkTexts(texts: unknown, name: string): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) throw new TypeError(`${name} must be an array of strings`);
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`${name}[${i}] must be a string, got ${typeof t}`);
  });
}

interface ResolvedSource {
  /** What transformers.js is asked to load: an absolute folder, or a hub id when remote. */
  readonly location: string;
  readonly id: string;
  readonly local: boolean;
  readonly maxTokens?: number;
  readonly dim?: number;
}

function checkLocalFolder(folder: string, dtype: EncoderDtype, label: string): void {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw encoderError(
      `encoder model folder not found for ${label}: ${folder}; the vendored model should ship with the package (re-create it with scripts/vendor-encoder/run.sh)`,
    );
  }
  for (const f of REQUIRED_FILES) {
    if (!existsSync(join(folder, f))) throw encoderError(`encoder model folder ${folder} lacks ${f}`);
  }
  if (!existsSync(join(folder, ONNX_FILE[dtype]))) {
    const hint =
      dtype === 'fp32'
        ? 'fp32 weights are not committed; generate them with scripts/vendor-encoder/run.sh, or use dtype q8'
        : 'choose another dtype or re-vendor the model';
    throw encoderError(`encoder ${label} has no ${dtype} weights (${join(folder, ONNX_FILE[dtype])} missing): ${hint}`);
  }
}

function resolveSource(options: LoadEncoderOptions, dtype: EncoderDtype): ResolvedSource {
  if (options.modelDir !== undefined) {
    const folder = resolve(options.modelDir);
    checkLocalFolder(folder, dtype, `modelDir '${options.modelDir}'`);
    return { location: folder, id: basename(folder), local: true };
  }
  const name = options.model ?? DEFAULT_ENCODER;
  const spec = Object.hasOwn(ENCODERS, name) ? ENCODERS[name] : undefined;
  if (spec) {
    const folder = join(vendoredModelsDir(), spec.folder);
    checkLocalFolder(folder, dtype, `'${name}'`);
    return { location: folder, id: name, local: true, maxTokens: spec.maxTokens, dim: spec.dim };
  }
  if (!options.allowRemote) {
    throw encoderError(
      `unknown encoder '${name}'; vendored: ${Object.keys(ENCODERS).join(', ')}. ` +
        'To load a Hugging Face model id, pass allowRemote: true (downloads at run time).',
    );
  }
  return { location: name, id: name, local: false };
}

function fingerprintFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}

/** Where a tokenizer puts its special tokens around the content, found by probing once. */
function specialLayout(tokenizer: PreTrainedTokenizer): { prefix: number; suffix: number } {
  const probe = 'probe text';
  const full = tokenizer.encode(probe);
  const bare = tokenizer.encode(probe, { add_special_tokens: false });
  for (let p = 0; p + bare.length <= full.length; p++) {
    if (bare.every((id, i) => full[p + i] === id)) return { prefix: p, suffix: full.length - p - bare.length };
  }
  return { prefix: 0, suffix: 0 };
}

export async function loadTransformersEncoder(options: LoadEncoderOptions = {}): Promise<Encoder> {
  const dtype = options.dtype ?? 'q8';
  if (!ENCODER_DTYPES.includes(dtype)) {
    throw new RangeError(`dtype must be one of ${ENCODER_DTYPES.join(', ')}, got '${String(dtype)}'`);
  }
  const batchSize = checkInteger('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE[dtype], { min: 1 });
  const threads = checkInteger('threads', options.threads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS), { min: 1 });
  const allowRemote = options.allowRemote === true;
  const source = resolveSource(options, dtype);

  // transformers.js reads these globals at load time; they are reset on every load so one remote
  // load cannot leave later loads online.
  env.allowLocalModels = true;
  env.allowRemoteModels = allowRemote;
  env.localModelPath = vendoredModelsDir();

  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(source.location, { local_files_only: !allowRemote });
    model = await AutoModel.from_pretrained(source.location, {
      dtype,
      device: 'cpu',
      local_files_only: !allowRemote,
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
    });
  } catch (e) {
    throw encoderError(`cannot load encoder '${source.id}' (${dtype}) from ${source.location}: ${(e as Error).message}`, e);
  }

  const config = model.config as unknown as Record<string, unknown>;
  const hidden = typeof config['hidden_size'] === 'number' ? config['hidden_size'] : undefined;
  const dim = source.dim ?? hidden;
  if (dim === undefined) throw encoderError(`encoder '${source.id}' config.json has no hidden_size`);
  const positions = typeof config['max_position_embeddings'] === 'number' ? config['max_position_embeddings'] : Infinity;
  const maxTokens = source.maxTokens ?? Math.min(tokenizer.model_max_length, positions, 512);

  const fingerprint = source.local ? fingerprintFile(join(source.location, ONNX_FILE[dtype])) : `remote:${source.location}`;
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const cache = cacheDir === null ? null : new DiskEmbeddingCache(cacheDir);

  return new TransformersEncoder({
    id: source.id,
    dtype,
    dim,
    maxTokens,
    batchSize,
    tokenizer,
    model,
    cache,
    namespace: `${source.id}|${dtype}|${maxTokens}|${fingerprint}`,
  });
}

interface Parts {
  readonly id: string;
  readonly dtype: EncoderDtype;
  readonly dim: number;
  readonly maxTokens: number;
  readonly batchSize: number;
  readonly tokenizer: PreTrainedTokenizer;
  readonly model: PreTrainedModel;
  readonly cache: EmbeddingCache | null;
  readonly namespace: string;
}

class TransformersEncoder implements Encoder {
  readonly id: string;
  readonly dtype: EncoderDtype;
  readonly dim: number;
  readonly maxTokens: number;
  readonly #batchSize: number;
  readonly #tokenizer: PreTrainedTokenizer;
  readonly #model: PreTrainedModel;
  readonly #cache: EmbeddingCache | null;
  readonly #namespace: string;
  readonly #layout: { prefix: number; suffix: number };
  readonly #padId: number;
  #disposed = false;
  #stats = { texts: 0, cacheHits: 0, computed: 0, batches: 0 };

  constructor(p: Parts) {
    this.id = p.id;
    this.dtype = p.dtype;
    this.dim = p.dim;
    this.maxTokens = p.maxTokens;
    this.#batchSize = p.batchSize;
    this.#tokenizer = p.tokenizer;
    this.#model = p.model;
    this.#cache = p.cache;
    this.#namespace = p.namespace;
    this.#layout = specialLayout(p.tokenizer);
    this.#padId = typeof p.tokenizer.pad_token_id === 'number' ? p.tokenizer.pad_token_id : 0;
    if (this.maxTokens <= this.#layout.prefix + this.#layout.suffix) {
      throw encoderError(`encoder '${this.id}' maxTokens ${this.maxTokens} leaves no room for text`);
    }
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.#assertLive();
    checkTexts(texts, 'texts');
    const out: (Float32Array | undefined)[] = new Array(texts.length);
    const keys = this.#cache ? texts.map((t) => embeddingKey(this.#namespace, t)) : null;
    this.#stats.texts += texts.length;
    if (this.#cache && keys) {
      this.#cache.get(keys).forEach((v, i) => {
        out[i] = v;
        if (v) this.#stats.cacheHits++;
      });
    }
    // Each distinct missing text is run once, however often it repeats in the call.
    const pending = new Map<string, number[]>();
    texts.forEach((t, i) => {
      if (out[i] !== undefined) return;
      const slots = pending.get(t);
      if (slots) slots.push(i);
      else pending.set(t, [i]);
    });
    if (pending.size > 0) {
      const unique = [...pending.keys()];
      this.#stats.computed += unique.length;
      const vectors = await this.#run(unique.map((t) => this.#truncate(this.#tokenizer.encode(t))));
      const fresh: { key: string; vector: Float32Array }[] = [];
      unique.forEach((t, u) => {
        const slots = pending.get(t)!;
        const v = vectors[u]!;
        slots.forEach((i, k) => {
          out[i] = k === 0 ? v : v.slice();
        });
        if (keys) fresh.push({ key: keys[slots[0]!]!, vector: v });
      });
      this.#cache?.put(fresh);
    }
    return out as Float32Array[];
  }

  stats(): EncoderStats {
    return { ...this.#stats };
  }

  async countTokens(texts: readonly string[]): Promise<number[]> {
    this.#assertLive();
    checkTexts(texts, 'texts');
    return texts.map((t) => this.#tokenizer.encode(t).length);
  }

  async chunk(text: string, maxTokens: number = this.maxTokens): Promise<string[]> {
    this.#assertLive();
    if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${typeof text}`);
    const specials = this.#layout.prefix + this.#layout.suffix;
    if (!Number.isInteger(maxTokens) || maxTokens <= specials) {
      throw new RangeError(`maxTokens must be an integer greater than ${specials} (the special tokens), got ${maxTokens}`);
    }
    const count = (s: string): number => this.#tokenizer.encode(s).length;
    if (count(text) <= maxTokens) return [text];

    // Units: whole lines, or pieces of an over-long line, each fitting a window alone. `sep` is
    // what joins a unit to the one before it in the original text.
    const units: { text: string; sep: string }[] = [];
    text.split('\n').forEach((line, li) => {
      const sep = li === 0 ? '' : '\n';
      if (count(line) <= maxTokens) units.push({ text: line, sep });
      else splitLine(line, maxTokens, count).forEach((piece, pi) => units.push({ text: piece, sep: pi === 0 ? sep : '' }));
    });
    // Greedy packing with true counts of the joined window, so it holds for any tokenizer.
    const windows: string[] = [];
    let current: string | null = null;
    for (const unit of units) {
      if (current === null) {
        current = unit.text;
        continue;
      }
      const candidate: string = current + unit.sep + unit.text;
      if (count(candidate) <= maxTokens) current = candidate;
      else {
        windows.push(current);
        current = unit.text;
      }
    }
    if (current !== null) windows.push(current);
    return windows;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache?.close();
    await this.#model.dispose();
  }

  #assertLive(): void {
    if (this.#disposed) throw encoderError(`encoder '${this.id}' was disposed`);
  }

  /** Cuts content tokens, keeping the leading and closing special tokens. */
  #truncate(ids: number[]): number[] {
    if (ids.length <= this.maxTokens) return ids;
    const { suffix } = this.#layout;
    return [...ids.slice(0, this.maxTokens - suffix), ...ids.slice(ids.length - suffix)];
  }

  /** Mean-pooled, L2-normalised vectors for tokenized texts, batched by similar length. */
  async #run(sequences: readonly number[][]): Promise<Float32Array[]> {
    const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.length - sequences[b]!.length);
    const result: Float32Array[] = new Array(sequences.length);
    for (let start = 0; start < order.length; start += this.#batchSize) {
      const batch = order.slice(start, start + this.#batchSize);
      const width = Math.max(1, ...batch.map((i) => sequences[i]!.length));
      const ids = new BigInt64Array(batch.length * width);
      const mask = new BigInt64Array(batch.length * width);
      ids.fill(BigInt(this.#padId));
      batch.forEach((i, row) => {
        sequences[i]!.forEach((id, col) => {
          ids[row * width + col] = BigInt(id);
          mask[row * width + col] = 1n;
        });
      });
      const dims = [batch.length, width];
      this.#stats.batches++;
      let hidden: Tensor;
      try {
        const output = (await this.#model({
          input_ids: new Tensor('int64', ids, dims),
          attention_mask: new Tensor('int64', mask, dims),
        })) as Record<string, Tensor | undefined>;
        const h = output['last_hidden_state'];
        if (!h) throw new Error(`model output has no last_hidden_state (got ${Object.keys(output).join(', ')})`);
        hidden = h;
      } catch (e) {
        throw encoderError(`encoder '${this.id}' inference failed: ${(e as Error).message}`, e);
      }
      const data = hidden.data as Float32Array;
      const dim = hidden.dims[2]!;
      if (dim !== this.dim) throw encoderError(`encoder '${this.id}' produced width ${dim}, expected ${this.dim}`);
      batch.forEach((i, row) => {
        const n = sequences[i]!.length;
        const v = new Float32Array(dim);
        for (let t = 0; t < n; t++) {
          const base = (row * width + t) * dim;
          for (let d = 0; d < dim; d++) v[d]! += data[base + d]!;
        }
        let norm = 0;
        for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
        // Mean then normalise: the 1/n factor cancels, so only the norm matters.
        const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let d = 0; d < dim; d++) v[d]! *= scale;
        result[i] = v;
      });
      hidden.dispose();
    }
    return result;
  }
}

/** Splits one over-long line between words, or between characters inside a too-long word. */
function splitLine(line: string, maxTokens: number, count: (s: string) => number): string[] {
  const words = line.match(/\S+\s*|\s+/g) ?? [line];
  const pieces: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current !== '') pieces.push(current);
    current = '';
  };
  for (const word of words) {
    if (count(current + word) <= maxTokens) {
      current += word;
      continue;
    }
    flush();
    if (count(word) <= maxTokens) {
      current = word;
      continue;
    }
    // One word longer than a window: take the longest character prefix that fits, repeatedly.
    let rest = Array.from(word);
    while (rest.length > 0) {
      let lo = 1;
      let hi = rest.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (count(rest.slice(0, mid).join('')) <= maxTokens) lo = mid;
        else hi = mid - 1;
      }
      const take = rest.slice(0, lo).join('');
      rest = rest.slice(lo);
      if (rest.length === 0) current = take;
      else pieces.push(take);
    }
  }
  flush();
  return pieces;
}

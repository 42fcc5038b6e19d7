/**
 * The text encoder contract. Pure types: callers depend on this file only, never on the
 * transformers.js implementation, so the predictor can be tested against any `Encoder`.
 * The encoder knows nothing about ONNX graphs: it turns strings into unit vectors.
 */

export type EncoderDtype = 'q8' | 'fp32';

export const ENCODER_DTYPES: readonly EncoderDtype[] = Object.freeze(['q8', 'fp32']);

export interface Encoder {
  /** Model name as loaded: a table name (`all-MiniLM-L6-v2`), a folder's name, or a Hugging Face id. */
  readonly id: string;
  readonly dtype: EncoderDtype;
  /** Embedding width. */
  readonly dim: number;
  /** Longest input the model sees, in tokens, special tokens included; `embed` truncates past it. */
  readonly maxTokens: number;

  /**
   * One L2-normalised, mean-pooled vector per text, in input order. Texts longer than `maxTokens`
   * are truncated (see `embedLong` for the chunked alternative). Repeated texts are served from the
   * embedding cache when one is configured.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]>;

  /** Token counts as the model would see them untruncated, special tokens included. */
  countTokens(texts: readonly string[]): Promise<number[]>;

  /**
   * Splits a text at line boundaries into windows of at most `maxTokens` tokens each (special
   * tokens included), keeping line order; a single line longer than that is split between words,
   * or between characters when one word is itself too long. Joining the windows with '\n' gives
   * back the text up to whitespace at the split points. An empty text gives one empty window.
   */
  chunk(text: string, maxTokens?: number): Promise<string[]>;

  /** Counters since load, for progress and performance reports. */
  stats(): EncoderStats;

  /** Releases the inference session and cache file handles; the encoder is unusable afterwards. */
  dispose(): Promise<void>;
}

export interface EncoderStats {
  /** Texts passed to `embed`, repeats included. */
  readonly texts: number;
  /** Texts answered from the embedding cache. */
  readonly cacheHits: number;
  /** Distinct texts run through the model. */
  readonly computed: number;
  /** Inference calls made. */
  readonly batches: number;
}

export interface LoadEncoderOptions {
  /**
   * A name from the vendored table (default `all-MiniLM-L6-v2`), or, with `allowRemote: true`, any
   * Hugging Face feature-extraction model id with ONNX weights in the transformers.js layout.
   */
  readonly model?: string;
  /**
   * A local folder in the transformers.js layout (config.json, tokenizer.json,
   * tokenizer_config.json, onnx/model_quantized.onnx and/or onnx/model.onnx). Overrides `model`.
   */
  readonly modelDir?: string;
  /** `q8` (default, the committed weights) or `fp32` (must be generated, see docs/ENCODER.md). */
  readonly dtype?: EncoderDtype;
  /** Embedding cache folder; `null` disables the cache; default: see `defaultCacheDir`. */
  readonly cacheDir?: string | null;
  /** Permit downloading `model` from the Hugging Face hub. Off by default: the product runs offline. */
  readonly allowRemote?: boolean;
  /**
   * Texts per inference call. Default 1 for q8 (batch-mates would change a text's vector, see
   * DEFAULT_BATCH_SIZE), 8 for fp32.
   */
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default: the machine's parallelism, at most 4). */
  readonly threads?: number;
}

/** How to embed a text longer than the encoder's window. */
export type LongTextStrategy = 'truncate' | 'chunk-mean';

export const LONG_TEXT_STRATEGIES: readonly LongTextStrategy[] = Object.freeze(['truncate', 'chunk-mean']);

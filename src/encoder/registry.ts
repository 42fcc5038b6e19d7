/**
 * The encoders that ship with the package, by name. A frozen table instead of branches: adding a
 * vendored encoder is one entry plus its folder under models/encoders/.
 */
import { fileURLToPath } from 'node:url';

export type Pooling = 'mean';

export interface EncoderSpec {
  /** Folder under models/encoders/. */
  readonly folder: string;
  readonly dim: number;
  /** The window the model was trained and evaluated with, which can be shorter than its position table. */
  readonly maxTokens: number;
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly license: string;
  readonly source: string;
}

export const DEFAULT_ENCODER = 'all-MiniLM-L6-v2';

export const ENCODERS: Readonly<Record<string, EncoderSpec>> = Object.freeze({
  'all-MiniLM-L6-v2': Object.freeze({
    folder: 'all-MiniLM-L6-v2',
    dim: 384,
    // sentence-transformers' max_seq_length for this model; its position table allows 512.
    maxTokens: 256,
    pooling: 'mean',
    normalize: true,
    license: 'Apache-2.0',
    source: 'sentence-transformers/all-MiniLM-L6-v2',
  }),
} satisfies Record<string, EncoderSpec>);

/**
 * The vendored models folder, found from this source file rather than the working directory so the
 * package works wherever it is installed or run from.
 */
export function vendoredModelsDir(): string {
  return fileURLToPath(new URL('../../models/encoders/', import.meta.url));
}

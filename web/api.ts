/**
 * The page's side of the HTTP API: the JSON shapes it reads (only the fields it uses, with the
 * ones the predictor is gaining marked optional), uploads with progress, and one sentence per
 * error code.
 */

export interface PageConfig {
  readonly version: string;
  readonly maxBodyBytes: number;
  readonly maxFiles: number;
  readonly apiKeyRequired: boolean;
  /** Bundled example models, served at web/examples/<file> (absent on older servers). */
  readonly examples?: readonly { readonly file: string; readonly title: string }[];
}

export interface TargetPrediction {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  /** Whether the model is the kind of graph this target was trained on (when the predictor says). */
  readonly inDomain?: boolean;
  readonly domainNote?: string;
  /** Which part of the predictor answered (e.g. the in-space head or the cross-space ranker), or 'measured'. */
  readonly source?: string;
  /** For a known architecture's measurement: which one, and what the label measures. */
  readonly measured?: { readonly id: string; readonly kind: string };
  /** For a measurement: the model's own prediction beside it. */
  readonly predicted?: { readonly accuracy: number; readonly low: number; readonly high: number };
}

export interface Neighbor {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly distance: number;
  readonly accuracy: Readonly<Record<string, number>>;
}

export type Warning = string | { readonly code?: string; readonly summary?: string; readonly message?: string; readonly target?: string };

export interface Report {
  readonly file: string;
  readonly predictions: Readonly<Record<string, TargetPrediction>>;
  readonly neighbors: readonly Neighbor[];
  readonly exact: {
    readonly id: string; readonly space: string; readonly arch: string; readonly labels: Readonly<Record<string, number>>; readonly note: string;
    readonly match?: string; readonly others?: readonly { readonly id: string; readonly arch: string; readonly labels: Readonly<Record<string, number>> }[];
  } | null;
  /** The targets the model fits, in the order to rank by (absent on older servers). */
  readonly fits?: readonly string[];
  readonly stats: { readonly params: number; readonly macs: number; readonly nodes: number };
  readonly model?: { readonly encoder?: string; readonly predictor?: string };
  /** Alternative spelling of the per-target flags: target → in domain. */
  readonly inDomain?: Readonly<Record<string, boolean>>;
  readonly proxies?: Readonly<Record<string, unknown>> | null;
  readonly warnings?: readonly Warning[];
}

export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
}

export interface ErrorItem {
  readonly file: string;
  readonly error: ApiErrorBody;
}

export type BatchItem = Report | ErrorItem;

export interface TensorSummary {
  readonly name: string;
  readonly shape: readonly (number | string | null)[] | null;
  readonly dtype: string;
}

export interface Describe {
  readonly file: string;
  readonly text: string;
  readonly stats: {
    readonly inputs?: readonly TensorSummary[];
    readonly outputs?: readonly TensorSummary[];
    readonly opset?: number;
    readonly producer?: string;
    readonly params?: number;
    readonly macs?: number;
    readonly nodes?: number;
  };
}

export interface KnownPoint {
  readonly id: string;
  readonly space: string;
  readonly accuracy: number;
  readonly params?: number;
  readonly macs?: number;
}

export interface Known {
  readonly target: string;
  readonly total: number;
  readonly returned: number;
  readonly fields: { readonly params: boolean; readonly macs: boolean };
  readonly spaces: Readonly<Record<string, number>>;
  readonly points: readonly KnownPoint[];
}

/** A failed call, already a sentence for the user; `code` is the API's error code (or a local one). */
export class PageError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'PageError';
  }
}

export function isErrorItem(item: BatchItem): item is ErrorItem {
  return 'error' in item;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 === 0 ? 0 : 1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} kB`;
  return `${n} bytes`;
}

const trimDot = (s: string) => s.replace(/[.\s]+$/, '');

/** The sentence a person reads for an API error on `file`. */
export function errorSentence(code: string, message: string, file: string | null, config: PageConfig): string {
  const what = file === null ? 'The request' : `“${file}”`;
  const detail = trimDot(message);
  switch (code) {
    case 'INVALID_MODEL':
      return `${what} is not a valid ONNX model, so nothing was predicted. The server said: ${detail}.`;
    case 'UNREADABLE_INPUT':
      return `${what} could not be read as a file. The server said: ${detail}.`;
    case 'LIMIT_EXCEEDED':
      return `${what} is too large for this server, which accepts at most ${formatBytes(config.maxBodyBytes)} and ${config.maxFiles} files per upload. The server said: ${detail}.`;
    case 'UNSUPPORTED_MEDIA':
      return `${what} was sent as a type the server does not accept. The server said: ${detail}.`;
    case 'UNAUTHORIZED':
      return 'This server needs an API key: enter a valid key in the “API key” field and drop the files again.';
    case 'OVERLOADED':
      return 'The server is busy with other requests right now; try again in a moment.';
    case 'TIMEOUT':
      return `The server took too long on ${file === null ? 'the request' : what} and gave up; try a smaller model or try again later.`;
    case 'USAGE':
      return `The server refused the request: ${detail}.`;
    case 'NETWORK':
      return `The server could not be reached (${detail}). Is onnx-predict serve still running?`;
    default:
      return `The server failed on ${file === null ? 'the request' : what} (${code}): ${detail}.`;
  }
}

export interface Client {
  readonly config: PageConfig;
  apiKey: string;
}

/** XMLHttpRequest rather than fetch: only it reports upload progress. */
export function request<T>(client: Client, method: 'GET' | 'POST', url: string, body: XMLHttpRequestBodyInit | null, opts: {
  contentType?: string;
  file?: string | null;
  onProgress?: (sent: number, total: number) => void;
} = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.responseType = 'text';
    if (opts.contentType !== undefined) xhr.setRequestHeader('Content-Type', opts.contentType);
    if (client.apiKey !== '') xhr.setRequestHeader('Authorization', `Bearer ${client.apiKey}`);
    if (opts.onProgress) {
      const cb = opts.onProgress;
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) cb(e.loaded, e.total); };
    }
    const file = opts.file ?? null;
    xhr.onerror = () => reject(new PageError('NETWORK', errorSentence('NETWORK', 'the connection failed', file, client.config)));
    xhr.ontimeout = xhr.onerror;
    xhr.onload = () => {
      let json: unknown;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        reject(new PageError('BAD_RESPONSE', `The server answered HTTP ${xhr.status} without the JSON the page expects.`));
        return;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(json as T);
        return;
      }
      const err = (json as { error?: Partial<ApiErrorBody> } | null)?.error;
      const code = typeof err?.code === 'string' ? err.code : `HTTP_${xhr.status}`;
      const message = typeof err?.message === 'string' ? err.message : `HTTP ${xhr.status}`;
      reject(new PageError(code, errorSentence(code, message, file, client.config)));
    };
    xhr.send(body);
  });
}

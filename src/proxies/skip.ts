/**
 * Why a model gets no proxies. Expected outcomes, not errors: `computeProxies` returns them as
 * `skipped: {code, message}` and the caller's prediction goes on without proxies.
 */
export const SKIP_CODES = [
  'control-flow',
  'model-function',
  'no-float-input',
  'non-float-input',
  'unsupported-input',
  'unsupported-constant',
  'unsupported-dtype',
  'unsupported-attribute',
  'session-failed',
  'run-failed',
  'memory-bound',
  'time-budget',
  'no-activations',
  'non-finite',
] as const;

export type SkipCode = (typeof SKIP_CODES)[number];

export interface SkipReason {
  readonly code: SkipCode;
  readonly message: string;
}

/** Thrown inside the proxies room only; never escapes `computeProxies`. */
export class ProxySkip extends Error {
  readonly code: SkipCode;
  constructor(code: SkipCode, message: string) {
    super(message);
    this.name = 'ProxySkip';
    this.code = code;
  }
}

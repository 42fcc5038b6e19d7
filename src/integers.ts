/**
 * Whole numbers from text (flags, environment variables, query strings) and checks of numbers
 * passed to API functions: the one place that decides what counts as an integer and how a bad
 * one is reported. Pure.
 */
import { UsageError } from './errors.ts';

export interface IntegerRange {
  readonly min?: number;
  readonly max?: number;
}

function rangeText({ min, max }: IntegerRange): string {
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min === 1) return 'a positive integer';
  if (min === 0) return 'a non-negative integer';
  if (min !== undefined) return `an integer ≥ ${min}`;
  if (max !== undefined) return `an integer ≤ ${max}`;
  return 'an integer';
}

function inRange(n: number, { min, max }: IntegerRange): boolean {
  return Number.isSafeInteger(n) && (min === undefined || n >= min) && (max === undefined || n <= max);
}

/**
 * Parses `text` as a decimal integer in `range`; a `UsageError` naming `what` otherwise.
 * `what` is how the user wrote the parameter: `--limit`, `query parameter 'k'`, `ONNX_PREDICT_PORT`.
 */
export function parseInteger(what: string, text: string, range: IntegerRange = {}): number {
  const n = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!inRange(n, range)) throw new UsageError(`${what} must be ${rangeText(range)}, got '${text}'`);
  return n;
}

/** `--name <n>` with n ≥ 1. */
export function parsePositiveInt(name: string, text: string): number {
  return parseInteger(`--${name}`, text, { min: 1 });
}

/** `--name <n>` with n ≥ 0. */
export function parseNonNegativeInt(name: string, text: string): number {
  return parseInteger(`--${name}`, text, { min: 0 });
}

/** API-boundary check of a number argument: a `RangeError` naming the parameter unless it is an integer in `range`. */
export function checkInteger(name: string, value: unknown, range: IntegerRange = {}): number {
  if (typeof value !== 'number' || !inRange(value, range)) throw new RangeError(`${name} must be ${rangeText(range)}, got ${String(value)}`);
  return value;
}

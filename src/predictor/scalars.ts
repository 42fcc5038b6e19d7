/**
 * Scalar features: the static profile descriptors (graph-features.ts) and the zero-cost proxies
 * (src/proxies), by name. The ranker reads them all; the head reads the proxies appended to its
 * encoder + descriptor vector. Missing values are NaN (a model the proxies could not run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSamples, PROXY_DEFAULTS, PROXY_NAMES, PROXY_VERSION, type ProxyReport } from '../proxies/index.ts';
import { NUMERIC_FEATURES } from './graph-features.ts';

export const PROXY_FEATURES: readonly string[] = Object.freeze(PROXY_NAMES.map((n) => `proxy_${n}`));
export const SCALAR_FEATURES: readonly string[] = Object.freeze([...NUMERIC_FEATURES, ...PROXY_FEATURES]);
/**
 * The training-free aggregate: every forward-only proxy and MACs with equal weight, each as its
 * rank within the set being compared (AZ-NAS-style; no selection, no sign flips learnt).
 */
export const AGGREGATE_FEATURES: readonly string[] = Object.freeze(['proxy_naswot', 'proxy_swap', 'proxy_meco', 'proxy_az_expressivity', 'proxy_az_progressivity', 'proxy_trainable_layers', 'log_macs']);

/**
 * Counts spanning orders of magnitude (distinct activation patterns, trainable layers) enter as
 * logs, so that a linear score compares ratios, as it does for params and MACs; the others are
 * already log-like (NASWOT is log|det K|) or bounded.
 */
const LOG_PROXIES = new Set(['swap', 'swap_reg', 'trainable_layers']);

/**
 * Proxies whose value depends on the number of input samples (NASWOT: log|det| of an N × N
 * kernel; SWAP: distinct N-bit patterns). A value measured with another N is not comparable, so
 * it is read as missing: big models, which the sample-count rule gives fewer samples
 * (defaultSamples), keep MeCo, AZ and the layer count only.
 */
const SAMPLE_DEPENDENT = new Set(['naswot', 'swap', 'swap_reg']);

/** The scalar features a model may lack by design (big models run fewer samples): see above. */
export const SAMPLE_DEPENDENT_FEATURES: readonly string[] = Object.freeze(PROXY_NAMES.filter((n) => SAMPLE_DEPENDENT.has(n)).map((n) => `proxy_${n}`));

/** The proxies with the sample-dependent ones set missing. */
function withoutSampleDependent(p: NonNullable<ProxyValues>): ProxyValues {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, SAMPLE_DEPENDENT.has(k) ? null : v]));
}

export type ProxyValues = Readonly<Record<string, number | null>> | null | undefined;

/** Proxy values and the sample count they were measured with (default: the standard count). */
export function proxyVector(p: ProxyValues, samples: number = PROXY_DEFAULTS.samples): Float64Array {
  return Float64Array.from(PROXY_NAMES, (n) => {
    if (samples !== PROXY_DEFAULTS.samples && SAMPLE_DEPENDENT.has(n)) return NaN;
    const v = p?.[n];
    if (v === null || v === undefined || !Number.isFinite(v)) return NaN;
    return LOG_PROXIES.has(n) ? Math.log1p(Math.max(0, v)) : v;
  });
}

/** Numeric descriptors (the tail of a base feature vector) followed by the proxies. */
export function scalarRow(base: Float32Array, textLength: number, proxies: ProxyValues, samples?: number): Float64Array {
  const out = new Float64Array(SCALAR_FEATURES.length);
  const num = base.subarray(textLength, textLength + NUMERIC_FEATURES.length);
  out.set(num, 0);
  out.set(proxyVector(proxies, samples), NUMERIC_FEATURES.length);
  return out;
}

/** The head's input: the base vector with the proxies appended. */
export function headRow(base: Float32Array, proxies: ProxyValues, samples?: number): Float32Array {
  const out = new Float32Array(base.length + PROXY_NAMES.length);
  out.set(base, 0);
  out.set(proxyVector(proxies, samples), base.length);
  return out;
}

/**
 * Cached proxies as a prediction would compute them for a model of `macs`: when the default
 * sample count of that model is below 16 (defaultSamples), its sample-dependent proxies are
 * missing at prediction time, so they are missing in training too, even if a cache run measured
 * them with 16 samples.
 */
export function asPredicted(p: ProxyValues, macs: number): ProxyValues {
  return !p || defaultSamples(macs) === PROXY_DEFAULTS.samples ? p : withoutSampleDependent(p);
}

/** Line format of `<dataset>/proxies.jsonl` (src/proxies/cache.ts, docs/PROXIES.md). */
interface ProxyLine {
  readonly id: string;
  readonly version?: string;
  readonly samples?: number;
  readonly proxies?: ProxyReport['proxies'];
}

/**
 * The proxies cached beside a built dataset, by record id; empty when there is no cache. Only
 * lines of this build's PROXY_VERSION count: values of other definitions are not comparable.
 */
export function loadProxyCache(datasetDir: string, version: string = PROXY_VERSION): Map<string, ProxyValues> {
  const path = join(datasetDir, 'proxies.jsonl');
  const out = new Map<string, ProxyValues>();
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let j: ProxyLine;
    try {
      j = JSON.parse(line) as ProxyLine;
    } catch {
      continue; // a line cut short by an interrupted cache run
    }
    if (typeof j.id !== 'string' || j.version !== version) continue;
    // Values measured with a non-standard sample count lose their sample-dependent proxies here,
    // once, so every consumer reads the same thing.
    const samples = j.samples ?? PROXY_DEFAULTS.samples;
    const p = j.proxies ?? null;
    out.set(j.id, p && samples !== PROXY_DEFAULTS.samples ? withoutSampleDependent(p) : p);
  }
  return out;
}

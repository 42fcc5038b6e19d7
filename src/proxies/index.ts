/**
 * Zero-cost proxies computed from the ONNX file itself (issue 10): NASWOT, SWAP (+ params-
 * regularised), MeCo, AZ-style expressivity/progressivity and the number of trainable layers, with
 * seeded synthetic weights and N(0,1) inputs in onnxruntime-node (loaded on first use only).
 * Definitions, defaults and measured correlations: docs/PROXIES.md.
 */
export { computeProxies, defaultSamples, PROXY_VERSION, PROXY_NAMES, PROXY_DEFAULTS, SAMPLE_MACS_LIMIT, type ProxyName, type ProxyOptions, type ProxyReport } from './compute.ts';
export { SKIP_CODES, type SkipCode, type SkipReason } from './skip.ts';
export { cacheProxies, defaultWorkers, importCommitted, proxyCoverage, readCache, type CacheLine, type CacheOptions, type CacheProgress, type CacheSummary, type Coverage } from './cache.ts';

/**
 * The ranker configurations training chooses between (on training spaces only: leave one
 * training space out, or transfer sets), and the fixed feature set of the training-free baseline.
 * Fixed before any test number was seen; see docs/RESULTS.md for how they were arrived at.
 */
import type { RankerCandidate } from './model.ts';
import type { RankerConfig } from './ranker.ts';
import { AGGREGATE_FEATURES, PROXY_FEATURES, SAMPLE_DEPENDENT_FEATURES } from './scalars.ts';

/** Size alone: what the params/MACs baselines know. */
const SIZE = ['log_params', 'log_macs'];
/** Depth of the weighted-layer DAG: the static descriptors that transferred in the lab. */
const DEPTH = ['log_depth_weighted', 'mean_depth_weighted'];

export { AGGREGATE_FEATURES } from './scalars.ts';

/** A fitted ridge ranker: sign filter on, every training space weighing the same. */
const fitted = (lambda: number): RankerConfig => ({ lambda, signFilter: true, balance: true });

/** Fixed ±1 weights on the features whose direction every training space agrees on. */
const CONSISTENT: RankerConfig = { lambda: 0, signFilter: true, fixed: true, minCorr: 0.1 };

export const DEFAULT_RANKER_CANDIDATES: readonly RankerCandidate[] = Object.freeze([
  { name: 'size', features: SIZE, config: fitted(0.1) },
  { name: 'size+depth', features: [...SIZE, ...DEPTH], config: fitted(0.1) },
  { name: 'proxies', features: [...PROXY_FEATURES], config: fitted(0.1) },
  { name: 'proxies+size', features: [...PROXY_FEATURES, ...SIZE], config: fitted(0.1) },
  { name: 'proxies+size+depth', features: [...PROXY_FEATURES, ...SIZE, ...DEPTH], config: fitted(0.1) },
  { name: 'proxies+size+depth (λ 1)', features: [...PROXY_FEATURES, ...SIZE, ...DEPTH], config: fitted(1) },
  // A very strong penalty makes each weight proportional to the feature's own within-space
  // correlation with the label: a learnt analogue of the equal-weight aggregate, immune to
  // collinearity between proxies.
  { name: 'proxies+size (λ 100)', features: [...PROXY_FEATURES, ...SIZE], config: fitted(100) },
  // The training-free aggregate itself: equal weights, fixed signs; chosen only if it transfers
  // better than the fitted ones on training-side evidence.
  { name: 'aggregate (fixed)', features: AGGREGATE_FEATURES, config: { lambda: 0, signFilter: false, fixed: true } },
  // The consistent aggregate: equal weights too, but only on features that correlate with the
  // label in the same direction (|r| ≥ 0.1) in every training space, each oriented by that
  // direction. No weight is learnt, so no training space's collinearity pattern is imported;
  // the training spaces only decide which features transfer.
  { name: 'consistent (fixed)', features: [...PROXY_FEATURES, ...SIZE], config: CONSISTENT },
  { name: 'consistent+depth (fixed)', features: [...PROXY_FEATURES, ...SIZE, ...DEPTH], config: CONSISTENT },
  // Only the proxies every model has (big models run fewer samples and lack NASWOT/SWAP, which
  // then read as a training mean that means nothing in a new space).
  { name: 'consistent, every-model proxies (fixed)', features: [...PROXY_FEATURES.filter((f) => !SAMPLE_DEPENDENT_FEATURES.includes(f)), ...SIZE], config: CONSISTENT },
]);


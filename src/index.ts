/**
 * onnx-predict's public API. Adapters (src/cli, src/server) and library users import only this.
 *
 * @example
 * ```ts
 * import { loadModelFile, stats, describeModel } from 'onnx-predict';
 * const model = await loadModelFile('resnet18.onnx');
 * console.log(stats(model).params, describeModel(model));
 * ```
 */
import { UsageError } from './errors.ts';
import type { Model } from './onnx-to-text/ir.ts';
import { DEFAULT_TEXT_MODE, TEXT_MODES, type TextMode } from './onnx-to-text/text/index.ts';
import { loadModelFile } from './inspect.ts';
import { spaces, type BuildDatasetOptions, type BuildSummary } from './predictor/spaces.ts';
import { loadEncoder, type LoadEncoderOptions } from './encoder/index.ts';
import { profileModel } from './onnx-to-text/profile.ts';
import { DEFAULT_CHECKPOINT_DIR, Predictor, type TargetPrediction } from './predictor/predictor.ts';
import type { PredictionWarning } from './predictor/warnings.ts';
import { fittingTargets } from './predictor/domain.ts';
import type { ProxyOptions, ProxyReport } from './proxies/index.ts';
import { loadCheckpoint } from './predictor/checkpoint.ts';
import type { PredictorInfo } from './format.ts';
import { VERSION } from './version.ts';

export * from './errors.ts';
export type { Model, Graph, Node, Tensor, TensorType, Dim, DType, ValueInfo, AttributeValue } from './onnx-to-text/ir.ts';
export { readModel } from './onnx-to-text/reader.ts';
export { GraphBuilder, type WeightMode } from './onnx-to-text/writer.ts';
export { inferShapes, type Profile, type NodeProfile, type Diagnostic } from './onnx-to-text/profile.ts';
export { profileModel };
export { Predictor, DEFAULT_CHECKPOINT_DIR, type Prediction, type TargetPrediction, type ModelPrediction, type ExactMatch } from './predictor/predictor.ts';
export { loadEncoder, type Encoder, type LoadEncoderOptions } from './encoder/index.ts';
export { formatPrediction, formatInfo, formatEval, formatFewShot, type PredictorInfo } from './format.ts';
export { trainPredictor, type TrainPredictorOptions, type TrainSummary } from './predictor/train.ts';
export { evaluate, evaluateFewShot, defaultSelectionSpaces, PRIMARY_TARGET, PROTOCOLS, type Protocol, type EvalReport, type EvalOptions, type FewShotEvalOptions, type FewShotReport } from './predictor/evaluate.ts';
export { fitAdapter, applyAdapter, MIN_KNOWN, type AdapterState, type AdaptOptions, type KnownResult, type AdaptedPrediction } from './predictor/adapt.ts';
export { FEW_SHOT_KS, type FewShotCell } from './predictor/few-shot.ts';
export { REPRESENTATIONS, PhraseEmbeddings, textEmbedder, type Representation } from './predictor/features.ts';
export { DEFAULT_HEAD_CONFIG, HEAD_CANDIDATES, HEAD_PRESETS, type HeadPreset } from './predictor/head/train.ts';
export type { HeadConfig } from './predictor/head/infer.ts';
export { kendallTau, spearmanRho, rankReport } from './predictor/metrics.ts';
export { computeProxies, PROXY_NAMES, PROXY_VERSION, PROXY_DEFAULTS, SKIP_CODES, type ProxyName, type ProxyOptions, type ProxyReport, type SkipReason } from './proxies/index.ts';
export { cacheProxies, proxyCoverage, type CacheOptions, type CacheSummary, type Coverage } from './proxies/index.ts';
export { WARNING_CODES, WARNING_SUMMARIES, type PredictionWarning, type WarningCode } from './predictor/warnings.ts';
export { checkDomain, graphSignature, fittingTargets, targetClasses, targetFacts, TARGET_FACTS, type TargetDomain, type TargetFacts, type GraphSignature, type DomainCheck } from './predictor/domain.ts';
export { ARCH_FINGERPRINT_VERSION } from './predictor/fingerprint.ts';
export { formatStats, type StatsReport } from './stats.ts';
export { loadModelFile, stats, describeModel } from './inspect.ts';
export { humanCount } from './onnx-to-text/text/compact.ts';
export { DEFAULT_TEXT_MODE, TEXT_MODES, type TextMode };
export { readManifest, parseManifest, recordFamily, recordArchKey, MANIFEST_FILE, type ManifestRecord } from './predictor/manifest.ts';
export { spaces, SpaceRegistry, formatSpaces, type DatasetSpace, type SpaceTarget, type TargetTask, type BuildDatasetOptions, type BuildSummary } from './predictor/spaces.ts';
export { parseInteger, parsePositiveInt, parseNonNegativeInt, checkInteger, type IntegerRange } from './integers.ts';

export interface PredictReport {
  readonly file: string;
  readonly predictions: Readonly<Record<string, TargetPrediction>>;
  readonly neighbors: readonly { readonly id: string; readonly space: string; readonly arch: string; readonly distance: number; readonly accuracy: Readonly<Record<string, number>> }[];
  /**
   * Present when the model is a known architecture: the identical graph (`match: 'graph'`) or the
   * same architecture exported differently (`'architecture'`). Its labels are measurements, and the
   * predictions of those targets report them (`source: 'measured'`, the model's own beside them).
   */
  readonly exact: ExactReport | null;
  /**
   * The targets the model fits, in the order to rank by (a proxy target is left out when its full
   * target fits too): what the human output shows without `--all-targets`. `predictions` has every target.
   */
  readonly fits: readonly string[];
  readonly stats: { readonly params: number; readonly macs: number; readonly nodes: number };
  readonly model: { readonly encoder: string; readonly predictor: string };
  /** Zero-cost proxies of the graph (null when the predictor reads none or they were turned off). */
  readonly proxies: ProxyReport | null;
  /** The graph's numeric descriptors (size, depth, op mix, resolution; null where not computable): what the set ranker reads beside the proxies. */
  readonly descriptors: Readonly<Record<string, number | null>>;
  /** What to know before trusting the numbers (unknown ops, incomplete costs, far from training, ...). */
  readonly warnings: readonly PredictionWarning[];
}

export interface ExactReport {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly labels: Readonly<Record<string, number>>;
  /** What each label measures (split, epochs, the timm recipe), when the checkpoint records it. */
  readonly source?: Readonly<Record<string, string>>;
  readonly match: 'graph' | 'architecture';
  readonly note: string;
  /** Other known architectures with the same graph (other recipes), best first. */
  readonly others: readonly { readonly id: string; readonly arch: string; readonly labels: Readonly<Record<string, number>> }[];
}

export interface PredictModelsOptions {
  /** Only this target (default: every target, each marked in or out of domain). */
  readonly target?: string;
  /** Nearest known architectures per model (default 3). */
  readonly neighbors?: number;
  /** Run the zero-cost proxies when the predictor reads them (default true). */
  readonly proxies?: boolean;
  readonly proxyOptions?: ProxyOptions;
}

export interface LoadPredictorOptions {
  /** Checkpoint folder (default: the shipped `models/predictors/default/`). */
  readonly checkpoint?: string;
  /** Encoder options for phrases the checkpoint has not seen (default: vendored, offline). */
  readonly encoder?: LoadEncoderOptions;
}

/**
 * Loads the predictor. The text encoder itself is loaded only when a graph has node phrases
 * the checkpoint has not seen, so most predictions never start it.
 */
export function loadPredictor(options: LoadPredictorOptions = {}): Predictor {
  return Predictor.load(options.checkpoint ?? DEFAULT_CHECKPOINT_DIR, {
    loadEncoder: () => loadEncoder({ dtype: 'q8', ...options.encoder }),
  });
}

/** Predicts accuracy for decoded models; `file` names each in the report. */
export async function predictModels(predictor: Predictor, items: readonly { model: Model; file: string }[], options: PredictModelsOptions = {}): Promise<PredictReport[]> {
  if (options.target !== undefined && !predictor.targets.includes(options.target)) {
    throw new UsageError(`target must be one of ${predictor.targets.join(', ')}, got '${options.target}'`);
  }
  const graphs = items.map(({ model }) => ({ model, profile: profileModel(model) }));
  const preds = await predictor.predict(graphs, {
    neighbors: options.neighbors ?? 3,
    ...(options.proxies !== undefined ? { proxies: options.proxies } : {}),
    ...(options.proxyOptions ? { proxyOptions: options.proxyOptions } : {}),
  });
  const meta = predictor.checkpoint.meta;
  return preds.map((p, i) => {
    const pick = <T>(rec: Readonly<Record<string, T>>): Record<string, T> =>
      options.target === undefined ? { ...rec } : Object.fromEntries(Object.entries(rec).filter(([k]) => k === options.target));
    const prof = graphs[i]!.profile;
    return {
      file: items[i]!.file,
      predictions: pick(p.predictions),
      neighbors: p.neighbors.map((n) => ({ ...n, accuracy: pick(n.accuracy) })),
      exact: p.exact ? {
        id: p.exact.id, space: p.exact.space, arch: p.exact.arch, labels: pick(p.exact.labels),
        ...(p.exact.source ? { source: pick(p.exact.source) } : {}),
        match: p.exact.match, note: p.exact.note,
        others: p.exact.others.map((o) => ({ id: o.id, arch: o.arch, labels: pick(o.labels) })),
      } : null,
      fits: fittingTargets(p.predictions).filter((t) => options.target === undefined || t === options.target),
      stats: { params: prof.totals.params, macs: prof.totals.macs, nodes: prof.totals.nodes },
      model: { encoder: `${meta.encoder.id} (${meta.encoder.dtype})`, predictor: `${meta.name} v${meta.version} (${meta.createdAt})` },
      proxies: p.proxies,
      descriptors: p.descriptors,
      warnings: p.warnings,
    };
  });
}

/** One file: read, decode, predict. */
export async function predictFile(predictor: Predictor, path: string, options: PredictModelsOptions = {}): Promise<PredictReport> {
  const model = await loadModelFile(path);
  return (await predictModels(predictor, [{ model, file: path }], options))[0]!;
}

/**
 * Builds (or resumes building) a benchmark dataset of a registered space: `<out>/<id>.onnx` +
 * `<out>/manifest.jsonl`. Spaces come from `onnx-predict/datasets` (`registerDatasetSpaces()`).
 */
export function buildDataset(space: string, options: BuildDatasetOptions): Promise<BuildSummary> {
  return spaces.build(space, options);
}

export { VERSION };

export function predictorInfo(checkpoint: string = DEFAULT_CHECKPOINT_DIR): PredictorInfo {
  return { version: VERSION, checkpoint, meta: loadCheckpoint(checkpoint).meta };
}

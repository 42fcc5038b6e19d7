/**
 * The predictor checkpoint: a folder (default `models/predictors/default/`) holding
 *   predictor.json   metadata + head weights (float arrays as base64 little-endian float32)
 *   phrases.json     the encoder's vectors for every node phrase seen in training
 *   known.jsonl      one line per training architecture: id, space, arch, labels, fingerprint
 *   index.hnsw       hnswlib index over the architectures' projected features (labels = line no.)
 * Format documented in docs/CHECKPOINT.md. Versioned; loading refuses a mismatching encoder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxPredictError } from '../errors.ts';
import type { HeadConfig, HeadState } from './head/infer.ts';
import type { Representation } from './features.ts';
import type { TargetDomain } from './domain.ts';
import type { ModelState, TargetTrees } from './model.ts';
import type { Tree, TreesState } from './trees.ts';
import type { Expert, FixedExpert, SetRankerState } from './set-ranker.ts';

export const CHECKPOINT_FORMAT = 'onnx-predict-predictor';
export const CHECKPOINT_VERSION = 2;

export interface KnownArch {
  readonly id: string;
  readonly space: string;
  readonly arch: string;
  readonly labels: Readonly<Record<string, number>>;
  /** Static profile of the graph (for plots and neighbour tables); absent in older checkpoints. */
  readonly params?: number;
  readonly macs?: number;
  /** textHash of the graph's chain_slim text: equal graphs, equal fingerprints. */
  readonly fingerprint: string;
  /** textHash of the unbounded compact text (fingerprint.ts): equal architectures, however exported. Absent in older checkpoints. */
  readonly archFingerprint?: string;
  /**
   * What each label measures (the manifest's label_kind: epochs, split, the timm recipe) where it
   * differs from its space's `CheckpointMeta.labelSources`; `knownSources` gives the full map.
   * Absent in older checkpoints and where the space's default says it all.
   */
  readonly source?: Readonly<Record<string, string>>;
}

/**
 * Moves each space's common label kinds (every line of the space with that label agrees) out of
 * the lines into one map per space, so known.jsonl does not repeat 'test@200ep' 15,625 times:
 * the lines keep only the kinds that differ (timm's recipes).
 */
export function factorSources(known: readonly KnownArch[]): { known: KnownArch[]; labelSources: Record<string, Record<string, string>> } {
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const k of known) {
    for (const [t, v] of Object.entries(k.source ?? {})) {
      let m = seen.get(k.space);
      if (!m) seen.set(k.space, m = new Map());
      let set = m.get(t);
      if (!set) m.set(t, set = new Set());
      set.add(v);
    }
  }
  const labelSources: Record<string, Record<string, string>> = {};
  for (const [space, m] of [...seen].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const common = Object.fromEntries([...m].filter(([, set]) => set.size === 1).map(([t, set]) => [t, [...set][0]!] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (Object.keys(common).length > 0) labelSources[space] = common;
  }
  const out = known.map((k) => {
    const { source, ...rest } = k;
    const own = Object.entries(source ?? {}).filter(([t, v]) => labelSources[k.space]?.[t] !== v);
    return own.length > 0 ? { ...rest, source: Object.fromEntries(own) } : rest;
  });
  return { known: out, labelSources };
}

/** A known architecture's label kinds: its own, else its space's. */
export function knownSources(meta: Pick<CheckpointMeta, 'labelSources'>, k: KnownArch): Readonly<Record<string, string>> | undefined {
  const shared = meta.labelSources?.[k.space];
  if (!shared && !k.source) return undefined;
  return Object.fromEntries(Object.keys(k.labels).flatMap((t) => {
    const v = k.source?.[t] ?? shared?.[t];
    return v === undefined ? [] : [[t, v] as const];
  }));
}

export interface CheckpointMeta {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly name: string;
  readonly createdAt: string;
  readonly encoder: { readonly id: string; readonly dtype: string; readonly dim: number };
  readonly representation: Representation;
  readonly featureLength: number;
  readonly fingerprintMode: string;
  /** Version of the known architectures' `archFingerprint` (fingerprint.ts); absent when they have none. */
  readonly archFingerprintMode?: string;
  /** Per space, the label kinds all its known architectures share (`factorSources`). */
  readonly labelSources?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly targets: readonly string[];
  readonly trainedOn: Readonly<Record<string, number>>;
  /** Dimensions of the projected features that the neighbour index holds. */
  readonly indexDim: number;
  /** What each target's training graphs look like (input resolution, channels, classes). */
  readonly domains: Readonly<Record<string, TargetDomain>>;
  /** The proxies the model reads (src/proxies), or null when it was trained without them. */
  readonly proxies: { readonly version: string; readonly features: readonly string[]; readonly trainingCoverage: number } | null;
  readonly metrics: Readonly<Record<string, unknown>>;
}

/** The model's learnt parts besides the head (model.ts). */
export type LearntParts = Omit<ModelState, 'head'>;

export interface Checkpoint {
  readonly meta: CheckpointMeta;
  readonly head: HeadState;
  readonly model: LearntParts;
  readonly phrases: ReadonlyMap<string, Float32Array>;
  readonly known: readonly KnownArch[];
  readonly indexPath: string | null;
}

function b64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromB64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

interface HeadJson {
  version: 1;
  targets: string[];
  featureMean: string;
  featureStd: string;
  pca: string | null;
  pcaDim: number;
  pcaInputs: number;
  clipLow: string | null;
  clipHigh: string | null;
  labelMean: string;
  labelStd: string;
  intervalScale: string;
  members: { w: string; b: string; inDim: number; outDim: number }[][];
  config: HeadConfig;
}

export function headToJson(h: HeadState): HeadJson {
  return {
    version: 1,
    targets: [...h.targets],
    featureMean: b64(h.featureMean),
    featureStd: b64(h.featureStd),
    pca: h.pca ? b64(h.pca) : null,
    pcaDim: h.pcaDim,
    pcaInputs: h.pcaInputs,
    clipLow: h.clipLow ? b64(h.clipLow) : null,
    clipHigh: h.clipHigh ? b64(h.clipHigh) : null,
    labelMean: b64(h.labelMean),
    labelStd: b64(h.labelStd),
    intervalScale: b64(h.intervalScale),
    members: h.members.map((m) => m.map((l) => ({ w: b64(l.w), b: b64(l.b), inDim: l.inDim, outDim: l.outDim }))),
    config: h.config,
  };
}

export function headFromJson(j: HeadJson): HeadState {
  return {
    version: 1,
    targets: j.targets,
    featureMean: fromB64(j.featureMean),
    featureStd: fromB64(j.featureStd),
    pca: j.pca === null ? null : fromB64(j.pca),
    pcaDim: j.pcaDim,
    pcaInputs: j.pcaInputs,
    clipLow: j.clipLow ? fromB64(j.clipLow) : null,
    clipHigh: j.clipHigh ? fromB64(j.clipHigh) : null,
    labelMean: fromB64(j.labelMean),
    labelStd: fromB64(j.labelStd),
    intervalScale: fromB64(j.intervalScale),
    members: j.members.map((m) => m.map((l) => ({ w: fromB64(l.w), b: fromB64(l.b), inDim: l.inDim, outDim: l.outDim }))),
    config: j.config,
  };
}

/**
 * A tree as base64 arrays: thresholds and leaf values float64 (exact), features and node indices
 * int32 (−1: leaf / none), `nanLeft` uint8. 29 bytes a node instead of ~60 as indented JSON
 * numbers; the trees would otherwise be most of the file.
 */
type TreeJson = { feature: string; threshold: string; nanLeft: string; left: string; right: string; value: string };
type TargetTreesJson = Omit<TargetTrees, 'state'> & { state: Omit<TargetTrees['state'], 'trees'> & { trees: TreeJson[] } };

const packed = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function unpacked<T>(s: string, make: (b: ArrayBuffer) => T): T {
  const buf = Buffer.from(s, 'base64');
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  return make(copy);
}

function treeToJson(t: Tree): TreeJson {
  return {
    feature: packed(Int32Array.from(t.feature)), threshold: packed(Float64Array.from(t.threshold)), nanLeft: packed(Uint8Array.from(t.nanLeft)),
    left: packed(Int32Array.from(t.left)), right: packed(Int32Array.from(t.right)), value: packed(Float64Array.from(t.value)),
  };
}

function treeFromJson(j: TreeJson): Tree {
  const ints = (s: string) => Array.from(unpacked(s, (b) => new Int32Array(b)));
  return {
    feature: ints(j.feature), left: ints(j.left), right: ints(j.right),
    threshold: Array.from(unpacked(j.threshold, (b) => new Float64Array(b))),
    nanLeft: Array.from(unpacked(j.nanLeft, (b) => new Uint8Array(b))),
    value: Array.from(unpacked(j.value, (b) => new Float64Array(b))),
  };
}

type ExpertJson = { kind: 'fixed'; name: FixedExpert } | { kind: 'trees'; sets: string[]; trees: Omit<TreesState, 'trees'> & { trees: TreeJson[] } };
type SetRankerJson = Omit<SetRankerState, 'low' | 'high'> & { low: ExpertJson; high: ExpertJson };
type ModelJson = Omit<LearntParts, 'impute' | 'ranker' | 'gateReference' | 'trees' | 'setRanker'> & {
  impute: string;
  gateReference: string;
  ranker: Omit<LearntParts['ranker'], 'scale' | 'weights' | 'center'> & { scale: number[]; weights: number[]; center: number[] };
  trees?: Record<string, TargetTreesJson>;
  setRanker?: SetRankerJson;
};

const expertToJson = (e: Expert): ExpertJson => (e.kind === 'fixed' ? e : { kind: 'trees', sets: [...e.sets], trees: { ...e.trees, trees: e.trees.trees.map(treeToJson) } });
const expertFromJson = (e: ExpertJson): Expert => (e.kind === 'fixed' ? e : { kind: 'trees', sets: e.sets, trees: { ...e.trees, trees: e.trees.trees.map(treeFromJson) } });
const setRankerToJson = (r: SetRankerState): SetRankerJson => ({ ...r, low: expertToJson(r.low), high: expertToJson(r.high) });
const setRankerFromJson = (j: SetRankerJson): SetRankerState => ({ ...j, low: expertFromJson(j.low), high: expertFromJson(j.high) });

function modelToJson(m: LearntParts): ModelJson {
  const { trees, setRanker, ...rest } = m;
  return {
    ...(setRanker ? { setRanker: setRankerToJson(setRanker) } : {}),
    ...rest, impute: b64(m.impute), gateReference: b64(m.gateReference), ranker: { ...m.ranker, scale: [...m.ranker.scale], weights: [...m.ranker.weights], center: [...m.ranker.center] },
    ...(trees ? { trees: Object.fromEntries(Object.entries(trees).map(([t, v]) => [t, { ...v, state: { ...v.state, trees: v.state.trees.map(treeToJson) } }])) } : {}),
  };
}

function modelFromJson(j: ModelJson): LearntParts {
  const { trees, setRanker, ...rest } = j;
  return {
    ...(setRanker ? { setRanker: setRankerFromJson(setRanker) } : {}),
    ...rest, impute: fromB64(j.impute), gateReference: fromB64(j.gateReference), ranker: { ...j.ranker, scale: Float64Array.from(j.ranker.scale), weights: Float64Array.from(j.ranker.weights), center: Float64Array.from(j.ranker.center) },
    ...(trees ? { trees: Object.fromEntries(Object.entries(trees).map(([t, v]) => [t, { ...v, state: { ...v.state, trees: v.state.trees.map(treeFromJson) } }])) } : {}),
  };
}

export function saveCheckpoint(dir: string, c: Omit<Checkpoint, 'indexPath'>, writeIndex: (path: string) => void): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'predictor.json'), `${JSON.stringify({ ...c.meta, head: headToJson(c.head), model: modelToJson(c.model) }, null, 1)}\n`);
  const phrases: Record<string, string> = {};
  for (const [k, v] of [...c.phrases].sort(([a], [b]) => a.localeCompare(b))) phrases[k] = b64(v);
  writeFileSync(join(dir, 'phrases.json'), `${JSON.stringify(phrases, null, 1)}\n`);
  writeFileSync(join(dir, 'known.jsonl'), c.known.map((k) => JSON.stringify(k)).join('\n') + '\n');
  writeIndex(join(dir, 'index.hnsw'));
}

/** predictor.json of a checkpoint folder, its format checked. */
function readPredictorJson(dir: string): CheckpointMeta & { head: HeadJson; model: ModelJson } {
  const metaPath = join(dir, 'predictor.json');
  if (!existsSync(metaPath)) throw new OnnxPredictError('INCOMPATIBLE_CHECKPOINT', `no predictor checkpoint in ${dir} (predictor.json missing)`);
  let raw: CheckpointMeta & { head: HeadJson; model: ModelJson };
  try {
    raw = JSON.parse(readFileSync(metaPath, 'utf8')) as CheckpointMeta & { head: HeadJson; model: ModelJson };
  } catch (e) {
    throw new OnnxPredictError('INCOMPATIBLE_CHECKPOINT', `${metaPath}: not valid JSON`, { cause: e });
  }
  if (raw.format !== CHECKPOINT_FORMAT || raw.version !== CHECKPOINT_VERSION) {
    throw new OnnxPredictError('INCOMPATIBLE_CHECKPOINT', `${metaPath}: format ${raw.format} v${raw.version}, this build reads ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION}`);
  }
  return raw;
}

/** A checkpoint's set ranker alone (predictor.json only: no phrases, known architectures or index); undefined when it has none. */
export function loadSetRanker(dir: string): SetRankerState | undefined {
  const j = readPredictorJson(dir).model.setRanker;
  return j ? setRankerFromJson(j) : undefined;
}

export function loadCheckpoint(dir: string): Checkpoint {
  const raw = readPredictorJson(dir);
  const { head, model, ...meta } = raw;
  const phraseJson = JSON.parse(readFileSync(join(dir, 'phrases.json'), 'utf8')) as Record<string, string>;
  const phrases = new Map(Object.entries(phraseJson).map(([k, v]) => [k, fromB64(v)] as const));
  const knownPath = join(dir, 'known.jsonl');
  const known = existsSync(knownPath)
    ? readFileSync(knownPath, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as KnownArch)
    : [];
  const indexPath = join(dir, 'index.hnsw');
  return { meta, head: headFromJson(head), model: modelFromJson(model), phrases, known, indexPath: existsSync(indexPath) ? indexPath : null };
}

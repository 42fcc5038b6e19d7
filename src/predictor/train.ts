/**
 * `onnx-predict train`: manifests in, a checkpoint folder out (head, phrase vectors, known
 * architectures, neighbour index). Used for the shipped default model and by users adapting the
 * predictor to their own architectures (a manifest of ONNX files + accuracies).
 */
import { dirname, join } from 'node:path';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, factorSources, saveCheckpoint, type KnownArch } from './checkpoint.ts';
import { ARCH_FINGERPRINT_VERSION } from './fingerprint.ts';
import { domainOf, graphSignature, type GraphSignature, type TargetDomain } from './domain.ts';
import { featureLayout, PhraseEmbeddings, type Representation, type TextEmbedder } from './features.ts';
import type { HeadConfig } from './head/infer.ts';
import { HEAD_CANDIDATES } from './head/train.ts';
import { buildIndex, fitModel, type ModelRow, type RankerCandidate } from './model.ts';
import { DEFAULT_RANKER_CANDIDATES } from './ranker-candidates.ts';
import { loadManifest, PRIMARY_TARGET, recordFeatures, shuffled } from './records.ts';
import { asPredicted, headRow, loadProxyCache, PROXY_FEATURES, scalarRow, SCALAR_FEATURES, type ProxyValues } from './scalars.ts';
import { PROXY_VERSION } from '../proxies/index.ts';
import { readModelBytes } from '../io.ts';
import { readModel } from '../onnx-to-text/reader.ts';
import { profileModel } from '../onnx-to-text/profile.ts';

export interface TrainPredictorOptions {
  readonly manifests: readonly string[];
  readonly out: string;
  readonly targets?: readonly string[];
  /** Use a seeded sample of this many architectures per manifest (default: all). */
  readonly trainSize?: number;
  readonly seed?: number;
  readonly representation?: Representation;
  readonly head?: HeadConfig | readonly HeadConfig[];
  readonly rankers?: readonly RankerCandidate[];
  /** Folder holding `<space>/proxies.jsonl` per manifest's space (default: beside each manifest). */
  readonly proxyDir?: string;
  /** Read the cached proxies (default true); false trains on the structure alone. */
  readonly useProxies?: boolean;
  /** Graphs read per manifest to measure the targets' domains (default 200). */
  readonly domainSample?: number;
  readonly encoder: TextEmbedder;
  readonly name?: string;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface TrainSummary {
  readonly out: string;
  readonly targets: readonly string[];
  readonly trainedOn: Readonly<Record<string, number>>;
  readonly validation: Readonly<Record<string, unknown>>;
  /** Share of the training architectures with proxies (as a prediction would have them), and their version. */
  readonly proxies: { readonly version: string; readonly coverage: number };
  readonly seconds: number;
}

/** Signatures of a seeded sample of a manifest's graphs (their input size, channels, classes). */
async function sampleSignatures(files: readonly string[], n: number, seed: number): Promise<GraphSignature[]> {
  const out: GraphSignature[] = [];
  for (const f of shuffled(files, seed).slice(0, n)) {
    try {
      const model = readModel(await readModelBytes(f));
      out.push(graphSignature(model, profileModel(model)));
    } catch {
      // An unreadable training graph has no features either; it does not shape the domain.
    }
  }
  return out;
}

export async function trainPredictor(o: TrainPredictorOptions): Promise<TrainSummary> {
  const t0 = performance.now();
  const seed = o.seed ?? 0;
  const representation = o.representation ?? 'node-graph';
  const layout = featureLayout(representation, o.encoder.dim);
  // Features are computed (and cached) per manifest, so adding a space reuses the others.
  const emb = new PhraseEmbeddings(o.encoder);
  const rows: ModelRow[] = [];
  const fingerprints: string[] = [];
  const archFingerprints: string[] = [];
  const signatures = new Map<string, GraphSignature[]>();
  let withProxies = 0;
  for (const [i, m] of o.manifests.entries()) {
    const all = loadManifest(m);
    const f = await recordFeatures(all, layout, emb, `${o.encoder.id}/${o.encoder.dtype}`, {
      onProgress: (d, t) => o.onProgress?.(`features ${i + 1}/${o.manifests.length}`, d, t),
    });
    const proxies = o.useProxies === false ? new Map<string, ProxyValues>() : loadProxyCache(o.proxyDir !== undefined && all[0] ? join(o.proxyDir, all[0].space) : dirname(m));
    const keep = o.trainSize !== undefined ? shuffled(all.map((_, j) => j), seed).slice(0, o.trainSize) : all.map((_, j) => j);
    for (const j of keep) {
      const r = all[j]!;
      const p = asPredicted(proxies.get(r.id), r.macs);
      if (p) withProxies++;
      rows.push({ record: r, x: headRow(f.features[j]!, p), scalars: scalarRow(f.features[j]!, layout.textLength, p) });
      fingerprints.push(f.fingerprints[j]!);
      archFingerprints.push(f.archFingerprints[j]!);
    }
    const sigs = await sampleSignatures(keep.map((j) => all[j]!.file), o.domainSample ?? 200, seed);
    for (const t of new Set(keep.flatMap((j) => Object.keys(all[j]!.labels)))) signatures.set(t, [...(signatures.get(t) ?? []), ...sigs]);
  }
  const records = rows.map((r) => r.record);
  const counts = new Map<string, number>();
  for (const r of records) for (const t of Object.keys(r.labels)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const targets = o.targets ?? [...counts.keys()].sort();
  const firstLabel = new Map<string, string>();
  for (const r of records) if (!firstLabel.has(r.space)) firstLabel.set(r.space, Object.keys(r.labels).sort()[0] ?? '');
  const model = fitModel(rows, {
    targets,
    primary: (space) => PRIMARY_TARGET[space] ?? firstLabel.get(space),
    headCandidates: o.head ?? HEAD_CANDIDATES,
    rankerCandidates: o.rankers ?? DEFAULT_RANKER_CANDIDATES,
    scalarNames: SCALAR_FEATURES,
    pcaInputs: layout.textLength,
    gateText: layout.textLength > 0 ? o.encoder.dim : 0,
    seed,
  });
  const imputed = rows.map((r) => r.x.map((v, j) => (Number.isNaN(v) ? model.impute[j]! : v)));
  const index = buildIndex(model.head, imputed, model.indexDim);
  // Field order as scripts/known-arch-fingerprints.ts writes it, so both give the same file.
  const { known, labelSources } = factorSources(records.map((r, i): KnownArch => ({
    id: r.id, space: r.space, arch: r.arch, labels: r.labels, params: r.params, macs: r.macs, fingerprint: fingerprints[i]!,
    archFingerprint: archFingerprints[i]!, source: Object.fromEntries(Object.keys(r.labels).map((t) => [t, r.labelKind?.[t] ?? ''])),
  })));
  const trainedOn: Record<string, number> = {};
  for (const r of records) trainedOn[r.space] = (trainedOn[r.space] ?? 0) + 1;
  const domains: Record<string, TargetDomain> = {};
  for (const t of targets) domains[t] = domainOf(signatures.get(t) ?? []);
  const { head, ...learnt } = model;
  saveCheckpoint(o.out, {
    meta: {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      name: o.name ?? 'custom',
      createdAt: new Date().toISOString().slice(0, 10),
      encoder: { id: o.encoder.id, dtype: o.encoder.dtype, dim: o.encoder.dim },
      representation,
      featureLength: layout.length,
      fingerprintMode: 'chain_slim',
      archFingerprintMode: ARCH_FINGERPRINT_VERSION,
      labelSources,
      targets,
      trainedOn,
      indexDim: model.indexDim,
      domains,
      // Proxies are part of the model only when the training data had them.
      proxies: withProxies > 0 ? { version: PROXY_VERSION, features: [...PROXY_FEATURES], trainingCoverage: withProxies / rows.length } : null,
      metrics: { validation: model.validation, selection: model.selection },
    },
    head,
    model: learnt,
    phrases: emb.entries(),
    known,
  }, (path) => index.save(path));
  return {
    out: o.out, targets, trainedOn, validation: { ...model.validation, ranker: model.selection.ranker, rankerChosen: model.rankerName },
    proxies: { version: PROXY_VERSION, coverage: withProxies / Math.max(1, rows.length) }, seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Adds `archFingerprint` (src/predictor/fingerprint.ts) and `source` (each label's kind, the timm
 * recipe included) to a checkpoint's known.jsonl, rebuilding every known architecture from the
 * dataset builders — what `onnx-predict train` now writes itself, without retraining. Each rebuilt
 * graph's chain_slim fingerprint must equal the stored one (proof that it is the graph trained on);
 * a mismatch stops the script.
 *
 *   npx tsx scripts/known-arch-fingerprints.ts [checkpoint-dir] [--spaces timm,nb201]
 *
 * Label kinds shared by a whole space go to predictor.json's `labelSources` (checkpoint.ts
 * `factorSources`), as training writes them; `--spaces ''` only does that, rebuilding nothing.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SPACES, isSpaceName } from '../datasets/index.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { ARCH_FINGERPRINT_VERSION, archFingerprint, fingerprint } from '../src/predictor/fingerprint.ts';
import { DEFAULT_CHECKPOINT_DIR } from '../src/predictor/predictor.ts';
import { factorSources, knownSources, type CheckpointMeta, type KnownArch } from '../src/predictor/checkpoint.ts';

const { values, positionals } = parseArgs({ options: { spaces: { type: 'string' } }, allowPositionals: true });
const dir = positionals[0] ?? DEFAULT_CHECKPOINT_DIR;
const only = values.spaces !== undefined ? new Set(values.spaces.split(',')) : null;
const knownPath = join(dir, 'known.jsonl');
const metaPath = join(dir, 'predictor.json');
const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
// Lines as written by an earlier run keep only the kinds their space does not share: expand them.
const known = readFileSync(knownPath, 'utf8').split('\n').filter((l) => l !== '').map((l): KnownArch => {
  const k = JSON.parse(l) as KnownArch;
  const { source: _s, ...rest } = k;
  const full = knownSources(meta as unknown as CheckpointMeta, k);
  return full ? { ...rest, source: full } : rest;
});
const out: KnownArch[] = [...known];
const bySpace = new Map<string, number[]>();
known.forEach((k, i) => bySpace.set(k.space, [...(bySpace.get(k.space) ?? []), i]));
for (const [space, rows] of bySpace) {
  if (only && !only.has(space)) continue;
  if (!isSpaceName(space)) throw new Error(`known.jsonl names space '${space}', which datasets/ does not build`);
  const builder = await SPACES[space]();
  const entries = new Map((await builder.entries()).map((e) => [`${space}-${e.index}`, e]));
  const t0 = performance.now();
  for (const [n, i] of rows.entries()) {
    const k = known[i]!;
    const e = entries.get(k.id);
    if (!e) throw new Error(`${k.id}: no such entry in datasets/${space}`);
    const model = readModel(builder.build(e, { weights: 'stripped', seed: 0 }));
    const profile = profileModel(model);
    const fp = fingerprint(model, profile.shapes);
    if (fp !== k.fingerprint) throw new Error(`${k.id}: rebuilt graph has chain_slim fingerprint ${fp}, known.jsonl says ${k.fingerprint}`);
    const { archFingerprint: _a, source: _s, ...rest } = k;
    out[i] = { ...rest, archFingerprint: archFingerprint(model, profile), source: Object.fromEntries(Object.keys(k.labels).map((t) => [t, e.labelKind[t] ?? ''])) };
    if (n % 1000 === 999) process.stderr.write(`${space} ${n + 1}/${rows.length} ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  process.stderr.write(`${space}: ${rows.length} in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const factored = factorSources(out);
writeFileSync(`${knownPath}.tmp`, factored.known.map((k) => JSON.stringify(k)).join('\n') + '\n');
renameSync(`${knownPath}.tmp`, knownPath);
// Inserted after fingerprintMode, where `onnx-predict train` writes them.
const next = Object.fromEntries(Object.entries(meta).flatMap(([key, v]): [string, unknown][] => {
  if (key === 'archFingerprintMode' || key === 'labelSources') return [];
  return key === 'fingerprintMode' ? [[key, v], ['archFingerprintMode', ARCH_FINGERPRINT_VERSION], ['labelSources', factored.labelSources]] : [[key, v]];
}));
writeFileSync(metaPath, `${JSON.stringify(next, null, 1)}\n`);

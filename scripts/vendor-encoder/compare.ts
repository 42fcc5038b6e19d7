/**
 * Equivalence check (offline tooling, docs/ENCODER.md): embeds the reference sentences with our
 * transformers.js encoder and prints the cosine to the PyTorch sentence-transformers embeddings in
 * scripts/vendor-encoder/reference-embeddings.json, for q8 and, when generated, fp32.
 * Usage: npx tsx scripts/vendor-encoder/compare.ts [--min 0.99] [--batch N]   (exits 1 below --min)
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENCODERS, loadEncoder, vendoredModelsDir, type EncoderDtype } from '../../src/encoder/index.ts';

interface Reference {
  readonly model: string;
  readonly items: readonly { readonly text: string; readonly tokens: number; readonly embedding: readonly number[] }[];
}

const minArg = process.argv.indexOf('--min');
const batchAt = process.argv.indexOf('--batch');
const threshold = minArg >= 0 ? Number(process.argv[minArg + 1]) : 0.99;
const ref = JSON.parse(
  readFileSync(fileURLToPath(new URL('./reference-embeddings.json', import.meta.url)), 'utf8'),
) as Reference;
const folder = `${vendoredModelsDir()}${ENCODERS[ref.model]!.folder}`;

let failed = false;
for (const dtype of ['q8', 'fp32'] as const satisfies readonly EncoderDtype[]) {
  if (dtype === 'fp32' && !existsSync(`${folder}/onnx/model.onnx`)) {
    console.log('fp32: onnx/model.onnx not generated, skipped');
    continue;
  }
  const encoder = await loadEncoder({ model: ref.model, dtype, cacheDir: null, ...(batchAt >= 0 ? { batchSize: Number(process.argv[batchAt + 1]) } : {}) });
  const vectors = await encoder.embed(ref.items.map((i) => i.text));
  const counts = await encoder.countTokens(ref.items.map((i) => i.text));
  await encoder.dispose();
  const cosines = ref.items.map((item, i) => item.embedding.reduce((s, x, d) => s + x * vectors[i]![d]!, 0));
  const tokensAgree = ref.items.every((item, i) => item.tokens === counts[i]);
  const min = Math.min(...cosines);
  const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
  const worst = cosines.indexOf(min);
  console.log(
    `${dtype}: ${cosines.length} sentences, cosine to PyTorch min ${min.toFixed(5)} (sentence ${worst}: ${JSON.stringify(ref.items[worst]!.text.slice(0, 40))}), ` +
      `mean ${mean.toFixed(5)}, 1 - min = ${(1 - min).toExponential(1)}; token counts ${tokensAgree ? 'identical' : 'DIFFER'}`,
  );
  console.log(`  per sentence: ${cosines.map((c) => c.toFixed(4)).join(' ')}`);
  if (min < threshold || !tokensAgree) failed = true;
}
if (failed) {
  console.log(`FAIL: a cosine is below ${threshold} or token counts differ`);
  process.exitCode = 1;
}

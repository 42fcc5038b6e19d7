/**
 * The product's node phrases, edges and numeric descriptors, pinned byte for byte. The shipped
 * checkpoint stores embeddings of these exact phrases, so any change here is a retraining
 * decision, not a refactor. Fixtures: the text fixtures, the exported torchvision models, and a
 * sample of every dataset space (built by the space's own builder).
 * `UPDATE_GOLDEN=1 npx vitest run test/text-nodes.test.ts` rewrites the files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe as group, expect, it } from 'vitest';
import { getSpace } from '../datasets/index.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { graphView } from '../src/predictor/graph-features.ts';
import { FIXTURES } from './golden/text/fixtures.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN_DIR = join(HERE, 'golden', 'nodes');
const MODELS = join(HERE, 'fixtures', 'models');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** One line per phrase, then the edges, then the numerics: diffs stay readable. */
function render(bytes: Uint8Array): string {
  const model = readModel(bytes);
  const view = graphView(model, profileModel(model));
  return [
    ...view.nodeTexts.map((t, i) => `${i}\t${t}`),
    `edges\t${view.edges.map(([a, b]) => `${a}>${b}`).join(' ')}`,
    ...Object.entries(view.numeric).map(([k, v]) => `${k}\t${Object.is(v, -0) ? '-0' : String(v)}`),
    '',
  ].join('\n');
}

function golden(file: string, actual: string): void {
  const path = join(GOLDEN_DIR, file);
  if (UPDATE || !existsSync(path)) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    if (!UPDATE) throw new Error(`golden ${file} was missing and has been written; rerun`);
    return;
  }
  expect(actual, `golden ${file} (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(path, 'utf8'));
}

/** Entries per space: spread over the table so different cell shapes appear. */
const SAMPLE: Readonly<Record<string, readonly number[] | readonly string[]>> = {
  nb201: [0, 1234, 15624],
  nb101: [0, 777, 4000],
  accel: [0, 50, 99],
  'transnas-micro': [0, 500, 4095],
  timm: ['resnet10t@224', 'convnext_atto@288', 'vit_tiny_patch16_224@224', 'mobilenetv3_small_050@224', 'efficientvit_m0@224', 'nf_resnet50@288', 'swin_s3_tiny_224@224', 'coat_lite_mini@224'],
};

group('node phrases, edges and numerics (golden)', () => {
  for (const f of FIXTURES) it(`text fixture ${f.name}`, () => golden(`fixture-${f.name}.txt`, render(f.bytes())));
  for (const name of ['resnet18', 'mobilenet_v3_small', 'efficientnet_b0', 'vit_b_16', 'tiny_encoder']) {
    it(`exported ${name}`, () => golden(`export-${name}.txt`, render(new Uint8Array(readFileSync(join(MODELS, `${name}.onnx`))))));
  }
  for (const [space, picks] of Object.entries(SAMPLE)) {
    it(`space ${space}`, async () => {
      const builder = await getSpace(space);
      const entries = await builder.entries();
      for (const pick of picks) {
        const entry = typeof pick === 'number' ? entries[Math.min(pick, entries.length - 1)] : entries.find((e) => e.arch === pick);
        expect(entry, `${space} entry ${pick}`).toBeDefined();
        const safe = entry!.arch.replace(/[^A-Za-z0-9_.@-]+/g, '_').slice(0, 60);
        golden(`${space}-${safe}.txt`, render(builder.build(entry!, { weights: 'stripped', seed: 0 })));
      }
    });
  }
});

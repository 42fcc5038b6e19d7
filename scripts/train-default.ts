/**
 * Trains the shipped predictor (models/predictors/default) from the built datasets, with the
 * proxies cached for them:
 *
 *   npx tsx scripts/train-default.ts [--data data] [--proxy-dir <dir>] [--out models/predictors/default] [--head linear]
 *
 * Same as `onnx-predict train --spaces nb201,nb101,accel,transnas-micro,timm,nb201-ninapro,pytorchcv,pycls --name default`, plus
 * `--proxy-dir` to read a frozen snapshot of proxy caches that are still growing.
 */
import { parseArgs } from 'node:util';
import { loadEncoder } from '../src/encoder/index.ts';
import { textEmbedder } from '../src/predictor/features.ts';
import { HEAD_PRESETS, type HeadPreset } from '../src/predictor/head/train.ts';
import { trainPredictor } from '../src/predictor/train.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'data' }, 'proxy-dir': { type: 'string' }, out: { type: 'string', default: 'models/predictors/default' }, head: { type: 'string', default: 'linear' } } });
const spaces = ['nb201', 'nb101', 'accel', 'transnas-micro', 'timm', 'nb201-ninapro', 'pytorchcv', 'pycls'];
const encoder = await loadEncoder({ dtype: 'q8' });
try {
  const summary = await trainPredictor({
    manifests: spaces.map((s) => `${values.data}/${s}/manifest.jsonl`),
    out: values.out!, name: 'default', seed: 0, encoder: textEmbedder(encoder),
    head: HEAD_PRESETS[values.head as HeadPreset],
    ...(values['proxy-dir'] ? { proxyDir: values['proxy-dir'] } : {}),
  });
  console.log(JSON.stringify(summary));
} finally {
  await encoder.dispose();
}

/**
 * Writes the Accel-NASBench network for one configuration as PyTorch's ONNX exporter would in
 * eval mode: BatchNorm folded into the preceding Conv (as a bias), Dropout and stochastic depth
 * gone, AdaptiveAvgPool2d(1) as GlobalAveragePool, `torch.flatten(x, 1)` as Flatten, Linear as
 * Gemm(transB=1). Activation is ReLU: the collection code trains and measures with
 * `activation_fn="relu"` / `platform="fpga"` (docs/DATASETS.md). Pure: no I/O.
 */
import { GraphBuilder, type WeightMode } from '../../src/onnx-to-text/writer.ts';
import {
  HEAD_CHANNELS, layers, NUM_CLASSES, OUT_CHANNELS, RESOLUTION, STEM_CHANNELS, type AccelConfig,
} from './space.ts';

export interface AccelBuildOptions {
  readonly weights: WeightMode;
  readonly seed: number;
  /** Input height = width; default the benchmark's eval resolution (256). */
  readonly resolution?: number;
}

function conv(
  g: GraphBuilder, x: string, name: string,
  spec: { inC: number; outC: number; k: number; stride?: number; group?: number },
): string {
  const group = spec.group ?? 1;
  const w = g.weight(`${name}.weight`, [spec.outC, spec.inC / group, spec.k, spec.k]);
  const b = g.weight(`${name}.bias`, [spec.outC]);
  const pad = (spec.k - 1) >> 1;
  const stride = spec.stride ?? 1;
  return g.node('Conv', [x, w, b], {
    dilations: [1, 1], group, kernel_shape: [spec.k, spec.k], pads: [pad, pad, pad, pad], strides: [stride, stride],
  }, { name: `/${name}/Conv` })[0]!;
}

function relu(g: GraphBuilder, x: string, name: string): string {
  return g.node('Relu', [x], {}, { name: `/${name}/Relu` })[0]!;
}

export function buildAccelNetwork(config: AccelConfig, options: AccelBuildOptions): Uint8Array {
  const res = options.resolution ?? RESOLUTION;
  const g = new GraphBuilder({ weights: options.weights, seed: options.seed, opset: 13, producer: 'onnx-predict/datasets/accel' });
  let x = g.input('input', [1, 3, res, res]);
  x = relu(g, conv(g, x, 'features.0', { inC: 3, outC: STEM_CHANNELS, k: 3, stride: 2 }), 'features.0');

  const all = layers(config);
  const perBlock = new Map<number, number>();
  for (const L of all) {
    const j = perBlock.get(L.block) ?? 0;
    perBlock.set(L.block, j + 1);
    const p = `features.${L.block + 1}.${j}.block`;
    const input = x;
    let h = input;
    let i = 0;
    if (L.midC !== L.inC) {
      h = relu(g, conv(g, h, `${p}.${i}`, { inC: L.inC, outC: L.midC, k: 1 }), `${p}.${i}`);
      i++;
    }
    h = relu(g, conv(g, h, `${p}.${i}`, { inC: L.midC, outC: L.midC, k: L.kernel, stride: L.stride, group: L.midC }), `${p}.${i}`);
    i++;
    if (L.se) {
      const s = `${p}.${i}`;
      let t = g.node('GlobalAveragePool', [h], {}, { name: `/${s}/avgpool/GlobalAveragePool` })[0]!;
      t = conv(g, t, `${s}.fc1`, { inC: L.midC, outC: L.squeezeC, k: 1 });
      t = relu(g, t, `${s}/activation`);
      t = conv(g, t, `${s}.fc2`, { inC: L.squeezeC, outC: L.midC, k: 1 });
      t = g.node('Sigmoid', [t], {}, { name: `/${s}/scale_activation/Sigmoid` })[0]!;
      h = g.node('Mul', [t, h], {}, { name: `/${s}/Mul` })[0]!;
      i++;
    }
    h = conv(g, h, `${p}.${i}`, { inC: L.midC, outC: L.outC, k: 1 });
    if (L.residual) h = g.node('Add', [h, input], {}, { name: `/features.${L.block + 1}.${j}/Add` })[0]!;
    x = h;
  }

  const head = 'features.8';
  x = relu(g, conv(g, x, `${head}.0`, { inC: OUT_CHANNELS[6], outC: HEAD_CHANNELS, k: 1 }), `${head}.0`);
  x = g.node('GlobalAveragePool', [x], {}, { name: '/avgpool/GlobalAveragePool' })[0]!;
  x = g.node('Flatten', [x], { axis: 1 }, { name: '/Flatten' })[0]!;
  const w = g.weight('classifier.1.weight', [NUM_CLASSES, HEAD_CHANNELS]);
  const b = g.weight('classifier.1.bias', [NUM_CLASSES]);
  g.node('Gemm', [x, w, b], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, { name: '/classifier/classifier.1/Gemm', outputs: ['output'] });
  g.output('output', [1, NUM_CLASSES]);
  return g.toBytes();
}

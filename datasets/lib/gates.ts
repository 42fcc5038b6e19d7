/**
 * Parameter-count mapping between our exported graphs and the benchmarks' own counts.
 *
 * The benchmarks count trainable parameters: conv kernels, BatchNorm γ and β (2 per channel),
 * dense weights and biases. Our graphs fold each Conv→BN pair into one Conv with a bias (1 per
 * channel) and keep a BN that follows no Conv as BatchNormalization with 4 tensors (γ, β, running
 * mean, running variance). So, with P our initializer element count:
 *
 *   published = P + Σ_{Conv with bias} C_out − Σ_{BatchNormalization} 2·C
 *
 * This holds because the benchmarks' own convs have no bias (NB201 `bias=not affine`, affine=True;
 * NB101 `use_bias=False`), so every Conv bias in our files is a folded BN.
 */
import type { Model } from '../../src/onnx-to-text/ir.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';

export function benchmarkParamCorrection(model: Model): number {
  let d = 0;
  const inits = model.graph.initializers;
  for (const n of model.graph.nodes) {
    if (n.op === 'Conv' && n.inputs.length >= 3 && n.inputs[2]) d += inits.get(n.inputs[2])?.dims[0] ?? 0;
    if (n.op === 'BatchNormalization') d -= 2 * (inits.get(n.inputs[1] ?? '')?.dims[0] ?? 0);
  }
  return d;
}

/** `profileModel` params mapped to the benchmark's counting convention. */
export function benchmarkParams(model: Model, profileParams = profileModel(model).totals.params): number {
  return profileParams + benchmarkParamCorrection(model);
}

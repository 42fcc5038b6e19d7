/**
 * Recovers the six cell digits from a TransNAS-Bench-101 micro ONNX graph: every cell node is a
 * ReduceSum over a Concat of Unsqueezed edge outputs in edge order, and each edge output's
 * producer tells the op (Conv 1x1 / 3x3; Mul-by-0 or ConstantOfShape = zero; BatchNormalization
 * (FactorizedReduce) or the previous node's ReduceSum = skip). All ten cells must agree. Pure.
 */
import { OnnxPredictError } from '../../src/errors.ts';
import type { Model, Node } from '../../src/onnx-to-text/ir.ts';
import { cells, type MicroCell, type OpDigit } from './space.ts';

function fail(message: string): never {
  throw new OnnxPredictError('DATASET_ERROR', `transnas decode: ${message}`);
}

export function decodeTransnasGraph(model: Model): MicroCell {
  const producer = new Map<string, Node>();
  for (const n of model.graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const digitOf = (value: string): OpDigit => {
    const p = producer.get(value);
    switch (p?.op) {
      case 'Conv': {
        const k = p.attributes.get('kernel_shape');
        return k?.kind === 'ints' && k.value[0] === 1 ? 2 : 3;
      }
      case 'Mul':
      case 'ConstantOfShape':
        return 0;
      case 'BatchNormalization':
      case 'ReduceSum':
        return 1;
      default:
        return fail(`edge value '${value}' comes from ${p?.op ?? 'nothing'}`);
    }
  };
  const sums = model.graph.nodes.filter((n) => n.op === 'ReduceSum');
  const expected = cells().length * 3;
  if (sums.length !== expected) fail(`expected ${expected} cell nodes (ReduceSum), found ${sums.length}`);
  let first: string | undefined;
  let result: MicroCell | undefined;
  for (let c = 0; c < sums.length; c += 3) {
    const digits: OpDigit[] = [];
    for (let j = 0; j < 3; j++) {
      const cat = producer.get(sums[c + j]!.inputs[0]!);
      if (cat?.op !== 'Concat' || cat.inputs.length !== j + 1) fail(`cell node ${c + j} is not a sum of ${j + 1} edges`);
      for (const u of cat.inputs) {
        const unsq = producer.get(u);
        if (unsq?.op !== 'Unsqueeze') fail(`cell node ${c + j}: Concat input is not an Unsqueeze`);
        digits.push(digitOf(unsq.inputs[0]!));
      }
    }
    const key = digits.join('');
    if (first === undefined) {
      first = key;
      result = digits as unknown as MicroCell;
    } else if (key !== first) {
      fail(`cell ${c / 3} decodes to ${key}, cell 0 to ${first}`);
    }
  }
  return result ?? fail('no cells');
}

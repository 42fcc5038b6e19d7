/**
 * Recovers the 7 × (e, k, l, se) configuration from an Accel-NASBench ONNX graph, using only
 * what the file holds (op types, Conv attributes, initializer shapes, dataflow). The round trip
 * `decode(read(build(cfg))) == cfg` checks the builder against the space definition. Pure.
 */
import { OnnxPredictError } from '../../src/errors.ts';
import type { Model, Node } from '../../src/onnx-to-text/ir.ts';
import { IN_CHANNELS, NUM_BLOCKS, OUT_CHANNELS, type AccelConfig, type BlockConfig } from './space.ts';

function intAttr(n: Node, name: string, fallback: number): number {
  const a = n.attributes.get(name);
  return a?.kind === 'int' ? a.value : fallback;
}

function fail(message: string): never {
  throw new OnnxPredictError('DATASET_ERROR', `accel decode: ${message}`);
}

export function decodeAccelGraph(model: Model): AccelConfig {
  const g = model.graph;
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) {
      const list = consumers.get(i) ?? [];
      list.push(n);
      consumers.set(i, list);
    }
  }
  const weightDims = (n: Node): readonly number[] => g.initializers.get(n.inputs[1] ?? '')?.dims ?? fail(`${n.name}: no weight initializer`);
  const only = (value: string, op: string): Node | undefined => (consumers.get(value) ?? []).find((c) => c.op === op);

  const found: { stage: number; e: number; k: number; se: boolean }[] = [];
  for (const dw of g.nodes) {
    if (dw.op !== 'Conv' || intAttr(dw, 'group', 1) === 1) continue;
    const dims = weightDims(dw);
    const mid = dims[0]!;
    const k = dims[2]!;
    const act = only(dw.outputs[0]!, 'Relu') ?? fail(`${dw.name}: depthwise conv without Relu`);
    const gap = only(act.outputs[0]!, 'GlobalAveragePool');
    const mul = only(act.outputs[0]!, 'Mul');
    const se = gap !== undefined && mul !== undefined;
    const projectInput = se ? mul.outputs[0]! : act.outputs[0]!;
    const project = only(projectInput, 'Conv') ?? fail(`${dw.name}: no projection conv`);
    const outC = weightDims(project)[0]!;
    const stage = OUT_CHANNELS.indexOf(outC as (typeof OUT_CHANNELS)[number]);
    if (stage < 0) fail(`${project.name}: output channels ${outC} are not a stage width`);
    // The expand conv, if any, feeds the depthwise conv through a Relu.
    const pre = producer.get(dw.inputs[0]!);
    const expand = pre?.op === 'Relu' ? producer.get(pre.inputs[0]!) : undefined;
    const hasExpand = expand?.op === 'Conv' && intAttr(expand, 'group', 1) === 1 && weightDims(expand)[2] === 1
      && weightDims(expand)[0] === mid;
    const inC = hasExpand ? weightDims(expand)[1]! : mid;
    found.push({ stage, e: mid / inC, k, se });
  }

  const config: BlockConfig[] = [];
  for (let b = 0; b < NUM_BLOCKS; b++) {
    const ls = found.filter((f) => f.stage === b);
    if (ls.length === 0) fail(`stage ${b} (${IN_CHANNELS[b]}→${OUT_CHANNELS[b]}) has no layers`);
    const first = ls[0]!;
    for (const f of ls) {
      if (f.e !== first.e || f.k !== first.k || f.se !== first.se) fail(`stage ${b} layers disagree on (e, k, se)`);
    }
    config.push({ e: first.e, k: first.k, l: ls.length, se: first.se });
  }
  return config;
}

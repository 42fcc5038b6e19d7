/**
 * The correctness gates shared by tests and `scripts/dataset-gates.ts`: params against the
 * benchmark's count, arch recovered from the graph, and a forward pass in onnxruntime.
 */
import type { Model } from '../../src/onnx-to-text/ir.ts';
import { readModel } from '../../src/onnx-to-text/reader.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';
import { decodeAccelGraph } from '../accel/decode.ts';
import { formatKey } from '../accel/space.ts';
import { recoverNb101Hash } from '../nb101/recover.ts';
import { decodeTransnasGraph } from '../transnas/decode.ts';
import { transnasString } from '../transnas/space.ts';
import { recoverNb201Arch } from '../nb201/recover.ts';
import { benchmarkParams } from './gates.ts';
import type { ArchEntry, SpaceBuilder } from './types.ts';

/** Graph → the benchmark's arch key, per space. */
export const RECOVER = Object.freeze({
  nb201: recoverNb201Arch,
  nb101: recoverNb101Hash,
  accel: (m: Model) => formatKey(decodeAccelGraph(m)),
  'transnas-micro': (m: Model) => transnasString(decodeTransnasGraph(m)),
  'nb201-ninapro': recoverNb201Arch,
} satisfies Record<string, (model: Model) => string>);

export interface StaticCheck {
  readonly params: number;
  readonly benchmarkParams: number;
  readonly published: number | undefined;
  /** |benchmarkParams − published| / published. */
  readonly relError: number | undefined;
  /** Recovered arch key, or the error message prefixed with '!'. */
  readonly recovered: string | undefined;
  readonly roundTrip: boolean | undefined;
}

export function staticCheck(builder: SpaceBuilder, entry: ArchEntry, bytes = builder.build(entry, { weights: 'stripped', seed: 0 })): StaticCheck {
  const model = readModel(bytes);
  const params = profileModel(model).totals.params;
  const mapped = benchmarkParams(model, params);
  const published = entry.publishedParams;
  const recover = (RECOVER as Record<string, ((m: Model) => string) | undefined>)[builder.space];
  let recovered: string | undefined;
  if (recover) {
    try {
      recovered = recover(model);
    } catch (e) {
      recovered = `!${(e as Error).message}`;
    }
  }
  return {
    params, benchmarkParams: mapped, published,
    relError: published === undefined ? undefined : Math.abs(mapped - published) / published,
    recovered, roundTrip: recovered === undefined ? undefined : recovered === entry.arch,
  };
}

/** Runs a 'random'-weights build on random input of the graph's declared input shape; returns the logits' dims and whether all are finite. */
export async function forwardCheck(builder: SpaceBuilder, entry: ArchEntry, seed = 0): Promise<{ dims: readonly number[]; finite: boolean }> {
  const ort = await import('onnxruntime-node');
  const bytes = builder.build(entry, { weights: 'random', seed });
  const declared = readModel(bytes).graph.inputs[0]?.type?.shape ?? [];
  const shape = declared.length === 4 && declared.every((d) => typeof d === 'number' && d > 0) ? (declared as number[]) : [1, 3, 32, 32];
  const session = await ort.InferenceSession.create(bytes);
  try {
    const name = session.inputNames[0]!;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    let s = seed + 1;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      data[i] = s / 2147483648 - 0.5;
    }
    const out = await session.run({ [name]: new ort.Tensor('float32', data, shape) });
    const logits = out[session.outputNames[0]!]!;
    return { dims: logits.dims, finite: Array.from(logits.data as Float32Array).every(Number.isFinite) };
  } finally {
    await session.release();
  }
}

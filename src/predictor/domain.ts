/**
 * Target domains: what the architectures a target was learnt from look like (input resolution,
 * input channels, output classes), recorded at training time so that a prediction can say
 * whether a model fits a target. An ImageNet classifier at 224 px is not shown a CIFAR-100 guess.
 * Pure: reads only the IR and its profile.
 */
import type { Model, TensorType } from '../onnx-to-text/ir.ts';
import type { Profile } from '../onnx-to-text/profile.ts';

/** The input/output signature of one graph, as far as its declared and inferred shapes tell. */
export interface GraphSignature {
  /** Spatial size of the first 4-D input (max of H, W), or null when unknown/not an image. */
  readonly resolution: number | null;
  readonly channels: number | null;
  /** Width of the first output's last dimension (classes for a classifier), or null. */
  readonly classes: number | null;
}

export interface TargetDomain {
  /** Inclusive range of training input resolutions. */
  readonly resolution: readonly [number, number] | null;
  readonly channels: readonly number[];
  readonly classes: readonly number[];
  /** Training architectures the domain was measured on. */
  readonly n: number;
}

/** A resolution this far outside the training range (as a ratio) still counts as in domain. */
export const RESOLUTION_SLACK = 1.25;

function known(d: unknown): number | null {
  return typeof d === 'number' && d > 0 ? d : null;
}

export function graphSignature(model: Model, profile: Profile): GraphSignature {
  const image = model.graph.inputs.find((v) => v.type?.shape?.length === 4) ?? null;
  const shape = image?.type?.shape ?? null;
  const h = known(shape?.[2]);
  const w = known(shape?.[3]);
  const out = model.graph.outputs[0];
  const outType: TensorType | undefined = out ? (profile.shapes.get(out.name) ?? out.type ?? undefined) : undefined;
  const last = outType?.shape?.[outType.shape.length - 1];
  return {
    resolution: h !== null || w !== null ? Math.max(h ?? 0, w ?? 0) : null,
    channels: known(shape?.[1]),
    classes: known(last),
  };
}

/** Folds training signatures into one domain per target. */
export function domainOf(signatures: readonly GraphSignature[]): TargetDomain {
  const res = signatures.map((s) => s.resolution).filter((r): r is number => r !== null);
  const uniq = (xs: readonly (number | null)[]) => [...new Set(xs.filter((x): x is number => x !== null))].sort((a, b) => a - b);
  return {
    resolution: res.length ? [Math.min(...res), Math.max(...res)] : null,
    channels: uniq(signatures.map((s) => s.channels)),
    classes: uniq(signatures.map((s) => s.classes)),
    n: signatures.length,
  };
}

export interface DomainCheck {
  readonly inDomain: boolean;
  /** Why not, in a sentence a user can act on; absent when in domain. */
  readonly reason?: string;
}

/**
 * In domain when the input resolution lies within the training range (± RESOLUTION_SLACK) and the
 * channel count is one the target has seen. Unknown facts on either side do not exclude.
 * Classes are informative only (benchmark graphs keep one head for several label sets).
 */
export function checkDomain(sig: GraphSignature, domain: TargetDomain | undefined): DomainCheck {
  if (!domain) return { inDomain: true };
  if (sig.resolution !== null && domain.resolution !== null) {
    const [lo, hi] = domain.resolution;
    if (sig.resolution < lo / RESOLUTION_SLACK || sig.resolution > hi * RESOLUTION_SLACK) {
      return { inDomain: false, reason: `input resolution ${sig.resolution} px is outside the ${lo === hi ? `${lo} px` : `${lo}–${hi} px`} this target was learnt from` };
    }
  }
  if (sig.channels !== null && domain.channels.length > 0 && !domain.channels.includes(sig.channels)) {
    return { inDomain: false, reason: `${sig.channels} input channels; this target was learnt from ${domain.channels.join('/')}` };
  }
  return { inDomain: true };
}

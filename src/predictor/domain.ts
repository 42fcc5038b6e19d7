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
  /**
   * Rank of the first input when no input is 4-D (a sequence model's 3, a tabular one's 2): such a
   * model fits no image target. Absent when an input is 4-D or no input has a known rank.
   */
  readonly nonImageRank?: number;
}

export interface TargetDomain {
  /** Inclusive range of training input resolutions. */
  readonly resolution: readonly [number, number] | null;
  readonly channels: readonly number[];
  readonly classes: readonly number[];
  /** Training architectures the domain was measured on. */
  readonly n: number;
}

/**
 * What each target's labels are, independent of the graphs that carry them: benchmark graphs keep
 * one 10-class head for CIFAR-10, CIFAR-100 and ImageNet16-120 alike, so the classes a model must
 * output to fit a target come from the label set, never from the training graphs. `proxyOf` marks
 * a short-training label of another target's data: a model that fits the full target is shown
 * that one, and the proxy only on request (`--all-targets`, `--target`).
 * A target missing here falls back to the classes its checkpoint recorded (`TargetDomain.classes`).
 */
export interface TargetFacts {
  /** Output classes of the label set. */
  readonly classes: readonly number[];
  readonly title: string;
  readonly proxyOf?: string;
}

export const TARGET_FACTS = Object.freeze({
  cifar10: { classes: [10], title: 'CIFAR-10' },
  cifar100: { classes: [100], title: 'CIFAR-100' },
  'imagenet16-120': { classes: [120], title: 'ImageNet16-120' },
  imagenet: { classes: [1000], title: 'ImageNet-1k' },
  'imagenet-16ep': { classes: [1000], title: 'ImageNet-1k after 16 epochs', proxyOf: 'imagenet' },
  // TransNAS-Bench-101 trained one network per Taskonomy task (datasets/transnas/space.ts).
  class_object: { classes: [75], title: 'Taskonomy object classification' },
  class_scene: { classes: [47], title: 'Taskonomy scene classification' },
  svhn: { classes: [10], title: 'SVHN' },
  cub200: { classes: [200], title: 'CUB-200-2011' },
  ninapro: { classes: [18], title: 'NinaPro DB5 gestures' },
} satisfies Record<string, TargetFacts>);

export function targetFacts(target: string): TargetFacts | undefined {
  return Object.hasOwn(TARGET_FACTS, target) ? (TARGET_FACTS as Readonly<Record<string, TargetFacts>>)[target] : undefined;
}

/** The classes a model must output to fit `target`: its label set's, else what the checkpoint recorded. */
export function targetClasses(target: string | undefined, domain: TargetDomain | undefined): readonly number[] {
  return (target !== undefined ? targetFacts(target)?.classes : undefined) ?? domain?.classes ?? [];
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
  const rank = image === null ? model.graph.inputs.find((v) => v.type?.shape !== undefined && v.type.shape !== null)?.type?.shape?.length : undefined;
  return {
    resolution: h !== null || w !== null ? Math.max(h ?? 0, w ?? 0) : null,
    channels: known(shape?.[1]),
    classes: known(last),
    ...(rank !== undefined ? { nonImageRank: rank } : {}),
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
 * In domain when the input resolution lies within the training range (± RESOLUTION_SLACK), the
 * channel count is one the target has seen, and the output has the target's classes
 * (`targetClasses`). Unknown facts on either side do not exclude.
 */
export function checkDomain(sig: GraphSignature, domain: TargetDomain | undefined, target?: string): DomainCheck {
  const classes = targetClasses(target, domain);
  const classCheck = (): DomainCheck => (sig.classes !== null && classes.length > 0 && !classes.includes(sig.classes)
    ? { inDomain: false, reason: `${sig.classes} output${sig.classes === 1 ? '' : 's'}; ${target ?? 'this target'} has ${classes.join(' or ')} classes` }
    : { inDomain: true });
  if (!domain) return classCheck();
  if (sig.nonImageRank !== undefined && domain.resolution !== null) {
    return { inDomain: false, reason: `the input is ${sig.nonImageRank}-D, not an image; this target was learnt from images` };
  }
  if (sig.resolution !== null && domain.resolution !== null) {
    const [lo, hi] = domain.resolution;
    if (sig.resolution < lo / RESOLUTION_SLACK || sig.resolution > hi * RESOLUTION_SLACK) {
      return { inDomain: false, reason: `input resolution ${sig.resolution} px is outside the ${lo === hi ? `${lo} px` : `${lo}–${hi} px`} this target was learnt from` };
    }
  }
  if (sig.channels !== null && domain.channels.length > 0 && !domain.channels.includes(sig.channels)) {
    return { inDomain: false, reason: `${sig.channels} input channels; this target was learnt from ${domain.channels.join('/')}` };
  }
  return classCheck();
}

/**
 * The targets to show a person, in the order to rank by: those the model fits, without a proxy
 * whose full target it also fits; TARGET_FACTS order first, then the rest as given. The first is
 * the one a ranking of this model uses.
 */
export function fittingTargets(predictions: Readonly<Record<string, { readonly inDomain?: boolean }>>): string[] {
  const fits = (t: string) => predictions[t] !== undefined && predictions[t].inDomain !== false;
  const order = Object.keys(TARGET_FACTS);
  const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
  return Object.keys(predictions)
    .filter((t) => fits(t) && !(targetFacts(t)?.proxyOf !== undefined && fits(targetFacts(t)!.proxyOf!)))
    .sort((a, b) => rank(a) - rank(b));
}

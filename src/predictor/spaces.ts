/**
 * The space registry: the search spaces src/ can build datasets for, filled from outside src/.
 * `datasets/` (the benchmark builders) registers its spaces here at the edge — the CLI entry
 * does it before parsing, a library user calls `registerDatasetSpaces()` from
 * `onnx-predict/datasets` — so src/ never imports datasets/ and the arrows point one way.
 *
 * @example
 *   import { spaces } from 'onnx-predict';
 *   import { registerDatasetSpaces } from 'onnx-predict/datasets';
 *   registerDatasetSpaces(spaces);
 *   await spaces.build('nb201', { out: 'data/nb201', limit: 100 });
 */
import { OnnxPredictError } from '../errors.ts';
import type { WeightMode } from '../onnx-to-text/writer.ts';

export interface BuildDatasetOptions {
  /** Output folder; created if missing. */
  readonly out: string;
  /** Build a seeded random sample of this many architectures (default: all). */
  readonly limit?: number;
  /** Seed for the sample and for 'random' weights (default 0). */
  readonly seed?: number;
  /** Default 'stripped' (no weight payloads; tiny files). */
  readonly weights?: WeightMode;
  /** Called after each record, skipped ones included: (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Worker threads that build and profile (default 1: in this thread); output is identical for any count. */
  readonly workers?: number;
}

export interface BuildSummary {
  readonly space: string;
  readonly out: string;
  readonly manifest: string;
  readonly total: number;
  readonly built: number;
  readonly skipped: number;
  readonly seconds: number;
}

/** The task a target's labels were measured on: what its networks take and give. */
export interface TargetTask {
  /** Inclusive range of input sides (max of H, W) the labelled networks were evaluated at. */
  readonly resolution: readonly [number, number];
  readonly channels: readonly number[];
  readonly classes: readonly number[];
}

/** One label target of a space: its name, what its labels measure, and its task's domain. */
export interface SpaceTarget {
  readonly name: string;
  readonly description: string;
  readonly domain: TargetTask;
}

/** One search space as src/ sees it: a name and a way to write its dataset (ONNX files + manifest.jsonl). */
export interface DatasetSpace {
  readonly name: string;
  /** One line: which networks, which labels (shown by `onnx-predict info`). */
  readonly description?: string;
  /** The targets its records carry labels for. */
  readonly targets?: readonly SpaceTarget[];
  build(options: BuildDatasetOptions): Promise<BuildSummary>;
}

/** `onnx-predict info`'s lines for registered spaces: one per space with its targets and their domains. */
export function formatSpaces(list: readonly DatasetSpace[]): string {
  const range = ([lo, hi]: readonly [number, number]) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  const lines = ['dataset spaces (onnx-predict dataset build <space> --out <dir>):'];
  for (const s of list) {
    const targets = (s.targets ?? []).map((t) => `${t.name} (${range(t.domain.resolution)} px, ${t.domain.channels.join('/')} ch, ${t.domain.classes.join('/')} classes)`);
    lines.push(`  ${s.name.padEnd(15)} ${targets.join(', ') || '-'}`);
  }
  return lines.join('\n');
}

export class SpaceRegistry {
  readonly #spaces = new Map<string, DatasetSpace>();

  /** Adds (or replaces) a space under its name. */
  register(space: DatasetSpace): void {
    if (typeof space.name !== 'string' || space.name === '') throw new TypeError("space.name must be a non-empty string");
    if (typeof space.build !== 'function') throw new TypeError(`space '${space.name}': build must be a function`);
    this.#spaces.set(space.name, space);
  }

  has(name: string): boolean {
    return this.#spaces.has(name);
  }

  /** Registered names, in registration order. */
  names(): readonly string[] {
    return [...this.#spaces.keys()];
  }

  /** Registered spaces, in registration order. */
  list(): readonly DatasetSpace[] {
    return [...this.#spaces.values()];
  }

  /** The space called `name`; a DATASET_ERROR naming the known spaces otherwise. */
  get(name: string): DatasetSpace {
    const s = this.#spaces.get(name);
    if (s === undefined) {
      const known = this.names();
      throw new OnnxPredictError('DATASET_ERROR', `unknown space '${name}' (parameter 'space'); known: ${known.length > 0 ? known.join(', ') : 'none registered (see registerDatasetSpaces in onnx-predict/datasets)'}`);
    }
    return s;
  }

  build(name: string, options: BuildDatasetOptions): Promise<BuildSummary> {
    return this.get(name).build(options);
  }
}

/** The process-wide registry the CLI and the public `buildDataset` use. */
export const spaces = new SpaceRegistry();

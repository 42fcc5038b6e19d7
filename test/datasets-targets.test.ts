/**
 * The target registry (datasets/targets.ts): every space registers its targets with their task
 * domains, `onnx-predict info` lists them, and each space's entries carry only its registered
 * targets, on graphs whose input and output fit the target's domain.
 */
import { describe, expect, it } from 'vitest';
import { getSpace, registerDatasetSpaces, SPACES } from '../datasets/index.ts';
import { selectEntries } from '../datasets/lib/build.ts';
import { SPACE_TARGETS, TARGETS } from '../datasets/targets.ts';
import { formatSpaces, SpaceRegistry } from '../src/predictor/spaces.ts';
import { graphSignature } from '../src/predictor/domain.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { PRIMARY_TARGET } from '../src/predictor/records.ts';
import { runCli } from './helpers/cli.ts';

describe('target registry', () => {
  it('registers every space with its targets and their domains', () => {
    const registry = registerDatasetSpaces(new SpaceRegistry());
    expect(registry.names()).toEqual(Object.keys(SPACES));
    expect(Object.keys(SPACE_TARGETS).sort()).toEqual(Object.keys(SPACES).sort());
    for (const s of registry.list()) {
      expect(s.targets!.length, s.name).toBeGreaterThan(0);
      for (const t of s.targets!) {
        const [lo, hi] = t.domain.resolution;
        expect(lo).toBeLessThanOrEqual(hi);
        expect(t.domain.channels.length).toBeGreaterThan(0);
        expect(t.domain.classes.length).toBeGreaterThan(0);
      }
    }
    const text = formatSpaces(registry.list());
    expect(text).toMatch(/nb201-ninapro +ninapro \(52 px, 1 ch, 18 classes\)/);
    expect(text).toMatch(/pytorchcv +imagenet \(106–672 px, 3 ch, 1000 classes\), cifar10 .*svhn \(32 px, 3 ch, 10 classes\), cub200 \(224–448 px, 3 ch, 200 classes\)/);
    expect(text).toMatch(/pycls +imagenet/);
  });

  it("names each space's primary target (what transfer sets rank against) among its registered targets", () => {
    for (const [space, targets] of Object.entries(SPACE_TARGETS)) expect(targets as readonly string[], space).toContain(PRIMARY_TARGET[space]);
  });

  it('`onnx-predict info` lists the spaces and their targets (text and JSON)', async () => {
    const text = await runCli(['info']);
    expect(text.code).toBe(0);
    for (const s of ['nb201-ninapro', 'pytorchcv', 'pycls']) expect(text.stdout).toContain(`  ${s}`);
    const json = await runCli(['info', '--json']);
    const spaces = (JSON.parse(json.stdout) as { spaces: { name: string; targets: { name: string; domain: { classes: number[] } }[] }[] }).spaces;
    const byName = new Map(spaces.map((s) => [s.name, s]));
    expect(byName.get('pytorchcv')!.targets.map((t) => t.name)).toEqual(['imagenet', 'cifar10', 'cifar100', 'svhn', 'cub200']);
    expect(byName.get('nb201-ninapro')!.targets[0]!.domain.classes).toEqual([18]);
  });
});

describe('entries against the registry', () => {
  it.each(Object.keys(SPACES))('%s: labels only on registered targets; sampled graphs fit the target domain', async (space) => {
    const builder = await getSpace(space);
    const entries = await builder.entries();
    const allowed = new Set<string>(SPACE_TARGETS[space as keyof typeof SPACE_TARGETS]);
    const seen = new Set<string>();
    for (const e of entries) {
      for (const t of Object.keys(e.labels)) {
        expect(allowed.has(t), `${space} ${e.arch}: target ${t}`).toBe(true);
        seen.add(t);
      }
    }
    expect([...seen].sort()).toEqual([...allowed].sort());
    // One sampled graph per target: its input fits the task domain (NB201 stores the CIFAR-10 graph for all three labels).
    for (const target of seen) {
      const pool = entries.filter((e) => target in e.labels);
      for (const e of selectEntries(pool, 2, 3)) {
        const model = readModel(builder.build(e, { weights: 'stripped', seed: 0 }));
        const sig = graphSignature(model, profileModel(model));
        const d = TARGETS[target as keyof typeof TARGETS].domain;
        expect(sig.channels, `${space} ${e.arch}`).toBe(d.channels[0]);
        if (space !== 'nb201') {
          expect(sig.resolution!, `${space} ${e.arch}`).toBeGreaterThanOrEqual(d.resolution[0]);
          expect(sig.resolution!, `${space} ${e.arch}`).toBeLessThanOrEqual(d.resolution[1]);
          expect(d.classes, `${space} ${e.arch}`).toContain(sig.classes);
        }
      }
    }
  });
});

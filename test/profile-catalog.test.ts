/**
 * The op catalog (src/onnx-to-text/ops/catalog.ts) is the one place op knowledge lives: every op
 * the profile has a shape/cost rule for has an entry, every entry has a rule, and the text and
 * phrase facets name only catalog ops. The graph index (graph.ts) orders, indexes and memoises.
 */
import { describe, expect, it } from 'vitest';
import { attrsOf, indexGraph } from '../src/onnx-to-text/graph.ts';
import type { Graph, Node } from '../src/onnx-to-text/ir.ts';
import { FACET_KEYS, FAMILIES, lookupEntry, OP_CATALOG, opFacets } from '../src/onnx-to-text/ops/catalog.ts';
import { OP_TABLE } from '../src/onnx-to-text/ops/table.ts';
import { profileModel } from '../src/onnx-to-text/profile.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { describeNodes } from '../src/onnx-to-text/text/index.ts';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';

describe('op catalog', () => {
  it('has exactly one entry per op the profile knows, and vice versa', () => {
    const rules = Object.keys(OP_TABLE).sort();
    const entries = Object.keys(OP_CATALOG).sort();
    expect(entries).toEqual(rules);
    for (const [key, e] of Object.entries(OP_CATALOG)) {
      expect(e.key).toBe(key);
      expect(e.rule).toBe((OP_TABLE as Record<string, unknown>)[key]);
      expect(e.category).toBe(e.rule.category);
      expect(Object.hasOwn(FAMILIES, e.family), key).toBe(true);
      expect(e.word.length, key).toBeGreaterThan(0);
    }
  });

  it('gives text and phrase facets only to ops it has a rule for', () => {
    expect(FACET_KEYS.filter((k) => !Object.hasOwn(OP_CATALOG, k))).toEqual([]);
  });

  it('writes the facets of one op side by side (Gather: layout, a shape op, folded away)', () => {
    const g = lookupEntry('', 'Gather')!;
    expect([g.category, g.family, g.phrase.kind, g.weighted]).toEqual(['layout', 'shape', 'skip', false]);
    const conv = lookupEntry('ai.onnx', 'Conv')!;
    expect([conv.category, conv.family, conv.word, conv.phrase.kind, conv.weighted]).toEqual(['conv', 'conv', 'conv', 'conv', true]);
    expect(lookupEntry('com.microsoft', 'Gelu')?.family).toBe('other');
  });

  it('gives unknown and custom-domain ops default facets', () => {
    expect(lookupEntry('', 'GridSampleX')).toBeUndefined();
    expect(opFacets('', 'FancyOp')).toEqual({ family: 'other', word: 'fancy op', phrase: { kind: 'words', words: 'fancy op' }, weighted: false });
    // A custom domain's `Conv` is not the ONNX Conv.
    expect(opFacets('com.example', 'Conv').weighted).toBe(false);
  });
});

function node(op: string, inputs: string[], outputs: string[], name = ''): Node {
  return { name, op, domain: '', inputs, outputs, attributes: new Map() };
}

function graph(nodes: Node[]): Graph {
  return { name: 'g', nodes, inputs: [], outputs: [], initializers: new Map(), valueInfo: new Map() };
}

describe('graph index', () => {
  it('keeps file order when sorted and is memoised per graph', () => {
    const g = graph([node('Relu', ['x'], ['a']), node('Relu', ['a'], ['b']), node('Add', ['a', 'b'], ['c'])]);
    const ix = indexGraph(g);
    expect(ix.sorted).toBe(true);
    expect(ix.order).toEqual([0, 1, 2]);
    expect(ix.producer('b')).toBe(1);
    expect(ix.producer('x')).toBeUndefined();
    expect(ix.consumers('a')).toEqual([1, 2]);
    expect(ix.consumers('c')).toEqual([]);
    expect(indexGraph(g)).toBe(ix);
  });

  it('sorts an unsorted file taking the lowest ready index first', () => {
    const g = graph([node('Add', ['b', 'c'], ['d']), node('Relu', ['a'], ['b']), node('Relu', ['x'], ['a']), node('Neg', ['x'], ['c'])]);
    const ix = indexGraph(g);
    expect(ix.sorted).toBe(false);
    expect(ix.order).toEqual([2, 1, 3, 0]);
    expect(ix.cyclic).toEqual([]);
  });

  it('puts nodes on a cycle last and names them', () => {
    const g = graph([node('Relu', ['x'], ['a']), node('Add', ['a', 'c'], ['b']), node('Neg', ['b'], ['c'])]);
    const ix = indexGraph(g);
    expect(ix.cyclic).toEqual([1, 2]);
    expect(ix.order).toEqual([0, 1, 2]);
  });

  it('orders a 100,000-node unsorted chain in linear time', () => {
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) => node('Identity', [i === n - 1 ? 'x' : `v${i + 1}`], [`v${i}`]));
    const t = performance.now();
    const ix = indexGraph(graph(nodes));
    expect(ix.order[0]).toBe(n - 1);
    expect(ix.order[n - 1]).toBe(0);
    // Kahn with a re-sorted ready list was quadratic; a heap keeps this well under a second idle.
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it('reads attributes leniently (an INT where INTS is expected)', () => {
    const b = new GraphBuilder();
    b.op('MaxPool', [b.input('x', [1, 1, 4, 4])], { kernel_shape: [2, 2], strides: 2, auto_pad: 'VALID' });
    const n = readModel(b.toBytes()).graph.nodes[0]!;
    const a = attrsOf(n);
    expect(a.ints('strides')).toEqual([2]);
    expect(a.int('group', 1)).toBe(1);
    expect(a.string('auto_pad', 'NOTSET')).toBe('VALID');
    expect(a.has('kernel_shape')).toBe(true);
  });
});

describe('describeNodes', () => {
  it('phrases compute nodes and draws edges through folded ones', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 8, 16, 16]);
    const c = b.op('Conv', [x, b.weight('w', [8, 1, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 });
    const i = b.op('Identity', [c]);
    const r = b.op('Relu', [i]);
    b.node('Add', [r, x], {}, { outputs: ['y'] });
    b.output('y', [1, 8, 16, 16]);
    const m = readModel(b.toBytes());
    const d = describeNodes(m, profileModel(m));
    expect(d.phrases).toEqual(['3x3 depthwise convolution', 'relu activation', 'residual addition']);
    expect(d.edges).toEqual([[0, 1], [1, 2]]);
    expect(d.nodes.map((n) => [n.index, n.weighted, n.group])).toEqual([[0, true, 8], [2, false, 1], [3, false, 1]]);
  });

  it('follows a chain of 100,000 folded nodes without overflowing the stack', () => {
    const n = 100_000;
    const nodes = [node('Relu', ['x'], ['v0']), ...Array.from({ length: n }, (_, i) => node('Identity', [`v${i}`], [`v${i + 1}`])), node('Relu', [`v${n}`], ['y'])];
    const g = graph(nodes);
    const model = { irVersion: 8, opsetImports: new Map([['', 13]]), producer: { name: '', version: '' }, graph: g, metadata: new Map(), functions: [] };
    const d = describeNodes(model, profileModel(model));
    expect(d.phrases).toEqual(['relu activation', 'relu activation']);
    expect(d.edges).toEqual([[0, 1]]);
  });
});

/**
 * The `compact` text: our default encoding. A one-line summary header, then one line per linear
 * chain of layers ("units"), written in short English that all-MiniLM-L6-v2 tokenizes cheaply:
 *
 *   input 3x32x32, output 10, depth 3, 2.8K params, 2.7M MACs, channels 16; 2 conv, 2 relu, ...
 *   conv 3x3 3 to 16 → 16x32x32
 *   relu, conv 3x3, relu → 16x32x32
 *   from -2: average pool 3x3 → 16x32x32
 *   add -2 -1, global average pool, flatten, linear 16 to 10 → 10
 *
 * Why this shape: references are relative line offsets, so identical blocks render identically and
 * collapse into `N times ...`; every line is self-contained (ops, key attributes, output shape) so a
 * caller may embed lines separately and pool them; canonical forms (BN folded into the conv before
 * it, Identity/Dropout dropped, Add chains merged, Gemm ≡ MatMul+Add) make a PyTorch export and a
 * benchmark build of the same net read the same. Grammar and examples: docs/TEXT.md.
 */
import { attrsOf, constantValues, indexGraph } from '../graph.ts';
import type { Graph, Model, Node, Shape, TensorType } from '../ir.ts';
import type { Profile } from '../profile.ts';
import { FAMILIES, opFacets, type OpFamily } from '../ops/catalog.ts';

/** Units per line before a forced break: divisible by 1, 2, 3, 6 so periodic chains align into equal lines. */
const MAX_UNITS_PER_LINE = 6;
/** Longest block of lines the repeat detector looks for. */
const MAX_BLOCK_LINES = 32;
/** Ops listed in the header's histogram. */
const HISTOGRAM_ENTRIES = 8;

export interface Unit {
  readonly family: OpFamily;
  /** The histogram key: the op word without attributes (`conv`, `depthwise conv`, `relu`). */
  readonly word: string;
  /** The rendered unit without references (`conv 3x3 stride 2 16 to 32`). */
  text: string;
  /** Dynamic values read, in input order (aliases resolved). */
  refs: string[];
  /** Values written; the last fused node's outputs. */
  outs: readonly string[];
  readonly downsample: boolean;
  readonly order: number;
  /** Output channels of a conv, for the header's width range. */
  readonly channels?: number;
}

interface Line {
  readonly units: Unit[];
}

/** A rendered body item: one line or a repeated block, with what a budget cut needs to know. */
interface Item {
  readonly text: string;
  readonly score: number;
  readonly lines: number;
}

export interface CompactOptions {
  readonly shapes: ReadonlyMap<string, TensorType>;
  /** Totals for the header (params, MACs). */
  readonly profile: Profile;
  readonly maxChars: number;
}

export interface CompactText {
  readonly header: string;
  readonly body: readonly string[];
}

/** Dims after the batch dimension, `x`-joined; symbolic or unknown dims as `?`. */
function shapeWords(shape: Shape): string | null {
  if (shape === null || shape.length === 0) return null;
  const dims = shape.length >= 2 ? shape.slice(1) : shape;
  // All unknown says nothing and costs tokens.
  if (dims.every((d) => typeof d !== 'number')) return null;
  return dims.map((d) => (typeof d === 'number' ? String(d) : '?')).join('x');
}

/** Short human counts: `850`, `12.3K`, `1.2M`, `3.4G` (few tokens, stable across tiny changes). */
export function humanCount(n: number): string {
  const units: readonly [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [scale, suffix] of units) {
    if (n >= scale) {
      const v = n / scale;
      return `${v >= 100 ? Math.round(v) : Number(v.toPrecision(2))}${suffix}`;
    }
  }
  return String(Math.round(n));
}

/** `3x3` for a square kernel, `1x7` otherwise; one number for 1-D. */
function kernelWords(k: readonly number[]): string {
  return k.length === 0 ? '' : k.join('x');
}

/** One value when all equal (`2`), else comma-joined (`1,2`). */
function collapse(v: readonly number[]): string {
  return v.every((x) => x === v[0]) ? String(v[0]) : v.join(',');
}

/**
 * Window attributes shared by conv and pool units. Pads are printed only when they differ from
 * "same" padding (dilation·(k−1)/2 per side), the overwhelmingly common case, to save tokens.
 */
function windowWords(node: Node, kernel: readonly number[]): string {
  const parts: string[] = [];
  const strides = attrsOf(node).ints('strides') ?? [];
  if (strides.some((s) => s !== 1)) parts.push(`stride ${collapse(strides)}`);
  const dil = attrsOf(node).ints('dilations') ?? [];
  if (dil.some((d) => d !== 1)) parts.push(`dilation ${collapse(dil)}`);
  const autoPad = attrsOf(node).string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') {
    if (kernel.some((k) => k > 1)) parts.push('pad 0');
  } else if (autoPad === 'NOTSET') {
    const pads = attrsOf(node).ints('pads') ?? kernel.flatMap(() => [0, 0]);
    const same = [...kernel, ...kernel].map((k, i) => Math.floor(((dil[i % kernel.length] ?? 1) * (k - 1)) / 2));
    if (pads.some((p, i) => p !== same[i])) parts.push(`pad ${collapse(pads)}`);
  }
  return parts.join(' ');
}

interface UnitContext {
  readonly graph: Graph;
  readonly shapes: ReadonlyMap<string, TensorType>;
  readonly isStatic: (v: string) => boolean;
  /** Values of small constants: inline initializers and Constant nodes. */
  readonly constants: ReadonlyMap<string, readonly number[]>;
}

function staticDims(ctx: UnitContext, v: string | undefined): readonly number[] | undefined {
  if (v === undefined) return undefined;
  const init = ctx.graph.initializers.get(v);
  if (init) return init.dims;
  const t = ctx.shapes.get(v);
  if (t?.shape && t.shape.every((d) => typeof d === 'number')) return t.shape as number[];
  return undefined;
}

/** Renders one node as a unit; `refs` are its dynamic inputs. */
function makeUnit(node: Node, refs: string[], order: number, ctx: UnitContext): Unit {
  const info = opFacets(node.domain, node.op);
  const base = { family: info.family, refs, outs: node.outputs, order };
  switch (info.family) {
    case 'conv': {
      const w = staticDims(ctx, node.inputs[node.op === 'QLinearConv' ? 3 : 1]);
      const group = attrsOf(node).int('group', 1);
      const kernel = attrsOf(node).ints('kernel_shape') ?? w?.slice(2) ?? [];
      const transposed = node.op === 'ConvTranspose';
      let cin: number | undefined;
      let cout: number | undefined;
      if (w && w.length >= 2) {
        cin = transposed ? w[0] : (w[1] ?? 0) * group;
        cout = transposed ? (w[1] ?? 0) * group : w[0];
      }
      const depthwise = group > 1 && cin === group;
      const word = depthwise ? `depthwise ${info.word}` : info.word;
      const parts = [`${word} ${kernelWords(kernel)}`.trim()];
      // Channels only when they change: the line's output shape already says how many there are.
      if (cin !== undefined && cout !== undefined && cin !== cout) parts.push(`${cin} to ${cout} channels`);
      const win = windowWords(node, kernel);
      if (win) parts.push(win);
      if (group > 1 && !depthwise) parts.push(`groups ${group}`);
      const strides = attrsOf(node).ints('strides') ?? [];
      return { ...base, word, text: parts.join(' '), downsample: !transposed && strides.some((s) => s > 1), ...(cout !== undefined ? { channels: cout } : {}) };
    }
    case 'pool': {
      const kernel = attrsOf(node).ints('kernel_shape') ?? [];
      const win = windowWords(node, kernel);
      const strides = attrsOf(node).ints('strides') ?? [];
      return { ...base, word: info.word, text: [`${info.word} ${kernelWords(kernel)}`.trim(), win].filter(Boolean).join(' '), downsample: strides.some((s) => s > 1) };
    }
    case 'global-pool':
      return { ...base, word: info.word, text: info.word, downsample: false };
    case 'linear': {
      const staticIdx = node.inputs.findIndex((x, i) => i > 0 && i < 2 && ctx.isStatic(x));
      const w = staticDims(ctx, staticIdx > 0 ? node.inputs[staticIdx] : undefined);
      if (!w || w.length < 2) return { ...base, word: 'matmul', text: 'matmul', downsample: false };
      const transB = node.op === 'Gemm' && attrsOf(node).int('transB', 0) === 1;
      const [a, b] = [w[w.length - 2] ?? 0, w[w.length - 1] ?? 0];
      const [fin, fout] = transB ? [b, a] : [a, b];
      return { ...base, word: info.word, text: `${info.word} ${fin} to ${fout}`, downsample: false };
    }
    case 'merge': {
      // One dynamic input: an elementwise op with a constant (a bias, a scale), not a merge.
      if (refs.length === 1 && node.op !== 'Concat') {
        const text = `${info.word} constant`;
        return { ...base, family: 'other', word: text, text, downsample: false };
      }
      return { ...base, word: info.word, text: info.word, downsample: false };
    }
    case 'act': {
      if (node.op === 'Clip') {
        const lo = clipBound(ctx, node, 1, 'min');
        const hi = clipBound(ctx, node, 2, 'max');
        const word = lo === 0 && hi === 6 ? 'relu6' : lo === 0 && hi === undefined ? 'relu' : 'clip';
        return { ...base, word, text: word, downsample: false };
      }
      return { ...base, word: info.word, text: info.word, downsample: false };
    }
    case 'shape': {
      // Reshape to rank 2 is how PyTorch exports `x.view(n, -1)`: the same flatten as Flatten.
      const rank = ctx.shapes.get(node.outputs[0] ?? '')?.shape?.length;
      const word = node.op === 'Reshape' && rank === 2 ? 'flatten' : info.word;
      return { ...base, word, text: word, downsample: false };
    }
    case 'other': {
      // `x.mean([2, 3])` exports as ReduceMean over the spatial axes: a global average pool.
      if (node.op === 'ReduceMean') {
        const axes = attrsOf(node).ints('axes') ?? ctx.constants.get(node.inputs[1] ?? '') ?? [];
        const rank = ctx.shapes.get(refs[0] ?? '')?.shape?.length ?? 4;
        const norm = axes.map((a) => (a < 0 ? a + rank : a)).sort();
        if (rank === 4 && norm.length === 2 && norm[0] === 2 && norm[1] === 3) {
          const word = 'global average pool';
          return { ...base, family: 'global-pool', word, text: word, downsample: false };
        }
      }
      return { ...base, word: info.word, text: info.word, downsample: false };
    }
    case 'norm': case 'passthrough': case 'static':
      return { ...base, word: info.word, text: info.word, downsample: false };
  }
}

function clipBound(ctx: UnitContext, node: Node, idx: number, attr: string): number | undefined {
  const a = node.attributes.get(attr);
  if (a?.kind === 'float') return a.value;
  const name = node.inputs[idx];
  if (!name) return undefined;
  return ctx.constants.get(name)?.[0];
}

/**
 * Graph → units: drops static and pass-through nodes, then applies the canonical fusions.
 * Exported for tests and for callers that want structure rather than text.
 */
export function buildUnits(graph: Graph, shapes: ReadonlyMap<string, TensorType>): { units: Unit[]; consumers: ReadonlyMap<string, number> } {
  const nodes = indexGraph(graph).order.map((i) => graph.nodes[i]!);
  const staticValues = new Set<string>(graph.initializers.keys());
  const alias = new Map<string, string>();
  const resolve = (v: string): string => {
    let x = v;
    for (let guard = 0; guard < 10_000 && alias.has(x); guard++) x = alias.get(x) as string;
    return x;
  };
  const ctx: UnitContext = { graph, shapes, isStatic: (v) => staticValues.has(resolve(v)), constants: constantValues(graph) };
  const live: Node[] = [];
  // Values known to be all zeros: NB201's `none` edge is `x * 0`; a builder that omits the edge
  // and one that multiplies by zero should read the same, so zero operands vanish from sums.
  const zeros = new Set<string>();
  const isZeroConst = (v: string): boolean => {
    const vals = ctx.constants.get(resolve(v));
    return ctx.isStatic(v) && vals !== undefined && vals.length > 0 && vals.every((x) => x === 0);
  };
  for (const n of nodes) {
    const fam = opFacets(n.domain, n.op).family;
    const present = n.inputs.filter((x) => x !== '');
    if (fam === 'static' || (present.length > 0 && present.every((x) => ctx.isStatic(x)))) {
      for (const o of n.outputs) staticValues.add(o);
    } else if (n.op === 'Mul' && n.outputs[0] && present.some(isZeroConst)) {
      zeros.add(n.outputs[0]);
    } else if ((n.op === 'Add' || n.op === 'Sum') && n.outputs[0] && present.some((x) => zeros.has(resolve(x)))) {
      const rest = present.filter((x) => !zeros.has(resolve(x)));
      if (rest.length === 0) zeros.add(n.outputs[0]);
      else if (rest.length === 1) alias.set(n.outputs[0], rest[0] as string);
      else live.push({ ...n, inputs: rest });
    } else if (fam === 'passthrough' && n.inputs[0] && n.outputs[0]) {
      alias.set(n.outputs[0], n.inputs[0]);
    } else {
      live.push(n);
    }
  }
  // Consumers per value among live nodes, plus graph outputs: a value read twice ends a line.
  const consumers = new Map<string, number>();
  const bump = (v: string): void => { consumers.set(v, (consumers.get(v) ?? 0) + 1); };
  for (const n of live) for (const x of new Set(n.inputs.filter((i) => i !== '').map(resolve))) if (!staticValues.has(x)) bump(x);
  for (const o of graph.outputs) bump(resolve(o.name));

  const units: Unit[] = [];
  const producer = new Map<string, Unit>();
  for (const [order, n] of live.entries()) {
    const refs = n.inputs.filter((x) => x !== '').map(resolve).filter((x) => !staticValues.has(x));
    const unit = makeUnit(n, refs, order, ctx);
    const single = refs.length === 1 ? producer.get(refs[0] as string) : undefined;
    const soleUse = refs.length === 1 && consumers.get(refs[0] as string) === 1;
    // BN right after a conv is folded into it: PyTorch's export folds it, benchmark builds don't.
    if (n.op === 'BatchNormalization' && single?.family === 'conv' && soleUse) {
      single.outs = n.outputs;
      for (const o of n.outputs) producer.set(o, single);
      continue;
    }
    // A constant add after a conv/linear is its bias (MatMul + Add ≡ Gemm).
    if (unit.word === 'add constant' && (single?.family === 'linear' || single?.family === 'conv') && soleUse) {
      single.outs = n.outputs;
      for (const o of n.outputs) producer.set(o, single);
      continue;
    }
    // Chains of binary Adds become one n-ary add (≡ Sum); operand order is irrelevant for add.
    if ((n.op === 'Add' || n.op === 'Sum') && unit.family === 'merge') {
      const flat: string[] = [];
      for (const r of refs) {
        const p = producer.get(r);
        if (p && p.word === 'add' && p.family === 'merge' && consumers.get(r) === 1 && p.outs[0] === r) {
          for (const r2 of p.refs) flat.push(r2);
          units.splice(units.indexOf(p), 1);
        } else {
          flat.push(r);
        }
      }
      unit.refs = flat;
    }
    units.push(unit);
    for (const o of n.outputs) producer.set(o, unit);
  }
  return { units, consumers };
}

/**
 * Splits units into lines: a line continues while each unit reads only the previous unit's sole-use
 * output. A line also ends after a downsampling unit (one line, one resolution) and after a merge
 * (so a cell's closing add is its own line and the following cells still repeat exactly).
 */
function toLines(units: readonly Unit[], consumers: ReadonlyMap<string, number>): Line[] {
  const lines: Line[] = [];
  let cur: Line | null = null;
  for (const u of units) {
    const last = cur?.units[cur.units.length - 1];
    const continues = cur !== null && last !== undefined
      && u.refs.length === 1 && last.outs.length === 1 && u.refs[0] === last.outs[0]
      && consumers.get(u.refs[0] as string) === 1 && !last.downsample && last.family !== 'merge'
      && cur.units.length < MAX_UNITS_PER_LINE && u.family !== 'merge';
    if (continues && cur) cur.units.push(u);
    else {
      cur = { units: [u] };
      lines.push(cur);
    }
  }
  return lines;
}

const COMMUTATIVE = new Set(['add', 'multiply', 'max', 'min', 'mean']);

/** `input` first, then the farthest line first (`-7 -2 -1`). */
function byDistance(a: string, b: string): number {
  const na = a.startsWith('-') ? Number(a.slice(1)) : Infinity;
  const nb = b.startsWith('-') ? Number(b.slice(1)) : Infinity;
  return nb - na || (a < b ? -1 : a > b ? 1 : 0);
}

interface RenderedLine {
  /** With the output shape. */
  readonly full: string;
  /** With the output shape only where it differs from the previous line's: the first budget cut. */
  readonly lean: string;
  readonly score: number;
}

function renderLines(lines: readonly Line[], graph: Graph, shapes: ReadonlyMap<string, TensorType>): RenderedLine[] {
  const lineOf = new Map<string, number>();
  const inputNames = new Map<string, string>();
  graph.inputs.forEach((v, k) => inputNames.set(v.name, graph.inputs.length === 1 ? 'input' : `input ${k + 1}`));
  const rendered: RenderedLine[] = [];
  let prevShape: string | null = null;
  lines.forEach((line, li) => {
    const ref = (v: string): string => {
      const input = inputNames.get(v);
      if (input !== undefined) return input;
      const at = lineOf.get(v);
      return at === undefined ? '?' : `-${li - at}`;
    };
    const first = line.units[0] as Unit;
    const prevOut = li > 0 ? (lines[li - 1]?.units.at(-1)?.outs ?? []) : graph.inputs.map((v) => v.name);
    let prefix = '';
    const parts = line.units.map((u, k) => {
      if (k === 0 && (u.refs.length > 1 || u.family === 'merge')) {
        const refs = u.refs.map(ref);
        // Operand order carries no meaning for commutative merges; sort so exports agree.
        if (COMMUTATIVE.has(u.word)) refs.sort(byDistance);
        return `${u.text} ${refs.join(' ')}`;
      }
      return u.text;
    });
    if ((first.refs.length === 1 && first.family !== 'merge') && !prevOut.includes(first.refs[0] as string)) {
      prefix = `from ${ref(first.refs[0] as string)}: `;
    }
    const last = line.units[line.units.length - 1] as Unit;
    const out = last.outs[0];
    const shape = out === undefined ? null : shapeWords(shapes.get(out)?.shape ?? null);
    const body = `${prefix}${parts.join(', ')}`;
    const changed = shape !== null && shape !== prevShape;
    let score = 0;
    for (const u of line.units) score = Math.max(score, FAMILIES[u.family].score);
    if (changed && prevShape !== null) score += 2;
    rendered.push({ full: shape ? `${body} → ${shape}` : body, lean: changed ? `${body} → ${shape}` : body, score: score + line.units.length * 0.01 });
    if (shape !== null) prevShape = shape;
    for (const u of line.units) for (const o of u.outs) lineOf.set(o, li);
  });
  return rendered;
}

/** A run of `count` copies of `size` lines starting at `start` (count 1: a plain stretch). */
interface Run {
  readonly start: number;
  readonly size: number;
  readonly count: number;
}

/** Finds runs of identical lines or blocks of lines (greedy, longest coverage first). */
export function findRepeats(texts: readonly string[]): Run[] {
  // Compare small integers, not strings: the scan is O(lines × block sizes × copies).
  const ids = new Map<string, number>();
  const seq = texts.map((t) => {
    let id = ids.get(t);
    if (id === undefined) ids.set(t, (id = ids.size));
    return id;
  });
  const runs: Run[] = [];
  let i = 0;
  while (i < seq.length) {
    let bestL = 1;
    let bestN = 1;
    const maxL = Math.min(MAX_BLOCK_LINES, Math.floor((seq.length - i) / 2));
    for (let L = 1; L <= maxL && bestL * bestN < seq.length - i; L++) {
      let n = 1;
      outer: while (i + (n + 1) * L <= seq.length) {
        for (let k = 0; k < L; k++) if (seq[i + n * L + k] !== seq[i + k]) break outer;
        n++;
      }
      if (n >= 2 && L * n > bestL * bestN) {
        bestL = L;
        bestN = n;
      }
    }
    runs.push({ start: i, size: bestL, count: bestN });
    i += bestL * bestN;
  }
  return runs;
}

function toItems(runs: readonly Run[], lines: readonly RenderedLine[], pick: 'full' | 'lean'): Item[] {
  return runs.map(({ start, size, count }) => {
    const block = lines.slice(start, start + size);
    // A repeated block stands for more of the network: worth more when the budget forces cuts.
    const score = Math.max(...block.map((l) => l.score)) + Math.log2(count);
    const texts = block.map((l) => l[pick]);
    if (count === 1) return { text: texts[0] as string, score, lines: 1 };
    if (size === 1) return { text: `${count} times: ${texts[0]}`, score, lines: 1 };
    return { text: `${count} times the next ${size} lines:\n${texts.join('\n')}`, score, lines: size + 1 };
  });
}

function header(model: Model, units: readonly Unit[], shapes: ReadonlyMap<string, TensorType>, profile: Profile): string {
  const g = model.graph;
  const parts: string[] = [];
  const ins = g.inputs.map((v) => shapeWords(v.type?.shape ?? null) ?? '?');
  if (ins.length > 0) parts.push(`input ${ins.join(' and ')}`);
  const outs = g.outputs.map((v) => shapeWords((shapes.get(v.name) ?? v.type)?.shape ?? null) ?? '?');
  if (outs.length > 0) parts.push(`output ${outs.join(' and ')}`);
  parts.push(`depth ${weightedDepth(units)}`);
  if (profile.totals.params > 0) parts.push(`${humanCount(profile.totals.params)} params`);
  if (profile.totals.macs > 0) parts.push(`${humanCount(profile.totals.macs)} MACs`);
  const widths = units.flatMap((u) => (u.channels !== undefined ? [u.channels] : []));
  if (widths.length > 0) {
    const lo = Math.min(...widths);
    const hi = Math.max(...widths);
    parts.push(lo === hi ? `channels ${lo}` : `channels ${lo} to ${hi}`);
  }
  const counts = new Map<string, number>();
  for (const u of units) counts.set(u.word, (counts.get(u.word) ?? 0) + 1);
  const hist = [...counts].sort((a, b) => b[1] - a[1]).slice(0, HISTOGRAM_ENTRIES).map(([w, c]) => `${c} ${w}`);
  return `${parts.join(', ')}; ${hist.join(', ')}`;
}

/** Longest path counted in weighted units (conv, linear): the depth people quote ("ResNet-18"). */
function weightedDepth(units: readonly Unit[]): number {
  const depthOf = new Map<string, number>();
  let best = 0;
  for (const u of units) {
    const d = Math.max(0, ...u.refs.map((r) => depthOf.get(r) ?? 0)) + (FAMILIES[u.family].weighted ? 1 : 0);
    for (const o of u.outs) depthOf.set(o, d);
    best = Math.max(best, d);
  }
  return best;
}

const omission = (n: number): string => `(${n} ${n === 1 ? 'line' : 'lines'} omitted)`;

const size = (lines: readonly string[]): number => lines.reduce((a, l) => a + l.length + 1, -1);

/**
 * Fits items into `maxChars`: the full text if it fits; else shapes only where they change, dropping
 * the lowest-scoring items first (later ones on ties) and writing
 * `(N lines omitted)` where lines went; the header stays. Last resort: a hard cut of the text.
 */
function fitBudget(head: string, fullItems: readonly Item[], items: readonly Item[], maxChars: number): string[] {
  const full = [head, ...fullItems.map((it) => it.text)];
  if (size(full) <= maxChars) return full.join('\n').split('\n');
  const render = (keep: readonly boolean[]): string[] => {
    const out = [head];
    let omitted = 0;
    items.forEach((it, k) => {
      if (keep[k]) {
        if (omitted > 0) out.push(omission(omitted));
        omitted = 0;
        out.push(it.text);
      } else omitted += it.lines;
    });
    if (omitted > 0) out.push(omission(omitted));
    return out;
  };
  const keep = items.map(() => true);
  let lines = render(keep);
  if (size(lines) <= maxChars) return lines;
  // Drop in one pass by priority, tracking the size incrementally (quadratic re-rendering is too slow for big nets).
  const order = items.map((_, k) => k).sort((a, b) => (items[a] as Item).score - (items[b] as Item).score || b - a);
  let total = size(lines);
  const markerCost = (n: number): number => omission(n).length + 1;
  const runAt = (k: number): [number, number] => {
    let s = k;
    while (s > 0 && !keep[s - 1]) s--;
    let e = k;
    while (e < items.length - 1 && !keep[e + 1]) e++;
    return [s, e];
  };
  const omittedIn = (s: number, e: number): number => { let n = 0; for (let j = s; j <= e; j++) if (!keep[j]) n += (items[j] as Item).lines; return n; };
  for (const k of order) {
    if (total <= maxChars) break;
    const it = items[k] as Item;
    const left = k > 0 && !keep[k - 1] ? runAt(k - 1) : null;
    const right = k < items.length - 1 && !keep[k + 1] ? runAt(k + 1) : null;
    let delta = -(it.text.length + 1);
    if (left) delta -= markerCost(omittedIn(left[0], left[1]));
    if (right) delta -= markerCost(omittedIn(right[0], right[1]));
    keep[k] = false;
    const [s, e] = runAt(k);
    delta += markerCost(omittedIn(s, e));
    total += delta;
  }
  // Greedy drops can overshoot (one big block); put back the best dropped items that still fit.
  const dropped = order.filter((k) => !keep[k]).reverse().slice(0, 64);
  for (const k of dropped) {
    keep[k] = true;
    if (size(render(keep)) > maxChars) keep[k] = false;
  }
  lines = render(keep);
  let text = lines.join('\n');
  if (text.length > maxChars) {
    const cut = text.slice(0, maxChars);
    const sp = cut.lastIndexOf(' ');
    text = sp > maxChars / 2 ? cut.slice(0, sp) : cut;
  }
  return text.split('\n');
}

export function describeCompact(model: Model, options: CompactOptions): string[] {
  const { units, consumers } = buildUnits(model.graph, options.shapes);
  const lines = toLines(units, consumers);
  const rendered = renderLines(lines, model.graph, options.shapes);
  const runs = findRepeats(rendered.map((l) => l.full));
  return fitBudget(header(model, units, options.shapes, options.profile), toItems(runs, rendered, 'full'), toItems(runs, rendered, 'lean'), options.maxChars);
}

/**
 * A port of ONNX-Net's `chain_slim` text encoding and its four ablation variants
 * (`ONNXConverter.get_onnx_infos_chain_slim*` in shiwenqin/ONNX-Net `src/process/utils.py`).
 *
 * The goal is comparability, not elegance: a model trained on their texts must see the same
 * characters from us. So this file reproduces their quirks on purpose (docs/TEXT.md lists each one);
 * the only deviations are where their code would crash (a missing shape) — we print what their
 * code prints for a value whose shape is empty.
 */
import type { AttributeValue, Graph, Shape, TensorType } from '../ir.ts';
import { pyBytes, pyFloat, pyList } from './pyfmt.ts';

/** What each variant keeps; the flags mirror the differences between their five functions. */
export interface ChainSlimVariant {
  /** Print inputs inside `Op(...)` (graph input shape, `Param[...]`, value names, `prev`). */
  readonly inputs: boolean;
  /** Print `(attr=...)` after the op. */
  readonly attrs: boolean;
  /** Print `:<shape>` after closed values. */
  readonly shapes: boolean;
  /** Name closed values `Value1`, `Value2`, ...; the ablations without inputs print plain `Value`. */
  readonly numbered: boolean;
  /** `_outshape` writes `Op) --> ` for branch/merge nodes (a stray parenthesis in their code). */
  readonly strayParen: boolean;
}

export const CHAIN_SLIM_VARIANTS = {
  chain_slim: { inputs: true, attrs: true, shapes: true, numbered: true, strayParen: false },
  chain_slim_base: { inputs: false, attrs: false, shapes: false, numbered: false, strayParen: false },
  chain_slim_input: { inputs: true, attrs: false, shapes: false, numbered: true, strayParen: false },
  chain_slim_param: { inputs: false, attrs: true, shapes: false, numbered: false, strayParen: false },
  chain_slim_outshape: { inputs: false, attrs: false, shapes: true, numbered: false, strayParen: true },
} as const satisfies Record<string, ChainSlimVariant>;

export type ChainSlimMode = keyof typeof CHAIN_SLIM_VARIANTS;

/**
 * Their attribute printer. Scalar kinds read the (empty) list field, print `[]` and are dropped by
 * the caller — that is why Conv `group`, Flatten `axis`, Gemm `transB` never appear.
 */
export function chainSlimAttr(a: AttributeValue): string {
  switch (a.kind) {
    case 'float': case 'int': case 'string': return '[]';
    case 'floats': return pyList(a.value.map(pyFloat)).replaceAll(' ', '');
    case 'ints':
      if (a.value.length > 0 && a.value.every((v) => v === a.value[0])) return String(a.value[0]);
      return pyList(a.value.map(String)).replaceAll(' ', '');
    case 'strings': return pyList(a.value.map(pyBytes)).replaceAll(' ', '');
    case 'tensor': case 'graph': case 'sparse_tensor': return '<BLOB>';
    case 'tensors': case 'graphs': case 'sparse_tensors': return '<BLOB,...>';
    case 'type_proto': return '<TYPE>';
    case 'type_protos': return '<TYPE,...>';
    // A function-body reference carries no value in the node; theirs reads an empty list: `[]`.
    case 'ref': return '[]';
  }
}

/** Their shape spelling: dims joined by `x`, symbolic or unknown dims as 0, unknown rank as ''. */
function shapeText(shape: Shape): string {
  return shape === null ? '' : shape.map((d) => (typeof d === 'number' ? String(d) : '0')).join('x');
}

export function describeChainSlim(graph: Graph, shapes: ReadonlyMap<string, TensorType>, variant: ChainSlimVariant): string {
  const inputs = new Set(graph.inputs.map((v) => v.name));
  const params = new Set(graph.initializers.keys());
  const names = new Map<string, string>();
  for (const v of graph.inputs) names.set(v.name, v.type ? shapeText(v.type.shape) : '');
  for (const [name, t] of graph.initializers) names.set(name, `Param${pyList(t.dims.map(String)).replaceAll(' ', '')}`);
  for (const v of graph.outputs) names.set(v.name, 'Out');
  // Their `shapes` dict holds value_info and graph outputs only; a node output missing from it
  // prints without `:shape` where their code checks, and as `:` (empty shape) where it would crash.
  const shapeOf = (name: string): string | undefined => {
    const t = shapes.get(name);
    return t === undefined ? undefined : shapeText(t.shape);
  };
  const ref = (name: string): string => names.get(name) ?? 'prev';

  let i = 1;
  const valueName = (): string => (variant.numbered ? `Value${i++}` : (i++, 'Value'));
  const attrPart = (attr: string): string => (variant.attrs && attr !== '' ? `(${attr}) --> ` : ' --> ');

  let s = '';
  let curr: string | null = null;
  for (const node of graph.nodes) {
    const dyn = node.inputs.filter((x) => !inputs.has(x) && !params.has(x));
    const others = node.inputs.filter((x) => inputs.has(x) || params.has(x)).map((x) => names.get(x) ?? '');
    const attr = [...node.attributes]
      .map(([k, v]) => [k, chainSlimAttr(v)] as const)
      .filter(([, v]) => v !== '[]')
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const op = node.op;
    const out0 = node.outputs[0] ?? '';
    if (dyn.length === 1 && node.outputs.length === 1) {
      const first = dyn[0] ?? '';
      if (curr === null) {
        s += op;
        if (variant.inputs) s += others.length > 0 ? `(${ref(first)}, ${others.join(', ')})` : `(${ref(first)})`;
        s += attrPart(attr);
      } else if (dyn.includes(curr)) {
        s += op;
        if (variant.inputs) s += others.length > 0 ? `(prev, ${others.join(', ')})` : '(prev)';
        s += attrPart(attr);
      } else {
        const name = valueName();
        names.set(curr, name);
        const sh = shapeOf(curr);
        s += variant.shapes && sh !== undefined ? `${name}:${sh}\n` : `${name}\n`;
        s += op;
        // Quirk: without static inputs the chain restarts as `Op()`, losing which value it reads.
        if (variant.inputs) s += others.length > 0 ? `(${ref(first)}, ${others.join(', ')})` : '()';
        s += attrPart(attr);
      }
      curr = out0;
    } else {
      if (curr !== null) {
        const name = valueName();
        names.set(curr, name);
        s += variant.shapes ? `${name}:${shapeOf(curr) ?? ''}\n` : `${name}\n`;
      }
      if (variant.inputs) {
        s += `${op}(`;
        for (const x of node.inputs) s += `${ref(x)}, `;
        // Quirk: strips two characters even when nothing was appended, so `Constant(` → `Constan`.
        s = s.slice(0, -2);
        s += variant.attrs && attr !== '' ? `)(${attr}) --> ` : ') --> ';
      } else {
        s += variant.strayParen ? `${op}) --> ` : `${op}${attrPart(attr)}`;
      }
      for (const o of node.outputs) if (!names.has(o)) names.set(o, valueName());
      s += node.outputs.map((o) => names.get(o) ?? '').join(', ');
      if (variant.shapes) s += `:${shapeOf(out0) ?? ''}`;
      s += '\n';
      curr = null;
    }
  }
  // Their code indexes name_map here and would crash on an unnamed tail; we print nothing for it.
  if (curr !== null) s += names.get(curr) ?? '';
  return s;
}

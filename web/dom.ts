/** A few DOM helpers: the page has no framework. */

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string | boolean | undefined>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} missing from index.html`);
  return el as T;
}

/** 1234567 → "1.23 M" (with the exact count in a title). */
export function count(n: number): string {
  const units: readonly [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, s] of units) if (Math.abs(n) >= v) return `${(n / v).toFixed(2)} ${s}`;
  return String(n);
}

export function exactCount(n: number): HTMLElement {
  return h('span', { title: `${n.toLocaleString('en')}` }, count(n));
}

/** One table from headers and rows of cells. */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[], cls?: string): HTMLTableElement {
  return h('table', { class: cls },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

/**
 * The ranked table for several files: ranked by the predicted accuracy of the chosen target,
 * sortable by any column (buttons in the headers, aria-sort on the sorted one), failed files at
 * the end with their sentence, and a CSV of every target for download (a blob: URL, no request).
 */
import { isErrorItem, type BatchItem, type PageConfig, type Report, errorSentence } from './api.ts';
import { pct } from './charts.ts';
import { count, h } from './dom.ts';

interface Row {
  readonly rank: number | null;
  readonly file: string;
  readonly report: Report | null;
  readonly accuracy: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly params: number | null;
  readonly macs: number | null;
  readonly nodes: number | null;
  readonly nearest: string;
  readonly error: string | null;
  readonly errorCode: string | null;
  /** False when the model does not fit the target (its prediction is a guess). */
  readonly fits: boolean;
  readonly measured: boolean;
}

type Key = 'rank' | 'file' | 'accuracy' | 'params' | 'macs' | 'nodes';

const COLUMNS: readonly { key: Key | null; label: string }[] = [
  { key: 'rank', label: 'Rank' },
  { key: 'file', label: 'File' },
  { key: 'accuracy', label: 'Predicted accuracy (%)' },
  { key: null, label: '80 % interval' },
  { key: 'params', label: 'Params' },
  { key: 'macs', label: 'MACs' },
  { key: 'nodes', label: 'Nodes' },
  { key: null, label: 'Nearest known (measured)' },
];

function rows(items: readonly BatchItem[], target: string, config: PageConfig): Row[] {
  const out: Row[] = items.map((it) => {
    if (isErrorItem(it)) {
      return { rank: null, file: it.file, report: null, accuracy: null, low: null, high: null, params: null, macs: null, nodes: null, nearest: '', error: errorSentence(it.error.code, it.error.message, it.file, config), errorCode: it.error.code, fits: false, measured: false };
    }
    const p = it.predictions[target];
    const n = it.neighbors[0];
    const nAcc = n?.accuracy[target];
    return {
      rank: null, file: it.file, report: it,
      accuracy: p?.accuracy ?? null, low: p?.low ?? null, high: p?.high ?? null,
      params: it.stats.params, macs: it.stats.macs, nodes: it.stats.nodes,
      nearest: n === undefined ? '' : `${n.id}${nAcc !== undefined ? ` (${pct(nAcc)} %)` : ''}`,
      error: null, errorCode: null,
      fits: p?.inDomain !== false, measured: p?.source === 'measured',
    };
  });
  const ranked = out.filter((r) => r.accuracy !== null).sort((a, b) => b.accuracy! - a.accuracy!);
  return out.map((r) => ({ ...r, rank: r.accuracy === null ? null : ranked.indexOf(r) + 1 }));
}

function compare(key: Key, dir: 1 | -1) {
  return (a: Row, b: Row): number => {
    const x = a[key];
    const y = b[key];
    // Rows without a value (failed files) stay at the end whatever the direction.
    if (x === null && y === null) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number)) * dir;
  };
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(items: readonly BatchItem[], target: string, config: PageConfig): string {
  const targets = [...new Set(items.flatMap((it) => (isErrorItem(it) ? [] : Object.keys(it.predictions))))].sort();
  const header = ['rank', 'file', 'target', 'accuracy', 'low', 'high', 'params', 'macs', 'nodes', 'nearest', ...targets.flatMap((t) => [`${t}_accuracy`, `${t}_low`, `${t}_high`]), 'error_code', 'error'];
  const lines = [header.join(',')];
  for (const r of rows(items, target, config).sort(compare('rank', 1))) {
    const per = targets.flatMap((t) => {
      const p = r.report?.predictions[t];
      return p === undefined ? [null, null, null] : [p.accuracy, p.low, p.high];
    });
    lines.push([r.rank, r.file, target, r.accuracy, r.low, r.high, r.params, r.macs, r.nodes, r.nearest, ...per, r.errorCode, r.error].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Renders into `host`; re-renders itself when a header is clicked. */
export function renderRanked(host: HTMLElement, items: readonly BatchItem[], target: string, config: PageConfig): void {
  let key: Key = 'rank';
  let dir: 1 | -1 = 1;
  const all = rows(items, target, config);
  const scored = all.filter((r) => r.error === null).length;
  const fitting = all.filter((r) => r.error === null && r.fits).length;
  const draw = () => {
    const sorted = [...all].sort(compare(key, dir));
    const head = h('tr', {}, ...COLUMNS.map((c) => {
      if (c.key === null) return h('th', { scope: 'col' }, c.label);
      const active = c.key === key;
      const btn = h('button', { type: 'button', class: 'sort', 'data-key': c.key }, c.label, h('span', { 'aria-hidden': 'true' }, active ? (dir === 1 ? ' ▲' : ' ▼') : ''));
      const k = c.key;
      btn.addEventListener('click', () => {
        if (key === k) dir = dir === 1 ? -1 : 1;
        else {
          key = k;
          dir = k === 'accuracy' || k === 'params' || k === 'macs' || k === 'nodes' ? -1 : 1;
        }
        draw();
        host.querySelector<HTMLButtonElement>(`button[data-key="${k}"]`)?.focus();
      });
      return h('th', { scope: 'col', 'aria-sort': active ? (dir === 1 ? 'ascending' : 'descending') : undefined }, btn);
    }));
    const body = h('tbody', {}, ...sorted.map((r) => r.error !== null
      ? h('tr', { class: 'failed' }, h('td', {}, '—'), h('th', { scope: 'row' }, r.file), h('td', { colspan: String(COLUMNS.length - 2), class: 'error-cell' }, h('strong', {}, 'Failed: '), r.error))
      : h('tr', {},
        h('td', {}, String(r.rank ?? '—')),
        h('th', { scope: 'row' }, r.file),
        h('td', { class: 'num', title: r.fits ? undefined : `the model does not fit ${target}: a guess` }, r.accuracy === null ? 'not predicted' : `${pct(r.accuracy)}${r.fits ? '' : '*'}`),
        h('td', { class: 'num' }, r.low === null ? '' : r.measured ? 'measured' : `${pct(r.low)}–${pct(r.high!)}`),
        h('td', { class: 'num', title: String(r.params) }, count(r.params!)),
        h('td', { class: 'num', title: String(r.macs) }, count(r.macs!)),
        h('td', { class: 'num' }, String(r.nodes)),
        h('td', {}, r.nearest))));
    const tbl = h('table', { id: 'ranked-table', class: 'ranked' },
      h('caption', {}, `${items.length} models ranked by predicted ${target} accuracy (${fitting} of ${scored} fit ${target}${fitting < scored ? '; * marks a guess' : ''}); choose a column header to sort by it`),
      h('thead', {}, head), body);
    host.replaceChildren(tbl);
  };
  draw();
}

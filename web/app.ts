/**
 * The onnx-predict page: drop or choose .onnx files; one file → POST /v1/predict (+ /v1/describe
 * for the input shapes and the graph text); several → POST /v1/predict/batch and a ranked table.
 * The scatter plot reads GET /v1/known. Every request goes to the server that served the page.
 */
import './app.css';
import { PageError, errorSentence, formatBytes, isErrorItem, request, type BatchItem, type Client, type Describe, type Known, type PageConfig, type Report, type TargetPrediction, type Warning } from './api.ts';
import { distributionChart, pct, predictionChart, scatterChart, type PlottedModel, type PredictionRow, type XField } from './charts.ts';
import { byId, count, exactCount, h, table } from './dom.ts';
import { renderRanked, toCsv } from './ranked.ts';

const config = JSON.parse(byId('page-config').textContent ?? '{}') as PageConfig;
const client: Client = { config, apiKey: '' };

interface State {
  /** What the last drop returned, in upload order (reports and failed files). */
  items: BatchItem[];
  describe: Describe | null;
  target: string | null;
  x: XField;
  showAllTargets: boolean;
  busy: boolean;
}

const state: State = { items: [], describe: null, target: null, x: 'params', showAllTargets: false, busy: false };
const known = new Map<string, Promise<Known>>();

const ui = {
  input: byId<HTMLInputElement>('files'),
  drop: byId('drop'),
  limits: byId('limits'),
  keyRow: byId('key-row'),
  key: byId<HTMLInputElement>('api-key'),
  progressRow: byId('progress-row'),
  progressLabel: byId('progress-label'),
  progress: byId<HTMLProgressElement>('progress'),
  status: byId('status'),
  error: byId('error'),
  single: byId('single'),
  singleMore: byId('single-more'),
  batch: byId('batch'),
  ranked: byId('ranked'),
  csv: byId<HTMLButtonElement>('csv'),
  plotSection: byId('plot-section'),
  target: byId<HTMLSelectElement>('target'),
  xParams: byId<HTMLInputElement>('x-params'),
  xMacs: byId<HTMLInputElement>('x-macs'),
  plot: byId('plot'),
  plotNote: byId('plot-note'),
  version: byId('version'),
  examples: byId('examples'),
};

const reports = (): Report[] => state.items.filter((it): it is Report => !isErrorItem(it));

function setStatus(text: string): void {
  ui.status.textContent = text;
}

function showError(sentences: readonly string[]): void {
  ui.error.replaceChildren(...sentences.map((s) => h('p', {}, s)));
  ui.error.hidden = sentences.length === 0;
}

function progress(label: string | null, sent = 0, total = 0): void {
  ui.progressRow.hidden = label === null;
  if (label === null) return;
  ui.progressLabel.textContent = label;
  ui.progress.max = total > 0 ? total : 1;
  ui.progress.value = sent;
  ui.progress.setAttribute('aria-valuetext', total > 0 ? `${formatBytes(sent)} of ${formatBytes(total)} sent` : 'starting');
}

function chartWidth(host: HTMLElement): number {
  return Math.max(480, Math.min(1040, host.clientWidth || 900));
}

// ---------------------------------------------------------------- targets

function inDomain(r: Report, t: string, p: TargetPrediction | undefined): boolean | undefined {
  return p?.inDomain ?? r.inDomain?.[t];
}

function allTargets(): string[] {
  const seen = new Set<string>();
  for (const r of reports()) for (const t of Object.keys(r.predictions)) seen.add(t);
  return [...seen];
}

/** The targets a model fits, best first: the server's `fits`, else those marked in domain. */
function fitsOf(r: Report): readonly string[] {
  return r.fits ?? Object.keys(r.predictions).filter((t) => inDomain(r, t, r.predictions[t]) === true);
}

/**
 * The first target: the one most models fit first (the batch ranking's choice; ties go to the
 * earlier file's); without any fit, the first target the first model's nearest known architecture
 * was measured on.
 */
function defaultTarget(): string | null {
  const rs = reports();
  const targets = allTargets();
  if (rs.length === 0 || targets.length === 0) return null;
  const counts = new Map<string, number>();
  for (const r of rs) {
    const t = fitsOf(r)[0];
    if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  if (counts.size > 0) return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const first = rs[0]!;
  const nearest = first.exact?.labels ?? first.neighbors[0]?.accuracy ?? {};
  return targets.find((t) => nearest[t] !== undefined) ?? targets[0]!;
}

function fillTargetSelect(): void {
  const rs = reports();
  ui.target.replaceChildren(...allTargets().map((t) => {
    const fit = rs.filter((r) => inDomain(r, t, r.predictions[t]) !== false).length;
    const label = rs.length <= 1 ? (fit === 0 ? `${t} (the model does not fit it)` : t) : `${t} (${fit} of ${rs.length} fit it)`;
    return h('option', { value: t, selected: t === state.target }, label);
  }));
}

// ---------------------------------------------------------------- one file

function shape(s: Describe['stats']['inputs']): string {
  if (s === undefined || s.length === 0) return 'none';
  return s.map((t) => `${t.name}: ${t.shape === null ? 'unknown shape' : t.shape.map((d) => (d === null ? '?' : String(d))).join(' × ')} ${t.dtype}`).join('; ');
}

/** One line per warning (its few words and code); the full sentence one click away. */
function warningItem(w: Warning): HTMLElement {
  if (typeof w === 'string') return h('li', {}, h('strong', {}, '⚠ '), w);
  const full = [w.target, w.message].filter((s) => s !== undefined && s !== '').join(': ');
  const short = w.summary ?? (full || (w.code ?? 'warning'));
  const code = w.code ? h('code', { class: 'small' }, ` [${w.code}]`) : null;
  if (w.summary === undefined || full === '') return h('li', {}, h('strong', {}, '⚠ '), short, code);
  return h('li', {}, h('details', {}, h('summary', {}, h('strong', {}, '⚠ '), short, code), h('p', { class: 'small' }, full)));
}

const num = (v: number): string => (Number.isInteger(v) ? v.toLocaleString('en') : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));

/** Anything else in `proxies`: flatten nested objects to name → text. */
function flatten(obj: Readonly<Record<string, unknown>>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, name));
    else out.push([name, typeof v === 'number' ? num(v) : v === null ? 'not computed' : String(v)]);
  }
  return out;
}

/** The proxies panel: the values (with why one is missing), or why none ran. */
function proxiesPanel(p: Readonly<Record<string, unknown>>): Node[] {
  const values = p.proxies;
  const skipped = p.skipped as { message?: string; reason?: string } | undefined;
  if (values === null || (values === undefined && skipped !== undefined)) {
    return [h('p', {}, `Not computed: ${skipped?.message ?? skipped?.reason ?? 'the proxies could not run on this graph'}.`)];
  }
  if (values === undefined || typeof values !== 'object') return [table('Zero-cost proxies', ['Name', 'Value'], flatten(p).map(([k, v]) => [k, v]), 'proxies')];
  const nulls = (p.nulls ?? {}) as Record<string, string>;
  const rows = Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'number' ? num(v) : `not computed${nulls[k] ? `: ${nulls[k]}` : ''}`]);
  const how = [
    typeof p.samples === 'number' ? `${p.samples} input samples` : null,
    typeof p.seeds === 'number' ? `${p.seeds} seed${p.seeds === 1 ? '' : 's'}` : null,
    typeof p.seconds === 'number' ? `${p.seconds.toFixed(2)} s` : null,
    typeof p.version === 'string' ? `version ${p.version}` : null,
  ].filter((x) => x !== null).join(', ');
  return [
    h('p', { class: 'small' }, `Zero-cost proxies computed on the graph with synthetic weights and inputs${how ? ` (${how})` : ''}.`),
    table('Proxy values', ['Proxy', 'Value'], rows, 'proxies'),
  ];
}

function domainCell(x: PredictionRow): string {
  if (x.inDomain === undefined) return 'not stated';
  return x.inDomain ? 'in domain' : `outside${x.domainNote ? `: ${x.domainNote}` : ''}`;
}

/**
 * One file: the top part (facts, warnings, predictions) above the plot and the bottom part
 * (proxies, neighbours, graph text) below it.
 */
function renderSingle(r: Report, d: Describe | null, describeError: string | null): void {
  const entries = Object.entries(r.predictions);
  const rows: PredictionRow[] = entries.map(([target, p]) => ({ target, accuracy: p.accuracy, low: p.low, high: p.high, inDomain: inDomain(r, target, p), ...(p.domainNote ? { domainNote: p.domainNote } : {}) }));
  const fits = fitsOf(r);
  const outside = rows.filter((x) => !fits.includes(x.target));
  const shown = state.showAllTargets || outside.length === rows.length ? rows : fits.flatMap((t) => rows.filter((x) => x.target === t));
  const facts: [string, Node | string][] = [
    ['Input', d === null ? 'unavailable' : shape(d.stats.inputs)],
    ['Output', d === null ? 'unavailable' : shape(d.stats.outputs)],
    ['Params', exactCount(r.stats.params)],
    ['MACs', exactCount(r.stats.macs)],
    ['Nodes', r.stats.nodes.toLocaleString('en')],
  ];
  if (d?.stats.opset !== undefined) facts.push(['Opset', String(d.stats.opset)]);
  if (d?.stats.producer) facts.push(['Producer', d.stats.producer]);

  const predHost = h('div', { class: 'chart', id: 'prediction-chart' });
  const top: Node[] = [
    h('h2', { id: 'single-title' }, `Prediction for ${r.file}`),
    h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  ];
  if (r.exact !== null) {
    const measured = Object.entries(r.exact.labels).map(([t, v]) => {
      const kind = r.predictions[t]?.measured?.kind;
      return `${t} ${pct(v)} %${kind ? ` (${kind})` : ''}`;
    }).join(', ');
    const others = r.exact.others ?? [];
    top.push(h('p', { class: 'note exact' }, h('strong', {}, 'Known architecture: '), `${r.exact.note} (${r.exact.id}); measured ${measured}. The predictions below report this measurement, with the model's own prediction beside it.`,
      others.length > 0 ? ` The same graph is also known as ${others.slice(0, 3).map((o) => `${o.arch} (${Object.entries(o.labels).map(([t, v]) => `${t} ${pct(v)} %`).join(', ')})`).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''}.` : ''));
  }
  const warnings = r.warnings ?? [];
  if (warnings.length > 0) {
    top.push(h('div', { class: 'warnings', role: 'note' }, h('h3', {}, 'Warnings'), h('ul', {}, ...warnings.map(warningItem))));
  }
  top.push(h('h3', {}, 'Predicted accuracy'));
  if (outside.length > 0 && outside.length < rows.length) {
    const box = h('input', { type: 'checkbox', id: 'show-all-targets', checked: state.showAllTargets });
    box.addEventListener('change', () => {
      state.showAllTargets = box.checked;
      renderSingle(r, d, describeError);
      byId<HTMLInputElement>('show-all-targets').focus();
    });
    const unfit = outside.filter((x) => x.inDomain === false).map((x) => x.target);
    const proxies = outside.filter((x) => x.inDomain !== false).map((x) => x.target);
    const why = [unfit.length > 0 ? `the model does not fit ${unfit.join(', ')}` : '', proxies.length > 0 ? `${proxies.join(', ')} ${proxies.length === 1 ? 'is a training proxy' : 'are training proxies'} of a target shown` : ''].filter((x) => x !== '').join('; ');
    top.push(h('p', { class: 'toggle' }, box, ' ', h('label', { for: 'show-all-targets' }, `Show all targets (${outside.length} hidden: ${why})`)));
  } else if (outside.length === rows.length && rows.length > 0) {
    top.push(h('p', { class: 'note' }, 'The model fits none of the targets the predictor learnt, so every prediction below is a guess.'));
  }
  top.push(predHost);
  const sources = shown.map((x) => r.predictions[x.target]?.source);
  const withSource = sources.some((src) => src !== undefined);
  top.push(table('Accuracy per target: measured for a known architecture, else predicted with its 80 % interval', ['Target', 'Accuracy (%)', '80 % interval (%)', 'Domain', ...(withSource ? ['Answered by'] : [])],
    shown.map((x, i) => {
      const p = r.predictions[x.target];
      const m = p?.source === 'measured' ? p.predicted : undefined;
      return [x.target, pct(x.accuracy), m ? `measured; the model predicts ${pct(m.accuracy)} (${pct(m.low)}–${pct(m.high)})` : `${pct(x.low)}–${pct(x.high)}`, domainCell(x), ...(withSource ? [sources[i] ?? ''] : [])];
    }), 'predictions'));

  const bottom: Node[] = [];
  if (r.proxies !== undefined && r.proxies !== null && Object.keys(r.proxies).length > 0) {
    bottom.push(h('h3', {}, 'Proxies'), ...proxiesPanel(r.proxies));
  }
  bottom.push(h('h3', {}, 'Nearest known architectures'));
  const shownTargets = new Set(shown.map((x) => x.target));
  bottom.push(r.neighbors.length === 0
    ? h('p', {}, 'The predictor returned no neighbours.')
    : table(`The ${r.neighbors.length} nearest known architectures and their measured accuracy`, ['Architecture', 'Space', 'Distance', 'Measured accuracy'],
      r.neighbors.map((n) => [
        h('span', { title: n.arch }, n.id), n.space, n.distance.toFixed(3),
        Object.entries(n.accuracy).filter(([t]) => shownTargets.has(t)).map(([t, v]) => `${t} ${pct(v)} %`).join(', ') || 'none of the shown targets',
      ]), 'neighbors'));
  const text = d?.text ?? null;
  bottom.push(h('details', { id: 'graph-text' },
    h('summary', {}, text === null ? 'Graph text (unavailable)' : `Graph text (compact, ${text.length.toLocaleString('en')} characters)`),
    text === null ? h('p', {}, describeError ?? 'The graph text could not be loaded.') : h('pre', {}, text)));
  if (r.model?.predictor !== undefined) bottom.push(h('p', { class: 'small' }, `Predictor ${r.model.predictor}; encoder ${r.model.encoder ?? 'unknown'}.`));
  ui.single.replaceChildren(...top);
  ui.singleMore.replaceChildren(...bottom);
  ui.single.hidden = false;
  ui.singleMore.hidden = false;
  predHost.append(predictionChart(shown, chartWidth(ui.single)));
}

// ---------------------------------------------------------------- plot

function fetchKnown(target: string): Promise<Known> {
  let p = known.get(target);
  if (p === undefined) {
    p = request<Known>(client, 'GET', `v1/known?target=${encodeURIComponent(target)}`, null);
    known.set(target, p);
    p.catch(() => known.delete(target));
  }
  return p;
}

async function renderPlot(): Promise<void> {
  const target = state.target;
  if (target === null || reports().length === 0) {
    ui.plotSection.hidden = true;
    return;
  }
  ui.plotSection.hidden = false;
  ui.plot.setAttribute('aria-busy', 'true');
  let k: Known;
  try {
    k = await fetchKnown(target);
  } catch (e) {
    ui.plot.replaceChildren(h('p', { class: 'error-inline' }, e instanceof PageError ? e.message : String(e)));
    ui.plot.removeAttribute('aria-busy');
    return;
  }
  if (state.target !== target) return;
  const hasX = k.fields[state.x];
  const other: XField = state.x === 'params' ? 'macs' : 'params';
  if (!hasX && k.fields[other]) state.x = other;
  ui.xParams.checked = state.x === 'params';
  ui.xMacs.checked = state.x === 'macs';
  ui.xParams.disabled = !k.fields.params;
  ui.xMacs.disabled = !k.fields.macs;
  const models: PlottedModel[] = reports().flatMap((r) => {
    const p = r.predictions[target];
    return p === undefined ? [] : [{ label: r.file, x: r.stats[state.x], accuracy: p.accuracy, low: p.low, high: p.high, ...(p.source === 'measured' ? { measured: true } : {}) }];
  });
  const width = chartWidth(ui.plotSection);
  const notes: string[] = [];
  const spaces = Object.entries(k.spaces).map(([s, n]) => `${s} ${n.toLocaleString('en')}`).join(', ');
  notes.push(`${k.returned.toLocaleString('en')} of ${k.total.toLocaleString('en')} known architectures with a measured ${target} accuracy, sampled deterministically (${spaces}).`);
  if (k.fields[state.x]) {
    ui.plot.replaceChildren(scatterChart(k.points, models, state.x, target, width));
    const missing = k.points.filter((p) => !((p[state.x] ?? 0) > 0));
    if (missing.length > 0) {
      const bySpace = [...new Set(missing.map((p) => p.space))].join(', ');
      notes.push(`${missing.length.toLocaleString('en')} of them have no ${state.x === 'params' ? 'params' : 'MACs'} in the checkpoint (${bySpace}) and are not drawn.`);
    }
    const zero = models.filter((m) => m.x <= 0);
    if (zero.length > 0) notes.push(`Not placed on the log scale (0 ${state.x}): ${zero.map((m) => m.label).join(', ')}.`);
  } else {
    ui.plot.replaceChildren(distributionChart(k.points, models, target, width));
    notes.push('This predictor checkpoint stores no params or MACs for its known architectures, so the plot shows the spread of their measured accuracy per space (box plots) beside your predictions.');
  }
  const drawn = k.fields[state.x] ? k.points.filter((p) => (p[state.x] ?? 0) > 0) : k.points;
  const accs = drawn.map((p) => p.accuracy);
  for (const m of models.slice(0, 5)) {
    const below = accs.filter((a) => a < m.accuracy).length;
    notes.push(`${m.label}: ${m.measured ? `measured ${pct(m.accuracy)} % (a known architecture)` : `predicted ${pct(m.accuracy)} % (${pct(m.low)}–${pct(m.high)})`}, above ${accs.length === 0 ? 0 : Math.round((100 * below) / accs.length)} % of the plotted known architectures${k.fields[state.x] && m.x > 0 ? ` at ${count(m.x)} ${state.x === 'params' ? 'params' : 'MACs'}` : ''}.`);
  }
  ui.plotNote.replaceChildren(...notes.map((n) => h('p', {}, n)));
  ui.plot.removeAttribute('aria-busy');
}

// ---------------------------------------------------------------- uploads

function refuseBeforeUpload(files: readonly File[]): string[] {
  const out: string[] = [];
  if (config.apiKeyRequired && client.apiKey === '') out.push(errorSentence('UNAUTHORIZED', '', null, config));
  if (files.length > config.maxFiles) out.push(`You chose ${files.length} files; this server takes at most ${config.maxFiles} per upload. Nothing was sent.`);
  for (const f of files) {
    if (f.size > config.maxBodyBytes) out.push(`“${f.name}” is ${formatBytes(f.size)}, over this server's limit of ${formatBytes(config.maxBodyBytes)} per upload. Nothing was sent.`);
    else if (f.size === 0) out.push(`“${f.name}” is empty, so it cannot be an ONNX model. Nothing was sent.`);
  }
  const total = files.reduce((s, f) => s + f.size, 0);
  if (files.length > 1 && out.length === 0 && total > config.maxBodyBytes) out.push(`Together the ${files.length} files are ${formatBytes(total)}, over this server's limit of ${formatBytes(config.maxBodyBytes)} per upload. Drop fewer at a time. Nothing was sent.`);
  return out;
}

async function uploadSingle(file: File): Promise<void> {
  const q = `name=${encodeURIComponent(file.name)}`;
  progress(`Uploading ${file.name} for the prediction`, 0, file.size);
  const report = await request<Report>(client, 'POST', `v1/predict?${q}`, file, {
    contentType: 'application/octet-stream', file: file.name,
    onProgress: (s, t) => progress(`Uploading ${file.name} for the prediction`, s, t),
  });
  progress(`Reading the graph text of ${file.name}`, 0, file.size);
  let d: Describe | null = null;
  let describeError: string | null = null;
  try {
    d = await request<Describe>(client, 'POST', `v1/describe?mode=compact&${q}`, file, {
      contentType: 'application/octet-stream', file: file.name,
      onProgress: (s, t) => progress(`Reading the graph text of ${file.name}`, s, t),
    });
  } catch (e) {
    describeError = e instanceof PageError ? e.message : String(e);
  }
  state.items = [report];
  state.describe = d;
  state.target = defaultTarget();
  fillTargetSelect();
  renderSingle(report, d, describeError);
  setStatus(`Predicted ${file.name}.`);
  await renderPlot();
}

/** A CSV among the chosen files is the known results (file,accuracy[,target]): sent as the `known` part. */
const isCsv = (f: File): boolean => /\.csv$/i.test(f.name);

async function uploadBatch(files: readonly File[], known: File | null = null): Promise<void> {
  const form = new FormData();
  for (const f of files) form.append('files', f, f.name);
  if (known !== null) form.append('known', known, known.name);
  const total = files.reduce((s, f) => s + f.size, 0);
  progress(`Uploading ${files.length} files`, 0, total);
  const items = await request<BatchItem[]>(client, 'POST', 'v1/predict/batch', form, {
    onProgress: (s, t) => progress(`Uploading ${files.length} files`, s, t),
  });
  state.items = items;
  state.describe = null;
  state.target = defaultTarget();
  fillTargetSelect();
  renderBatch();
  const failed = items.filter(isErrorItem).length;
  const adaptation = (items.find((it) => !isErrorItem(it) && 'adaptation' in it) as { adaptation?: { target: string; k: number; state: unknown }[] } | undefined)?.adaptation ?? [];
  const adapted = adaptation.map((a) => (a.state === null ? ` ${a.k} known result${a.k === 1 ? '' : 's'} for ${a.target} matched, fewer than 3: predictions are the model's own.` : ` Adapted to ${a.k} known ${a.target} results from ${known?.name ?? 'the CSV'}.`)).join('');
  setStatus(`Predicted ${items.length - failed} of ${items.length} files${failed > 0 ? `; ${failed} failed` : ''}.${adapted}`);
  await renderPlot();
}

function renderBatch(): void {
  ui.batch.hidden = false;
  if (state.target === null) {
    ui.ranked.replaceChildren(h('p', {}, 'No file could be predicted.'), ...state.items.filter(isErrorItem).map((it) => h('p', { class: 'error-inline' }, errorSentence(it.error.code, it.error.message, it.file, config))));
    ui.csv.disabled = true;
    return;
  }
  ui.csv.disabled = false;
  renderRanked(ui.ranked, state.items, state.target, config);
}

async function handleFiles(list: FileList | readonly File[] | null): Promise<void> {
  const files = list === null ? [] : [...list];
  // Cleared at once so that choosing the same file again fires 'change' again.
  ui.input.value = '';
  if (files.length === 0 || state.busy) return;
  showError([]);
  setStatus('');
  const refused = refuseBeforeUpload(files);
  if (refused.length > 0) {
    showError(refused);
    if (config.apiKeyRequired && client.apiKey === '') ui.key.focus();
    return;
  }
  state.busy = true;
  ui.input.disabled = true;
  ui.drop.classList.add('busy');
  ui.single.hidden = true;
  ui.singleMore.hidden = true;
  ui.batch.hidden = true;
  ui.plotSection.hidden = true;
  state.items = [];
  try {
    const csvs = files.filter(isCsv);
    const models = files.filter((f) => !isCsv(f));
    if (csvs.length > 1) throw new PageError('USAGE', `Choose one CSV of known results, not ${csvs.length}.`);
    if (csvs.length === 1 && models.length < 2) throw new PageError('USAGE', 'A CSV of known results goes with several .onnx files: choose them together.');
    if (models.length === 1) await uploadSingle(models[0]!);
    else await uploadBatch(models, csvs[0] ?? null);
  } catch (e) {
    if (e instanceof PageError && e.code === 'UNAUTHORIZED') {
      ui.keyRow.hidden = false;
      ui.key.focus();
    }
    showError([e instanceof PageError ? e.message : `Something went wrong in the page: ${String(e)}`]);
    setStatus('Nothing was predicted.');
  } finally {
    progress(null);
    state.busy = false;
    ui.input.disabled = false;
    ui.drop.classList.remove('busy');
  }
}

// ---------------------------------------------------------------- examples

/** The bundled example models (served by this server at web/examples/), as files to predict. */
async function loadExamples(list: readonly { file: string; title: string }[]): Promise<File[]> {
  return Promise.all(list.map(async (e) => {
    const res = await fetch(`web/examples/${encodeURIComponent(e.file)}`);
    if (!res.ok) throw new PageError('EXAMPLE', `The example ${e.title} could not be loaded from this server (HTTP ${res.status}).`);
    return new File([await res.blob()], e.file, { type: 'application/octet-stream' });
  }));
}

function renderExamples(): void {
  const list = config.examples ?? [];
  if (list.length === 0) return;
  const one = h('button', { type: 'button', id: 'try-one' }, `Try one: ${list[0]!.title}`);
  const all = h('button', { type: 'button', id: 'try-all' }, `Try ${list.length} examples`);
  const run = (chosen: readonly { file: string; title: string }[]) => async () => {
    if (state.busy) return;
    try {
      await handleFiles(await loadExamples(chosen));
    } catch (e) {
      showError([e instanceof PageError ? e.message : String(e)]);
    }
  };
  one.addEventListener('click', () => { void run(list.slice(0, 1))(); });
  all.addEventListener('click', () => { void run(list)(); });
  ui.examples.replaceChildren('No model at hand? ', one, ' ', all, h('span', { class: 'small' }, ` (${list.map((e) => e.title).join(', ')}: small ONNX exports bundled with this server)`));
  ui.examples.hidden = false;
}

// ---------------------------------------------------------------- wiring

ui.version.textContent = `v${config.version}`;
renderExamples();
ui.limits.textContent = `Up to ${formatBytes(config.maxBodyBytes)} per upload (all files together) and ${config.maxFiles} files at once.`;
ui.keyRow.hidden = !config.apiKeyRequired;
ui.key.addEventListener('input', () => {
  client.apiKey = ui.key.value.trim();
  known.clear();
});
ui.input.addEventListener('change', () => { void handleFiles(ui.input.files); });
for (const ev of ['dragenter', 'dragover'] as const) {
  ui.drop.addEventListener(ev, (e) => {
    e.preventDefault();
    ui.drop.classList.add('over');
  });
}
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  void handleFiles(e.dataTransfer?.files ?? null);
});
// A file dropped beside the zone must not navigate away from the page.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

ui.target.addEventListener('change', () => {
  state.target = ui.target.value;
  if (state.items.length > 1) renderBatch();
  void renderPlot();
});
for (const radio of [ui.xParams, ui.xMacs]) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    state.x = radio.value === 'macs' ? 'macs' : 'params';
    void renderPlot();
  });
}
ui.csv.addEventListener('click', () => {
  if (state.target === null) return;
  const blob = new Blob([toCsv(state.items, state.target, config)], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: `onnx-predict-${state.target}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});
document.documentElement.dataset.ready = 'true';

/**
 * Checks the cached proxies (data/<space>/proxies.jsonl: `onnx-predict dataset proxies`, scripts/proxies-cache.ts) against
 * published numbers: Spearman ρ of each proxy with accuracy
 *   - on the 725 NASLib NAS-Bench-Suite-Zero NB201 samples (their val_accuracy), beside NASLib's
 *     own proxy values for the same archs (nwot, synflow, params, flops, ...), and ρ between our
 *     NASWOT and theirs;
 *   - on every cached NB201 arch (labels of data/nb201/manifest.jsonl: cifar10, cifar100, ImageNet16-120);
 *   - on every cached NB101 arch (cifar10) and on NASLib's 500 NB101 samples;
 *   - params and MACs on the same archs, and a training-free rank sum for reference.
 * Prints a markdown report (docs/PROXIES.md holds its output).
 *
 *   npx tsx scripts/proxies-check.ts [--data data] [--naslib ../shared/data/naslib_suite_zero_samples]
 *   npx tsx scripts/proxies-check.ts --old datasets/proxies/reference/nb201.proxies-2.jsonl.gz
 *       adds a table of both versions side by side on the NB201 cells both caches hold (and on
 *       NASLib's 725 among them): the check that a new PROXY_VERSION loses no proxy's ρ
 *   npx tsx scripts/proxies-check.ts --ablate 150 '{"samples":16,"centerWeights":false}' ...
 *       recomputes proxies on a fixed subset of 150 NB201 cells once per settings object given
 *       and prints ρ with CIFAR-10 for each (the experiments behind docs/PROXIES.md's "why").
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ranks, spearmanRho } from '../src/predictor/metrics.ts';
import { PROXY_NAMES } from '../src/proxies/index.ts';
import { hashSpec, pruneSpec, type Nb101Label, type Nb101Spec } from '../datasets/nb101/spec.ts';

/** Python's json writes NaN / Infinity, which JSON.parse rejects: read them as null. */
function pythonJson(text: string): string {
  return text.replace(/\bNaN\b|-?\bInfinity\b/g, 'null');
}

const argv = process.argv.slice(2);
const opt = (k: string, d: string) => {
  const i = argv.indexOf(k);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : d;
};
const DATA = opt('--data', 'data');

if (argv.includes('--ablate')) {
  const { readModel } = await import('../src/onnx-to-text/reader.ts');
  const { computeProxies } = await import('../src/proxies/index.ts');
  const n = Number(opt('--ablate', '150'));
  const settingsList = argv.filter((a) => a.startsWith('{')).map((a) => JSON.parse(a) as Record<string, unknown>);
  const all = readFileSync(`${DATA}/nb201/manifest.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; labels: Record<string, number>; params: number; macs: number });
  // A fixed, spread-out subset: multiplicative hashing of the manifest index.
  const pick = all.filter((_, i) => (i * 2654435761) % 1000 < (n / all.length) * 1000).slice(0, n);
  const y = pick.map((r) => r.labels['cifar10']!);
  process.stdout.write(`| settings | ${[...PROXY_NAMES, 'params', 'MACs'].join(' | ')} | median s |\n|---|${[...PROXY_NAMES, 'p', 'm'].map(() => '---:').join('|')}|---:|\n`);
  for (const settings of settingsList) {
    const vals: Record<string, number[]> = {};
    const secs: number[] = [];
    for (const r of pick) {
      const rep = await computeProxies(readModel(readFileSync(`${DATA}/nb201/${r.file}`)), settings);
      secs.push(rep.seconds);
      for (const k of PROXY_NAMES) (vals[k] ??= []).push(rep.proxies?.[k] ?? NaN); // NaN: ranked lowest below
    }
    const cells = [...PROXY_NAMES.map((k) => spearmanRho(lowestForMissing(vals[k]!), y)), spearmanRho(pick.map((r) => r.params), y), spearmanRho(pick.map((r) => r.macs), y)];
    process.stdout.write(`| \`${JSON.stringify(settings)}\` | ${cells.map((c) => c.toFixed(3)).join(' | ')} | ${[...secs].sort((a, b) => a - b)[secs.length >> 1]!.toFixed(2)} |\n`);
  }
  process.exit(0);
}
const NASLIB = opt('--naslib', '../shared/data/naslib_suite_zero_samples');

interface Manifest { id: string; arch: string; labels: Record<string, number>; params: number; macs: number }
interface Cached { id: string; version: string; settings: Record<string, number>; proxies: Record<string, number | null> | null; samples: number; seconds: number; skipped?: { code: string } }

function jsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const text = path.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try { return [JSON.parse(l) as T]; } catch { return []; }
  });
}

function load(space: string, file = `${DATA}/${space}/proxies.jsonl`): { rows: { m: Manifest; p: Cached }[]; settings: string; skipped: number; seconds: number[] } {
  const man = new Map(jsonl<Manifest>(`${DATA}/${space}/manifest.jsonl`).map((m) => [m.id, m]));
  const cache = new Map<string, Cached>();
  for (const c of jsonl<Cached>(file)) cache.set(c.id, c);
  const rows: { m: Manifest; p: Cached }[] = [];
  let skipped = 0;
  const seconds: number[] = [];
  const settings = new Set<string>();
  for (const [id, p] of cache) {
    const m = man.get(id);
    if (!m) continue;
    settings.add(`${p.version} ${JSON.stringify(p.settings)}`);
    if (p.proxies === null) { skipped++; continue; }
    seconds.push(p.seconds);
    rows.push({ m, p });
  }
  return { rows, settings: [...settings].join('; '), skipped, seconds };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1]! : NaN; };

/** Training-free aggregate for reference: sum of within-set ranks (higher = better). */
function rankSum(cols: readonly (readonly number[])[]): number[] {
  const r = cols.map((c) => ranks(c));
  return cols[0]!.map((_, i) => r.reduce((a, x) => a + x[i]!, 0));
}

const OURS = [...PROXY_NAMES];

/**
 * A missing value ranks lowest: our NASWOT is null (singular kernel) exactly for cells whose
 * output ignores the input (NB201 accuracy 10 %), and NASLib stores NaN for the same cells.
 * Left as NaN they would corrupt the ranking (NaN compares false with everything).
 */
function lowestForMissing(xs: readonly (number | null | undefined)[]): number[] {
  const finite = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const floor = finite.length > 0 ? Math.min(...finite) - 1 : 0;
  return xs.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : floor));
}
const out: string[] = [];
const print = (s = '') => out.push(s);

/** NASWOT and SWAP mean something only with the full 16 samples; the predictor masks them otherwise (asPredicted). */
const SAMPLE_DEPENDENT = new Set(['naswot', 'swap', 'swap_reg', 'rank sum naswot+meco+MACs']);

function table(title: string, targets: readonly string[], cols: Record<string, readonly number[]>, ys: Record<string, readonly number[]>, n: number, samples?: readonly number[]): void {
  const full = samples ? samples.map((x, i) => (x === 16 ? i : -1)).filter((i) => i >= 0) : null;
  const partial = full !== null && full.length < n;
  print(`**${title}** (n = ${n}${partial ? `; ${n - full.length} models above 2.5 G MACs ran 2 samples, so NASWOT, SWAP and the rank sum are over the ${full.length} that ran 16` : ''})`);
  print();
  print(`| signal | ${targets.join(' | ')} |`);
  print(`|---|${targets.map(() => '---:').join('|')}|`);
  for (const [name, xs] of Object.entries(cols)) {
    const pick = partial && SAMPLE_DEPENDENT.has(name) ? full : null;
    const rho = (t: string) => (pick ? spearmanRho(pick.map((i) => xs[i]!), pick.map((i) => ys[t]![i]!)) : spearmanRho(xs, ys[t]!));
    print(`| ${name}${pick ? ` (n = ${pick.length})` : ''} | ${targets.map((t) => f3(rho(t))).join(' | ')} |`);
  }
  print();
}

function ourCols(rows: readonly { m: Manifest; p: Cached }[]): Record<string, number[]> {
  const cols: Record<string, number[]> = {};
  for (const k of OURS) cols[k] = lowestForMissing(rows.map((r) => r.p.proxies![k] ?? null));
  cols['params'] = rows.map((r) => r.m.params);
  cols['MACs'] = rows.map((r) => r.m.macs);
  cols['rank sum naswot+meco+MACs'] = rankSum([cols['naswot']!, cols['meco']!, cols['MACs']!]);
  return cols;
}

// ---------------- NB201 ----------------
const nb201 = load('nb201');
const T201 = ['cifar10', 'cifar100', 'imagenet16-120'];
print(`## NB201`);
print();
print(`Cache: ${nb201.rows.length} archs with proxies, ${nb201.skipped} skipped; ${nb201.settings}; median ${median(nb201.seconds).toFixed(3)} s per arch as cached.`);
print();
if (nb201.rows.length > 0) {
  table('All cached NB201 cells, 200-epoch test accuracy (manifest labels)', T201, ourCols(nb201.rows),
    Object.fromEntries(T201.map((t) => [t, nb201.rows.map((r) => r.m.labels[t]!)])), nb201.rows.length);
}

// NASLib 725 samples: key "(a,b,c,d,e,f)" over edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4).
const NASLIB_OPS = ['skip_connect', 'none', 'nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3'];
function naslibArch(key: string): string {
  const t = key.replace(/[() ]/g, '').split(',').map(Number).map((i) => NASLIB_OPS[i]!);
  return `|${t[0]}~0|+|${t[1]}~0|${t[3]}~1|+|${t[2]}~0|${t[4]}~1|${t[5]}~2|`;
}
const zc201Path = `${NASLIB}/zc_nasbench201.json`;
if (existsSync(zc201Path) && nb201.rows.length > 0) {
  type Rec = { val_accuracy: number } & Record<string, { score: number } | number | string>;
  const zc = JSON.parse(pythonJson(readFileSync(zc201Path, 'utf8'))) as Record<string, Record<string, Rec>>;
  const byArch = new Map(nb201.rows.map((r) => [r.m.arch, r]));
  const sets: Record<string, string> = { cifar10: 'cifar10', cifar100: 'cifar100', 'ImageNet16-120': 'imagenet16-120' };
  const keys = Object.keys(zc['cifar10'] ?? {}).filter((k) => byArch.has(naslibArch(k)) && Object.keys(sets).every((s) => zc[s]?.[k]));
  const rows = keys.map((k) => byArch.get(naslibArch(k))!);
  const cols = ourCols(rows);
  const theirs = ['nwot', 'synflow', 'jacov', 'snip', 'grad_norm', 'epe_nas', 'params', 'flops'];
  for (const p of theirs) cols[`NASLib ${p}`] = lowestForMissing(keys.map((k) => (zc['cifar10']![k]![p] as { score: number | null } | null | undefined)?.score));
  const ys = Object.fromEntries(Object.entries(sets).map(([s, t]) => [t, keys.map((k) => zc[s]![k]!.val_accuracy)]));
  print(`NASLib Suite-Zero samples mapped to our cells: ${keys.length} of ${Object.keys(zc['cifar10'] ?? {}).length} (all three datasets present).`);
  print();
  table("NASLib's 725 NB201 samples, their val_accuracy (NASLib proxies: PyTorch, real CIFAR-10 images, BN in train mode)", T201, cols, ys, keys.length);
  print(`ρ(our naswot, NASLib nwot) = ${f3(spearmanRho(cols['naswot']!, cols['NASLib nwot']!))}; ρ(our meco, NASLib nwot) = ${f3(spearmanRho(cols['meco']!, cols['NASLib nwot']!))}; ρ(our naswot, params) = ${f3(spearmanRho(cols['naswot']!, cols['params']!))}.`);
  print();
}

// ---------------- NB201, an older version beside this one ----------------
if (argv.includes('--old') && nb201.rows.length > 0) {
  const old = load('nb201', opt('--old', ''));
  const oldBy = new Map(old.rows.map((r) => [r.m.id, r]));
  const common = nb201.rows.filter((r) => oldBy.has(r.m.id));
  const versions = (rows: readonly { p: Cached }[]) => [...new Set(rows.map((r) => r.p.version))].join(', ');
  const side = (title: string, rowsNew: typeof common, ys: Record<string, readonly number[]>) => {
    const rowsOld = rowsNew.map((r) => oldBy.get(r.m.id)!);
    const a = ourCols(rowsOld);
    const b = ourCols(rowsNew);
    print(`**${title}** (n = ${rowsNew.length}; ρ cifar10 / cifar100 / imagenet16-120)`);
    print();
    print(`| signal | ${versions(rowsOld)} | ${versions(rowsNew)} | change (worst target) |`);
    print('|---|---|---|---:|');
    for (const k of [...OURS, 'rank sum naswot+meco+MACs']) {
      const ra = T201.map((t) => spearmanRho(a[k]!, ys[t]!));
      const rb = T201.map((t) => spearmanRho(b[k]!, ys[t]!));
      const worst = Math.min(...rb.map((x, i) => x - ra[i]!));
      print(`| ${k} | ${ra.map(f3).join(' / ')} | ${rb.map(f3).join(' / ')} | ${worst >= 0 ? '+' : ''}${worst.toFixed(3)} |`);
    }
    print();
  };
  print(`## NB201: ${versions(old.rows)} against ${versions(nb201.rows)}`);
  print();
  side('Cells both caches hold, 200-epoch test accuracy', common, Object.fromEntries(T201.map((t) => [t, common.map((r) => r.m.labels[t]!)])));
  if (existsSync(zc201Path)) {
    const zc = JSON.parse(pythonJson(readFileSync(zc201Path, 'utf8'))) as Record<string, Record<string, { val_accuracy: number }>>;
    const sets: Record<string, string> = { cifar10: 'cifar10', cifar100: 'cifar100', 'ImageNet16-120': 'imagenet16-120' };
    const byArch = new Map(common.map((r) => [r.m.arch, r]));
    const keys = Object.keys(zc['cifar10'] ?? {}).filter((k) => byArch.has(naslibArch(k)) && Object.keys(sets).every((x) => zc[x]?.[k]));
    const rows = keys.map((k) => byArch.get(naslibArch(k))!);
    side("NASLib's Suite-Zero NB201 samples among them, their val_accuracy", rows, Object.fromEntries(Object.entries(sets).map(([x, t]) => [t, keys.map((k) => zc[x]![k]!.val_accuracy)])));
  }
}

// ---------------- NB101 ----------------
const nb101 = load('nb101');
print(`## NB101`);
print();
print(`Cache: ${nb101.rows.length} archs with proxies, ${nb101.skipped} skipped; ${nb101.settings || 'none'}; median ${median(nb101.seconds).toFixed(3)} s per arch as cached.`);
print();
if (nb101.rows.length > 0) {
  table('All cached NB101 cells, 108-epoch validation accuracy (manifest labels)', ['cifar10'], ourCols(nb101.rows), { cifar10: nb101.rows.map((r) => r.m.labels['cifar10']!) }, nb101.rows.length, nb101.rows.map((r) => r.p.samples));
  const zc101Path = `${NASLIB}/zc_nasbench101.json`;
  if (existsSync(zc101Path)) {
    const zc = (JSON.parse(pythonJson(readFileSync(zc101Path, 'utf8'))) as { nasbench101: { cifar10: Record<string, Record<string, number>> } }).nasbench101.cifar10;
    const CODES: Nb101Label[] = ['input', 'output', 'maxpool3x3', 'conv1x1-bn-relu', 'conv3x3-bn-relu'];
    const byHash = new Map(nb101.rows.map((r) => [r.m.arch, r]));
    const matched: { r: { m: Manifest; p: Cached }; z: Record<string, number> }[] = [];
    for (const [key, z] of Object.entries(zc)) {
      const v = key.replace(/[() ]/g, '').split(',').map(Number);
      const matrix = Array.from({ length: 7 }, (_, i) => v.slice(i * 7, i * 7 + 7) as (0 | 1)[]);
      const spec: Nb101Spec = { matrix, ops: v.slice(49).map((c) => CODES[c]!) };
      try {
        const r = byHash.get(hashSpec(pruneSpec(spec)));
        if (r) matched.push({ r, z });
      } catch {
        // An invalid spec in their file: not matched.
      }
    }
    if (matched.length > 0) {
      const cols = ourCols(matched.map((x) => x.r));
      for (const p of ['synflow', 'jacov', 'snip', 'params', 'flops']) cols[`NASLib ${p}`] = lowestForMissing(matched.map((x) => x.z[p]));
      table(`NASLib's NB101 samples (${matched.length} of ${Object.keys(zc).length} matched), their val_accuracy`, ['cifar10'], cols, { cifar10: matched.map((x) => x.z['val_accuracy']!) }, matched.length);
    }
  }
}

for (const space of ['accel', 'transnas-micro']) {
  const s = load(space);
  if (s.rows.length === 0) continue;
  const targets = Object.keys(s.rows[0]!.m.labels);
  print(`## ${space}`);
  print();
  print(`Cache: ${s.rows.length} archs with proxies, ${s.skipped} skipped; ${s.settings}; median ${median(s.seconds).toFixed(3)} s per arch.`);
  print();
  const ok = s.rows.filter((r) => targets.every((t) => Number.isFinite(r.m.labels[t])));
  table(`All cached ${space} archs`, targets, ourCols(ok), Object.fromEntries(targets.map((t) => [t, ok.map((r) => r.m.labels[t]!)])), ok.length, ok.map((r) => r.p.samples));
}

process.stdout.write(`${out.join('\n')}\n`);

/**
 * A thin wrapper over the product's proxy cache (src/proxies/cache.ts, `onnx-predict dataset
 * proxies <dir>`) for this repository's own runs: NB201 cells of NASLib's Suite-Zero samples
 * first (what scripts/proxies-check.ts compares with), a log file, and `--export` to write the
 * committed form (datasets/proxies/<space>.<version>.jsonl.gz).
 *
 *   npx tsx scripts/proxies-cache.ts data/nb201 [--workers N] [--limit N] [--log out/proxies-nb201.log]
 *   npx tsx scripts/proxies-cache.ts data/nb201 --export     # after a complete run
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cacheProxies, committedPath, exportCommitted } from '../src/proxies/cache.ts';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (k: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
const dir = argv[0]?.startsWith('--') ? undefined : argv[0]?.replace(/\/$/, '');
if (!dir) throw new Error('usage: proxies-cache.ts <data/space> [--workers N] [--limit N] [--log file] [--export]');

const NASLIB_NB201 = '../shared/data/naslib_suite_zero_samples/zc_nasbench201.json';
const NASLIB_OPS = ['skip_connect', 'none', 'nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3'];
/** NASLib's NB201 key "(a,b,c,d,e,f)" (edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4)) as the NB201 arch string. */
function naslibArch(key: string): string {
  const t = key.replace(/[() ]/g, '').split(',').map(Number).map((i) => NASLIB_OPS[i]!);
  return `|${t[0]}~0|+|${t[1]}~0|${t[3]}~1|+|${t[2]}~0|${t[4]}~1|${t[5]}~2|`;
}

if (argv.includes('--export')) {
  const space = (JSON.parse(readFileSync(`${dir}/manifest.jsonl`, 'utf8').split('\n')[0]!) as { space: string }).space;
  const file = fileURLToPath(committedPath(space));
  process.stdout.write(`${JSON.stringify({ file, rows: exportCommitted(dir, file) })}\n`);
} else {
  const first = new Set<string>();
  const rows = readFileSync(`${dir}/manifest.jsonl`, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { id: string; space: string; arch?: string });
  if (rows[0]?.space === 'nb201' && existsSync(NASLIB_NB201)) {
    const zc = JSON.parse(readFileSync(NASLIB_NB201, 'utf8').replace(/\bNaN\b|-?\bInfinity\b/g, 'null')) as Record<string, Record<string, unknown>>;
    const archs = new Set(Object.keys(zc['cifar10'] ?? {}).map(naslibArch));
    for (const r of rows) if (r.arch !== undefined && archs.has(r.arch)) first.add(r.id);
  }
  const logFile = opt('--log');
  const log = (m: string) => { const line = `${new Date().toISOString()} ${m}\n`; if (logFile) appendFileSync(logFile, line); else process.stderr.write(line); };
  let last = 0;
  const summary = await cacheProxies({
    dir,
    ...(opt('--workers') ? { workers: Number(opt('--workers')) } : {}),
    ...(opt('--limit') ? { limit: Number(opt('--limit')) } : {}),
    first,
    onLog: log,
    onProgress: (p) => {
      if (p.done - last < 200 && p.done !== p.todo) return;
      last = p.done;
      log(`${p.done}/${p.todo} (${p.skipped} skipped), eta ${p.etaSeconds === null ? '?' : (p.etaSeconds / 60).toFixed(1)} min`);
    },
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/**
 * Builds the web page (web/) into dist/web/: index.html, app.js (the page and Observable Plot,
 * bundled and minified by esbuild), app.css and examples/ (the bundled example models). Run by `npm run build:web`, which `npm ci` runs
 * through `prepare`. Deterministic: the same sources and lockfile give the same bytes.
 *
 *   npx tsx scripts/build-web.ts [--out DIR]
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WEB_EXAMPLES } from '../src/server/examples.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 && process.argv[outFlag + 1] !== undefined ? process.argv[outFlag + 1]! : join(root, 'dist', 'web');
// Build next to the target and swap, so a server never reads a half-written page.
const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
const t0 = performance.now();
await build({
  entryPoints: { app: join(root, 'web', 'app.ts') },
  outdir: tmp,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  platform: 'browser',
  legalComments: 'eof',
  logLevel: 'warning',
  charset: 'utf8',
});
const html = readFileSync(join(root, 'web', 'index.html'), 'utf8');
if (!html.includes('{{PAGE_CONFIG}}')) throw new Error('web/index.html lost its {{PAGE_CONFIG}} placeholder');
copyFileSync(join(root, 'web', 'index.html'), join(tmp, 'index.html'));
// The page's "Try the examples" models (src/server/examples.ts), from the repository's fixtures.
mkdirSync(join(tmp, 'examples'));
for (const e of WEB_EXAMPLES) copyFileSync(join(root, e.source), join(tmp, 'examples', e.file));
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, '..'), { recursive: true });
renameSync(tmp, out);
const size = (f: string) => statSync(join(out, f)).size;
process.stdout.write(`web page built in ${Math.round(performance.now() - t0)} ms: ${out} (app.js ${size('app.js')} B, app.css ${size('app.css')} B, index.html ${size('index.html')} B)\n`);

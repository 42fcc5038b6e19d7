/**
 * The package as a user gets it: the sources copied to a scratch folder, compiled there with
 * tsconfig.build.json (the checkout is left untouched), packed with `npm pack`, and installed
 * from the tarball into an empty project with no dev dependencies. Used by test/package.test.ts
 * and bench/cold-start.ts.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What `npm pack` needs from the checkout; build outputs are made fresh, never copied. */
const COPY = ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src', 'datasets', 'bin', 'models', 'docs', 'dist/web'];
const GENERATED = /\.(js|d\.ts)$/;

/**
 * The one line a consumer adds to its package.json so onnxruntime-node's postinstall (which
 * fetches CUDA files when it is installed as a dependency) does not run (README "Install").
 */
export const CONSUMER_ALLOW_SCRIPTS = Object.freeze({ 'onnxruntime-node': false });

export interface Built {
  readonly dir: string;
  readonly seconds: number;
}

/**
 * Copies the sources to `dir` and compiles them there (JS + .d.ts next to each .ts).
 * `check: false` skips type checking (tsc --noCheck): the emitted files are the same, in half the
 * time; `npm run typecheck` and the linter check the types.
 */
export async function buildCopy(dir: string, options: { check?: boolean } = {}): Promise<Built> {
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  for (const p of COPY) {
    const from = join(ROOT, p);
    if (!existsSync(from)) continue;
    // Skip outputs of an in-place build in the checkout, but keep the tracked bin shim.
    cpSync(from, join(dir, p), { recursive: true, filter: (src) => !GENERATED.test(src) || src.endsWith(join('bin', 'onnx-predict.js')) || src.includes(join('dist', 'web')) });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const tsc = [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.build.json'), ...(options.check === false ? ['--noCheck'] : [])];
  await run(process.execPath, tsc, { cwd: dir, maxBuffer: 16 << 20 });
  return { dir, seconds: (performance.now() - t0) / 1000 };
}

export interface Packed {
  readonly tarball: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

/** `npm pack` of a built copy (its build already done, so lifecycle scripts are skipped). */
export async function pack(dir: string, dest: string): Promise<Packed> {
  mkdirSync(dest, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: dir, maxBuffer: 64 << 20 });
  const [info] = JSON.parse(stdout) as { filename: string; size: number; files: { path: string }[] }[];
  return { tarball: join(dest, info!.filename), files: info!.files.map((f) => f.path), bytes: info!.size };
}

/** An empty ESM project with the consumer's one package.json line, then `npm install <tarball>` without dev dependencies. */
export async function installInto(consumer: string, tarball: string): Promise<number> {
  const t0 = performance.now();
  mkdirSync(consumer, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: CONSUMER_ALLOW_SCRIPTS }, null, 2)}\n`);
  // --prefer-offline: packages already in npm's cache (the checkout's own `npm ci`) are not fetched again.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', tarball], { cwd: consumer, maxBuffer: 16 << 20, env: { ...process.env, npm_config_loglevel: 'error' } });
  return (performance.now() - t0) / 1000;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The README's "As a library" example, exactly as written there. */
export function readmeLibraryExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /As a library:\s*```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no "As a library:" ts block');
  return m[1]!;
}

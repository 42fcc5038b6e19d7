/**
 * The npm package as a user installs it (issue 11.3): sources compiled in a scratch copy, packed,
 * installed from the tarball into an empty project with no dev dependencies and only the one
 * documented package.json line (`allowScripts`: onnxruntime-node's postinstall off); then the library is imported from plain `node` (no tsx), the README's
 * library example runs as written, and the installed `onnx-predict` bin answers --version, stats
 * and a prediction. Types are checked with @arethetypeswrong/cli and by compiling a consumer file.
 * About 1.5 min on 2 busy cores, most of it `npm install` unpacking onnxruntime-node.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.ts';
import { loadModelFile, stats } from '../src/inspect.ts';
import { buildCopy, installInto, pack, packageVersion, readmeLibraryExample, ROOT, type Packed } from './helpers/package.ts';

const exec = promisify(execFile);
const FIXTURE = join(ROOT, 'test', 'fixtures', 'models', 'resnet18.onnx');

let scratch: string;
let consumer: string;
let packed: Packed;
const timings: Record<string, number> = {};

/** Runs a command in the consumer project; never through tsx, with a clean environment for our variables. */
async function inConsumer(file: string, args: readonly string[], timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.ONNX_PREDICT_COMPILED;
  try {
    const { stdout, stderr } = await exec(file, args, { cwd: consumer, env, timeout, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const bin = () => join(consumer, 'node_modules', '.bin', 'onnx-predict');

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'onnx-predict-package-'));
  consumer = join(scratch, 'consumer');
  const built = await buildCopy(join(scratch, 'build'), { check: false });
  timings.build = built.seconds;
  const t0 = performance.now();
  packed = await pack(built.dir, scratch);
  timings.pack = (performance.now() - t0) / 1000;
  timings.install = await installInto(consumer, packed.tarball);
  copyFileSync(FIXTURE, join(consumer, 'resnet18.onnx'));
}, 400_000);

afterAll(() => {
  process.stdout.write(`package test: build ${timings.build?.toFixed(1)} s, pack ${timings.pack?.toFixed(1)} s (${((packed?.bytes ?? 0) / 1e6).toFixed(1)} MB), install ${timings.install?.toFixed(1)} s\n`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('carries compiled JS, types, the bin, the vendored models and the label tables, and no TypeScript sources', () => {
    const files = new Set(packed.files);
    for (const f of ['package.json', 'bin/onnx-predict.js', 'bin/cli.js', 'src/index.js', 'src/index.d.ts', 'datasets/index.js', 'datasets/index.d.ts',
      'datasets/nb201/nb201.csv', 'datasets/nb101/nb101.csv', 'datasets/accel/labels.tsv', 'datasets/transnas/labels.tsv', 'datasets/timm/labels.tsv', 'datasets/nb201-ninapro/nb201_nb360_labels.csv.gz',
      'models/predictors/default/predictor.json']) {
      expect(files.has(f), f).toBe(true);
    }
    expect(packed.files.some((f) => f.startsWith('models/encoders/') && f.endsWith('onnx/model_quantized.onnx'))).toBe(true);
    // The web page is built by `npm ci` (prepare) or `npm run build`; when the checkout has it, the tarball carries it.
    if (existsSync(join(ROOT, 'dist', 'web', 'index.html'))) expect(files.has('dist/web/index.html')).toBe(true);
    expect(packed.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(packed.files.filter((f) => f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);
  });

  it('installs without dev dependencies: no tsx, no typescript, no vitest', () => {
    const installed = readdirSync(join(consumer, 'node_modules'));
    expect(installed).toContain('onnx-predict');
    expect(installed).not.toContain('tsx');
    expect(installed).not.toContain('typescript');
    expect(installed).not.toContain('vitest');
  });
});

describe('the library from plain node', () => {
  it('imports the face and the datasets entry, and reads a model', async () => {
    const code = [
      "import * as op from 'onnx-predict';",
      "import { registerDatasetSpaces } from 'onnx-predict/datasets';",
      'registerDatasetSpaces(op.spaces);',
      "const s = op.stats(await op.loadModelFile('resnet18.onnx'));",
      'console.log(JSON.stringify({ version: op.VERSION, params: s.params, spaces: op.spaces.names(), fns: [typeof op.loadPredictor, typeof op.predictFile, typeof op.describeModel] }));',
    ].join('\n');
    const r = await inConsumer(process.execPath, ['--input-type=module', '-e', code]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { version: string; params: number; spaces: string[]; fns: string[] };
    expect(out.version).toBe(packageVersion());
    expect(out.params).toBe(stats(await loadModelFile(FIXTURE)).params);
    expect(out.spaces).toEqual(expect.arrayContaining(['nb201', 'nb101', 'timm']));
    expect(out.fns).toEqual(['function', 'function', 'function']);
  });

  it("runs the README's library example as written", async () => {
    writeFileSync(join(consumer, 'example.mjs'), readmeLibraryExample());
    const r = await inConsumer(process.execPath, ['example.mjs']);
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^11680872 /);
    expect(r.stdout).toMatch(/accuracy/);
  });

  it('type-checks a consumer file against the shipped .d.ts (and @arethetypeswrong/cli finds no problem)', async () => {
    writeFileSync(join(consumer, 'example.ts'), `${readmeLibraryExample()}\nconst n: number = stats(model).params;\nexport { n };\n`);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, noEmit: true, types: [] }, files: ['example.ts'] }));
    const r = await inConsumer(process.execPath, [tsc, '-p', 'tsconfig.json']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
    const attw = await inConsumer(process.execPath, [join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'), packed.tarball, '--profile', 'esm-only', '--format', 'json']);
    expect(attw.code, attw.stdout.slice(0, 2000)).toBe(0);
  });
});

describe('the installed onnx-predict bin', () => {
  it('--version prints the package version', async () => {
    expect(VERSION).toBe(packageVersion());
    const r = await inConsumer(bin(), ['--version']);
    expect(r).toEqual({ code: 0, stdout: `${packageVersion()}\n`, stderr: '' });
  });

  it('stats on a fixture matches the sources', async () => {
    const r = await inConsumer(bin(), ['stats', 'resnet18.onnx', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { params: number; macs: number };
    const expected = stats(await loadModelFile(FIXTURE));
    expect([report.params, report.macs]).toEqual([expected.params, expected.macs]);
  });

  it('builds an NB201 graph from the shipped label table and predicts it', async () => {
    const built = await inConsumer(bin(), ['dataset', 'build', 'nb201', '--out', 'nb201', '--limit', '1', '--seed', '3']);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const file = readdirSync(join(consumer, 'nb201')).find((f) => f.endsWith('.onnx'))!;
    const r = await inConsumer(bin(), [join('nb201', file), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { predictions: Record<string, { accuracy: number }> };
    expect(Object.keys(report.predictions)).toContain('cifar10');
    expect(report.predictions.cifar10!.accuracy).toBeGreaterThan(0);
  });
});

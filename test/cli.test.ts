/**
 * CLI output snapshots (issue 11.6): each case records the command, its exit code, stdout and
 * stderr in test/golden/cli/<name>.txt. `UPDATE_GOLDEN=1 npx vitest run test/cli.test.ts`
 * rewrites them; review the diff. Cases run `main()` in-process (the same code the bin runs,
 * with captured streams) so the file stays fast; what only a process shows (the bin, EPIPE on a
 * closed pipe) is spawned. Predictions are snapshotted by their format, not their numbers:
 * accuracies, distances and neighbours are masked and --json is reduced to its shape, so
 * retraining the shipped predictor does not break them (a new field or line does).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Help } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, registerDatasetSpaces } from '../datasets/index.ts';
import { COMMANDS } from '../src/cli/commands.ts';
import { main } from '../src/cli/main.ts';
import { GraphBuilder } from '../src/onnx-to-text/writer.ts';
import { VERSION } from '../src/version.ts';
import { BIN, runCli } from './helpers/cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOLDEN = join(ROOT, 'test', 'golden', 'cli');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const FIXTURES = 'test/fixtures/models';

registerDatasetSpaces();

let tmp: string;
let nb201: string;
let big: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'onnx-predict-cli-'));
  await buildDataset('nb201', { out: join(tmp, 'nb201'), limit: 1, seed: 3 });
  nb201 = join(tmp, 'nb201', readdirSync(join(tmp, 'nb201')).find((f) => f.endsWith('.onnx'))!);
  writeFileSync(join(tmp, 'random.onnx'), Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256));
  // A long chain: its chain_slim text is far larger than a pipe's 64 KiB buffer.
  const b = new GraphBuilder();
  let x = b.input('x', [1, 8]);
  for (let i = 0; i < 4000; i++) x = b.op(i % 2 === 0 ? 'Relu' : 'Sigmoid', [x]);
  b.node('Identity', [x], {}, { outputs: ['y'] });
  b.output('y', [1, 8]);
  big = join(tmp, 'chain.onnx');
  writeFileSync(big, b.toBytes());
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function inProcess(args: readonly string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}

/** Paths that differ between machines become placeholders. */
function portable(s: string): string {
  return s.split(tmp).join('<tmp>').split(ROOT).join('');
}

/** A prediction's format without its numbers (which change whenever the predictor is retrained). */
function predictionFormat(s: string): string {
  return s
    .split('\n')
    .map((line) => {
      if (/^ {4}\S+ \(\S+, distance [\d.]+\) /.test(line)) return '    <neighbour> (<space>, distance #) <arch>: <accuracies>';
      // A warning's sentence carries measured distances and coverages.
      if (/^ {2}warning: /.test(line)) return line.replace(/-?\d+(\.\d+)?/g, '#');
      // Proxy values come from onnxruntime runs (float rounding may differ between machines) and the line carries a time.
      if (/^ {2}zero-cost proxies/.test(line)) return line.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, '#');
      return line.replace(/-?\d+\.\d+%/g, '#%');
    })
    .join('\n');
}

/** The JSON's shape: keys and value types, the first element standing for each array. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v === null) return null;
  if (typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return typeof v;
}

function render(command: string, r: Result): string {
  return `$ ${command}\nexit: ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

function golden(name: string, text: string): void {
  const file = join(GOLDEN, `${name}.txt`);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
    if (!UPDATE) throw new Error(`${file} did not exist and was written: review it, then run the test again`);
    return;
  }
  expect(text, `${name}: UPDATE_GOLDEN=1 rewrites test/golden/cli/${name}.txt`).toBe(readFileSync(file, 'utf8'));
}

type Post = (r: Result) => Result;
const asFormat: Post = (r) => ({ ...r, stdout: predictionFormat(r.stdout) });
/** A batch summary without numbers or times (column widths stay as the real numbers made them). */
const asBatch: Post = (r) => ({ ...r, stdout: r.stdout.replace(/-?\d+\.\d+/g, '#') });
const asShape: Post = (r) => ({ ...r, stdout: r.code === 0 ? `${JSON.stringify(shape(JSON.parse(r.stdout)), null, 2)}\n` : r.stdout });

/** name, argv (with <nb201>, <tmp> placeholders), post-processing. */
const CASES: readonly [string, string[], Post?][] = [
  ['help', ['--help']],
  ['help-predict', ['predict', '--help']],
  ['help-stats', ['help', 'stats']],
  ['help-describe', ['describe', '--help']],
  ['help-dataset-build', ['dataset', 'build', '--help']],
  ['version', ['--version']],
  ['stats', ['stats', `${FIXTURES}/resnet18.onnx`]],
  ['stats-json', ['stats', `${FIXTURES}/mobilenet_v3_small.onnx`, '--json']],
  ['describe', ['describe', `${FIXTURES}/resnet18.onnx`]],
  ['describe-chain-slim', ['describe', `${FIXTURES}/efficientnet_b0.onnx`, '--mode', 'chain_slim', '--max-chars', '600']],
  ['predict', ['<nb201>'], asFormat],
  ['predict-target', ['predict', '<nb201>', '--target', 'cifar100', '-k', '1'], asFormat],
  ['predict-json', ['<nb201>', '--json'], asShape],
  ['predict-known-architecture', [`${FIXTURES}/resnet18.onnx`], asFormat],
  ['predict-known-architecture-all-targets', [`${FIXTURES}/resnet18.onnx`, '--all-targets', '--no-proxies', '-k', '1'], asFormat],
  ['predict-known-architecture-json', [`${FIXTURES}/resnet18.onnx`, '--json', '--no-proxies', '-k', '1'], asShape],
  ['predict-warning', [`${FIXTURES}/vit_b_16.onnx`, '--no-proxies', '-k', '0'], asFormat],
  ['predict-warning-verbose', [`${FIXTURES}/vit_b_16.onnx`, '--no-proxies', '-k', '0', '--verbose'], asFormat],
  ['batch-fixtures', ['batch', FIXTURES, '--out', '<tmp>/zoo.csv', '--no-proxies', '-j', '1'], asBatch],
  ['batch-fixtures-target', ['batch', FIXTURES, '--out', '<tmp>/zoo.csv', '--resume', '--target', 'cifar10', '--top', '3'], asBatch],
  ['error-bad-report', ['batch', FIXTURES, '--out', '<tmp>/zoo2.csv', '--report', '<tmp>/zoo.pdf']],
  ['error-no-command', []],
  ['error-missing-file', ['stats', '<tmp>/nope.onnx']],
  ['error-not-onnx', ['describe', '<tmp>/random.onnx']],
  ['error-directory', ['stats', '<tmp>']],
  ['error-missing-argument', ['stats']],
  ['error-unknown-option', ['stats', `${FIXTURES}/resnet18.onnx`, '--bogus']],
  ['error-bad-mode', ['describe', `${FIXTURES}/resnet18.onnx`, '--mode', 'poetry']],
  ['error-bad-integer', ['describe', `${FIXTURES}/resnet18.onnx`, '--max-chars', '12abc']],
  ['error-bad-neighbors', ['<nb201>', '-k', '-1']],
  ['error-unknown-target', ['<nb201>', '--target', 'mnist']],
  ['error-unknown-space', ['dataset', 'build', 'nb999', '--out', '<tmp>/x']],
];

describe('CLI golden files (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const [name, argv, post] of CASES) {
    it(name, async () => {
      const args = argv.map((a) => a.replace('<nb201>', nb201).replace('<tmp>', tmp));
      const r = await inProcess(args);
      const shown = post ? post(r) : r;
      golden(name, portable(render(['onnx-predict', ...args].join(' '), shown)));
    });
  }
});

describe('exit codes and streams', () => {
  it('every error case exits non-zero with one line on stderr and nothing on stdout', async () => {
    for (const [name, argv] of CASES.filter(([n]) => n.startsWith('error-') && n !== 'error-no-command')) {
      const r = await inProcess(argv.map((a) => a.replace('<nb201>', nb201).replace('<tmp>', tmp)));
      expect(r.code, name).toBeGreaterThan(0);
      expect(r.stdout, name).toBe('');
      expect(r.stderr.trimEnd().split('\n'), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(/^onnx-predict: /);
    }
  });

  it('--debug adds the stack trace', async () => {
    const r = await inProcess(['stats', join(tmp, 'random.onnx'), '--debug']);
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n').length).toBeGreaterThan(3);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('the command table', () => {
  it("lists each command with the usage and description its module registers", async () => {
    for (const entry of COMMANDS) {
      const program = new Command('onnx-predict');
      (await entry.load())(program, { stdout: () => {}, stderr: () => {} });
      const cmd = program.commands.find((c) => c.name() === entry.name);
      expect(cmd, entry.name).toBeDefined();
      expect(new Help().subcommandTerm(cmd!), entry.name).toBe(entry.usage === '' ? entry.name : `${entry.name} ${entry.usage}`);
      expect(cmd!.description(), entry.name).toBe(entry.description);
    }
  });

  it('names are unique', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });
});

describe('the bin, as a process', () => {
  it('--version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('`describe … | head -1`: a reader that goes away ends the process quietly with exit 0', async () => {
    const r = await new Promise<{ code: number | null; stderr: string; got: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'describe', big, '--mode', 'chain_slim', '--max-chars', '100000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let got = 0;
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      // Like `head -1`: read the first chunk, then close our end of the pipe.
      child.stdout.once('data', (d: Buffer) => {
        got = d.length;
        child.stdout.destroy();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, got }));
    });
    expect(r.got).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

/**
 * Benchmark: read + profile a large ONNX export WITH weights (default: the ResNet-50 written by
 * scripts/export-fixtures/export.py to .cache/profile/full/resnet50.onnx).
 *
 *   npx tsx bench/stats.ts [file.onnx] [--runs 5]
 *
 * Each measurement runs in a fresh child process so peak RSS (`process.resourceUsage().maxRSS`)
 * belongs to that step alone: `node` (the runtime and loader, nothing read), `bytes` (only
 * reading the file), `profile` (read + readModel + profileModel). Budget (docs/PROFILE.md):
 * readModel + profileModel ≤ 1 s, and peak RSS above the bare runtime ≤ 1.5 × file size.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Step = 'node' | 'bytes' | 'profile';

interface Sample {
  step: Step;
  maxRssBytes: number;
  readMs: number;
  parseMs: number;
  profileMs: number;
  nodes?: number;
  macs?: number;
}

async function child(step: Step, file: string): Promise<void> {
  let readMs = 0, parseMs = 0, profileMs = 0;
  const out: Partial<Sample> = {};
  if (step !== 'node') {
    const t0 = performance.now();
    const bytes = readFileSync(file);
    readMs = performance.now() - t0;
    if (step === 'profile') {
      const { readModel } = await import('../src/onnx-to-text/reader.ts');
      const { profileModel } = await import('../src/onnx-to-text/profile.ts');
      const t1 = performance.now();
      const model = readModel(bytes);
      parseMs = performance.now() - t1;
      const t2 = performance.now();
      const p = profileModel(model);
      profileMs = performance.now() - t2;
      out.nodes = p.totals.nodes;
      out.macs = p.totals.macs;
    } else if (bytes.length === 0) {
      throw new Error('empty file');
    }
  } else {
    // Load the same modules so the runtime baseline includes their code.
    await import('../src/onnx-to-text/reader.ts');
    await import('../src/onnx-to-text/profile.ts');
  }
  const sample: Sample = { step, maxRssBytes: process.resourceUsage().maxRSS * 1024, readMs, parseMs, profileMs, ...out };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

function run(step: Step, file: string): Sample {
  const self = fileURLToPath(import.meta.url);
  const stdout = execFileSync(process.execPath, [...process.execArgv, self, '--child', step, file], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1] as Step, args[2]!);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  const file = args.find((a, i) => !a.startsWith('--') && (runsAt < 0 || i !== runsAt + 1)) ?? '.cache/profile/full/resnet50.onnx';
  if (!existsSync(file)) {
    console.error(`${file} not found: run python3 scripts/export-fixtures/export.py --only resnet50 first`);
    process.exitCode = 2;
    return;
  }
  const size = statSync(file).size;
  const samples: Record<Step, Sample[]> = { node: [], bytes: [], profile: [] };
  for (let i = 0; i < runs; i++) for (const step of ['node', 'bytes', 'profile'] as const) samples[step].push(run(step, file));
  const rss = (s: Step) => median(samples[s].map((x) => x.maxRssBytes));
  const parse = median(samples.profile.map((x) => x.parseMs));
  const prof = median(samples.profile.map((x) => x.profileMs));
  const total = median(samples.profile.map((x) => x.parseMs + x.profileMs));
  const over = rss('profile') - rss('node');
  console.log(`file ${file}: ${mb(size)} (${samples.profile[0]!.nodes} nodes, ${samples.profile[0]!.macs} MACs), ${runs} runs, medians`);
  console.log(`  read file:   ${median(samples.profile.map((x) => x.readMs)).toFixed(0)} ms`);
  console.log(`  readModel:   ${parse.toFixed(0)} ms`);
  console.log(`  profile:     ${prof.toFixed(0)} ms`);
  console.log(`  read+profile ${total.toFixed(0)} ms (budget 1000 ms) ${total <= 1000 ? 'OK' : 'OVER'}`);
  console.log(`  peak RSS: runtime only ${mb(rss('node'))}, bytes only ${mb(rss('bytes'))}, read+profile ${mb(rss('profile'))}`);
  console.log(`  read+profile above runtime: ${mb(over)} = ${(over / size).toFixed(2)} × file size (budget 1.5) ${over <= 1.5 * size ? 'OK' : 'OVER'}`);
  console.log(`  read+profile above bytes-only: ${mb(rss('profile') - rss('bytes'))}`);
}

await main();

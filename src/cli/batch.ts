/**
 * `onnx-predict batch`: score a model zoo into CSV/JSONL (library: `runBatch` in src/batch), with a
 * progress bar on stderr and a ranked summary table on stdout.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import * as api from '../index.ts';
import type { CliIO } from './main.ts';
import { progressBar } from './progress.ts';

const pct = (v: number | undefined) => (v === undefined ? '' : `${v.toFixed(2)}%`);

export function formatRanking(rows: readonly api.BatchRow[], target: string, k: number): string {
  const top = api.rankRows(rows, target, k);
  const lines = [`top ${top.length} by predicted ${target} accuracy (80% interval):`];
  const head = ['#', 'accuracy', 'interval', 'params', 'MACs', 'exact', 'nearest', 'file'];
  const body = top.map((r, i) => {
    const p = r.predictions[target]!;
    const n = r.nearest;
    return [
      String(i + 1), pct(p.accuracy), `${pct(p.low)}–${pct(p.high)}`,
      r.params === null ? '' : api.humanCount(r.params), r.macs === null ? '' : api.humanCount(r.macs),
      r.exact ?? '-', n ? `${n.id} ${pct(n.accuracy[target])}` : '-', r.file,
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  for (const row of [head, ...body]) lines.push(row.map((v, c) => (c === row.length - 1 ? v : v.padEnd(widths[c]!))).join('  '));
  return lines.join('\n');
}

export function registerBatch(program: Command, io: CliIO): void {
  program
    .command('batch')
    .description('score many ONNX files (directories, globs, @list.txt) into a CSV or JSONL file, resumable')
    .argument('<inputs...>', 'directories (recursive), glob patterns, @list.txt file lists, or .onnx files')
    .requiredOption('-o, --out <file>', 'results file: .csv or .jsonl (rows appended as they finish)')
    .option('-t, --target <target>', 'target to rank by (default: the predictor\'s first target); every target is written')
    .option('-j, --concurrency <n>', `worker threads (default: ${defaultConcurrency()})`, (v) => api.parsePositiveInt('concurrency', v))
    .option('--resume', 'skip files already in --out (same path and sha256); cut a torn last line first')
    .option('--top <k>', 'rows in the ranked summary', (v) => api.parseNonNegativeInt('top', v), 10)
    .option('--checkpoint <dir>', 'predictor checkpoint folder (default: the shipped one)')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action(async (inputs: string[], opts: { out: string; target?: string; concurrency?: number; resume?: boolean; top: number; checkpoint?: string; progress?: boolean }) => {
      const targets = api.predictorInfo(opts.checkpoint).meta.targets;
      const target = opts.target ?? targets[0]!;
      if (!targets.includes(target)) throw new api.UsageError(`--target must be one of ${targets.join(', ')}, got '${target}'`);
      const bar = progressBar('batch', { force: opts.progress === true });
      try {
        const summary = await api.runBatch({
          inputs, out: opts.out, resume: opts.resume === true,
          concurrency: opts.concurrency ?? defaultConcurrency(),
          ...(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {}),
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        if (opts.top > 0) io.stdout(`${formatRanking(summary.rows, target, opts.top)}\n`);
        io.stdout(`${summary.inputs} inputs: ${summary.scored} scored (${summary.failed} failed), ${summary.skipped} skipped as already in ${summary.out}; ${summary.seconds.toFixed(1)} s, ${summary.rate.toFixed(1)} archs/s\n`);
      } finally {
        bar.stop();
      }
    });
}

/** One thread by default: on 2 shared cores worker threads measured slower (docs/LOAD.md). */
export function defaultConcurrency(): number {
  return availableParallelism() > 2 ? Math.min(4, availableParallelism() - 1) : 1;
}

/**
 * `onnx-predict batch`: score a model zoo into CSV/JSONL, locally (src/batch/runner.ts) or through
 * a Redis queue of jobs that `onnx-predict worker` processes take (--queue, src/batch/queue/),
 * with a progress bar on stderr and a ranked summary table on stdout. The batch modules, and
 * bullmq with them, load only when the command runs.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { Command } from 'commander';
import * as api from '../index.ts';
import type { BatchRow } from '../batch/rows.ts';
import { rankingPlan, warningCounts, type RankGroup } from '../batch/summary.ts';
import type { CliIO } from './io.ts';
import { progressBar } from './progress.ts';

const pct = (v: number | undefined) => (v === undefined ? '' : `${v.toFixed(2)}%`);

/** The row's warning codes (the prediction report's `warnings`), or '-'. */
function warningCodes(r: BatchRow): string {
  const w = Array.isArray(r.warnings) ? (r.warnings as { code?: unknown }[]).map((x) => String(x.code ?? '')).filter((c) => c !== '') : [];
  return w.length > 0 ? w.join(',') : '-';
}

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

function groupTitle(g: RankGroup, total: number, shown: number): string {
  const top = shown < g.rows.length ? `top ${shown} of ${g.rows.length}, ` : '';
  if (g.asked) {
    const guesses = g.rows.length - g.fit;
    return `ranked by ${g.target} (--target): ${g.fit} of ${files(g.rows.length)} fit it${guesses > 0 ? `; for the other ${guesses} it is a guess (marked *)` : ''} (${top}predicted accuracy, 80% interval):`;
  }
  const who = g.rows.length === total ? (total === 1 ? 'the target the file fits' : `the target all ${total} files fit`) : `the target that ${g.rows.length} of ${files(total)} fit`;
  return `ranked by ${g.target}, ${who} (${top}predicted accuracy, 80% interval; --target picks another):`;
}

function groupTable(g: RankGroup, k: number): string[] {
  const top = g.rows.slice(0, k);
  const head = ['#', 'accuracy', 'interval', 'params', 'MACs', 'known', 'nearest', 'warnings', 'file'];
  const body = top.map((r, i) => {
    const p = r.predictions[g.target]!;
    const n = r.nearest;
    const guess = p.inDomain === false ? '*' : '';
    return [
      String(i + 1), `${pct(p.accuracy)}${guess}`, (p as { source?: string }).source === 'measured' ? 'measured' : `${pct(p.low)}–${pct(p.high)}`,
      r.params === null ? '' : api.humanCount(r.params), r.macs === null ? '' : api.humanCount(r.macs),
      r.exact ?? '-', n ? `${n.id} ${pct(n.accuracy[g.target])}`.trim() : '-', warningCodes(r), r.file,
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const lines = [head, ...body].map((row) => row.map((v, c) => (c === row.length - 1 ? v : v.padEnd(widths[c]!))).join('  '));
  const withArch = top.map((r, i) => [i, r.nearest] as const).filter(([, n]) => n !== null && n.arch !== '');
  if (withArch.length > 0) {
    lines.push('nearest known architectures:');
    const w = String(top.length).length;
    for (const [i, n] of withArch) lines.push(`${String(i + 1).padStart(w)}  ${n!.id} (distance ${n!.distance.toFixed(3)}): ${n!.arch}`);
  }
  return lines;
}

/**
 * The ranked summary: each file ranked by the target it fits (one table per such target, the
 * largest first), or every file by `target`; the files that fit no target in one line; each
 * distinct warning once with its count.
 */
export function formatRanking(rows: readonly BatchRow[], target: string | undefined, k: number): string {
  const plan = rankingPlan(rows, target);
  const total = rows.length - plan.failed.length;
  const lines: string[] = [];
  for (const g of plan.groups) {
    if (lines.length > 0) lines.push('');
    lines.push(groupTitle(g, total, Math.min(k, g.rows.length)), ...groupTable(g, k));
  }
  if (plan.unfit.length > 0) {
    const names = plan.unfit.slice(0, 5).map((r) => r.file).join(', ');
    lines.push(`${files(plan.unfit.length)} fit${plan.unfit.length === 1 ? 's' : ''} no target (input size, channels or classes differ from every target's), not ranked: ${names}${plan.unfit.length > 5 ? ', …' : ''} (--target ranks them anyway)`);
  }
  const warnings = warningCounts(rows);
  if (warnings.length > 0) {
    lines.push('warnings:');
    const w = String(Math.max(...warnings.map((x) => x.count))).length;
    for (const x of warnings) lines.push(`  ${String(x.count).padStart(w)} × ${x.summary} [${x.code}]`);
  }
  return lines.join('\n');
}

/** One line per adapted target: how many known results, and how the adapted order did on them. */
export function formatAdaptation(a: import('../batch/known.ts').TargetAdaptation): string {
  const miss = a.unmatched.length > 0 ? `; ${a.unmatched.length} known model(s) not in this batch: ${a.unmatched.slice(0, 3).join(', ')}${a.unmatched.length > 3 ? ', …' : ''}` : '';
  if (a.state === null) return `${a.target}: ${a.k} known result(s) matched, fewer than 3: predictions are the model's own${miss}`;
  const s = a.state;
  const how = s.pulledToward === 'model' ? (Number.isFinite(s.lambda) ? 'model re-weighted with the other signals' : 'model order kept, re-calibrated') : 'signals re-weighted on the known results alone';
  return `${a.target}: adapted to ${a.k} known results (${how}); leave-one-out τ on them ${s.looTau.toFixed(2)} (model alone ${s.priorTau.toFixed(2)}); 80 % interval ±${s.halfWidth.toFixed(2)} %${miss}`;
}

export function formatSummary(s: { inputs: number; scored: number; failed: number; skipped: number; out: string; seconds: number; rate: number }): string {
  return `${s.inputs} inputs: ${s.scored} scored, ${s.failed} failed, ${s.skipped} skipped as already in ${s.out}; ${s.seconds.toFixed(1)} s, ${s.rate.toFixed(1)} files/s`;
}

interface BatchFlags {
  out: string; target?: string; concurrency?: number; resume?: boolean; top: number; checkpoint?: string; progress?: boolean;
  queue?: string; queueName?: string; proxies: boolean; setRank?: boolean; report?: string; known?: string;
}

/** Writes the HTML zoo report (src/batch/report.ts) for the batch's rows. */
async function writeReport(path: string, rows: readonly BatchRow[], target: string | undefined, checkpoint: string | undefined): Promise<void> {
  const { renderReport } = await import('../batch/report.ts');
  const { readKnown } = await import('../predictor/known-sample.ts');
  const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const dir = checkpoint ?? api.DEFAULT_CHECKPOINT_DIR;
  const meta = JSON.parse(readFileSync(join(dir, 'predictor.json'), 'utf8')) as { name?: string; version?: number; createdAt?: string };
  const html = renderReport({ rows, ...(target !== undefined ? { target } : {}), known: readKnown(dir), predictor: `${meta.name ?? '?'} v${meta.version ?? '?'} (${meta.createdAt ?? '?'})`, version: api.VERSION });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
}

export function registerBatch(program: Command, io: CliIO): void {
  program
    .command('batch')
    .description('score many ONNX files (directories, globs, @list.txt) into a CSV or JSONL file, resumable')
    .argument('<inputs...>', 'directories (recursive), glob patterns, @list.txt file lists, or .onnx files')
    .requiredOption('-o, --out <file>', 'results file: .csv or .jsonl (rows appended as they finish; its folder is created)')
    .option('-t, --target <target>', 'rank every file by this target (default: each file by the target it fits); every target is written')
    .option('-j, --concurrency <n>', `worker processes (default: ${defaultConcurrency()})`, (v) => api.parsePositiveInt('concurrency', v))
    .option('--resume', 'skip files already in --out (same content at the same location, however the path is spelled); cut a torn last line first')
    .option('--top <k>', 'rows in the ranked summary', (v) => api.parseNonNegativeInt('top', v), 10)
    .option('--checkpoint <dir>', 'predictor checkpoint folder (default: the shipped one)')
    .option('--queue <url>', 'enqueue the files on this Redis (redis://HOST:PORT[/DB]) for `onnx-predict worker` processes and collect their rows (docs/DISTRIBUTED.md)')
    .option('--queue-name <name>', 'queue name, the same for producer and workers (default: onnx-predict)')
    .option('--no-proxies', 'skip the zero-cost proxies (faster; the prediction uses the graph structure only)')
    .option('--set-rank', 'rank a batch of 10 or more files, most far from the training data, as a set: the set ranker\'s order blended with the per-file one, the per-file predictions kept beside it (experimental: it lost to the per-file order on 2 of 8 held-out spaces; docs/CLI.md)')
    .option('--known <file.csv>', 'measured accuracies of some of the inputs (columns file,accuracy[,target]; matched by content): the others are adapted to them (docs/CLI.md)')
    .option('--report <file.html>', 'also write a self-contained HTML report: ranked tables, accuracy against MACs and params with the Pareto front, warnings')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action(async (inputs: string[], opts: BatchFlags) => {
      const { checkpointTargets } = await import('../batch/plan.ts');
      const targets = checkpointTargets(opts.checkpoint);
      const target = opts.target;
      if (target !== undefined && !targets.includes(target)) throw new api.UsageError(`--target must be one of ${targets.join(', ')}, got '${target}'`);
      if (opts.report !== undefined && !/\.html?$/i.test(opts.report)) throw new api.UsageError(`--report must name an .html file, got '${opts.report}'`);
      if (opts.queue === undefined && opts.queueName !== undefined) throw new api.UsageError('--queue-name needs --queue');
      if (opts.queue !== undefined && opts.concurrency !== undefined) throw new api.UsageError('--concurrency belongs to the workers with --queue (onnx-predict worker --concurrency)');
      const { readKnownCsv } = await import('../batch/known.ts');
      // Read before any scoring: a bad CSV fails fast and leaves no output.
      const known = opts.known === undefined ? undefined : readKnownCsv(opts.known);
      const bar = progressBar(opts.queue === undefined ? 'batch' : 'queue', { force: opts.progress === true });
      const common = {
        inputs, out: opts.out, resume: opts.resume === true, proxies: opts.proxies, setRank: opts.setRank === true,
        ...(known !== undefined ? { known, ...(target !== undefined ? { knownTarget: target } : {}) } : {}),
        ...(opts.checkpoint !== undefined ? { checkpoint: opts.checkpoint } : {}),
        onProgress: (d: number, t: number) => bar.update(d, t),
      };
      try {
        let summary;
        if (opts.queue === undefined) {
          const { runBatch } = await import('../batch/runner.ts');
          summary = await runBatch({ ...common, concurrency: opts.concurrency ?? defaultConcurrency() });
        } else {
          const { runQueueBatch } = await import('../batch/queue/producer.ts');
          const { finishSummary } = await import('../batch/runner.ts');
          summary = finishSummary(await runQueueBatch({
            ...common, queue: opts.queue, ...(opts.queueName !== undefined ? { queueName: opts.queueName } : {}),
            onWarning: (line) => io.stderr(`onnx-predict: ${line}\n`),
          }), common);
        }
        bar.stop();
        for (const a of summary.adaptation ?? []) io.stdout(`${formatAdaptation(a)}\n`);
        if (summary.setRanking) {
          const { formatSetRanking } = await import('../batch/set-rank.ts');
          io.stdout(`${formatSetRanking(summary.setRanking)}\n`);
        }
        if (opts.top > 0) io.stdout(`${formatRanking(summary.rows, target, opts.top)}\n`);
        io.stdout(`${formatSummary(summary)}\n`);
        if (opts.report !== undefined) {
          await writeReport(opts.report, summary.rows, target, opts.checkpoint);
          io.stdout(`report: ${opts.report} (open it in a browser; it fetches nothing)\n`);
        }
      } finally {
        bar.stop();
      }
    });
}

/**
 * One scoring process per core (issue 20: proxies are a forward pass per file, so a single
 * process left the other cores idle), at most one per GiB of memory (a scorer holds the predictor).
 */
export function defaultConcurrency(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / 2 ** 30)));
}

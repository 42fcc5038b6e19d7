/**
 * `onnx-predict proxies <model>`: zero-cost proxies from the file itself (seeded synthetic weights,
 * N(0,1) inputs, onnxruntime). Prints the `ProxyReport` as JSON or a table. A model that cannot
 * run is not an error: the report says why (`skipped`), exit 0. Bad files get the usual typed errors.
 */
import type { Command } from 'commander';
import { parseInteger as parseIntegerText } from '../integers.ts';
import type { CliIO } from './io.ts';

export function registerProxies(program: Command, io: CliIO): void {
  program
    .command('proxies')
    .description('zero-cost proxies (NASWOT, SWAP, MeCo, AZ-style, trainable layers) run from the ONNX file')
    .argument('<model>', 'ONNX file')
    .option('--seed <s>', 'seed of synthetic weights and inputs', (v) => parseInteger('seed', v, 0), 0)
    .option('--samples <n>', 'input samples per seed, 2–32 (default 16, fewer for big models)', (v) => parseInteger('samples', v, 2, 32))
    .option('--seeds <n>', 'weight re-draws to average (default 1)', (v) => parseInteger('seeds', v, 1, 64))
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { seed: number; samples?: number; seeds?: number; json?: boolean }) => {
      const [{ loadModelFile }, { computeProxies }] = await Promise.all([import('../index.ts'), import('../proxies/index.ts')]);
      const model = await loadModelFile(file);
      const report = await computeProxies(model, {
        seed: opts.seed,
        ...(opts.samples !== undefined ? { samples: opts.samples } : {}),
        ...(opts.seeds !== undefined ? { seeds: opts.seeds } : {}),
      });
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${formatProxies(file, report)}\n`);
    });
}

/** `--name <n>` within [min, max], through the one integer parser (src/integers.ts). */
function parseInteger(name: string, v: string, min: number, max = 2 ** 31 - 1): number {
  return parseIntegerText(`--${name}`, v, { min, max });
}

type Report = Awaited<ReturnType<typeof import('../proxies/index.ts')['computeProxies']>>;

export function formatProxies(file: string, r: Report): string {
  const lines = [`${file}: proxies ${r.version}, ${r.samples} samples × ${r.seeds} seed(s), ${r.seconds.toFixed(2)} s${r.batched ? ', batched' : ''}`];
  if (r.skipped) {
    lines.push(`no proxies: ${r.skipped.code}: ${r.skipped.message}`);
    return lines.join('\n');
  }
  const entries = Object.entries(r.proxies ?? {});
  const w = Math.max(...entries.map(([k]) => k.length));
  for (const [k, v] of entries) {
    const why = r.nulls?.[k as keyof NonNullable<typeof r.nulls>];
    lines.push(`  ${k.padEnd(w)}  ${v === null ? `null (${why ?? 'unavailable'})` : Number.isInteger(v) ? String(v) : v.toPrecision(6)}`);
  }
  if (r.taps) lines.push(`  read ${r.taps.activations} activation inputs (${r.taps.neurons} units/sample), ${r.taps.maps} 4-D maps, ${r.taps.blocks} blocks`);
  return lines.join('\n');
}

/**
 * The gates of the stored-graph zoos (pytorchcv, pycls), whose graphs carry no weights and no
 * recoverable arch key: for every committed graph, the parameter count of the model built at
 * export vs the zoo's table, our `profileModel` params vs the exported file's initializer count
 * (exact: the stored graph is what torch wrote), vs the build (BN folding makes ours
 * slightly smaller: within 1 %), our MACs vs torch's flop counter at export (`ref_macs`, within
 * 2 %) and vs the table's MACs (informative), and full shape coverage. Tests assert the list of
 * rows outside each tolerance; docs/DATASETS.md explains them.
 *
 *   npx tsx datasets/lib/zoo-check.ts pytorchcv|pycls [--json out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readModel } from '../../src/onnx-to-text/reader.ts';
import { profileModel } from '../../src/onnx-to-text/profile.ts';
import { pyclsExtra, pyclsSpace } from '../pycls/index.ts';
import { pytorchcvExtra, pytorchcvSpace } from '../pytorchcv/index.ts';
import type { ArchEntry, SpaceBuilder } from './types.ts';

/** One export-log record, the fields the checks read. */
export interface ZooExportRecord {
  readonly model: string;
  readonly status: string;
  readonly reason?: string;
  readonly dataset?: string;
  readonly img_size?: number;
  readonly ref_macs?: number;
  readonly built_params?: number;
  /** Σ initializer elements of the ONNX file as exported, before stripping. */
  readonly onnx_params?: number;
}

/** The last record per model of `<space>/exports.jsonl` (a line still being appended is skipped). */
export function readZooLog(space: 'pytorchcv' | 'pycls', text = readFileSync(new URL(`../${space}/exports.jsonl`, import.meta.url), 'utf8')): Map<string, ZooExportRecord> {
  const out = new Map<string, ZooExportRecord>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ZooExportRecord;
      out.set(r.model, r);
    } catch {
      // torn last line
    }
  }
  return out;
}

interface TableFacts {
  readonly model: string;
  /** The table's parameter count and its rounding step (0: exact). */
  readonly tableParams: number;
  readonly paramsStep: number;
  readonly builtParams: number;
  /** The table's MACs and their rounding step. */
  readonly tableMacs: number;
  readonly macsStep: number;
}

const FACTS: Record<'pytorchcv' | 'pycls', { builder: SpaceBuilder; facts: (e: ArchEntry) => TableFacts }> = {
  pytorchcv: {
    builder: pytorchcvSpace,
    facts: (e) => {
      const x = pytorchcvExtra(e);
      return { model: x.model, tableParams: x.tableParams, paramsStep: 0, builtParams: x.builtParams, tableMacs: x.tableMacsM * 1e6, macsStep: 0.01e6 };
    },
  },
  pycls: {
    builder: pyclsSpace,
    facts: (e) => {
      const x = pyclsExtra(e);
      return { model: x.model, tableParams: x.paramsM * 1e6, paramsStep: 0.1e6, builtParams: x.builtParams, tableMacs: x.gflops * 1e9, macsStep: 0.1e9 };
    },
  },
};

export interface ZooRowCheck extends TableFacts {
  /** Our `profileModel` params and MACs of the stored graph. */
  readonly params: number;
  readonly macs: number;
  readonly refMacs: number | null;
  /** The exported file's initializer count (export log), which our params should equal. */
  readonly onnxParams: number | null;
  /** |built − table| within half the table's rounding step. */
  readonly builtMatchesTable: boolean;
  /** (ours − built) / built. */
  readonly paramsRel: number;
  /** (ours − torch) / torch. */
  readonly macsRel: number | null;
  /** (ours − table) / table. */
  readonly tableMacsRel: number;
  readonly shapeCoverage: number;
}

export const PARAMS_TOLERANCE = 0.01;
export const MACS_TOLERANCE = 0.02;

export async function checkZoo(space: 'pytorchcv' | 'pycls'): Promise<ZooRowCheck[]> {
  const { builder, facts } = FACTS[space];
  const log = readZooLog(space);
  const out: ZooRowCheck[] = [];
  for (const e of await builder.entries()) {
    const f = facts(e);
    const p = profileModel(readModel(builder.build(e, { weights: 'stripped', seed: 0 })));
    const ref = log.get(f.model)?.ref_macs ?? null;
    out.push({
      ...f, params: p.totals.params, macs: p.totals.macs, refMacs: ref, onnxParams: log.get(f.model)?.onnx_params ?? null,
      builtMatchesTable: Math.abs(f.builtParams - f.tableParams) <= f.paramsStep / 2,
      paramsRel: (p.totals.params - f.builtParams) / f.builtParams,
      macsRel: ref ? (p.totals.macs - ref) / ref : null,
      tableMacsRel: (p.totals.macs - f.tableMacs) / f.tableMacs,
      shapeCoverage: p.totals.shapeCoverage,
    });
  }
  return out;
}

/** Rows outside a tolerance, as `model: what` lines (what the tests assert and the docs explain). */
export function zooMismatches(rows: readonly ZooRowCheck[]): { built: string[]; onnx: string[]; params: string[]; macs: string[]; shapes: string[] } {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  return {
    built: rows.filter((r) => !r.builtMatchesTable).map((r) => `${r.model}: built ${r.builtParams} vs table ${r.tableParams}`),
    onnx: rows.filter((r) => r.params !== r.onnxParams).map((r) => `${r.model}: ${r.params} vs exported ${r.onnxParams}`),
    params: rows.filter((r) => Math.abs(r.paramsRel) > PARAMS_TOLERANCE).map((r) => `${r.model}: ${pct(r.paramsRel)}`),
    macs: rows.filter((r) => r.macsRel === null || Math.abs(r.macsRel) > MACS_TOLERANCE).map((r) => `${r.model}: ${r.macsRel === null ? 'no reference' : pct(r.macsRel)}`),
    shapes: rows.filter((r) => r.shapeCoverage < 1).map((r) => `${r.model}: coverage ${r.shapeCoverage.toFixed(3)}`),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'string' } } });
  const space = positionals[0] === 'pycls' ? 'pycls' : 'pytorchcv';
  const t0 = performance.now();
  const rows = await checkZoo(space);
  const bad = zooMismatches(rows);
  for (const [k, list] of Object.entries(bad)) for (const line of list) console.log(`${k.padEnd(6)} ${line}`);
  const n = (pred: (r: ZooRowCheck) => boolean) => rows.filter(pred).length;
  console.log(JSON.stringify({
    space, rows: rows.length, builtMatchesTable: n((r) => r.builtMatchesTable), paramsEqualExported: n((r) => r.params === r.onnxParams),
    paramsWithin1pctOfBuilt: n((r) => Math.abs(r.paramsRel) <= PARAMS_TOLERANCE),
    macsWithin2pctOfTorch: n((r) => r.macsRel !== null && Math.abs(r.macsRel) <= MACS_TOLERANCE),
    macsWithin5pctOfTable: n((r) => Math.abs(r.tableMacsRel) <= 0.05 || Math.abs(r.macs - r.tableMacs) <= r.macsStep / 2),
    fullShapes: n((r) => r.shapeCoverage === 1), seconds: (performance.now() - t0) / 1000,
  }));
  if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 1));
}

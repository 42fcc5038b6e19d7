export { runBatch, rankRows, type BatchOptions, type BatchSummary } from './runner.ts';
export { collectModelPaths } from './inputs.ts';
export { csvColumns, type BatchRow, type BatchFormat } from './rows.ts';

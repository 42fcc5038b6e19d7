/** Batch scoring: local runs (runner), the shared output plan, and row formats. The queue lives in ./queue/ (loaded only by the commands that use it). */
export { runBatch, rankRows, type BatchOptions, type BatchSummary } from './runner.ts';
export { collectModelPaths, expandInputs, type ExpandedInputs } from './inputs.ts';
export { checkpointTargets } from './plan.ts';
export { csvColumns, type BatchRow, type BatchFormat, type RowPrediction } from './rows.ts';

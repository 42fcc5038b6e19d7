/**
 * Worker side of `buildSpace({ workers })`: builds and profiles chunks of entries of one space.
 * Main thread keeps all file and manifest writes, so ordering and resumability are unchanged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getSpace } from '../index.ts';
import { buildOne, type BuildJob, type BuildResult } from './build.ts';

const builder = await getSpace((workerData as { space: string }).space);
parentPort!.on('message', (jobs: BuildJob[]) => {
  try {
    const results: BuildResult[] = jobs.map((j) => buildOne(builder, j));
    parentPort!.postMessage({ results }, results.map((r) => r.bytes.buffer as ArrayBuffer));
  } catch (e) {
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
parentPort!.postMessage({ ready: true });

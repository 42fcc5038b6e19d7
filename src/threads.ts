/**
 * Worker threads that start the same way from the TypeScript sources (tests, tsx) and from the
 * compiled package (`npm run build` output, where tsx is not installed).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `entry` (the URL of a `.ts` worker module) as a worker thread: its compiled `.js` twin
 * when this code runs compiled; otherwise through tsx's loader, which Node 20 workers do not inherit.
 */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * A child process of `cacheProxies` (cache.ts): computes the proxies of one model per job and
 * sends back its cache line. Never throws for a model: a failure is a `skipped` line.
 */
import { readFileSync } from 'node:fs';
import { parentChannel } from '../processes.ts';
import { readModel } from '../onnx-to-text/reader.ts';
import type { CacheLine, WorkerJob } from './cache.ts';
import { computeProxies, PROXY_DEFAULTS, PROXY_VERSION } from './compute.ts';

const channel = parentChannel();
process.on('message', (job: WorkerJob) => {
  void (async () => {
    const settings = { seed: job.options.seed, samples: job.options.samples ?? PROXY_DEFAULTS.samples, seeds: job.options.seeds };
    let line: CacheLine;
    try {
      const r = await computeProxies(readModel(readFileSync(job.file)), job.options);
      line = { id: job.id, version: r.version, settings, proxies: r.proxies, samples: r.samples, seconds: +r.seconds.toFixed(4), ...(r.skipped ? { skipped: r.skipped } : {}) };
    } catch (e) {
      line = { id: job.id, version: PROXY_VERSION, settings, proxies: null, samples: 0, seconds: 0, skipped: { code: 'run-failed', message: (e as Error).message.split('\n')[0]!.slice(0, 300) } };
    }
    channel.send({ type: 'done', line });
  })();
});
channel.send({ type: 'ready' });

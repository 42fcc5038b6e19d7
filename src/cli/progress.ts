/**
 * Progress bars on stderr (cli-progress), silent when stderr is not a terminal unless forced, so
 * logs and pipes stay clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressBar(label: string, options: { force?: boolean } = {}): Progress {
  const enabled = options.force === true || process.stderr.isTTY === true;
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    // Forced on a pipe (--progress): cli-progress then prints a line per update interval.
    noTTYOutput: options.force === true && process.stderr.isTTY !== true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  const t0 = performance.now();
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0, { rate: '0' });
        started = true;
      }
      bar.setTotal(total);
      const rate = done / Math.max(1e-3, (performance.now() - t0) / 1000);
      bar.update(done, { rate: rate.toFixed(1) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

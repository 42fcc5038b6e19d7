/** Child processes of this test process (Linux /proc): to reach the workers a pool started. */
import { readdirSync, readFileSync } from 'node:fs';

/** Live child processes of this process whose command line contains `match`, oldest first. */
export function childPids(match = ''): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || fields[0] === 'Z') return [];
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(match) ? [Number(d)] : [];
    } catch {
      return [];
    }
  }).sort((a, b) => a - b);
}

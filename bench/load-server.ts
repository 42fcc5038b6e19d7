/**
 * Shared by the HTTP benches: runs the real `onnx-predict serve --port 0` in a child process
 * (so the load generator does not share its event loop), reads the bound address, samples RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../datasets/index.ts';

const BIN = fileURLToPath(new URL('../bin/onnx-predict.js', import.meta.url));

export interface ServerProc {
  readonly child: ChildProcess;
  readonly url: string;
  /** Request log lines the server wrote on stderr so far. */
  logLines(): number;
  /** Server-side `ms` of every logged request so far. */
  serverMs(): number[];
  /** Non-log stderr (errors, stack traces). */
  errors(): string[];
  rssBytes(): number;
  stop(): Promise<number | null>;
}

export async function spawnServer(args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProc> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let lines = 0;
  const ms: number[] = [];
  const errors: string[] = [];
  let rest = '';
  child.stderr!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const l of parts) {
      if (l.startsWith('{"time"') && l.includes('"method"')) {
        lines++;
        ms.push((JSON.parse(l) as { ms: number }).ms);
      }
      else if (l.trim() !== '') errors.push(l);
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${errors.join('\n')}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((c) => reject(new Error(`server exited ${c}: ${errors.join('\n')}`)));
  });
  return {
    child, url,
    logLines: () => lines,
    serverMs: () => ms,
    errors: () => errors,
    rssBytes: () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : NaN;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** An NB201 ONNX file: the given path, or one built into a temp folder. */
export async function nb201File(path?: string): Promise<{ path: string; bytes: Uint8Array<ArrayBuffer> }> {
  if (path !== undefined) return { path, bytes: new Uint8Array(readFileSync(path)) };
  const dir = mkdtempSync(join(tmpdir(), 'onnx-predict-bench-'));
  await buildDataset('nb201', { out: dir, limit: 1, seed: 7 });
  const f = join(dir, readdirSync(dir).find((x) => x.endsWith('.onnx'))!);
  return { path: f, bytes: new Uint8Array(readFileSync(f)) };
}

export function arg(name: string, fallback: string): string;
export function arg(name: string): string | undefined;
export function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

export const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

export function percentiles(xs: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

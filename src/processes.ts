/**
 * Child processes that run a module of this package with an IPC channel, started the same way
 * from the TypeScript sources (tests, tsx) and from the compiled package. Unlike a worker thread,
 * a child that dies of a native crash (SIGSEGV in an addon such as onnxruntime) or of V8's heap
 * cap takes only itself down.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ProcessOptions {
  /** V8 old-generation cap, MB (`--max-old-space-size`). */
  readonly heapMb?: number;
  /** Extra environment for the child. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Forks `entry` (the URL of a `.ts` module): its compiled `.js` twin when this code runs compiled,
 * otherwise through tsx's loader. Messages use structured clone (`serialization: 'advanced'`),
 * so typed arrays travel as such.
 */
export function startProcess(entry: URL, options: ProcessOptions = {}): ChildProcess {
  const compiled = !import.meta.url.endsWith('.ts');
  const file = fileURLToPath(compiled ? new URL(entry.href.replace(/\.ts$/, '.js')) : entry);
  const execArgv = [
    ...(compiled ? [] : ['--import', 'tsx']),
    ...(options.heapMb !== undefined ? [`--max-old-space-size=${options.heapMb}`] : []),
  ];
  const child = fork(file, [], {
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  // Piped, not inherited, so that an owner can also read it (strings: utf8); passed through to ours.
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => process.stderr.write(chunk));
  return child;
}

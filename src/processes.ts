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
    // tsx resolved from here, not from the working folder: a checkout's CLI run from any folder
    // (batch -j n in a user's zoo) must find the loader.
    ...(compiled ? [] : ['--import', import.meta.resolve('tsx')]),
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

/** True once a child has exited or was killed. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Kills a child for good (SIGKILL: it may be stuck in native code); resolves once it is gone. */
export function killProcess(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const NATIVE_CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL']);

/** How a child ended, for a sentence: "was killed by SIGSEGV (a native crash)", "exited (code 1)". */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal === null) return `exited (code ${code})`;
  return `was killed by ${signal}${NATIVE_CRASH_SIGNALS.has(signal) ? ' (a native crash)' : ''}`;
}

/**
 * The child's side of the channel: `send` to the parent; `close` ends the channel once what was
 * sent has gone (a `{type: 'bye'}` message flushes it), and the child exits when the channel
 * closes, whichever side closes it.
 */
export function parentChannel(): { send: (m: unknown) => void; close: () => void } {
  process.on('disconnect', () => process.exit(0));
  return {
    send: (m) => { process.send?.(m); },
    close: () => { process.send?.({ type: 'bye' }, () => process.disconnect()); },
  };
}

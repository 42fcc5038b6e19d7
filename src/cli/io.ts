/**
 * Where the CLI writes: one `CliIO` passed to every command, so tests can run `main()` in-process
 * and capture both streams. `guardPipes` makes a closed reader (`onnx-predict describe … | head -1`)
 * end the process quietly with exit 0, as Unix tools do on SIGPIPE, instead of an EPIPE stack trace.
 */
export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

export const processIO: CliIO = {
  stdout: (s) => {
    process.stdout.write(s);
  },
  stderr: (s) => {
    process.stderr.write(s);
  },
};

/** Exit 0 when the reader of stdout or stderr goes away (EPIPE); other stream errors still surface. */
export function guardPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

#!/usr/bin/env node
// The package's bin: runs the compiled CLI (dist/, built by `npm run build`; `npm ci` runs it
// through `prepare`, and the published tarball ships it). From a checkout without dist/, or with
// ONNX_PREDICT_FROM_SOURCE=1 (vitest.config.ts sets it, so tests run the sources they test), it
// runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/bin/cli.js', import.meta.url);
const source = new URL('./cli.ts', import.meta.url);
const fromSource = existsSync(source) && (process.env.ONNX_PREDICT_FROM_SOURCE === '1' || !existsSync(compiled));
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(compiled.href);
}

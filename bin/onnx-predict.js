#!/usr/bin/env node
// The package's bin. Installed from the tarball it runs the compiled CLI (bin/cli.js, built by
// `npm run build`). In a checkout, where bin/cli.ts exists, it runs the TypeScript sources
// through tsx, so what you edit is what runs; ONNX_PREDICT_COMPILED=1 runs the build instead
// (bench/cold-start.ts measures that way).
import { existsSync } from 'node:fs';

const source = new URL('./cli.ts', import.meta.url);
if (existsSync(source) && process.env.ONNX_PREDICT_COMPILED !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('./cli.js', import.meta.url).href);
}

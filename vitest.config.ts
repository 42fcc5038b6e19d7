import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CLI subprocesses spawned by tests run the TypeScript sources, never a stale dist/ build.
    env: { ONNX_PREDICT_FROM_SOURCE: '1' },
  },
});

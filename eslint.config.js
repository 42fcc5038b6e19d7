// Lint (issue 11.6): typescript-eslint's recommended rules plus the typed ones that catch real
// bugs here: promises nobody awaits, `any` leaking through. Library rooms print nothing.
// `npm test` runs it before vitest.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      'node_modules/', 'out/', 'data/', 'dist/', '.cache/', 'coverage/',
      // `npm run build` output next to the sources
      'src/**/*.js', 'datasets/**/*.js', 'bin/cli.js', '**/*.d.ts',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['src/onnx-to-text/**/*.ts', 'src/predictor/**/*.ts', 'src/encoder/**/*.ts', 'src/proxies/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

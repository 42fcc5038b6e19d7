/** The package version (kept equal to package.json's by test/package.test.ts); its own module so `--version` loads nothing else. */
export const VERSION = '0.1.0';

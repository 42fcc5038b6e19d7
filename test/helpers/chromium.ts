/** The system chromium, found on PATH or in ONNX_PREDICT_CHROMIUM (playwright-core never downloads one). */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findChromium(): string | null {
  const fromEnv = process.env.ONNX_PREDICT_CHROMIUM;
  const names = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
  const candidates = fromEnv ? [fromEnv] : (process.env.PATH ?? '').split(delimiter).flatMap((d) => names.map((n) => join(d, n)));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];

/**
 * Embedding texts longer than the encoder's window. Both strategies are kept so the predictor can
 * choose by measurement: `truncate` reads only the first `maxTokens` tokens; `chunk-mean` embeds
 * every window from `Encoder.chunk` and averages them, weighted by token count (so it approximates
 * mean pooling over the whole text), then re-normalises.
 */
import type { Encoder, LongTextStrategy } from './encoder.ts';
import { LONG_TEXT_STRATEGIES } from './encoder.ts';

export async function embedLong(encoder: Encoder, text: string, strategy: LongTextStrategy): Promise<Float32Array> {
  const [v] = await embedLongBatch(encoder, [text], strategy);
  return v!;
}

/** `embedLong` for many texts at once: all windows of all texts go through one `embed` call. */
export async function embedLongBatch(
  encoder: Encoder,
  texts: readonly string[],
  strategy: LongTextStrategy,
): Promise<Float32Array[]> {
  if (!LONG_TEXT_STRATEGIES.includes(strategy)) {
    throw new RangeError(`strategy must be one of ${LONG_TEXT_STRATEGIES.join(', ')}, got '${String(strategy)}'`);
  }
  if (strategy === 'truncate') return encoder.embed(texts);

  const counts = await encoder.countTokens(texts);
  const windows: string[] = [];
  const spans: { start: number; end: number }[] = [];
  for (let i = 0; i < texts.length; i++) {
    const start = windows.length;
    // Short texts skip chunking, so both strategies agree exactly on them.
    if (counts[i]! <= encoder.maxTokens) windows.push(texts[i]!);
    else windows.push(...(await encoder.chunk(texts[i]!)));
    spans.push({ start, end: windows.length });
  }
  const [vectors, weights] = await Promise.all([encoder.embed(windows), encoder.countTokens(windows)]);
  return spans.map(({ start, end }) => {
    if (end - start === 1) return vectors[start]!;
    const out = new Float32Array(encoder.dim);
    for (let w = start; w < end; w++) {
      const v = vectors[w]!;
      const weight = weights[w]!;
      for (let d = 0; d < out.length; d++) out[d]! += weight * v[d]!;
    }
    let norm = 0;
    for (let d = 0; d < out.length; d++) norm += out[d]! * out[d]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < out.length; d++) out[d]! *= scale;
    return out;
  });
}

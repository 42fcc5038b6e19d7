/**
 * Encoder throughput: 256-token windows per second, q8 vs fp32, batch sizes 1/8/32, on this
 * machine's cores (threads default). Median of repeats after one warm-up call. Cache disabled.
 * Usage: npx tsx bench/encoder.ts [--chunks 64] [--repeats 3] [--threads N] [--json out.json]
 * fp32 rows need the generated onnx/model.onnx (scripts/vendor-encoder/run.sh); skipped otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { ENCODERS, loadEncoder, vendoredModelsDir, type EncoderDtype } from '../src/encoder/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const CHUNKS = arg('chunks', 64);
const REPEATS = arg('repeats', 3);
const THREADS = arg('threads', 0) || undefined;
const jsonAt = process.argv.indexOf('--json');

/** Graph-like text in the style the predictor feeds in: varied ops, shapes and attributes. */
function graphText(lines: number): string {
  const ops = ['Conv', 'Relu', 'BatchNormalization', 'MaxPool', 'Add', 'Gemm', 'AveragePool', 'Concat', 'Sigmoid', 'Mul'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const op = ops[(i * 7) % ops.length]!;
    const c = 16 << (i % 4);
    out.push(`${op}(Value${i}, Param[${c},${c / 2},3,3], Param[${c}])(kernel_shape=3,pads=1,strides=${1 + (i % 2)}) --> Relu(prev) --> Value${i + 1}:1x${c}x${32 >> (i % 3)}x${32 >> (i % 3)}`);
  }
  return out.join('\n');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rows: { dtype: EncoderDtype; batchSize: number; chunksPerSecond: number; msPerChunk: number; cpuMsPerChunk: number; loadAvg1m: number; meanTokens: number }[] = [];
const folder = `${vendoredModelsDir()}${ENCODERS['all-MiniLM-L6-v2']!.folder}`;
for (const dtype of ['q8', 'fp32'] as const) {
  if (dtype === 'fp32' && !existsSync(`${folder}/onnx/model.onnx`)) {
    console.log('fp32 skipped: onnx/model.onnx not generated');
    continue;
  }
  for (const batchSize of [1, 8, 32]) {
    const encoder = await loadEncoder({ dtype, batchSize, cacheDir: null, ...(THREADS ? { threads: THREADS } : {}) });
    // Windows cut by the encoder itself, so each is close to the 256-token budget.
    const windows = (await encoder.chunk(graphText(CHUNKS * 6), 256)).slice(0, CHUNKS);
    if (windows.length < CHUNKS) throw new Error(`only ${windows.length} windows`);
    const tokens = await encoder.countTokens(windows);
    await encoder.embed(windows.slice(0, batchSize));
    const times: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await encoder.embed(windows);
      const c = process.cpuUsage(c0);
      times.push((performance.now() - t0) / 1000);
      cpu.push((c.user + c.system) / 1e6);
    }
    await encoder.dispose();
    const s = median(times);
    const row = {
      dtype,
      batchSize,
      chunksPerSecond: Number((CHUNKS / s).toFixed(2)),
      msPerChunk: Number(((s * 1000) / CHUNKS).toFixed(1)),
      // CPU seconds (all threads) per window: less sensitive than wall time to other load on the machine.
      cpuMsPerChunk: Number(((median(cpu) * 1000) / CHUNKS).toFixed(1)),
      loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      meanTokens: Number((tokens.reduce((a, b) => a + b, 0) / tokens.length).toFixed(1)),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const meta = { cores: availableParallelism(), threads: THREADS ?? 'default', chunks: CHUNKS, repeats: REPEATS, node: process.version };
console.log(JSON.stringify(meta));
if (jsonAt >= 0) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify({ meta, rows }, null, 1) + '\n');

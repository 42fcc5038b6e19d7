/**
 * Text encodings: golden files per fixture and mode (`UPDATE_GOLDEN=1 npx vitest run test/text.test.ts`
 * rewrites them), the ONNX-Net reference example verbatim, canonicalisation, budgets, speed, bad calls.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe as group, expect, it } from 'vitest';
import { OnnxPredictError } from '../src/errors.ts';
import { readModel } from '../src/onnx-to-text/reader.ts';
import { pyBytes, pyFloat } from '../src/onnx-to-text/text/pyfmt.ts';
import { DEFAULT_COMPACT_MAX_CHARS, describe, describeLines, TEXT_MODES, textHash, type TextMode } from '../src/onnx-to-text/text/index.ts';
import { FIXTURES, longChain, NB201_ARCH, nb201Net, referenceNet } from './golden/text/fixtures.ts';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden', 'text');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(file: string, actual: string): void {
  const path = join(GOLDEN_DIR, file);
  if (UPDATE || !existsSync(path)) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    if (!UPDATE) throw new Error(`golden ${file} was missing and has been written; rerun`);
    return;
  }
  expect(actual, `golden ${file} (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(path, 'utf8'));
}

/** Every fixture in compact (default budget and unbounded) and chain_slim; the ablations on two. */
const CASES: readonly { fixture: string; mode: TextMode; maxChars?: number; suffix?: string }[] = [
  ...FIXTURES.flatMap((f) => [
    { fixture: f.name, mode: 'compact' as const },
    { fixture: f.name, mode: 'compact' as const, maxChars: Infinity, suffix: 'unbounded' },
    { fixture: f.name, mode: 'chain_slim' as const },
  ]),
  ...['reference', 'quirks'].flatMap((fixture) =>
    (['chain_slim_base', 'chain_slim_input', 'chain_slim_param', 'chain_slim_outshape'] as const).map((mode) => ({ fixture, mode }))),
];

group('golden texts', () => {
  for (const c of CASES) {
    const file = `${c.fixture}.${c.mode}${c.suffix ? `.${c.suffix}` : ''}.txt`;
    it(file, () => {
      const bytes = (FIXTURES.find((f) => f.name === c.fixture) ?? { bytes: () => new Uint8Array() }).bytes();
      golden(file, describe(readModel(bytes), { mode: c.mode, ...(c.maxChars !== undefined ? { maxChars: c.maxChars } : {}) }));
    });
  }
});

group('chain_slim matches ONNX-Net', () => {
  it('reproduces the reference example of the notes verbatim', () => {
    expect(describe(readModel(referenceNet()), { mode: 'chain_slim' })).toBe([
      'Conv(1x3x32x32, Param[16,3,3,3], Param[16])(kernel_shape=3,pads=1,strides=1) --> Value1:1x16x32x32',
      'Relu(Value1) --> Conv(prev, Param[16,16,3,3], Param[16])(kernel_shape=3,pads=1,strides=1) --> Relu(prev) --> Value2:1x16x32x32',
      'AveragePool()(kernel_shape=3,pads=1,strides=1) --> Value3:1x16x32x32',
      'Add(Value2, Value3) --> Value4:1x16x32x32',
      'GlobalAveragePool(Value4) --> Flatten(prev) --> Gemm(prev, Param[10,16], Param[10]) --> Out',
    ].join('\n'));
  });

  it('reproduces the quirks: scalar attributes dropped, Constant garbled, Op() after a close', () => {
    const t = describe(readModel(FIXTURES.find((f) => f.name === 'quirks')!.bytes()), { mode: 'chain_slim' });
    expect(t.startsWith('Constan) --> Value1:')).toBe(true);
    expect(t).toContain('Tanh() --> ');
    expect(t).toContain('Resize(Value2, prev, Param[4])');
    expect(t).toContain("tags=[b'ab',b\"it's\"],w=[0.10000000149011612,1.0,9.999999747378752e-06]");
    expect(t).not.toContain('axis=');
    expect(t).toContain('Mul(Value1, 0x4x8x8)');
  });

  it('formats floats and bytes like Python', () => {
    expect([1, 0.5, 1e-5, 1e16, 123456789012345680000, -0, 0.0001, 1.5e-7].map(pyFloat))
      .toEqual(['1.0', '0.5', '1e-05', '1e+16', '1.2345678901234568e+20', '-0.0', '0.0001', '1.5e-07']);
    expect(pyBytes("it's")).toBe('b"it\'s"');
    expect(pyBytes('a\\b\n\u00e9')).toBe("b'a\\\\b\\n\\xc3\\xa9'");
  });
});

group('compact', () => {
  const body = (bytes: Uint8Array): string[] => describeLines(readModel(bytes), { maxChars: Infinity }).slice(1);

  it('reads the same for separate and folded BatchNorm (canonical conv)', () => {
    const separate = body(nb201Net(NB201_ARCH, 2, 'separate'));
    const folded = body(nb201Net(NB201_ARCH, 2, 'folded'));
    // The last line differs on purpose: the separate build has a final BN after an add.
    expect(folded.slice(0, -1)).toEqual(separate.slice(0, -1));
    expect(separate.join('\n')).not.toContain('batch norm, relu, conv');
  });

  it('reads the same whether a none edge is omitted or multiplied by zero', () => {
    const arch = ['nor_conv_3x3', 'none', 'avg_pool_3x3', 'skip_connect', 'nor_conv_1x1', 'none'] as const;
    const omit = describeLines(readModel(nb201Net(arch, 2, 'separate', 'omit')), { maxChars: Infinity });
    const zero = describeLines(readModel(nb201Net(arch, 2, 'separate', 'mul-zero')), { maxChars: Infinity });
    expect(zero).toEqual(omit);
    expect(zero.join('\n')).not.toContain('multiply');
  });

  it('prints scalar attributes that carry signal: groups, stride, dilation, pads', () => {
    const t = describe(readModel(FIXTURES.find((f) => f.name === 'torch-style')!.bytes()));
    expect(t).toContain('conv 3x3 3 to 8 channels stride 2');
    expect(t).toContain('relu6, depthwise conv 3x3');
    expect(t).toContain('flatten, linear 8 to 10');
  });

  it('collapses repeated cells into one block', () => {
    const lines = body(nb201Net(NB201_ARCH, 5));
    expect(lines.filter((l) => l === '5 times the next 5 lines:')).toHaveLength(3);
  });

  it('is deterministic: same bytes, same text and hash', () => {
    for (const f of FIXTURES) {
      const a = describe(readModel(f.bytes()));
      const b = describe(readModel(f.bytes()));
      expect(a).toBe(b);
      expect(textHash(a)).toBe(textHash(b));
    }
  });

  it('describeLines is the text split into non-empty lines', () => {
    const m = readModel(nb201Net(NB201_ARCH, 2));
    expect(describeLines(m).join('\n')).toBe(describe(m));
    expect(describeLines(m, { mode: 'chain_slim' })).toEqual(describe(m, { mode: 'chain_slim' }).split('\n').filter(Boolean));
  });

  it('respects every budget, keeping the header while it fits', () => {
    const m = readModel(nb201Net(NB201_ARCH));
    const header = describeLines(m, { maxChars: Infinity })[0] as string;
    for (const maxChars of [20, 100, 200, 300, 400, 640, 1000, 5000]) {
      const t = describe(m, { maxChars });
      expect(t.length).toBeLessThanOrEqual(maxChars);
      if (maxChars >= header.length) expect(t.startsWith(header)).toBe(true);
    }
    expect(describe(m).length).toBeLessThanOrEqual(DEFAULT_COMPACT_MAX_CHARS);
    expect(describe(m, { mode: 'chain_slim', maxChars: 50 })).toHaveLength(50);
  });

  it('a 500-node chain gives a short bounded text, fast', () => {
    const m = readModel(longChain(500));
    const t = describe(m);
    expect(t.length).toBeLessThanOrEqual(DEFAULT_COMPACT_MAX_CHARS);
    expect(t).toContain('83 times: conv 3x3, relu, conv 3x3, relu, conv 3x3, relu');
    // CPU time, min of several runs: wall time on a shared 2-core machine measures the neighbours,
    // and the first run pays for JIT warm-up.
    let best = Infinity;
    for (let r = 0; r < 10; r++) {
      const t0 = process.cpuUsage();
      describe(m);
      const used = process.cpuUsage(t0);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    expect(best).toBeLessThan(50);
  });
});

group('textHash', () => {
  it('is FNV-1a 64 over UTF-8', () => {
    expect(textHash('')).toBe('cbf29ce484222325');
    expect(textHash('a')).toBe('af63dc4c8601ec8c');
    expect(textHash('→')).not.toBe(textHash('->'));
  });
});

group('BAD CALL / EXPECTED FAILURE', () => {
  const m = readModel(referenceNet());
  it('rejects an unknown mode, naming the parameter and the choices', () => {
    let err: unknown;
    try { describe(m, { mode: 'nope' as TextMode }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OnnxPredictError);
    expect((err as OnnxPredictError).code).toBe('USAGE');
    expect((err as Error).message).toMatch(/options\.mode.*'nope'.*compact, chain_slim/);
  });
  it('rejects a budget below 1 or NaN', () => {
    for (const maxChars of [0, -5, Number.NaN]) {
      expect(() => describe(m, { maxChars })).toThrow(/options\.maxChars/);
    }
  });
  it('lists every mode in TEXT_MODES', () => {
    expect([...TEXT_MODES]).toEqual(['compact', 'chain_slim', 'chain_slim_base', 'chain_slim_input', 'chain_slim_param', 'chain_slim_outshape']);
  });
});

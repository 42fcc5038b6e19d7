/**
 * Python `str()`/`repr()` formatting of the few value kinds ONNX-Net's converter prints, so the
 * `chain_slim` port yields byte-identical text (its ranking head was trained on Python's spelling).
 */

/**
 * Python's `repr(float)`: the shortest round-trip digits, like JS, but always with a `.0` or an
 * exponent, and exponent notation outside 1e-4 <= |x| < 1e16 (JS switches at 1e-7 / 1e21).
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e16 || abs < 1e-4) {
    // JS exponential with shortest digits: "1.5e-7" → Python "1.5e-07".
    const [mant, exp] = x.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  const s = String(x);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** Python's `repr(bytes)` of a string's UTF-8 encoding: `b'abc'`, non-printables as `\xNN`. */
export function pyBytes(s: string): string {
  const bytes = new TextEncoder().encode(s);
  const hasSingle = bytes.includes(0x27);
  const hasDouble = bytes.includes(0x22);
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `b${quote}${out}${quote}`;
}

/** Python's `str(list)` with its `", "` separators, the way the converter prints repeated fields. */
export function pyList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

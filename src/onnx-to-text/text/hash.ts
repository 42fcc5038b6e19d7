/**
 * A stable 64-bit FNV-1a hash of a text's UTF-8 bytes, as 16 hex digits. For manifests and caches
 * ("did the text of this model change?"), not for security. Sync and dependency-free so the pure
 * core can use it anywhere (Web Crypto's digest is async).
 */
const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function textHash(text: string): string {
  let h = OFFSET;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * PRIME) & MASK;
  }
  return h.toString(16).padStart(16, '0');
}

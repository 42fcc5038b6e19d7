/**
 * Fault check over HTTP (not CI): the corrupt-input corpus plus seeded mutations of a real NB201
 * file sent to a real server process. Passes when the server never answers 5xx, never drops a
 * connection, is still healthy at the end and its RSS stays flat.
 *
 *   npx tsx bench/fuzz-http.ts [--mutations 1000] [--seed 1] [--concurrency 4] [--file nb201.onnx]
 */
import { badInputs } from '../test/helpers/bad-inputs.ts';
import { arg, mb, nb201File, spawnServer } from './load-server.ts';

const mutations = Number(arg('mutations', '1000'));
const seed = Number(arg('seed', '1'));
const concurrency = Number(arg('concurrency', '4'));
const base = (await nb201File(arg('file'))).bytes;

let s = seed >>> 0;
const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const ri = (n: number) => Math.floor(rand() * n);

/** One seeded mutation: byte flips, truncation, insertion, deletion, a duplicated chunk, varint bombs. */
function mutate(src: Uint8Array): { kind: string; bytes: Uint8Array<ArrayBuffer> } {
  const b = new Uint8Array(src);
  switch (ri(6)) {
    case 0: {
      for (let k = 1 + ri(16); k > 0; k--) b[ri(b.length)] = ri(256);
      return { kind: 'flip', bytes: b };
    }
    case 1: return { kind: 'truncate', bytes: b.slice(0, ri(b.length)) };
    case 2: {
      const at = ri(b.length);
      const ins = Uint8Array.from({ length: 1 + ri(64) }, () => ri(256));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at));
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      return { kind: 'insert', bytes: out };
    }
    case 3: {
      const at = ri(b.length);
      const len = 1 + ri(Math.min(256, b.length - at));
      const out = new Uint8Array(b.length - len);
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + len), at);
      return { kind: 'delete', bytes: out };
    }
    case 4: {
      const at = ri(b.length);
      const chunk = b.slice(at, at + 1 + ri(512));
      const out = new Uint8Array(b.length + chunk.length);
      out.set(b.subarray(0, at + chunk.length));
      out.set(chunk, at + chunk.length);
      out.set(b.subarray(at + chunk.length), at + 2 * chunk.length);
      return { kind: 'duplicate', bytes: out };
    }
    default: {
      // A huge length prefix (0xff.. varint) somewhere in the middle.
      const at = ri(b.length - 6);
      b.set([0xff, 0xff, 0xff, 0xff, 0x0f], at);
      return { kind: 'varint', bytes: b };
    }
  }
}

const server = await spawnServer();
const statuses = new Map<string, number>();
const fiveXX: string[] = [];
let dropped = 0;
const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
const post = async (name: string, route: string, body: Uint8Array<ArrayBuffer>) => {
  try {
    const res = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
    const text = await res.text();
    let code = '';
    try {
      code = (JSON.parse(text) as { error?: { code: string } }).error?.code ?? '';
    } catch { /* 200 bodies parse too; a non-JSON body is counted under its status */ }
    count(`${res.status}${code ? ` ${code}` : ''}`);
    if (res.status >= 500) fiveXX.push(`${name}: ${res.status} ${text.slice(0, 200)}`);
  } catch (e) {
    dropped++;
    fiveXX.push(`${name}: connection error ${(e as Error).message}`);
  }
};

try {
  for (let i = 0; i < 20; i++) await post('warmup', '/v1/predict', base);
  statuses.clear();
  const rssBefore = server.rssBytes();
  const t0 = performance.now();
  for (const bad of badInputs()) {
    await post(`corpus:${bad.name}`, '/v1/predict', new Uint8Array(bad.bytes));
    await post(`corpus:${bad.name}`, '/v1/describe', new Uint8Array(bad.bytes));
  }
  const kinds = new Map<string, number>();
  const rssSamples: string[] = [];
  let next = 0;
  const jobs = Array.from({ length: mutations }, () => mutate(base));
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) {
      const i = next++;
      const m = jobs[i]!;
      kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      await post(`mutation#${i}:${m.kind}`, i % 5 === 4 ? '/v1/describe' : '/v1/predict', m.bytes);
      if ((i + 1) % Math.max(1, Math.floor(mutations / 4)) === 0) rssSamples.push(`${i + 1}: ${mb(server.rssBytes())}`);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const rssAfter = server.rssBytes();
  const health = await fetch(`${server.url}/v1/health`).then((r) => r.status, () => 0);
  console.log(JSON.stringify({
    requests: [...statuses.values()].reduce((a, b) => a + b, 0), corpus: badInputs().length * 2, mutations, seed, concurrency,
    seconds: Math.round(seconds * 10) / 10,
    statuses: Object.fromEntries([...statuses].sort()), kinds: Object.fromEntries(kinds),
    serverErrors5xx: fiveXX.length - dropped, droppedConnections: dropped, healthAfter: health,
    serverAlive: server.child.exitCode === null,
    rss: { before: mb(rssBefore), samples: rssSamples, after: mb(rssAfter) },
  }, null, 2));
  if (fiveXX.length > 0) console.log(fiveXX.slice(0, 20).join('\n'));
  process.exitCode = fiveXX.length === 0 && health === 200 ? 0 : 1;
} finally {
  const code = await server.stop();
  console.log(`server exit code after SIGTERM: ${code}`);
  const errs = server.errors().filter((l) => !l.includes('"msg"'));
  if (errs.length > 0) console.log(`server stderr (non-log):\n${errs.slice(0, 20).join('\n')}`);
}

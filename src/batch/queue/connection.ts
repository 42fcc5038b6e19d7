/**
 * Where the queue lives: a `redis://[user:password@]HOST[:PORT][/DB]` (or `rediss://` for TLS)
 * address, parsed once into connection options, and a quick reachability check so a wrong
 * address is one sentence instead of endless reconnect attempts.
 */
import type { ConnectionOptions } from 'bullmq';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { OnnxPredictError, UsageError } from '../../errors.ts';

export const DEFAULT_QUEUE_NAME = 'onnx-predict';

export interface QueueAddress {
  /** The address without its password, for messages and logs. */
  readonly display: string;
  readonly options: RedisAddress;
}

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: Record<string, never>;
}

/** Options for BullMQ's own connections: commands wait through reconnects instead of failing. */
export function bullConnection(addr: QueueAddress): ConnectionOptions {
  return { ...addr.options, maxRetriesPerRequest: null };
}

export function parseQueueUrl(url: string): QueueAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`queue must be a redis://HOST:PORT[/DB] address, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`queue must be a redis:// or rediss:// address, got '${url}'`);
  if (u.hostname === '') throw new UsageError(`queue address '${url}' has no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbPart = u.pathname.replace(/^\//, '');
  const db = dbPart === '' ? 0 : Number(dbPart);
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`queue address '${url}': the database after '/' must be a non-negative integer, got '${dbPart}'`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisAddress = {
    host, port, db,
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { display: `${u.protocol}//${u.hostname}:${port}/${db}`, options };
}

/** RESP encoding of one command. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Resolves when Redis answers PING (after AUTH and SELECT when the address has them); a typed
 * error naming the address otherwise, within `timeoutMs`. A bare socket, so a failed check leaves
 * no client retrying in the background.
 */
export function checkReachable(addr: QueueAddress, timeoutMs = 5000): Promise<void> {
  const o = addr.options;
  const commands: string[][] = [];
  if (o.password !== undefined) commands.push(o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password]);
  if (o.db !== 0) commands.push(['SELECT', String(o.db)]);
  commands.push(['PING']);
  return new Promise<void>((resolve, reject) => {
    const socket = o.tls !== undefined ? tlsConnect({ host: o.host, port: o.port, servername: o.host }) : netConnect({ host: o.host, port: o.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new OnnxPredictError('TIMEOUT', `cannot reach the queue at ${addr.display}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    let buf = '';
    let answered = 0;
    socket.setEncoding('utf8');
    socket.once(o.tls !== undefined ? 'secureConnect' : 'connect', () => socket.write(commands.map(resp).join('')));
    socket.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (line.startsWith('-')) {
          clearTimeout(timer);
          return fail(line.slice(1));
        }
        if (++answered === commands.length) {
          clearTimeout(timer);
          socket.end();
          return resolve();
        }
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      fail(e.message);
    });
  });
}

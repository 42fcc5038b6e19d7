/**
 * The web page: `GET /` and its two bundled assets (open, like a login page: the page itself
 * asks for the API key when the server needs one), and the page-data route `GET /v1/known`
 * (behind the key like every other /v1 route except health).
 *
 * The assets are built by `npm run build:web` (run by `npm ci` through `prepare`) into
 * `dist/web/` at the package root and read once, on the first request. Everything the page
 * needs comes from this server; the Content-Security-Policy header makes the browser refuse any
 * other origin, so the promise "no request to another host" is enforced, not only kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { DEFAULT_CHECKPOINT_DIR, UsageError, VERSION } from '../../index.ts';
import type { ServerConfig } from '../config.ts';
import { readKnown, sampleKnown, type KnownLine } from '../../predictor/known-sample.ts';
import { WEB_EXAMPLES } from '../examples.ts';
import { errorRef, queryParam } from '../openapi.ts';
import { queryInt, queryString, type RouteModule } from './route.ts';

/** Where `scripts/build-web.ts` writes the page (package root `dist/web/`). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** The built files, by route path. A fixed list: no path from the request ever reaches the file system. */
const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = Object.freeze({
  '/web/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/web/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  ...Object.fromEntries(WEB_EXAMPLES.map((e) => [`/web/examples/${e.file}`, { file: `examples/${e.file}`, type: 'application/octet-stream' }])),
});

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Plot writes style attributes on its SVG elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What the page learns from its HTML before any request: limits, whether a key is needed. */
export interface PageConfig {
  readonly version: string;
  readonly maxBodyBytes: number;
  readonly maxFiles: number;
  readonly apiKeyRequired: boolean;
  /** The bundled example models, served at web/examples/<file>. */
  readonly examples: readonly { readonly file: string; readonly title: string }[];
}

function pageConfig(config: ServerConfig): PageConfig {
  return {
    version: VERSION, maxBodyBytes: config.maxBodyBytes, maxFiles: config.maxFiles, apiKeyRequired: config.apiKey !== null,
    examples: WEB_EXAMPLES.map((e) => ({ file: e.file, title: e.title })),
  };
}

/** The server's own paths stay out of the answer, as in /v1/info. */
function notBuilt(res: Response): void {
  res.status(503).type('text/plain; charset=utf-8').send(
    'The onnx-predict web page is not built in this installation (dist/web/ is missing). ' +
    'Run `npm run build:web` in the package folder (npm ci does it), then reload. The JSON API under /v1 works without it.\n',
  );
}

const pageResponse = { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } };
const notBuiltResponse = { description: 'the page is not built in this installation (a sentence saying how to build it)', content: { 'text/plain': { schema: { type: 'string' } } } };
const assetPath = (summary: string, type: string) => ({
  get: { operationId: `web${summary.replace(/\W/g, '')}`, summary, security: [], responses: { '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } }, '503': notBuiltResponse } },
});

/**
 * `GET /`, `GET /web/app.js`, `GET /web/app.css`: open (mounted before the API-key check) so that
 * the page can load and ask for the key.
 */
export function webPageRoutes(options: { dir?: string } = {}): RouteModule {
  const dir = options.dir ?? WEB_DIST_DIR;
  return {
    name: 'web-page',
    open: true,
    paths: {
      '/': { get: { operationId: 'webPage', summary: 'the web page: drop ONNX files, see predictions and where they land (docs/WEB.md)', security: [], responses: { '200': pageResponse, '503': notBuiltResponse } } },
      '/web/app.js': assetPath('the page script (bundled with Observable Plot)', 'text/javascript'),
      '/web/app.css': assetPath('the page style sheet', 'text/css'),
      ...Object.fromEntries(WEB_EXAMPLES.map((e) => [`/web/examples/${e.file}`, assetPath(`example model: ${e.title}`, 'application/octet-stream')])),
    },
    mount(app, ctx) {
      // Read lazily so that a server without a built page still starts and serves the API.
      const files = new Map<string, Buffer>();
      const read = (file: string): Buffer | null => {
        let b = files.get(file);
        if (b === undefined) {
          const p = join(dir, file);
          if (!existsSync(p)) return null;
          b = readFileSync(p);
          files.set(file, b);
        }
        return b;
      };
      const configJson = JSON.stringify(pageConfig(ctx.config)).replace(/</g, '\\u003c');
      let html: string | null = null;
      const secure = (res: Response) => {
        res.setHeader('Content-Security-Policy', CSP);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('Cache-Control', 'no-cache');
      };
      app.get('/', (_req: Request, res: Response) => {
        if (html === null) {
          const raw = read('index.html');
          if (raw === null) return notBuilt(res);
          html = raw.toString('utf8').replace('{{PAGE_CONFIG}}', configJson);
        }
        secure(res);
        res.type('text/html; charset=utf-8').send(html);
      });
      for (const [route, asset] of Object.entries(ASSETS)) {
        app.get(route, (_req: Request, res: Response) => {
          const b = read(asset.file);
          if (b === null) return notBuilt(res);
          secure(res);
          res.type(asset.type).send(b);
        });
      }
    },
  };
}

export { sampleKnown, type KnownPoint, type KnownResponse } from '../../predictor/known-sample.ts';

export const KNOWN_LIMIT = Object.freeze({ default: 3000, max: 10_000 });

export interface WebDataOptions {
  /** The checkpoint's known architectures (default: read from the checkpoint folder's known.jsonl on first use). */
  readonly known?: () => readonly KnownLine[];
}

const knownPoint = {
  type: 'object', required: ['id', 'space', 'accuracy'],
  properties: {
    id: { type: 'string' }, space: { type: 'string' }, accuracy: { type: 'number', description: 'measured accuracy (%) for the target' },
    params: { type: 'integer', description: 'absent when the checkpoint predates params in known.jsonl' },
    macs: { type: 'integer', description: 'absent when the checkpoint predates MACs in known.jsonl' },
  },
};

/** `GET /v1/known`: behind the API key like the other /v1 routes. */
export function webDataRoutes(options: WebDataOptions = {}): RouteModule {
  return {
    name: 'web-data',
    paths: {
      '/v1/known': {
        get: {
          operationId: 'known',
          summary: 'known architectures of one target with measured accuracy, params and MACs (the page\'s scatter plot), sampled deterministically',
          parameters: [
            { ...queryParam('target', 'one of GET /v1/info meta.targets', { type: 'string' }), required: true },
            queryParam('limit', `points at most (default ${KNOWN_LIMIT.default}); an equal share per space, lowest FNV-1a hash of the id first`, { type: 'integer', minimum: 1, maximum: KNOWN_LIMIT.max }),
          ],
          responses: {
            '200': { description: 'the sample', content: { 'application/json': { schema: { $ref: '#/components/schemas/Known' } } } },
            '400': errorRef('unknown target or bad limit (USAGE)'),
            '401': errorRef('missing or bad API key (UNAUTHORIZED)'),
          },
        },
      },
    },
    schemas: {
      Known: {
        type: 'object', required: ['target', 'total', 'returned', 'fields', 'spaces', 'points'],
        properties: {
          target: { type: 'string' },
          total: { type: 'integer', description: 'known architectures with a measured accuracy for the target' },
          returned: { type: 'integer' },
          fields: { type: 'object', description: 'which x values the points carry', properties: { params: { type: 'boolean' }, macs: { type: 'boolean' } } },
          spaces: { type: 'object', description: 'points per space in the sample', additionalProperties: { type: 'integer' } },
          points: { type: 'array', items: knownPoint },
        },
      },
    },
    mount(app, ctx) {
      let known: readonly KnownLine[] | null = null;
      const getKnown = (): readonly KnownLine[] => (known ??= options.known ? options.known() : readKnown(ctx.config.checkpoint ?? DEFAULT_CHECKPOINT_DIR));
      const cache = new Map<string, string>();
      app.get('/v1/known', (req: Request, res: Response) => {
        const targets = ctx.work.facts.targets;
        const target = queryString(req, 'target');
        if (target === undefined || !targets.includes(target)) {
          throw new UsageError(`query parameter 'target' must be one of ${targets.join(', ')}, got ${target === undefined ? 'none' : `'${target}'`}`);
        }
        const limit = queryInt(req, 'limit', 1, KNOWN_LIMIT.max) ?? KNOWN_LIMIT.default;
        const key = `${target}\u0000${limit}`;
        let body = cache.get(key);
        if (body === undefined) {
          body = JSON.stringify(sampleKnown(getKnown(), target, limit));
          // A handful of (target, limit) pairs in practice; bound it anyway.
          if (cache.size > 64) cache.clear();
          cache.set(key, body);
        }
        res.type('application/json; charset=utf-8').send(body);
      });
    },
  };
}

export const webPage: RouteModule = webPageRoutes();
export const webData: RouteModule = webDataRoutes();

/** GET /v1/info: versions and the predictor's metadata (as `onnx-predict info --json`). */
import { basename } from 'node:path';
import { DEFAULT_CHECKPOINT_DIR } from '../../index.ts';
import { errorRef, jsonRef } from '../openapi.ts';
import type { RouteModule } from './route.ts';

export const info: RouteModule = {
  name: 'info',
  paths: {
    '/v1/info': {
      get: { operationId: 'info', summary: 'encoder and predictor versions (as `onnx-predict info --json`)', responses: { '200': jsonRef('Info', 'versions'), '401': errorRef('missing or bad API key') } },
    },
  },
  schemas: {
    Info: { type: 'object', required: ['version', 'meta'], properties: { version: { type: 'string' }, checkpoint: { type: 'string' }, meta: { type: 'object' } } },
  },
  mount(app, ctx) {
    // Only the folder name: the server's paths are none of the client's business.
    const checkpoint = basename(ctx.config.checkpoint ?? DEFAULT_CHECKPOINT_DIR);
    app.get('/v1/info', (_req, res) => {
      res.json({ version: ctx.version, checkpoint, meta: ctx.work.facts.meta });
    });
  },
};

/** GET /v1/health: liveness and load, open without the API key; 503 while draining. */
import { jsonRef } from '../openapi.ts';
import type { RouteModule } from './route.ts';

export const health: RouteModule = {
  name: 'health',
  open: true,
  paths: {
    '/v1/health': {
      get: { operationId: 'health', summary: 'liveness and load; open even when an API key is set', security: [], responses: { '200': jsonRef('Health', 'up'), '503': jsonRef('Health', 'draining after SIGTERM') } },
    },
  },
  schemas: {
    Health: {
      type: 'object', required: ['status'],
      properties: {
        status: { type: 'string', enum: ['ok', 'draining'] }, version: { type: 'string' }, uptimeSeconds: { type: 'number' },
        running: { type: 'integer', description: 'jobs being worked on' }, queued: { type: 'integer', description: 'received requests waiting for a worker' },
        uploads: { type: 'integer', description: 'request bodies being received' }, workers: { type: 'integer', description: 'worker processes alive (0: work runs in the server process)' },
      },
    },
  },
  mount(app, ctx) {
    app.get('/v1/health', (_req, res) => {
      const { state, work } = ctx;
      res.status(state.draining ? 503 : 200).json({
        status: state.draining ? 'draining' : 'ok', version: ctx.version,
        uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000),
        running: work.running, queued: work.queued, uploads: state.uploads, workers: work.workers,
      });
    });
  },
};

/** GET /openapi.json: the document the app factory assembled from its route modules. */
import { errorRef } from '../openapi.ts';
import type { RouteModule } from './route.ts';

export function openapiRoute(document: () => Record<string, unknown>): RouteModule {
  return {
    name: 'openapi',
    paths: {
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'this document', responses: { '200': { description: 'OpenAPI 3 document', content: { 'application/json': { schema: { type: 'object' } } } }, '401': errorRef('missing or bad API key') } },
      },
    },
    mount(app) {
      app.get('/openapi.json', (_req, res) => { res.json(document()); });
    },
  };
}

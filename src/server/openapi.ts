/**
 * The OpenAPI 3 document served at GET /openapi.json, assembled from the route modules' own
 * `paths` (and `schemas`); the shared pieces (error responses, parameters, report schemas) live here.
 */
import { ERROR_TABLE } from '../errors.ts';
import type { RouteModule } from './routes/route.ts';

export const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
export const jsonRef = (ref: string, description: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
export const onnxBody = {
  required: true,
  description: 'the ONNX file, raw bytes',
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
};
/** The errors any route that reads a body and does work can answer. */
export const workErrors = {
  '400': errorRef('invalid ONNX or a decoder limit (INVALID_MODEL), bad parameter or empty body (USAGE)'),
  '401': errorRef('missing or bad API key (UNAUTHORIZED)'),
  '408': errorRef('no byte of the body for the body timeout (BODY_TIMEOUT)'),
  '413': errorRef('body over the size limit (LIMIT_EXCEEDED)'),
  '415': errorRef('wrong Content-Type (UNSUPPORTED_MEDIA)'),
  '431': errorRef('request headers or URL too large (HEADERS_TOO_LARGE)'),
  '500': errorRef('the worker crashed or ran out of memory and was replaced (WORKER_CRASHED), or a bug (INTERNAL)'),
  '503': errorRef('work queue or upload slots full, or shutting down (OVERLOADED); request over the deadline (TIMEOUT); see Retry-After'),
};
export const queryParam = (name: string, description: string, schema: object) => ({ name, in: 'query', required: false, description, schema });
export const targetParam = queryParam('target', 'only this target (see GET /v1/info: meta.targets)', { type: 'string' });
export const nameParam = queryParam('name', 'the `file` field of the report (default "upload")', { type: 'string', maxLength: 256 });
export const neighborsParam = queryParam('neighbors', 'nearest known architectures (default 3)', { type: 'integer', minimum: 0, maximum: 50 });

const number = { type: 'number' };
const modelPrediction = { type: 'object', properties: { accuracy: number, low: number, high: number, source: { type: 'string', enum: ['head', 'trees', 'ranker'] } } };
const targetPrediction = {
  type: 'object', required: ['accuracy', 'low', 'high'],
  properties: {
    accuracy: { type: 'number', description: 'the measurement for a known architecture (source: measured), else the prediction' },
    low: number, high: number,
    inDomain: { type: 'boolean', description: 'whether the model fits the target: input resolution and channels as its training graphs, output classes as its label set' },
    domainNote: { type: 'string', description: 'why not, when out of domain' },
    source: { type: 'string', enum: ['head', 'trees', 'ranker', 'measured'] },
    measured: { type: 'object', description: 'for a measurement: the known architecture and what its label measures', properties: { id: { type: 'string' }, kind: { type: 'string' } } },
    predicted: { ...modelPrediction, description: "for a measurement: the model's own prediction beside it" },
  },
};
const accuracyMap = { type: 'object', additionalProperties: number };

const SHARED_SCHEMAS = {
  Error: {
    type: 'object', required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: Object.keys(ERROR_TABLE) }, message: { type: 'string' } } } },
  },
  PredictReport: {
    type: 'object', required: ['file', 'predictions', 'neighbors', 'exact', 'stats', 'model'],
    additionalProperties: true,
    properties: {
      file: { type: 'string' },
      predictions: { type: 'object', additionalProperties: targetPrediction },
      neighbors: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, space: { type: 'string' }, arch: { type: 'string' }, distance: number, accuracy: accuracyMap } } },
      exact: {
        nullable: true, type: 'object', description: 'the known architecture the model is: the identical graph (match: graph) or the same architecture exported differently (match: architecture)',
        properties: {
          id: { type: 'string' }, space: { type: 'string' }, arch: { type: 'string' }, labels: accuracyMap, note: { type: 'string' },
          source: { type: 'object', additionalProperties: { type: 'string' }, description: 'what each label measures (split, epochs, the timm recipe)' },
          match: { type: 'string', enum: ['graph', 'architecture'] },
          others: { type: 'array', description: 'other known architectures with the same graph (other recipes)', items: { type: 'object', properties: { id: { type: 'string' }, arch: { type: 'string' }, labels: accuracyMap } } },
        },
      },
      fits: { type: 'array', items: { type: 'string' }, description: 'the targets the model fits, in the order to rank by (a training proxy left out when its full target fits)' },
      warnings: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, summary: { type: 'string', description: 'a few words, one line' }, message: { type: 'string', description: 'the full sentence' } } } },
      stats: { type: 'object', properties: { params: { type: 'integer' }, macs: { type: 'integer' }, nodes: { type: 'integer' } } },
      descriptors: { type: 'object', additionalProperties: { type: 'number', nullable: true }, description: 'the numeric descriptors the predictor reads (log params and MACs, depth, op mix, resolution; null where not computable)' },
      model: { type: 'object', properties: { encoder: { type: 'string' }, predictor: { type: 'string' } } },
    },
  },
};

export function openApiDocument(version: string, routes: readonly RouteModule[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) for (const [p, ops] of Object.entries(r.paths)) paths[p] = { ...paths[p], ...ops };
  return {
    openapi: '3.0.3',
    info: { title: 'onnx-predict', version, description: 'Predict the accuracy of a neural network from its ONNX file alone.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the server has ONNX_PREDICT_API_KEY set' } },
      schemas: Object.assign({}, SHARED_SCHEMAS, ...routes.map((r) => r.schemas ?? {})) as Record<string, unknown>,
    },
  };
}

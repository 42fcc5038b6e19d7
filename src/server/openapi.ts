/**
 * The OpenAPI 3 document served at GET /openapi.json. test/server.test.ts walks the app's routes
 * and this document and checks that they agree.
 */
import { ERROR_TABLE, TEXT_MODES } from '../index.ts';


const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const json = (ref: string, description: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const onnxBody = {
  required: true,
  description: 'the ONNX file, raw bytes',
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
};
const workErrors = {
  '400': errorRef('invalid ONNX (INVALID_MODEL) or bad parameter (USAGE)'),
  '401': errorRef('missing or bad API key (UNAUTHORIZED)'),
  '413': errorRef('body over --max-body (LIMIT_EXCEEDED)'),
  '415': errorRef('wrong Content-Type (UNSUPPORTED_MEDIA)'),
  '503': errorRef('work queue full (OVERLOADED) or request over --timeout (TIMEOUT); see Retry-After'),
};
const q = (name: string, description: string, schema: object) => ({ name, in: 'query', required: false, description, schema });
const targetParam = q('target', 'only this target (see GET /v1/info: meta.targets)', { type: 'string' });
const nameParam = q('name', 'the `file` field of the report (default "upload")', { type: 'string', maxLength: 256 });
const neighborsParam = q('neighbors', 'nearest known architectures (default 3)', { type: 'integer', minimum: 0, maximum: 50 });

const number = { type: 'number' };
const targetPrediction = { type: 'object', required: ['accuracy', 'low', 'high'], properties: { accuracy: number, low: number, high: number } };
const accuracyMap = { type: 'object', additionalProperties: number };

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'onnx-predict', version, description: 'Predict the accuracy of a neural network from its ONNX file alone.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/v1/predict': {
        post: {
          operationId: 'predict', summary: 'predict accuracy for one ONNX file',
          parameters: [targetParam, nameParam, neighborsParam], requestBody: onnxBody,
          responses: { '200': json('PredictReport', 'the same JSON as `onnx-predict --json`'), ...workErrors },
        },
      },
      '/v1/predict/batch': {
        post: {
          operationId: 'predictBatch', summary: 'predict accuracy for several ONNX files (multipart/form-data, one file per part)',
          parameters: [targetParam, neighborsParam],
          requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } } } } } },
          responses: { '200': { description: 'one item per file part, in order', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/BatchItem' } } } } }, ...workErrors },
        },
      },
      '/v1/describe': {
        post: {
          operationId: 'describe', summary: 'graph text and static profile',
          parameters: [q('mode', 'text mode', { type: 'string', enum: [...TEXT_MODES] }), q('maxChars', 'character budget', { type: 'integer', minimum: 1 }), nameParam],
          requestBody: onnxBody,
          responses: { '200': json('Describe', 'text + stats'), ...workErrors },
        },
      },
      '/v1/health': {
        get: { operationId: 'health', summary: 'liveness; open even when an API key is set', security: [], responses: { '200': json('Health', 'up'), '503': json('Health', 'draining after SIGTERM') } },
      },
      '/v1/info': {
        get: { operationId: 'info', summary: 'encoder and predictor versions (as `onnx-predict info --json`)', responses: { '200': json('Info', 'versions'), '401': errorRef('missing or bad API key') } },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'this document', responses: { '200': { description: 'OpenAPI 3 document', content: { 'application/json': { schema: { type: 'object' } } } }, '401': errorRef('missing or bad API key') } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'required when the server has ONNX_PREDICT_API_KEY set' } },
      schemas: {
        Error: {
          type: 'object', required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: Object.keys(ERROR_TABLE) }, message: { type: 'string' } } } },
        },
        PredictReport: {
          type: 'object', required: ['file', 'predictions', 'neighbors', 'exact', 'stats', 'model'],
          properties: {
            file: { type: 'string' },
            predictions: { type: 'object', additionalProperties: targetPrediction },
            neighbors: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, space: { type: 'string' }, arch: { type: 'string' }, distance: number, accuracy: accuracyMap } } },
            exact: { nullable: true, type: 'object', properties: { id: { type: 'string' }, space: { type: 'string' }, arch: { type: 'string' }, labels: accuracyMap, note: { type: 'string' } } },
            stats: { type: 'object', properties: { params: { type: 'integer' }, macs: { type: 'integer' }, nodes: { type: 'integer' } } },
            model: { type: 'object', properties: { encoder: { type: 'string' }, predictor: { type: 'string' } } },
          },
        },
        BatchItem: {
          oneOf: [
            { $ref: '#/components/schemas/PredictReport' },
            { type: 'object', required: ['file', 'error'], properties: { file: { type: 'string' }, error: { $ref: '#/components/schemas/Error/properties/error' } } },
          ],
        },
        Describe: { type: 'object', required: ['file', 'mode', 'text', 'stats'], properties: { file: { type: 'string' }, mode: { type: 'string' }, text: { type: 'string' }, stats: { type: 'object', description: 'as `onnx-predict stats --json`' } } },
        Health: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok', 'draining'] }, version: { type: 'string' }, uptimeSeconds: number, running: { type: 'integer' }, queued: { type: 'integer' } } },
        Info: { type: 'object', required: ['version', 'meta'], properties: { version: { type: 'string' }, checkpoint: { type: 'string' }, meta: { type: 'object' } } },
      },
    },
  };
}

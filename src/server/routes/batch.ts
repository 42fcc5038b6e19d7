/**
 * POST /v1/predict/batch: several ONNX files as multipart parts; one item per part, in order, a
 * report or `{file, error}`. Each file is its own job, so the files of one batch spread over the
 * workers; a bad file is an item with an error, the request still answers 200.
 */
import { toOnnxPredictError, UsageError } from '../../errors.ts';
import { deadline, readMultipart, requireBody, signalOf, untilAborted } from '../middleware/limits.ts';
import { neighborsParam, targetParam, workErrors } from '../openapi.ts';
import { checkTarget, queryInt, queryString, type RouteModule } from './route.ts';

export const batch: RouteModule = {
  name: 'batch',
  paths: {
    '/v1/predict/batch': {
      post: {
        operationId: 'predictBatch', summary: 'predict accuracy for several ONNX files (multipart/form-data, one file per part)',
        parameters: [targetParam, neighborsParam],
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } } } } } },
        responses: { '200': { description: 'one item per file part, in order', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/BatchItem' } } } } }, ...workErrors },
      },
    },
  },
  schemas: {
    BatchItem: {
      oneOf: [
        { $ref: '#/components/schemas/PredictReport' },
        { type: 'object', required: ['file', 'error'], properties: { file: { type: 'string' }, error: { $ref: '#/components/schemas/Error/properties/error' } } },
      ],
    },
  },
  mount(app, ctx) {
    app.post('/v1/predict/batch', deadline(ctx), requireBody(ctx, 'multipart/form-data', 'one file part per ONNX model'), async (req, res) => {
      const target = queryString(req, 'target');
      const neighbors = queryInt(req, 'neighbors', 0, 50) ?? 3;
      checkTarget(ctx, target);
      const signal = signalOf(res);
      const uploads = await readMultipart(req, ctx, signal);
      if (uploads.length === 0) throw new UsageError('no files in the multipart body: send one file part per model');
      const items: unknown[] = new Array(uploads.length);
      // As many files in flight as there are slots: the batch uses every worker without
      // filling the queue on its own.
      let next = 0;
      const lane = async () => {
        for (let i = next++; i < uploads.length; i = next++) {
          const u = uploads[i]!;
          try {
            if (u.error) throw u.error;
            const job = { kind: 'predict', bytes: u.bytes, file: u.name, neighbors, ...(target !== undefined ? { target } : {}) } as const;
            items[i] = await ctx.work.run(job, signal);
          } catch (e) {
            const err = toOnnxPredictError(e);
            // The request's own deadline or a full queue fails the request, not the item.
            if (signal.aborted || err.code === 'OVERLOADED') throw err;
            items[i] = { file: u.name, error: { code: err.code, message: err.code === 'INTERNAL' ? 'internal error' : err.message } };
          }
        }
      };
      await untilAborted(signal, Promise.all(Array.from({ length: Math.min(ctx.work.slots, uploads.length) }, lane)));
      res.json(items);
    });
  },
};

/** POST /v1/predict: one ONNX file in, the same report as `onnx-predict --json` out. */
import { deadline, readBody, requireBody, signalOf, untilAborted } from '../middleware/limits.ts';
import { jsonRef, nameParam, neighborsParam, onnxBody, targetParam, workErrors } from '../openapi.ts';
import { checkTarget, queryInt, queryString, type RouteModule } from './route.ts';

const OCTET = 'application/octet-stream';

export const predict: RouteModule = {
  name: 'predict',
  paths: {
    '/v1/predict': {
      post: {
        operationId: 'predict', summary: 'predict accuracy for one ONNX file',
        parameters: [targetParam, nameParam, neighborsParam], requestBody: onnxBody,
        responses: { '200': jsonRef('PredictReport', 'the same JSON as `onnx-predict --json`'), ...workErrors },
      },
    },
  },
  mount(app, ctx) {
    app.post('/v1/predict', deadline(ctx), requireBody(ctx, OCTET, 'the ONNX file\'s bytes'), async (req, res) => {
      const target = queryString(req, 'target');
      const file = queryString(req, 'name') ?? 'upload';
      const neighbors = queryInt(req, 'neighbors', 0, 50) ?? 3;
      checkTarget(ctx, target);
      const signal = signalOf(res);
      const bytes = await readBody(req, ctx, signal);
      const job = { kind: 'predict', bytes, file, neighbors, ...(target !== undefined ? { target } : {}) } as const;
      res.json(await untilAborted(signal, ctx.work.run(job, signal)));
    });
  },
};

/** POST /v1/describe: the graph as text plus its static profile. */
import { TEXT_MODES, DEFAULT_TEXT_MODE, UsageError, type TextMode } from '../../index.ts';
import { deadline, readBody, requireBody, signalOf, untilAborted } from '../middleware/limits.ts';
import { jsonRef, nameParam, onnxBody, queryParam, workErrors } from '../openapi.ts';
import { queryInt, queryString, type RouteModule } from './route.ts';

export const describe: RouteModule = {
  name: 'describe',
  paths: {
    '/v1/describe': {
      post: {
        operationId: 'describe', summary: 'graph text and static profile',
        parameters: [queryParam('mode', 'text mode', { type: 'string', enum: [...TEXT_MODES] }), queryParam('maxChars', 'character budget', { type: 'integer', minimum: 1 }), nameParam],
        requestBody: onnxBody,
        responses: { '200': jsonRef('Describe', 'text + stats'), ...workErrors },
      },
    },
  },
  schemas: {
    Describe: { type: 'object', required: ['file', 'mode', 'text', 'stats'], properties: { file: { type: 'string' }, mode: { type: 'string' }, text: { type: 'string' }, stats: { type: 'object', description: 'as `onnx-predict stats --json`' } } },
  },
  mount(app, ctx) {
    app.post('/v1/describe', deadline(ctx), requireBody(ctx, 'application/octet-stream', 'the ONNX file\'s bytes'), async (req, res) => {
      const modeArg = queryString(req, 'mode') ?? DEFAULT_TEXT_MODE;
      if (!(TEXT_MODES as readonly string[]).includes(modeArg)) throw new UsageError(`mode must be one of ${TEXT_MODES.join(', ')}, got '${modeArg}'`);
      const maxChars = queryInt(req, 'maxChars', 1, 10_000_000);
      const file = queryString(req, 'name') ?? 'upload';
      const signal = signalOf(res);
      const bytes = await readBody(req, ctx, signal);
      const job = { kind: 'describe', bytes, file, mode: modeArg as TextMode, ...(maxChars !== undefined ? { maxChars } : {}) } as const;
      res.json(await untilAborted(signal, ctx.work.run(job, signal)));
    });
  },
};

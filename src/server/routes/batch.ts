/**
 * POST /v1/predict/batch: several ONNX files as multipart parts; one item per part, in order, a
 * report or `{file, error}`. Each file is its own job, so the files of one batch spread over the
 * workers; a bad file is an item with an error, the request still answers 200. A part in the
 * field `known` is a CSV of measured accuracies of some of the files (`file,accuracy[,target]`,
 * `file` being the uploaded file's name, or `sha256`): the other files' predictions are adapted
 * to them (src/batch/known.ts), as `batch --known` does.
 */
import { createHash } from 'node:crypto';
import { adaptItems, parseKnownCsv, type KnownEntry } from '../../batch/known.ts';
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
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: {
          files: { type: 'array', items: { type: 'string', format: 'binary' } },
          known: { type: 'string', format: 'binary', description: 'optional CSV of measured accuracies of some of the files: columns file (the uploaded file name) or sha256, accuracy (percent), optional target; the other files are adapted to them, and adapted items carry `modelPredictions` (the model\'s own), `known` and `adaptation`' },
        } } } } },
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
      const parts = await readMultipart(req, ctx, signal);
      const knownParts = parts.filter((p) => p.field === 'known');
      if (knownParts.length > 1) throw new UsageError('more than one \'known\' part: send one CSV of known results');
      const uploads = parts.filter((p) => p.field !== 'known');
      if (uploads.length === 0) throw new UsageError('no files in the multipart body: send one file part per model');
      let known: KnownEntry[] | null = null;
      if (knownParts[0]) {
        if (knownParts[0].error) throw knownParts[0].error;
        known = parseKnownCsv(new TextDecoder().decode(knownParts[0].bytes), `known (${knownParts[0].name})`);
      }
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
      res.json(known === null ? items : adaptBatchItems(items, uploads, known, target ?? ctx.work.facts.targets[0]!, ctx.work.facts.targets));
    });
  },
};

interface ReportLike {
  readonly file: string;
  readonly predictions?: Record<string, { accuracy: number; low: number; high: number }>;
  readonly stats?: { params: number; macs: number };
  readonly proxies?: unknown;
  readonly error?: unknown;
}

/** The items adapted to known results: known files at their measured value, the others adapted. */
function adaptBatchItems(items: readonly unknown[], uploads: readonly { bytes: Uint8Array; name: string }[], known: readonly KnownEntry[], target: string, targets: readonly string[]): unknown[] {
  const reports = items as ReportLike[];
  const a = adaptItems(reports.map((r, i) => ({
    sha256: createHash('sha256').update(uploads[i]!.bytes).digest('hex'), name: uploads[i]!.name,
    predictions: r.error === undefined ? r.predictions ?? null : null,
    params: r.stats?.params ?? null, macs: r.stats?.macs ?? null, proxies: r.proxies,
  })), known, target, targets);
  return reports.map((r, i) => {
    const p = a.predictions[i];
    const kn = a.known[i]!;
    if (!p && Object.keys(kn).length === 0) return r;
    return { ...r, predictions: p ?? r.predictions, modelPredictions: r.predictions, known: kn, adaptation: a.report };
  });
}

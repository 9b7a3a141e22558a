/**
 * The platform API of the prediction service (`/api/…`, JSON, camelCase): projects, their model
 * versions (from the registry, or uploaded ONNX plus MLM), imagery, AOIs, predictions with progress,
 * cancel and resume, reviews with statistics and the active-learning queue, and exports. Map tiles of
 * results are served by `server/tiles/prediction-routes.ts`. Every route is described in the OpenAPI
 * document at `/docs`. Validation happens in the service and store, so the CLI gets the same messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {} from '@fastify/multipart';
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidParameter, TileflowError } from '../../core/errors.js';
import { readAoiFile } from '../../predict/aoi.js';
import { EXPORT_FORMATS, exportPredictions, type ExportFilter, type ExportFormat } from '../../predict/export/formats.js';
import { mlmFromForm, type ModelForm } from '../../predict/model.js';
import { MAX_MODEL_BYTES, type PredictService } from '../../predict/service.js';
import type { Prediction } from '../../predict/types.js';

export interface PredictRoutesOptions {
  predict: PredictService;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;
type Body = Record<string, any>;

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

function bodyOf(request: FastifyRequest): Body {
  if (!isObject(request.body)) throw invalidParameter('the request body must be a JSON object');
  return request.body;
}

function stringField(body: Body, key: string, required = true): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(`${key} is required`);
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidParameter(`${key} must be a string, got ${JSON.stringify(value)}`);
  return String(value);
}

function intQuery(query: Query, key: string, min: number, max: number): number | undefined {
  const raw = query[key];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw invalidParameter(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function boolQuery(query: Query, key: string): boolean | undefined {
  const raw = query[key];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalidParameter(`${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/** The export filter in a query string. */
export function exportFilterOf(query: Query): ExportFilter {
  const threshold = query.threshold === undefined || query.threshold === '' ? undefined : Number(query.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw invalidParameter(`threshold must be a number from 0 to 1, got ${JSON.stringify(query.threshold)}`);
  const layer = query.layer;
  if (layer !== undefined && layer !== 'tiles' && layer !== 'features') throw invalidParameter(`layer must be tiles or features, got ${JSON.stringify(layer)}`);
  return { classIndex: intQuery(query, 'class', 0, 65535), threshold, reviewedOnly: boolQuery(query, 'reviewedOnly'), flipInvalid: boolQuery(query, 'flipInvalid'), layer };
}

/** The upload form's fields (comma lists) as a `ModelForm`. */
function formOf(fields: Record<string, string>): ModelForm {
  const list = (key: string) => (fields[key] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const numbers = (key: string) => list(key).map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw invalidParameter(`${key} must be numbers separated by commas, got ${JSON.stringify(fields[key])}`);
    return n;
  });
  const colors = list('colors');
  const size = fields.size ? Number(fields.size) : null;
  const zoom = fields.zoom ? Number(fields.zoom) : undefined;
  return {
    name: fields.name,
    task: fields.task as ModelForm['task'],
    classes: list('classes').map((name, i) => ({ name, ...(colors[i] ? { color: colors[i] } : {}) })),
    bands: list('bands'),
    size,
    zoom,
    scaling: fields.mean || fields.std ? { mean: numbers('mean'), std: numbers('std') } : fields.min || fields.max ? { min: numbers('min'), max: numbers('max') } : undefined,
  };
}

/** A prediction with its progress as a share. */
function withProgress(prediction: Prediction): Prediction & { progress: number } {
  const finished = prediction.tilesDone + prediction.tilesFailed;
  return { ...prediction, progress: prediction.tilesTotal ? finished / prediction.tilesTotal : 0 };
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  geojson: 'application/geo+json',
  ndjson: 'application/geo+json-seq',
  csv: 'text/csv; charset=utf-8',
  geoparquet: 'application/vnd.apache.parquet',
};

/** Registers the prediction service's API. */
export async function predictRoutes(app: FastifyInstance, options: PredictRoutesOptions): Promise<void> {
  const { predict } = options;
  const store = predict.store;
  const doc = (tag: string, summary: string) => ({ schema: { tags: [tag], summary } });

  // ---- projects ----
  app.get('/api/projects', doc('projects', 'List projects (archived ones with ?archived=true)'), async (request) => {
    const query = request.query as Query;
    return { projects: await store.listProjects({ archived: boolQuery(query, 'archived') }) };
  });
  app.post('/api/projects', doc('projects', 'Create a project'), async (request, reply) => {
    const body = bodyOf(request);
    const project = await store.createProject({
      name: stringField(body, 'name')!,
      description: stringField(body, 'description', false),
      source: stringField(body, 'source', false),
      projectUrl: stringField(body, 'projectUrl', false),
      access: stringField(body, 'access', false) as 'public' | 'private' | undefined,
      tags: isObject(body.tags) ? (body.tags as Record<string, string>) : undefined,
    });
    return reply.code(201).send(project);
  });
  app.get('/api/projects/:projectId', doc('projects', 'A project with its models, imagery, AOIs and predictions'), async (request) => {
    const { projectId } = request.params as Params;
    const project = await store.getProject(projectId);
    const [models, imagery, aois, predictions] = await Promise.all([
      store.listModels(projectId),
      store.listImagery(projectId),
      store.listAois(projectId),
      store.listPredictions({ projectId, limit: 100 }),
    ]);
    return { ...project, models, imagery, aois, predictions: predictions.map(withProgress) };
  });
  app.patch('/api/projects/:projectId', doc('projects', 'Change a project (name, description, source, projectUrl, access, archived, tags)'), async (request) => {
    const { projectId } = request.params as Params;
    const body = bodyOf(request);
    if (body.archived !== undefined && typeof body.archived !== 'boolean') throw invalidParameter('archived must be true or false');
    return store.updateProject(projectId, { ...body, archived: body.archived });
  });
  app.delete('/api/projects/:projectId', doc('projects', 'Delete a project and everything in it'), async (request, reply) => {
    await store.deleteProject((request.params as Params).projectId);
    return reply.code(204).send();
  });

  // ---- model versions ----
  app.get('/api/projects/:projectId/models', doc('models', "A project's model versions with their MLM metadata"), async (request) => {
    const { projectId } = request.params as Params;
    await store.getProject(projectId);
    return { models: await store.listModels(projectId) };
  });
  app.post('/api/projects/:projectId/models', doc('models', 'Add a registry model version ({name, version}) to a project'), async (request, reply) => {
    const body = bodyOf(request);
    const model = await predict.addModel((request.params as Params).projectId, stringField(body, 'name')!, stringField(body, 'version')!);
    return reply.code(201).send(model);
  });
  app.post('/api/projects/:projectId/models/upload', doc('models', 'Upload an ONNX model (multipart: name, model, description) with its MLM STAC item (mlm) or the form fields task, classes, colors, bands, size, zoom, mean/std or min/max (comma lists)'), async (request, reply) => {
    if (!request.isMultipart()) throw invalidParameter('upload a model as multipart/form-data with fields name, model (the ONNX file) and mlm (the MLM JSON, a file or a field)');
    const fields: Record<string, string> = {};
    let onnx: Buffer | null = null;
    let mlmText: string | null = null;
    for await (const part of request.parts({ limits: { fileSize: MAX_MODEL_BYTES, files: 2, fields: 10 } })) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname === 'model') onnx = bytes;
        else if (part.fieldname === 'mlm') mlmText = bytes.toString('utf8');
        else throw invalidParameter(`unexpected file field ${JSON.stringify(part.fieldname)} (expected model and mlm)`);
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    mlmText ??= fields.mlm ?? null;
    if (!onnx) throw invalidParameter('the upload has no "model" file (the ONNX model)');
    if (!fields.name) throw invalidParameter('the upload needs a "name" for the registered model');
    let mlm: unknown;
    if (mlmText) {
      try {
        mlm = JSON.parse(mlmText);
      } catch {
        throw invalidParameter('mlm is not valid JSON');
      }
    } else if (fields.task) {
      mlm = mlmFromForm(formOf(fields));
    } else {
      throw invalidParameter('the upload needs "mlm" (the MLM STAC item as JSON) or the form fields task, classes, bands and size');
    }
    const result = await predict.uploadModel({ name: fields.name, onnx, mlm, projectId: (request.params as Params).projectId, description: fields.description });
    return reply.code(201).send(result);
  });
  app.get('/api/models/:name/versions/:version/stac', doc('models', 'A model version as a STAC item with the MLM extension'), async (request, reply) => {
    const { name, version } = request.params as Params;
    const href = `${request.protocol}://${request.host}/api/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/onnx`;
    return reply.type('application/geo+json').send(await predict.modelStacItem(name, version, href));
  });
  app.get('/api/models/:name/versions/:version/onnx', doc('models', "Download a model version's ONNX file"), async (request, reply) => {
    const { name, version } = request.params as Params;
    const { onnx } = await predict.loadModel(name, version);
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-v${version}.onnx"`)
      .send(Buffer.from(onnx));
  });

  // ---- imagery ----
  app.get('/api/projects/:projectId/imagery', doc('imagery', "A project's imagery sources"), async (request) => {
    const { projectId } = request.params as Params;
    await store.getProject(projectId);
    return { imagery: await store.listImagery(projectId) };
  });
  app.post('/api/projects/:projectId/imagery', doc('imagery', 'Add imagery ({name, uri, bands?}): XYZ template (xyz+https://…/{z}/{x}/{y}.png, {quadkey}), COG, STAC item (stac:…)'), async (request, reply) => {
    const body = bodyOf(request);
    const bands = body.bands;
    if (bands !== undefined && (!Array.isArray(bands) || !bands.every((b) => Number.isInteger(b)))) throw invalidParameter('bands must be a list of 1-based band numbers');
    const imagery = await predict.addImagery((request.params as Params).projectId, stringField(body, 'name')!, stringField(body, 'uri')!, bands ? { bands } : {});
    return reply.code(201).send(imagery);
  });
  app.delete('/api/imagery/:imageryId', doc('imagery', 'Remove an imagery source'), async (request, reply) => {
    await store.deleteImagery((request.params as Params).imageryId);
    return reply.code(204).send();
  });

  // ---- AOIs ----
  app.get('/api/projects/:projectId/aois', doc('aois', "A project's AOIs"), async (request) => {
    const { projectId } = request.params as Params;
    await store.getProject(projectId);
    return { aois: await store.listAois(projectId) };
  });
  app.post('/api/projects/:projectId/aois', doc('aois', 'Add an AOI ({name, geometry} with GeoJSON, {name, bbox}, {name, tiles: ["x-y-z"]}), or upload a GeoJSON/GeoParquet file as multipart (name, file)'), async (request, reply) => {
    const { projectId } = request.params as Params;
    if (request.isMultipart()) {
      const fields: Record<string, string> = {};
      let file: { name: string; bytes: Buffer } | null = null;
      for await (const part of request.parts({ limits: { fileSize: 64 * 1024 * 1024, files: 1 } })) {
        if (part.type === 'file') file = { name: part.filename, bytes: await part.toBuffer() };
        else fields[part.fieldname] = String(part.value);
      }
      if (!file) throw invalidParameter('the upload has no file');
      const ext = path.extname(file.name).toLowerCase();
      if (!['.geojson', '.json', '.parquet', '.geoparquet'].includes(ext)) throw invalidParameter(`AOI files are GeoJSON (.geojson, .json) or GeoParquet (.parquet), got ${JSON.stringify(file.name)}`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-aoi-'));
      try {
        const target = path.join(dir, `aoi${ext}`);
        fs.writeFileSync(target, file.bytes);
        let parsed: Awaited<ReturnType<typeof readAoiFile>>;
        try {
          parsed = await readAoiFile(target);
        } catch (error) {
          // The message names the file the client sent, not where the server staged it.
          if (error instanceof TileflowError) throw new TileflowError(error.code, error.message.split(target).join(path.basename(file.name)));
          throw error;
        }
        return reply.code(201).send(await predict.addAoi(projectId, fields.name || path.basename(file.name, ext), parsed));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const body = bodyOf(request);
    const aoi = body.geometry ?? (body.bbox !== undefined ? { bbox: body.bbox } : body.tiles !== undefined ? { tiles: body.tiles } : undefined);
    if (aoi === undefined) throw invalidParameter('an AOI needs geometry (GeoJSON), bbox or tiles');
    return reply.code(201).send(await predict.addAoi(projectId, stringField(body, 'name')!, aoi));
  });
  app.get('/api/aois/:aoiId', doc('aois', 'An AOI'), async (request) => store.getAoi((request.params as Params).aoiId));
  app.delete('/api/aois/:aoiId', doc('aois', 'Remove an AOI'), async (request, reply) => {
    await store.deleteAoi((request.params as Params).aoiId);
    return reply.code(204).send();
  });

  // ---- predictions ----
  app.get('/api/projects/:projectId/predictions', doc('predictions', "A project's predictions, newest first"), async (request) => {
    const { projectId } = request.params as Params;
    await store.getProject(projectId);
    return { predictions: (await store.listPredictions({ projectId })).map(withProgress) };
  });
  app.post('/api/projects/:projectId/predictions', doc('predictions', 'Start a prediction ({model, version, imageryId, aoi | aoiId, zoom?, overlap?})'), async (request, reply) => {
    const body = bodyOf(request);
    for (const key of ['zoom', 'overlap']) if (body[key] !== undefined && !Number.isInteger(body[key])) throw invalidParameter(`${key} must be a whole number, got ${JSON.stringify(body[key])}`);
    const prediction = await predict.startPrediction({
      projectId: (request.params as Params).projectId,
      modelName: stringField(body, 'model')!,
      modelVersion: stringField(body, 'version')!,
      imageryId: stringField(body, 'imageryId')!,
      aoiId: stringField(body, 'aoiId', false),
      aoi: body.aoi,
      zoom: body.zoom,
      overlap: body.overlap,
    });
    return reply.code(201).send(withProgress(prediction));
  });
  app.get('/api/predictions/:predictionId', doc('predictions', 'A prediction with its progress'), async (request) => withProgress(await store.getPrediction((request.params as Params).predictionId)));
  app.post('/api/predictions/:predictionId/cancel', doc('predictions', 'Cancel a queued or running prediction (tiles done are kept)'), async (request) =>
    withProgress(await predict.cancelPrediction((request.params as Params).predictionId)),
  );
  app.post('/api/predictions/:predictionId/resume', doc('predictions', 'Run the tiles of a failed or cancelled prediction that are not done'), async (request) =>
    withProgress(await predict.resumePrediction((request.params as Params).predictionId)),
  );
  app.get('/api/predictions/:predictionId/tile-results', doc('predictions', "A prediction's tiles by quadkey (?quadkey=PREFIX&status=&limit=&offset=)"), async (request) => {
    const { predictionId } = request.params as Params;
    const query = request.query as Query;
    const status = query.status;
    if (status !== undefined && !['pending', 'done', 'failed'].includes(status)) throw invalidParameter('status must be pending, done or failed');
    await store.getPrediction(predictionId);
    return {
      tiles: await store.listTiles(predictionId, {
        quadkeyPrefix: query.quadkey,
        status: status as 'pending' | 'done' | 'failed' | undefined,
        limit: intQuery(query, 'limit', 1, 10_000) ?? 1000,
        offset: intQuery(query, 'offset', 0, Number.MAX_SAFE_INTEGER),
      }),
    };
  });

  // ---- reviews ----
  app.post('/api/predictions/:predictionId/reviews', doc('reviews', 'Mark a tile or feature valid or invalid ({target: tile|feature, targetId, valid, reviewer, class?})'), async (request, reply) => {
    const body = bodyOf(request);
    if (body.class !== undefined && body.class !== null && !Number.isInteger(body.class)) throw invalidParameter('class must be a class index');
    const review = await store.addReview((request.params as Params).predictionId, {
      target: body.target,
      targetId: stringField(body, 'targetId')!,
      classIndex: body.class ?? null,
      valid: body.valid,
      reviewer: stringField(body, 'reviewer')!,
    });
    return reply.code(201).send(review);
  });
  app.get('/api/predictions/:predictionId/reviews/statistics', doc('reviews', 'Share reviewed and the precision the reviews estimate, overall and per class'), async (request) =>
    store.reviewStatistics((request.params as Params).predictionId),
  );
  app.get('/api/predictions/:predictionId/review-queue', doc('reviews', 'The most uncertain unreviewed tiles first (?strategy=entropy|margin&limit=&class=)'), async (request) => {
    const query = request.query as Query;
    const strategy = query.strategy as 'entropy' | 'margin' | undefined;
    return {
      tiles: await store.reviewQueue((request.params as Params).predictionId, { strategy, limit: intQuery(query, 'limit', 1, 1000), classIndex: intQuery(query, 'class', 0, 65535) }),
    };
  });

  // ---- retraining ----
  app.post('/api/predictions/:predictionId/retrain', doc('retrain', "Queue a retraining of the prediction's model on its reviewed tiles ({epochs?, includeUnreviewed?}); 202 with a job id"), async (request, reply) => {
    const body = request.body === undefined || request.body === null ? {} : bodyOf(request);
    if (body.includeUnreviewed !== undefined && typeof body.includeUnreviewed !== 'boolean') throw invalidParameter('includeUnreviewed must be true or false');
    const job = await predict.startRetrain((request.params as Params).predictionId, { epochs: body.epochs, includeUnreviewed: body.includeUnreviewed });
    return reply.code(202).send(job);
  });
  app.get('/api/retrain-jobs/:jobId', doc('retrain', 'A retraining job: queued, running, finished (with the new model version) or failed'), async (request) =>
    predict.retrainStatus((request.params as Params).jobId),
  );

  // ---- export ----
  app.get('/api/predictions/:predictionId/export', doc('export', 'Download results as geojson, ndjson, csv or geoparquet (?format=&class=&threshold=&reviewedOnly=&flipInvalid=&layer=)'), async (request: FastifyRequest, reply: FastifyReply) => {
    const { predictionId } = request.params as Params;
    const query = request.query as Query;
    const format = (query.format ?? 'geojson') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw invalidParameter(`format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(query.format)}`);
    const filter = exportFilterOf(query);
    await store.getPrediction(predictionId);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-export-'));
    const ext = format === 'geoparquet' ? 'parquet' : format;
    const file = path.join(dir, `prediction-${predictionId}.${ext}`);
    try {
      await exportPredictions(store, predictionId, format, file, filter);
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const stream = fs.createReadStream(file);
    stream.on('close', () => fs.rmSync(dir, { recursive: true, force: true }));
    return reply.type(CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="prediction-${predictionId}.${ext}"`).send(stream);
  });
}

/**
 * MLflow's artifact proxy (`mlflow_artifacts.proto`): clients PUT and GET raw bytes at
 * `/api/2.0/mlflow-artifacts/artifacts/<path>`. Bodies stream straight to and from the artifact store,
 * with no temporary copy and no size cap beyond the disk, and downloads honour HTTP Range requests.
 * Also MLflow UI's `/get-artifact?run_id=&path=`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import mime from 'mime-types';
import { Readable } from 'node:stream';
import { invalidParameter } from '../../core/errors.js';
import { proxiedArtifactPath, safeArtifactPath, type ArtifactStore } from '../../track/artifacts/artifact-store.js';
import type { Tracking } from '../../track/service.js';
import { fileInfoToWire } from '../../track/wire.js';

/** Streams a stored artifact, whole or one byte range. */
async function sendArtifact(store: ArtifactStore, path: string, rangeHeader: string | undefined, reply: FastifyReply) {
  const file = await store.get(path);
  const name = path.split('/').pop() ?? 'artifact';
  reply
    .header('Content-Type', mime.lookup(name) || 'application/octet-stream')
    .header('Content-Disposition', `attachment; filename="${name.replace(/"/g, '')}"`)
    .header('Accept-Ranges', 'bytes');
  const range = rangeHeader ? /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim()) : null;
  if (range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : Math.max(0, file.size - Number(range[2]));
    let end = range[1] && range[2] ? Math.min(Number(range[2]), file.size - 1) : file.size - 1;
    if (!range[1]) end = file.size - 1;
    if (start >= file.size || start > end) {
      return reply.code(416).header('Content-Range', `bytes */${file.size}`).send();
    }
    start = Math.max(0, start);
    return reply
      .code(206)
      .header('Content-Range', `bytes ${start}-${end}/${file.size}`)
      .header('Content-Length', end - start + 1)
      .send(file.open({ start, end }));
  }
  return reply.header('Content-Length', file.size).send(file.open());
}

/** Mounts the artifact proxy routes on a Fastify scope of their own (raw bodies, any content type). */
export async function artifactRoutes(app: FastifyInstance, opts: { tracking: Tracking }): Promise<void> {
  const { artifacts } = opts.tracking;
  // Uploads are raw bytes of any type: hand the request stream to the handler untouched.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  for (const prefix of ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts']) {
    app.put<{ Params: { '*': string } }>(`${prefix}/artifacts/*`, async (request, reply) => {
      // An upload without a body is a valid empty file.
      const body = request.body instanceof Readable ? request.body : Readable.from([]);
      await artifacts.put(request.params['*'], body);
      return reply.send({});
    });
    app.get<{ Params: { '*': string }; Headers: { range?: string } }>(`${prefix}/artifacts/*`, async (request, reply) =>
      sendArtifact(artifacts, safeArtifactPath(request.params['*']), request.headers.range, reply),
    );
    app.get<{ Querystring: { path?: string } }>(`${prefix}/artifacts`, async (request, reply) => {
      const path = safeArtifactPath((request.query.path ?? '').replace(/^\/+/, ''));
      const files = await artifacts.list(path);
      // MLflow lists names relative to the folder asked for.
      return reply.send({ files: files.map((f) => fileInfoToWire({ ...f, path: f.path.split('/').pop() ?? f.path })) });
    });
    app.delete<{ Params: { '*': string } }>(`${prefix}/artifacts/*`, async (request, reply) => {
      await artifacts.delete(request.params['*']);
      return reply.send({});
    });
  }

  for (const route of ['/get-artifact', '/ajax-api/2.0/mlflow/get-artifact']) {
    app.get<{ Querystring: { run_id?: string; run_uuid?: string; path?: string }; Headers: { range?: string } }>(route, async (request, reply) => {
      const runId = request.query.run_id || request.query.run_uuid;
      if (!runId) throw invalidParameter("Missing value for required parameter 'run_id'.");
      if (!request.query.path) throw invalidParameter("Missing value for required parameter 'path'.");
      const run = await opts.tracking.runs.getRun(runId);
      const root = proxiedArtifactPath(run.info.artifactUri);
      if (root === null) throw invalidParameter(`Run ${runId} keeps its artifacts at ${run.info.artifactUri}, which this server does not serve.`);
      return sendArtifact(artifacts, `${root}/${safeArtifactPath(request.query.path)}`, request.headers.range, reply);
    });
  }
}

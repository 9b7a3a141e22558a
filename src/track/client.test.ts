import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { TileflowError } from '../core/errors.js';
import { buildApp } from '../server/app.js';
import { TrackingClient } from './client.js';
import { openTracking, type Tracking } from './service.js';

describe('TrackingClient against a real tileflow server', () => {
  let tmp: string;
  let tracking: Tracking;
  let app: FastifyInstance;
  let client: TrackingClient;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-client-'));
    tracking = await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'db')}`, artifactsRoot: path.join(tmp, 'art') });
    app = await buildApp({ tracking });
    await app.listen({ port: 0, host: '127.0.0.1' });
    client = new TrackingClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`, { retries: 0 });
  });

  after(async () => {
    await app.close();
    await tracking.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a full session: experiment, runs, logging, search, history', async () => {
    const experimentId = await client.createExperiment('client-session', { tags: { team: 'geo' } });
    const experiment = await client.getExperiment(experimentId);
    assert.equal(experiment.name, 'client-session');
    assert.equal(experiment.lifecycleStage, 'active');
    assert.deepEqual(experiment.tags, [{ key: 'team', value: 'geo' }]);
    assert.equal(experiment.artifactLocation, `mlflow-artifacts:/${experimentId}`);
    assert.equal((await client.getExperimentByName('client-session')).experimentId, experimentId);

    const found = await client.searchExperiments({ filter: "name = 'client-session'" });
    assert.deepEqual(found.items.map((e) => e.experimentId), [experimentId]);

    const first = await client.createRun({ experimentId, runName: 'first', tags: [{ key: 'stage', value: 'dev' }] });
    assert.equal(first.info.runName, 'first');
    assert.equal(first.info.status, 'RUNNING');
    const runId = first.info.runId;

    await client.logParam(runId, 'lr', 0.01);
    await client.setTag(runId, 'purpose', 'test');
    await client.logMetric(runId, 'loss', 0.9, { step: 0, timestamp: 1000 });
    await client.logMetric(runId, 'loss', 0.5, { step: 1, timestamp: 2000 });
    await client.logMetric(runId, 'weird', Number.NaN, { step: 0 });
    await client.logMetric(runId, 'huge', Number.POSITIVE_INFINITY);
    await client.logBatch(runId, {
      metrics: [{ key: 'acc', value: 0.75, step: 1 }],
      params: [{ key: 'epochs', value: '3' }],
      tags: { batch: 'yes' },
    });

    const run = await client.getRun(runId);
    const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    assert.deepEqual(params, { lr: '0.01', epochs: '3' });
    const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    assert.equal(metrics.loss, 0.5);
    assert.equal(metrics.acc, 0.75);
    assert.ok(Number.isNaN(metrics.weird), 'NaN survives the round trip');
    assert.equal(metrics.huge, Number.POSITIVE_INFINITY);
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    assert.equal(tags.purpose, 'test');
    assert.equal(tags.batch, 'yes');
    assert.equal(tags.stage, 'dev');

    const history = await client.getMetricHistory(runId, 'loss');
    assert.deepEqual(
      history.map((m) => [m.step, m.value, m.timestamp]),
      [
        [0, 0.9, 1000],
        [1, 0.5, 2000],
      ],
    );

    const finished = await client.updateRun(runId, { status: 'FINISHED', endTime: run.info.startTime + 5000 });
    assert.equal(finished.status, 'FINISHED');
    assert.equal(finished.endTime, run.info.startTime + 5000);

    const second = await client.createRun({ experimentId, runName: 'second' });
    await client.logBatch(second.info.runId, { metrics: [{ key: 'acc', value: 0.9 }], params: [{ key: 'lr', value: '0.1' }] });
    const third = await client.createRun({ experimentId, runName: 'third' });
    await client.logMetric(third.info.runId, 'acc', 0.1);

    const page = await client.searchRuns({ experimentIds: [experimentId], filter: 'metrics.acc > 0.5', orderBy: ['metrics.acc DESC'] });
    assert.deepEqual(page.items.map((r) => r.info.runName), ['second', 'first']);

    const all: string[] = [];
    for await (const r of client.searchAllRuns({ experimentIds: [experimentId], maxResults: 1, orderBy: ['attributes.run_name ASC'] })) {
      all.push(r.info.runName);
    }
    assert.deepEqual(all, ['first', 'second', 'third'], 'follows page tokens one run per page');

    await client.deleteRun(third.info.runId);
    const active = await client.searchRuns({ experimentIds: [experimentId] });
    assert.equal(active.items.length, 2);
    const deleted = await client.searchRuns({ experimentIds: [experimentId], viewType: 'DELETED_ONLY' });
    assert.deepEqual(deleted.items.map((r) => r.info.runId), [third.info.runId]);

    await assert.rejects(client.searchRuns({ experimentIds: [experimentId], filter: 'metrics.acc >>> 1' }), (error: unknown) => {
      assert.ok(error instanceof TileflowError);
      assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
      return true;
    });
  });

  test('artifacts: upload (buffer and stream), list, download byte-exact', async () => {
    const experimentId = await client.createExperiment('client-artifacts');
    const run = await client.createRun({ experimentId });
    const bytes = randomBytes(300_000);
    await client.uploadArtifact(run, 'model/weights.bin', bytes);
    await client.uploadArtifact(run.info.artifactUri, 'notes with space.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]));

    const top = await client.listArtifacts(run);
    assert.deepEqual(
      top.map((f) => [f.path, f.isDir]),
      [
        ['model', true],
        ['notes with space.txt', false],
      ],
    );
    const inner = await client.listArtifacts(run, 'model');
    assert.deepEqual(inner, [{ path: 'model/weights.bin', isDir: false, fileSize: bytes.length }]);

    const downloaded = await client.downloadArtifact(run, 'model/weights.bin');
    assert.ok(downloaded.equals(bytes), 'download is byte-exact');
    assert.equal((await client.downloadArtifact(run.info, 'notes with space.txt')).toString(), 'hello world');

    await assert.rejects(client.downloadArtifact(run, 'missing.bin'), { name: 'TileflowError', code: 'RESOURCE_DOES_NOT_EXIST' });
    await assert.rejects(client.uploadArtifact(run, '../escape.txt', 'x'), { code: 'INVALID_PARAMETER_VALUE' });
    assert.throws(() => new TrackingClient('ftp://example.org'), { code: 'INVALID_PARAMETER_VALUE' });
  });

  test('model registry: model, version, alias, stage', async () => {
    const experimentId = await client.createExperiment('client-registry');
    const run = await client.createRun({ experimentId });
    await client.uploadArtifact(run, 'model/model.onnx', Buffer.from('onnx'));

    const model = await client.createRegisteredModel('eurosat-cnn', { description: 'land cover', tags: { task: 'classification' } });
    assert.equal(model.name, 'eurosat-cnn');
    assert.equal(model.description, 'land cover');

    const version = await client.createModelVersion({ name: 'eurosat-cnn', source: `runs:/${run.info.runId}/model`, runId: run.info.runId });
    assert.equal(version.version, '1');
    assert.equal(version.currentStage, 'None');
    assert.equal(version.runId, run.info.runId);

    await client.setAlias('eurosat-cnn', 'champion', 1);
    const byAlias = await client.getModelVersionByAlias('eurosat-cnn', 'champion');
    assert.equal(byAlias.version, '1');
    assert.deepEqual(byAlias.aliases, ['champion']);

    const staged = await client.transitionModelVersionStage('eurosat-cnn', '1', 'Production');
    assert.equal(staged.currentStage, 'Production');

    const fetched = await client.getRegisteredModel('eurosat-cnn');
    assert.deepEqual(fetched.aliases, [{ alias: 'champion', version: '1' }]);
    assert.deepEqual(
      fetched.latestVersions.map((v) => [v.version, v.currentStage]),
      [['1', 'Production']],
    );
    assert.deepEqual(fetched.tags, [{ key: 'task', value: 'classification' }]);
    await assert.rejects(client.createRegisteredModel('eurosat-cnn'), { code: 'RESOURCE_ALREADY_EXISTS' });
  });

  test('logged models (MLflow 3)', async () => {
    const experimentId = await client.createExperiment('client-logged-models');
    const created = await client.createLoggedModel({ experimentId, name: 'cnn', params: [{ key: 'depth', value: '4' }] });
    assert.match(created.modelId, /^m-/);
    assert.equal(created.status, 'LOGGED_MODEL_PENDING');
    const ready = await client.finalizeLoggedModel(created.modelId, 'LOGGED_MODEL_READY');
    assert.equal(ready.status, 'LOGGED_MODEL_READY');
    const fetched = await client.getLoggedModel(created.modelId);
    assert.deepEqual(fetched.params, [{ key: 'depth', value: '4' }]);
    assert.equal(fetched.name, 'cnn');
  });

  test('a 404 becomes a TileflowError with the server code and message', async () => {
    await assert.rejects(client.getRun('0123456789abcdef0123456789abcdef'), (error: unknown) => {
      assert.ok(error instanceof TileflowError);
      assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
      assert.match(error.message, /0123456789abcdef0123456789abcdef/);
      return true;
    });
    await assert.rejects(client.getExperimentByName('no such experiment'), { code: 'RESOURCE_DOES_NOT_EXIST' });
    await assert.rejects(client.getExperiment('999999'), { code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

describe('TrackingClient retries', () => {
  /** A tiny server that answers the scripted statuses in turn, then 200 `{experiment_id: "7"}`. */
  async function scriptedServer(statuses: number[]) {
    let requests = 0;
    const server = http.createServer((request, response) => {
      request.resume();
      const status = statuses[requests++] ?? 200;
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(
        status === 200
          ? JSON.stringify({ experiment_id: '7' })
          : JSON.stringify({ error_code: status === 503 ? 'TEMPORARILY_UNAVAILABLE' : 'INVALID_PARAMETER_VALUE', message: `scripted ${status}` }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, requests: () => requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  test('a 503 is retried until the server recovers', async () => {
    const server = await scriptedServer([503, 503]);
    try {
      const client = new TrackingClient(server.url, { retries: 3, backoffMs: 5 });
      assert.equal(await client.createExperiment('x'), '7');
      assert.equal(server.requests(), 3);
    } finally {
      await server.close();
    }
  });

  test('after the last retry the 503 surfaces with its code', async () => {
    const server = await scriptedServer([503, 503, 503, 503]);
    try {
      const client = new TrackingClient(server.url, { retries: 2, backoffMs: 5 });
      await assert.rejects(client.createExperiment('x'), { code: 'TEMPORARILY_UNAVAILABLE', message: 'scripted 503' });
      assert.equal(server.requests(), 3);
    } finally {
      await server.close();
    }
  });

  test('a 400 is not retried', async () => {
    const server = await scriptedServer([400]);
    try {
      const client = new TrackingClient(server.url, { retries: 3, backoffMs: 5 });
      await assert.rejects(client.createExperiment('x'), { code: 'INVALID_PARAMETER_VALUE', message: 'scripted 400' });
      assert.equal(server.requests(), 1);
    } finally {
      await server.close();
    }
  });

  test('a refused connection is retried, then reported as unavailable', async () => {
    const server = await scriptedServer([]);
    const url = server.url;
    await server.close();
    const client = new TrackingClient(url, { retries: 2, backoffMs: 5 });
    await assert.rejects(client.getExperiment('1'), (error: unknown) => {
      assert.ok(error instanceof TileflowError);
      assert.equal(error.code, 'TEMPORARILY_UNAVAILABLE');
      assert.match(error.message, /cannot reach .*ECONNREFUSED.*after 3 attempts/);
      return true;
    });
  });

  test('an answer that is not MLflow JSON is reported as such, not retried when 4xx', async () => {
    let requests = 0;
    const server = http.createServer((request, response) => {
      requests++;
      const html = request.url?.startsWith('/api/2.0/mlflow/experiments/get?');
      response.writeHead(html ? 200 : 404, { 'Content-Type': 'text/html' });
      response.end('<html>not here</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new TrackingClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { retries: 3, backoffMs: 5 });
      await assert.rejects(client.getExperiment('1'), { code: 'INTERNAL_ERROR', message: /did not answer JSON/ });
      await assert.rejects(client.deleteRun('r'), { code: 'ENDPOINT_NOT_FOUND', message: /^HTTP 404 Not Found from POST \/api\/2\.0\/mlflow\/runs\/delete: <html>not here/ });
      assert.equal(requests, 2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('an answer that never comes times out', async () => {
    const server = http.createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new TrackingClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { retries: 0, timeoutMs: 100 });
      await assert.rejects(client.getExperiment('1'), { code: 'TEMPORARILY_UNAVAILABLE', message: /no progress within 100 ms/ });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

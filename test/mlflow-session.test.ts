// A scripted session over a real socket, sending the requests the MLflow Python client sends (2.x and
// 3.x, from the access logs in shared/reference/mlflow-rest.md §6), against SQLite and PostgreSQL.
// The Python client itself is not installable here (no PyPI, no Debian package), so this test speaks
// its wire protocol: same paths, methods, bodies and query strings, in the same order.
// Then concurrent writers, including two servers on one database, must lose nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { buildApp } from '../src/server/app.js';
import { openTracking, type Tracking } from '../src/track/service.js';
import { createTestDatabase, tempDir, TEST_BACKENDS, type TestDatabase } from './support/databases.js';

interface Server {
  app: FastifyInstance;
  tracking: Tracking;
  url: string;
}

async function startServer(databaseUrl: string, artifactsRoot: string): Promise<Server> {
  const tracking = await openTracking({ databaseUrl, artifactsRoot });
  const app = await buildApp({ tracking });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { app, tracking, url: `http://127.0.0.1:${address.port}` };
}

/** Calls like MLflow's `call_endpoint`: GET with a query string, others with a JSON body. */
async function rpc(base: string, method: string, endpoint: string, body: Record<string, unknown> = {}) {
  let url = `${base}/api/2.0/mlflow/${endpoint}`;
  const init: RequestInit = { method, headers: { 'User-Agent': 'mlflow-python-client/2.17.2' } };
  if (method === 'GET') {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    url += `?${params}`;
  } else {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

/** The client's `mlflow-artifacts:/X` → `{tracking_uri}/api/2.0/mlflow-artifacts/artifacts/X`. */
const artifactUrl = (base: string, uri: string, file: string) =>
  `${base}/api/2.0/mlflow-artifacts/artifacts/${uri.replace(/^mlflow-artifacts:\//, '')}/${file}`;

for (const backend of TEST_BACKENDS) {
  describe(`an MLflow client session over HTTP (${backend})`, () => {
    let database: TestDatabase;
    let dir: ReturnType<typeof tempDir>;
    let server: Server;
    before(async () => {
      database = await createTestDatabase(backend);
      dir = tempDir();
      server = await startServer(database.url, path.join(dir.path, 'artifacts'));
    });
    after(async () => {
      await server.app.close();
      await server.tracking.close();
      await database.drop();
      dir.cleanup();
    });

    test('experiment, runs, params, metrics, tags, artifacts, search, history, registry, alias, stage', async () => {
      const base = server.url;
      // mlflow.set_experiment("eurosat"): look it up, create it when missing.
      const missing = await rpc(base, 'GET', 'experiments/get-by-name', { experiment_name: 'eurosat' });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
      const { experiment_id } = (await rpc(base, 'POST', 'experiments/create', { name: 'eurosat' })).body;

      // Three runs as mlflow.start_run() creates them, each logging as a training loop does.
      const runIds: string[] = [];
      for (const [i, lr] of ['0.01', '0.001', '0.1'].entries()) {
        const created = await rpc(base, 'POST', 'runs/create', {
          experiment_id,
          start_time: Date.now() + i,
          run_name: `cnn-${lr}`,
          tags: [
            { key: 'mlflow.user', value: 'ana' },
            { key: 'mlflow.source.name', value: 'train.py' },
            { key: 'mlflow.source.type', value: 'LOCAL' },
            { key: 'mlflow.runName', value: `cnn-${lr}` },
          ],
        });
        assert.equal(created.status, 200);
        const runId = created.body.run.info.run_id;
        runIds.push(runId);
        assert.equal((await rpc(base, 'POST', 'runs/log-parameter', { run_id: runId, run_uuid: runId, key: 'learning_rate', value: lr })).status, 200);
        assert.equal((await rpc(base, 'POST', 'runs/set-tag', { run_id: runId, run_uuid: runId, key: 'arch', value: 'eurosat-cnn' })).status, 200);
        const epochs = Array.from({ length: 5 }, (_, epoch) => epoch);
        const metrics = epochs.flatMap((epoch) => [
          { key: 'loss', value: 2 / (epoch + 1) + i, timestamp: Date.now(), step: epoch },
          { key: 'accuracy', value: 0.5 + 0.08 * epoch - 0.1 * i, timestamp: Date.now(), step: epoch },
        ]);
        assert.equal((await rpc(base, 'POST', 'runs/log-batch', { run_id: runId, metrics, params: [{ key: 'batch_size', value: '32' }], tags: [] })).status, 200);
        assert.equal((await rpc(base, 'POST', 'runs/log-metric', { run_id: runId, run_uuid: runId, key: 'val_accuracy', value: 0.8 - 0.1 * i, timestamp: Date.now(), step: 4 })).status, 200);

        // mlflow.log_artifact(): PUT the bytes through the proxy.
        const artifactUri = created.body.run.info.artifact_uri;
        const upload = await fetch(artifactUrl(base, artifactUri, 'plots/loss.png'), { method: 'PUT', body: new Uint8Array([137, 80, 78, 71, i]) });
        assert.equal(upload.status, 200);
        assert.equal((await rpc(base, 'POST', 'runs/update', { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: Date.now() })).status, 200);
      }

      // mlflow.search_runs(filter_string=..., order_by=[...])
      const search = await rpc(base, 'POST', 'runs/search', {
        experiment_ids: [experiment_id],
        filter: "metrics.accuracy > 0.65 and params.batch_size = '32' and tags.arch = 'eurosat-cnn' and attributes.status = 'FINISHED'",
        run_view_type: 'ACTIVE_ONLY',
        max_results: 1000,
        order_by: ['metrics.accuracy DESC'],
      });
      assert.equal(search.status, 200);
      assert.deepEqual(search.body.runs.map((r: any) => r.info.run_name), ['cnn-0.01', 'cnn-0.001']);
      assert.equal(search.body.runs[0].data.metrics.find((m: any) => m.key === 'accuracy').value, 0.5 + 0.08 * 4, 'the double round-trips exactly');

      // MlflowClient.get_metric_history()
      const history = await rpc(base, 'GET', 'metrics/get-history', { run_id: runIds[0], run_uuid: runIds[0], metric_key: 'loss', max_results: 25000 });
      assert.deepEqual(history.body.metrics.map((m: any) => m.step), [0, 1, 2, 3, 4]);

      // list_artifacts / download_artifacts through the proxy.
      const runInfo = (await rpc(base, 'GET', 'runs/get', { run_id: runIds[0], run_uuid: runIds[0] })).body.run.info;
      const root = runInfo.artifact_uri.replace(/^mlflow-artifacts:\//, '');
      const listing = await (await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/plots`)}`)).json();
      assert.deepEqual(listing, { files: [{ path: 'loss.png', is_dir: false, file_size: 5 }] });
      const downloaded = new Uint8Array(await (await fetch(artifactUrl(base, runInfo.artifact_uri, 'plots/loss.png'))).arrayBuffer());
      assert.deepEqual([...downloaded], [137, 80, 78, 71, 0]);

      // MLflow 3 log_model: logged model, upload, finalize, link to the run.
      const logged = await rpc(base, 'POST', 'logged-models', { experiment_id, name: 'model', source_run_id: runIds[0], model_type: 'onnx', params: [], tags: [] });
      const model = logged.body.model.info;
      const mlmodel = await fetch(artifactUrl(base, model.artifact_uri, 'MLmodel'), { method: 'PUT', body: 'artifact_path: model\nflavors: {onnx: {}}\n' });
      assert.equal(mlmodel.status, 200);
      assert.equal((await rpc(base, 'PATCH', `logged-models/${model.model_id}`, { model_id: model.model_id, status: 'LOGGED_MODEL_READY' })).status, 200);
      assert.equal((await rpc(base, 'POST', 'runs/outputs', { run_id: runIds[0], models: [{ model_id: model.model_id, step: 0 }] })).status, 200);

      // mlflow.register_model("models:/m-…", "landcover"), polling until READY.
      assert.equal((await rpc(base, 'POST', 'registered-models/create', { name: 'landcover' })).status, 200);
      const version = await rpc(base, 'POST', 'model-versions/create', { name: 'landcover', source: `models:/${model.model_id}`, run_id: runIds[0], model_id: model.model_id });
      assert.equal(version.body.model_version.version, '1');
      const polled = await rpc(base, 'GET', 'model-versions/get', { name: 'landcover', version: '1' });
      assert.equal(polled.body.model_version.status, 'READY');
      // A second version from the 2.x path: source is the run's artifact folder.
      const v2 = await rpc(base, 'POST', 'model-versions/create', { name: 'landcover', source: `${runInfo.artifact_uri}/model`, run_id: runIds[0] });
      assert.equal(v2.body.model_version.version, '2');

      // Alias and stage, then load by alias: resolve the download URI and fetch a file.
      assert.equal((await rpc(base, 'POST', 'registered-models/alias', { name: 'landcover', alias: 'champion', version: '1' })).status, 200);
      const champion = await rpc(base, 'GET', 'registered-models/alias', { name: 'landcover', alias: 'champion' });
      assert.equal(champion.body.model_version.version, '1');
      const staged = await rpc(base, 'POST', 'model-versions/transition-stage', { name: 'landcover', version: '2', stage: 'Production', archive_existing_versions: true });
      assert.equal(staged.body.model_version.current_stage, 'Production');
      const uri = (await rpc(base, 'GET', 'model-versions/get-download-uri', { name: 'landcover', version: '1' })).body.artifact_uri;
      assert.equal(uri, model.artifact_uri);
      const loaded = await fetch(artifactUrl(base, uri, 'MLmodel'));
      assert.match(await loaded.text(), /flavors/);
      const found = await rpc(base, 'GET', 'registered-models/search', { filter: "name = 'landcover'", max_results: 100 });
      const registered = found.body.registered_models[0];
      assert.deepEqual(registered.aliases, [{ alias: 'champion', version: '1' }]);
      assert.deepEqual(registered.latest_versions.map((v: any) => [v.version, v.current_stage]), [['1', 'None'], ['2', 'Production']]);
    });

    test('concurrent writers lose nothing: 40 clients logging to one run and creating runs', async () => {
      const base = server.url;
      const { experiment_id } = (await rpc(base, 'POST', 'experiments/create', { name: 'concurrency' })).body;
      const shared = (await rpc(base, 'POST', 'runs/create', { experiment_id })).body.run.info.run_id;
      const writers = Array.from({ length: 40 }, async (_, w) => {
        const own = (await rpc(base, 'POST', 'runs/create', { experiment_id, run_name: `writer-${w}` })).body.run.info.run_id;
        for (let step = 0; step < 10; step++) {
          const r = await rpc(base, 'POST', 'runs/log-batch', {
            run_id: shared,
            metrics: [{ key: `w${w}`, value: step, timestamp: step, step }, { key: 'all', value: w * 100 + step, timestamp: 1, step: w * 100 + step }],
            params: step === 0 ? [{ key: `p${w}`, value: String(w) }] : [],
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          await rpc(base, 'POST', 'runs/log-metric', { run_id: own, key: 'loss', value: 1 / (step + 1), timestamp: step, step });
        }
        // The same param again from every writer is fine; a conflicting one must fail.
        assert.equal((await rpc(base, 'POST', 'runs/log-parameter', { run_id: shared, key: 'common', value: 'same' })).status, 200);
      });
      await Promise.all(writers);
      const run = (await rpc(base, 'GET', 'runs/get', { run_id: shared })).body.run;
      assert.equal(run.data.params.length, 41);
      assert.equal(run.data.metrics.length, 41);
      const all = await rpc(base, 'GET', 'metrics/get-history', { run_id: shared, metric_key: 'all' });
      assert.equal(all.body.metrics.length, 400);
      assert.equal(run.data.metrics.find((m: any) => m.key === 'all').value, 3909, 'latest is the highest step');
      const runs = await rpc(base, 'POST', 'runs/search', { experiment_ids: [experiment_id], filter: "attributes.run_name LIKE 'writer-%'" });
      assert.equal(runs.body.runs.length, 40);
      for (const r of runs.body.runs) assert.equal(r.data.metrics[0].value, 0.1);
    });

    test('two servers on one database (two machines of a team) both write; every write lands', async () => {
      const second = await startServer(database.url, path.join(dir.path, 'artifacts'));
      try {
        const { experiment_id } = (await rpc(server.url, 'POST', 'experiments/create', { name: 'two-servers' })).body;
        const created = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            rpc(i % 2 ? second.url : server.url, 'POST', 'runs/create', { experiment_id, run_name: `run-${i}` }),
          ),
        );
        assert.ok(created.every((c) => c.status === 200));
        await Promise.all(
          created.map((c, i) =>
            rpc(i % 2 ? server.url : second.url, 'POST', 'runs/log-batch', {
              run_id: c.body.run.info.run_id,
              metrics: Array.from({ length: 20 }, (_, s) => ({ key: 'm', value: s, timestamp: s, step: s })),
            }),
          ),
        );
        await Promise.all(
          Array.from({ length: 6 }, (_, i) => rpc(i % 2 ? server.url : second.url, 'POST', 'registered-models/create', { name: `team-model-${i}` })),
        );
        const versions = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            rpc(i % 2 ? server.url : second.url, 'POST', 'model-versions/create', { name: 'team-model-0', source: 's3://b/m' }),
          ),
        );
        assert.deepEqual(versions.map((v) => Number(v.body.model_version.version)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const runs = await rpc(second.url, 'POST', 'runs/search', { experiment_ids: [experiment_id], filter: 'metrics.m = 19' });
        assert.equal(runs.body.runs.length, 30);
      } finally {
        await second.app.close();
        await second.tracking.close();
      }
    });
  });
}

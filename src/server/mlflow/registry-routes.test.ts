// Every MLflow model-registry RPC, with its error codes and statuses, against both store backends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TEST_BACKENDS } from '../../../test/support/databases.js';
import { openTrackingApp, type TrackingApp } from '../../../test/support/tracking-app.js';

for (const backend of TEST_BACKENDS) {
  describe(`MLflow model registry RPCs (${backend})`, () => {
    let t: TrackingApp;
    let runId: string;
    before(async () => {
      t = await openTrackingApp(backend);
      runId = (await t.call('POST', 'runs/create', {})).body.run.info.run_id;
    });
    after(() => t.close());

    const createModel = async (name: string, extra: Record<string, unknown> = {}) => {
      const r = await t.call('POST', 'registered-models/create', { name, ...extra });
      assert.equal(r.status, 200, r.text);
      return r.body.registered_model;
    };
    const createVersion = async (name: string, extra: Record<string, unknown> = {}) => {
      const r = await t.call('POST', 'model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId, ...extra });
      assert.equal(r.status, 200, r.text);
      return r.body.model_version;
    };

    test('registered models: create, get, duplicate, unknown', async () => {
      const model = await createModel('landcover', { description: 'EuroSAT', tags: [{ key: 'task', value: 'classification' }] });
      assert.equal(model.name, 'landcover');
      assert.equal(model.description, 'EuroSAT');
      assert.deepEqual(model.tags, [{ key: 'task', value: 'classification' }]);
      assert.equal(typeof model.creation_timestamp, 'number');
      const got = await t.call('GET', 'registered-models/get', { name: 'landcover' });
      assert.deepEqual(got.body.registered_model, model);
      const dup = await t.call('POST', 'registered-models/create', { name: 'landcover' });
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error_code, 'RESOURCE_ALREADY_EXISTS');
      assert.equal(dup.body.message, 'Registered Model (name=landcover) already exists.');
      const missing = await t.call('GET', 'registered-models/get', { name: 'nope' });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.message, 'Registered Model with name=nope not found');
      const noName = await t.call('POST', 'registered-models/create', {});
      assert.equal(noName.status, 400);
    });

    test('model versions number from 1; get, update, download URI; runs:/ sources resolve to the run folder', async () => {
      await createModel('versions');
      const v1 = await createVersion('versions', { description: 'first', tags: [{ key: 'k', value: 'v' }], run_link: 'http://x' });
      const v2 = await createVersion('versions');
      assert.equal(v1.version, '1');
      assert.equal(v2.version, '2');
      assert.equal(v1.current_stage, 'None');
      assert.equal(v1.status, 'READY');
      assert.equal(v1.run_id, runId);
      assert.deepEqual(v1.tags, [{ key: 'k', value: 'v' }]);
      const got = await t.call('GET', 'model-versions/get', { name: 'versions', version: '1' });
      assert.equal(got.body.model_version.description, 'first');
      const updated = await t.call('PATCH', 'model-versions/update', { name: 'versions', version: '1', description: 'changed' });
      assert.equal(updated.body.model_version.description, 'changed');
      const uri = await t.call('GET', 'model-versions/get-download-uri', { name: 'versions', version: '2' });
      const run = (await t.call('GET', 'runs/get', { run_id: runId })).body.run;
      assert.equal(uri.body.artifact_uri, `${run.info.artifact_uri}/model`);

      const missingModel = await t.call('POST', 'model-versions/create', { name: 'no-such-model', source: 's3://x' });
      assert.equal(missingModel.status, 404);
      const missingVersion = await t.call('GET', 'model-versions/get', { name: 'versions', version: '99' });
      assert.equal(missingVersion.status, 404);
      assert.equal(missingVersion.body.message, 'Model Version (name=versions, version=99) not found');
      const badVersion = await t.call('GET', 'model-versions/get', { name: 'versions', version: 'x' });
      assert.equal(badVersion.status, 400);
      const noSource = await t.call('POST', 'model-versions/create', { name: 'versions' });
      assert.equal(noSource.status, 400);
      const climbing = await t.call('POST', 'model-versions/create', { name: 'versions', source: 'file:///srv/models/../../etc' });
      assert.equal(climbing.status, 400);
    });

    test('stage transitions, archive_existing_versions, get-latest-versions (POST and GET)', async () => {
      await createModel('staged');
      for (let i = 0; i < 3; i++) await createVersion('staged');
      const t1 = await t.call('POST', 'model-versions/transition-stage', { name: 'staged', version: '1', stage: 'Production', archive_existing_versions: false });
      assert.equal(t1.body.model_version.current_stage, 'Production');
      const t2 = await t.call('POST', 'model-versions/transition-stage', { name: 'staged', version: '2', stage: 'production', archive_existing_versions: true });
      assert.equal(t2.body.model_version.current_stage, 'Production', 'stage names are case-insensitive');
      const v1 = await t.call('GET', 'model-versions/get', { name: 'staged', version: '1' });
      assert.equal(v1.body.model_version.current_stage, 'Archived');
      await t.call('POST', 'model-versions/transition-stage', { name: 'staged', version: '3', stage: 'Staging', archive_existing_versions: false });

      const latest = await t.call('POST', 'registered-models/get-latest-versions', { name: 'staged' });
      assert.deepEqual(
        latest.body.model_versions.map((v: any) => [v.version, v.current_stage]),
        [['1', 'Archived'], ['2', 'Production'], ['3', 'Staging']],
      );
      const production = await t.call('GET', 'registered-models/get-latest-versions', { name: 'staged', stages: 'Production' });
      assert.deepEqual(production.body.model_versions.map((v: any) => v.version), ['2']);
      const model = await t.call('GET', 'registered-models/get', { name: 'staged' });
      assert.equal(model.body.registered_model.latest_versions.length, 3);

      const invalid = await t.call('POST', 'model-versions/transition-stage', { name: 'staged', version: '1', stage: 'Foo', archive_existing_versions: false });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.message, 'Invalid Model Version stage: Foo. Value must be one of None, Staging, Production, Archived.');
      const archiveFromNone = await t.call('POST', 'model-versions/transition-stage', { name: 'staged', version: '1', stage: 'None', archive_existing_versions: true });
      assert.equal(archiveFromNone.status, 400);
      const unknown = await t.call('POST', 'registered-models/get-latest-versions', { name: 'nope' });
      assert.equal(unknown.status, 404);
    });

    test('aliases: set, move, get by alias, delete, reserved names; versions list their aliases', async () => {
      await createModel('aliased');
      await createVersion('aliased');
      await createVersion('aliased');
      assert.equal((await t.call('POST', 'registered-models/alias', { name: 'aliased', alias: 'champion', version: '1' })).status, 200);
      assert.equal((await t.call('POST', 'registered-models/alias', { name: 'aliased', alias: 'champion', version: '2' })).status, 200);
      const byAlias = await t.call('GET', 'registered-models/alias', { name: 'aliased', alias: 'champion' });
      assert.equal(byAlias.body.model_version.version, '2');
      assert.deepEqual(byAlias.body.model_version.aliases, ['champion']);
      const model = await t.call('GET', 'registered-models/get', { name: 'aliased' });
      assert.deepEqual(model.body.registered_model.aliases, [{ alias: 'champion', version: '2' }]);

      const reserved = await t.call('POST', 'registered-models/alias', { name: 'aliased', alias: 'Latest', version: '1' });
      assert.equal(reserved.status, 400);
      assert.equal(reserved.body.message, "'latest' alias name (case insensitive) is reserved.");
      assert.equal((await t.call('POST', 'registered-models/alias', { name: 'aliased', alias: 'v3', version: '1' })).status, 400);
      const badVersion = await t.call('POST', 'registered-models/alias', { name: 'aliased', alias: 'x', version: '99' });
      assert.equal(badVersion.status, 404);

      assert.equal((await t.call('DELETE', 'registered-models/alias', { name: 'aliased', alias: 'champion' })).status, 200);
      const gone = await t.call('GET', 'registered-models/alias', { name: 'aliased', alias: 'champion' });
      assert.equal(gone.status, 400, 'a missing alias is 400 in MLflow');
      assert.equal(gone.body.message, 'Registered model alias champion not found.');
    });

    test('tags on models and versions', async () => {
      await createModel('tagged');
      await createVersion('tagged');
      assert.equal((await t.call('POST', 'registered-models/set-tag', { name: 'tagged', key: 'owner', value: 'eo' })).status, 200);
      assert.equal((await t.call('POST', 'model-versions/set-tag', { name: 'tagged', version: '1', key: 'validated', value: 'yes' })).status, 200);
      let model = (await t.call('GET', 'registered-models/get', { name: 'tagged' })).body.registered_model;
      assert.deepEqual(model.tags, [{ key: 'owner', value: 'eo' }]);
      let version = (await t.call('GET', 'model-versions/get', { name: 'tagged', version: '1' })).body.model_version;
      assert.deepEqual(version.tags, [{ key: 'validated', value: 'yes' }]);
      assert.equal((await t.call('DELETE', 'registered-models/delete-tag', { name: 'tagged', key: 'owner' })).status, 200);
      assert.equal((await t.call('DELETE', 'model-versions/delete-tag', { name: 'tagged', version: '1', key: 'validated' })).status, 200);
      model = (await t.call('GET', 'registered-models/get', { name: 'tagged' })).body.registered_model;
      version = (await t.call('GET', 'model-versions/get', { name: 'tagged', version: '1' })).body.model_version;
      assert.equal(model.tags, undefined);
      assert.equal(version.tags, undefined);
      assert.equal((await t.call('POST', 'registered-models/set-tag', { name: 'nope', key: 'k', value: 'v' })).status, 404);
      assert.equal((await t.call('POST', 'model-versions/set-tag', { name: 'tagged', version: '9', key: 'k', value: 'v' })).status, 404);
    });

    test('rename carries versions and aliases; update description; delete version and model', async () => {
      await createModel('old-name');
      await createVersion('old-name');
      await t.call('POST', 'registered-models/alias', { name: 'old-name', alias: 'best', version: '1' });
      const renamed = await t.call('POST', 'registered-models/rename', { name: 'old-name', new_name: 'new-name' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.registered_model.name, 'new-name');
      assert.equal((await t.call('GET', 'model-versions/get', { name: 'new-name', version: '1' })).status, 200);
      assert.equal((await t.call('GET', 'registered-models/alias', { name: 'new-name', alias: 'best' })).body.model_version.version, '1');
      assert.equal((await t.call('GET', 'registered-models/get', { name: 'old-name' })).status, 404);
      await createModel('taken');
      const clash = await t.call('POST', 'registered-models/rename', { name: 'new-name', new_name: 'taken' });
      assert.equal(clash.body.error_code, 'RESOURCE_ALREADY_EXISTS');

      const updated = await t.call('PATCH', 'registered-models/update', { name: 'new-name', description: 'renamed model' });
      assert.equal(updated.body.registered_model.description, 'renamed model');

      assert.equal((await t.call('DELETE', 'model-versions/delete', { name: 'new-name', version: '1' })).status, 200);
      assert.equal((await t.call('GET', 'model-versions/get', { name: 'new-name', version: '1' })).status, 404);
      const aliasGone = await t.call('GET', 'registered-models/alias', { name: 'new-name', alias: 'best' });
      assert.equal(aliasGone.status, 400);
      const next = await createVersion('new-name');
      assert.equal(next.version, '2', 'version numbers are never reused');
      assert.equal((await t.call('DELETE', 'registered-models/delete', { name: 'new-name' })).status, 200);
      assert.equal((await t.call('GET', 'registered-models/get', { name: 'new-name' })).status, 404);
      assert.equal((await t.call('DELETE', 'registered-models/delete', { name: 'new-name' })).status, 404);
    });

    test('search registered models and model versions with filters, order and paging', async () => {
      for (const name of ['sr-b', 'sr-a', 'sr-c']) {
        await createModel(name, { tags: [{ key: 'family', value: name === 'sr-c' ? 'seg' : 'cls' }] });
        await createVersion(name);
      }
      await createVersion('sr-a');
      const byName = await t.call('GET', 'registered-models/search', { filter: "name LIKE 'sr-%'", order_by: 'name DESC' });
      assert.deepEqual(byName.body.registered_models.map((m: any) => m.name), ['sr-c', 'sr-b', 'sr-a']);
      const byTag = await t.call('GET', 'registered-models/search', { filter: "tags.family = 'cls'" });
      assert.deepEqual(byTag.body.registered_models.map((m: any) => m.name), ['sr-a', 'sr-b']);
      const page = await t.call('GET', 'registered-models/search', { filter: "name LIKE 'sr-%'", max_results: 2 });
      assert.equal(page.body.registered_models.length, 2);
      const rest = await t.call('GET', 'registered-models/search', { filter: "name LIKE 'sr-%'", max_results: 2, page_token: page.body.next_page_token });
      assert.deepEqual(rest.body.registered_models.map((m: any) => m.name), ['sr-c']);
      assert.equal((await t.call('GET', 'registered-models/search', { max_results: 1001 })).status, 400);

      const versions = await t.call('GET', 'model-versions/search', { filter: "name = 'sr-a'" });
      assert.deepEqual(versions.body.model_versions.map((v: any) => v.version), ['2', '1']);
      const byRun = await t.call('GET', 'model-versions/search', { filter: `run_id = '${runId}' and name LIKE 'sr-%'`, order_by: ['name ASC', 'version_number DESC'] });
      assert.deepEqual(byRun.body.model_versions.map((v: any) => `${v.name}/${v.version}`), ['sr-a/2', 'sr-a/1', 'sr-b/1', 'sr-c/1']);
      const numbered = await t.call('GET', 'model-versions/search', { filter: "name LIKE 'sr-%' and version_number > 1" });
      assert.deepEqual(numbered.body.model_versions.map((v: any) => `${v.name}/${v.version}`), ['sr-a/2']);
      const bad = await t.call('GET', 'model-versions/search', { filter: 'foo = 1' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /Invalid attribute key 'foo' specified/);
    });

    test('concurrent registrations get distinct version numbers', async () => {
      await createModel('racy');
      const versions = await Promise.all(
        Array.from({ length: 12 }, () => t.call('POST', 'model-versions/create', { name: 'racy', source: 's3://bucket/model' })),
      );
      assert.ok(versions.every((v) => v.status === 200));
      assert.deepEqual(
        versions.map((v) => Number(v.body.model_version.version)).sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    });
  });

  describe(`MLflow 3 logged-model RPCs (${backend})`, () => {
    let t: TrackingApp;
    let experimentId: string;
    let runId: string;
    before(async () => {
      t = await openTrackingApp(backend);
      experimentId = (await t.call('POST', 'experiments/create', { name: 'logged' })).body.experiment_id;
      runId = (await t.call('POST', 'runs/create', { experiment_id: experimentId })).body.run.info.run_id;
    });
    after(() => t.close());

    test('the MLflow 3 log_model sequence: create, upload, finalize, tag, link, register, download URI', async () => {
      const created = await t.call('POST', 'logged-models', {
        experiment_id: experimentId,
        name: 'model',
        model_type: 'onnx',
        source_run_id: runId,
        params: [{ key: 'arch', value: 'eurosat-cnn' }],
        tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
      });
      assert.equal(created.status, 200, created.text);
      const info = created.body.model.info;
      assert.match(info.model_id, /^m-[0-9a-f]{32}$/);
      assert.equal(info.status, 'LOGGED_MODEL_PENDING');
      assert.equal(info.artifact_uri, `mlflow-artifacts:/${experimentId}/models/${info.model_id}/artifacts`);
      assert.deepEqual(created.body.model.data.params, [{ key: 'arch', value: 'eurosat-cnn' }]);

      const upload = await t.app.inject({
        method: 'PUT',
        url: `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${info.model_id}/artifacts/MLmodel`,
        payload: 'flavors: {}\n',
      });
      assert.equal(upload.statusCode, 200);
      const listed = await t.call('GET', `logged-models/${info.model_id}/artifacts/directories`, {});
      assert.deepEqual(listed.body.files, [{ path: 'MLmodel', is_dir: false, file_size: 12 }]);

      const finalized = await t.call('PATCH', `logged-models/${info.model_id}`, { model_id: info.model_id, status: 'LOGGED_MODEL_READY' });
      assert.equal(finalized.body.model.info.status, 'LOGGED_MODEL_READY');
      const tagged = await t.call('PATCH', `logged-models/${info.model_id}/tags`, { tags: [{ key: 'quality', value: 'good' }] });
      assert.ok(tagged.body.model.info.tags.some((x: any) => x.key === 'quality'));
      assert.equal((await t.call('POST', `logged-models/${info.model_id}/params`, { params: [{ key: 'epochs', value: '10' }] })).status, 200);
      assert.equal((await t.call('POST', 'runs/outputs', { run_id: runId, models: [{ model_id: info.model_id, step: 0 }] })).status, 200);
      assert.equal(
        (await t.call('POST', 'runs/log-metric', { run_id: runId, key: 'acc', value: 0.9, timestamp: 1, step: 0, model_id: info.model_id })).status,
        200,
      );

      await t.call('POST', 'registered-models/create', { name: 'from-logged' });
      const version = await t.call('POST', 'model-versions/create', { name: 'from-logged', source: `models:/${info.model_id}`, run_id: runId, model_id: info.model_id });
      assert.equal(version.body.model_version.model_id, info.model_id);
      const uri = await t.call('GET', 'model-versions/get-download-uri', { name: 'from-logged', version: '1' });
      assert.equal(uri.body.artifact_uri, info.artifact_uri);

      const got = await t.call('GET', `logged-models/${info.model_id}`, {});
      assert.deepEqual(got.body.model.info.registrations, [{ name: 'from-logged', version: '1' }]);
      assert.deepEqual(got.body.model.data.metrics.map((m: any) => [m.key, m.value, m.run_id]), [['acc', 0.9, runId]]);
      assert.deepEqual(got.body.model.data.params.map((p: any) => p.key), ['arch', 'epochs']);
    });

    test('search logged models; delete tag; delete; unknown ids are 404; bad status is 400', async () => {
      const a = (await t.call('POST', 'logged-models', { experiment_id: experimentId, name: 'search-a', model_type: 'onnx' })).body.model.info;
      const b = (await t.call('POST', 'logged-models', { experiment_id: experimentId, name: 'search-b', model_type: 'torchscript' })).body.model.info;
      await t.call('PATCH', `logged-models/${b.model_id}/tags`, { tags: [{ key: 'k', value: 'v' }] });
      const found = await t.call('POST', 'logged-models/search', { experiment_ids: [experimentId], filter: "name LIKE 'search-%'", order_by: [{ field_name: 'name', ascending: true }] });
      assert.deepEqual(found.body.models.map((m: any) => m.info.name), ['search-a', 'search-b']);
      const typed = await t.call('POST', 'logged-models/search', { experiment_ids: [experimentId], filter: "model_type = 'torchscript'" });
      assert.deepEqual(typed.body.models.map((m: any) => m.info.name), ['search-b']);
      const byTag = await t.call('POST', 'logged-models/search', { experiment_ids: [experimentId], filter: "tags.k = 'v'" });
      assert.deepEqual(byTag.body.models.map((m: any) => m.info.name), ['search-b']);

      assert.equal((await t.call('DELETE', `logged-models/${b.model_id}/tags/k`, {})).status, 200);
      assert.equal((await t.call('DELETE', `logged-models/${b.model_id}/tags/k`, {})).status, 404);
      assert.equal((await t.call('DELETE', `logged-models/${a.model_id}`, {})).status, 200);
      assert.equal((await t.call('GET', `logged-models/${a.model_id}`, {})).status, 404);
      assert.equal((await t.call('GET', 'logged-models/m-00000000000000000000000000000000', {})).status, 404);
      const badStatus = await t.call('PATCH', `logged-models/${b.model_id}`, { status: 'DONE' });
      assert.equal(badStatus.status, 400);
      const missingExperiment = await t.call('POST', 'logged-models', { experiment_id: '999999' });
      assert.equal(missingExperiment.status, 404);
      const noExperiment = await t.call('POST', 'logged-models', {});
      assert.equal(noExperiment.status, 400);
    });
  });
}

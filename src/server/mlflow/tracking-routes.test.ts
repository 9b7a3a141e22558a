// Every MLflow tracking RPC, with its success shape and its error codes and statuses, against both
// store backends (SQLite and a real PostgreSQL started by `npm test`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TEST_BACKENDS } from '../../../test/support/databases.js';
import { openTrackingApp, type TrackingApp } from '../../../test/support/tracking-app.js';

const MISSING_RUN = '0'.repeat(32);

for (const backend of TEST_BACKENDS) {
  describe(`MLflow tracking RPCs (${backend})`, () => {
    let t: TrackingApp;
    let experimentId: string;
    before(async () => {
      t = await openTrackingApp(backend);
      const created = await t.call('POST', 'experiments/create', { name: 'tracking', tags: [{ key: 'team', value: 'eo' }] });
      assert.equal(created.status, 200, created.text);
      experimentId = created.body.experiment_id;
    });
    after(() => t.close());

    const createRun = async (extra: Record<string, unknown> = {}) => {
      const r = await t.call('POST', 'runs/create', { experiment_id: experimentId, start_time: Date.now(), ...extra });
      assert.equal(r.status, 200, r.text);
      return r.body.run.info.run_id as string;
    };

    describe('experiments', () => {
      test('the Default experiment 0 exists', async () => {
        const r = await t.call('GET', 'experiments/get', { experiment_id: '0' });
        assert.equal(r.status, 200);
        assert.equal(r.body.experiment.name, 'Default');
        assert.equal(r.body.experiment.artifact_location, 'mlflow-artifacts:/0');
      });

      test('create, get, get-by-name', async () => {
        const byName = await t.call('GET', 'experiments/get-by-name', { experiment_name: 'tracking' });
        assert.equal(byName.status, 200);
        assert.equal(byName.body.experiment.experiment_id, experimentId);
        assert.equal(byName.body.experiment.artifact_location, `mlflow-artifacts:/${experimentId}`);
        assert.equal(byName.body.experiment.lifecycle_stage, 'active');
        assert.deepEqual(byName.body.experiment.tags, [{ key: 'team', value: 'eo' }]);
        assert.equal(typeof byName.body.experiment.creation_time, 'number');
        const byId = await t.call('GET', 'experiments/get', { experiment_id: experimentId });
        assert.deepEqual(byId.body, byName.body);
      });

      test('create errors: duplicate, missing, empty and wrong-typed names', async () => {
        const dup = await t.call('POST', 'experiments/create', { name: 'tracking' });
        assert.equal(dup.status, 400);
        assert.equal(dup.body.error_code, 'RESOURCE_ALREADY_EXISTS');
        assert.doesNotMatch(dup.body.message, /SQL|constraint/i, 'no SQL in messages');
        for (const body of [{}, { name: '' }]) {
          const r = await t.call('POST', 'experiments/create', body);
          assert.equal(r.status, 400);
          assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
          assert.match(r.body.message, /Missing value for required parameter 'name'/);
        }
        const typed = await t.call('POST', 'experiments/create', { name: 123 });
        assert.equal(typed.status, 400);
        assert.match(typed.body.message, /Invalid value 123 for parameter 'name' supplied: Hint: Value was of type 'int'/);
      });

      test('an explicit artifact location is kept and used for runs', async () => {
        const r = await t.call('POST', 'experiments/create', { name: 'custom-location', artifact_location: 's3://bucket/prefix' });
        const exp = await t.call('GET', 'experiments/get', { experiment_id: r.body.experiment_id });
        assert.equal(exp.body.experiment.artifact_location, 's3://bucket/prefix');
        const run = await t.call('POST', 'runs/create', { experiment_id: r.body.experiment_id });
        assert.match(run.body.run.info.artifact_uri, /^s3:\/\/bucket\/prefix\/[0-9a-f]{32}\/artifacts$/);
      });

      test('get errors: unknown, missing and non-numeric ids', async () => {
        const unknown = await t.call('GET', 'experiments/get', { experiment_id: '987654321' });
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
        assert.equal(unknown.body.message, 'No Experiment with id=987654321 exists');
        const none = await t.call('GET', 'experiments/get', {});
        assert.equal(none.status, 400);
        assert.match(none.body.message, /Missing value for required parameter 'experiment_id'/);
        const nonNumeric = await t.call('GET', 'experiments/get', { experiment_id: 'abc' });
        assert.equal(nonNumeric.status, 400);
        assert.equal(nonNumeric.body.error_code, 'INVALID_PARAMETER_VALUE');
        const byName = await t.call('GET', 'experiments/get-by-name', { experiment_name: 'nope' });
        assert.equal(byName.status, 404);
        assert.equal(byName.body.message, "Could not find experiment with name 'nope'");
      });

      test('update renames; delete and restore also move the runs', async () => {
        const id = (await t.call('POST', 'experiments/create', { name: 'to-rename' })).body.experiment_id;
        const run = (await t.call('POST', 'runs/create', { experiment_id: id })).body.run.info.run_id;
        assert.equal((await t.call('POST', 'experiments/update', { experiment_id: id, new_name: 'renamed' })).status, 200);
        assert.equal((await t.call('GET', 'experiments/get', { experiment_id: id })).body.experiment.name, 'renamed');
        const clash = await t.call('POST', 'experiments/update', { experiment_id: id, new_name: 'tracking' });
        assert.equal(clash.body.error_code, 'RESOURCE_ALREADY_EXISTS');

        assert.equal((await t.call('POST', 'experiments/delete', { experiment_id: id })).status, 200);
        assert.equal((await t.call('GET', 'experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage, 'deleted');
        assert.equal((await t.call('GET', 'runs/get', { run_id: run })).body.run.info.lifecycle_stage, 'deleted');
        const runInDeleted = await t.call('POST', 'runs/create', { experiment_id: id });
        assert.equal(runInDeleted.status, 400);
        assert.equal((await t.call('POST', 'experiments/restore', { experiment_id: id })).status, 200);
        assert.equal((await t.call('GET', 'runs/get', { run_id: run })).body.run.info.lifecycle_stage, 'active');
        const restoreActive = await t.call('POST', 'experiments/restore', { experiment_id: id });
        assert.equal(restoreActive.status, 400);
        const deleteUnknown = await t.call('POST', 'experiments/delete', { experiment_id: '424242' });
        assert.equal(deleteUnknown.status, 404);
      });

      test('set-experiment-tag and delete-experiment-tag', async () => {
        assert.equal((await t.call('POST', 'experiments/set-experiment-tag', { experiment_id: experimentId, key: 'k', value: 'v1' })).status, 200);
        await t.call('POST', 'experiments/set-experiment-tag', { experiment_id: experimentId, key: 'k', value: 'v2' });
        let exp = (await t.call('GET', 'experiments/get', { experiment_id: experimentId })).body.experiment;
        assert.deepEqual(exp.tags.find((x: any) => x.key === 'k'), { key: 'k', value: 'v2' });
        assert.equal((await t.call('POST', 'experiments/delete-experiment-tag', { experiment_id: experimentId, key: 'k' })).status, 200);
        exp = (await t.call('GET', 'experiments/get', { experiment_id: experimentId })).body.experiment;
        assert.equal(exp.tags.find((x: any) => x.key === 'k'), undefined);
        const missingTag = await t.call('POST', 'experiments/delete-experiment-tag', { experiment_id: experimentId, key: 'k' });
        assert.equal(missingTag.status, 404);
        const tooLong = await t.call('POST', 'experiments/set-experiment-tag', { experiment_id: experimentId, key: 'k', value: 'x'.repeat(5001) });
        assert.equal(tooLong.status, 400);
      });

      test('search: filter, order_by, view_type, paging, POST and GET', async () => {
        for (const name of ['search-a', 'search-b', 'search-c']) await t.call('POST', 'experiments/create', { name });
        const del = (await t.call('GET', 'experiments/get-by-name', { experiment_name: 'search-c' })).body.experiment.experiment_id;
        await t.call('POST', 'experiments/delete', { experiment_id: del });

        const active = await t.call('POST', 'experiments/search', { filter: "name LIKE 'search-%'", order_by: ['name DESC'] });
        assert.deepEqual(active.body.experiments.map((e: any) => e.name), ['search-b', 'search-a']);
        const all = await t.call('GET', 'experiments/search', { filter: "name LIKE 'search-%'", view_type: 'ALL', order_by: 'name ASC' });
        assert.deepEqual(all.body.experiments.map((e: any) => e.name), ['search-a', 'search-b', 'search-c']);
        const deleted = await t.call('POST', 'experiments/search', { filter: "name LIKE 'search-%'", view_type: 'DELETED_ONLY' });
        assert.deepEqual(deleted.body.experiments.map((e: any) => e.name), ['search-c']);
        const tagged = await t.call('POST', 'experiments/search', { filter: "tags.team = 'eo'" });
        assert.deepEqual(tagged.body.experiments.map((e: any) => e.name), ['tracking']);

        const page1 = await t.call('POST', 'experiments/search', { filter: "name LIKE 'search-%'", view_type: 'ALL', max_results: 2, order_by: ['name'] });
        assert.equal(page1.body.experiments.length, 2);
        assert.ok(page1.body.next_page_token);
        const page2 = await t.call('POST', 'experiments/search', {
          filter: "name LIKE 'search-%'",
          view_type: 'ALL',
          max_results: 2,
          order_by: ['name'],
          page_token: page1.body.next_page_token,
        });
        assert.deepEqual(page2.body.experiments.map((e: any) => e.name), ['search-c']);
        assert.equal(page2.body.next_page_token, undefined);

        const bad = await t.call('POST', 'experiments/search', { filter: 'foo = 1' });
        assert.equal(bad.status, 400);
        assert.match(bad.body.message, /Invalid attribute key 'foo' specified/);
        const tooMany = await t.call('POST', 'experiments/search', { max_results: 100000 });
        assert.equal(tooMany.status, 400);
        assert.match(tooMany.body.message, /It must be at most 50000/);
        const badToken = await t.call('POST', 'experiments/search', { page_token: '!!!' });
        assert.equal(badToken.status, 400);
      });
    });

    describe('runs', () => {
      test('create returns the run with MLflow fields; run name and tags', async () => {
        const r = await t.call('POST', 'runs/create', {
          experiment_id: Number(experimentId),
          user_id: 'ana',
          run_name: 'first',
          start_time: 1700000000000,
          tags: [{ key: 'mlflow.source.name', value: 'train.py' }],
        });
        assert.equal(r.status, 200);
        const info = r.body.run.info;
        assert.match(info.run_id, /^[0-9a-f]{32}$/);
        assert.equal(info.run_uuid, info.run_id);
        assert.equal(info.run_name, 'first');
        assert.equal(info.experiment_id, experimentId);
        assert.equal(info.user_id, 'ana');
        assert.equal(info.status, 'RUNNING');
        assert.equal(info.start_time, 1700000000000);
        assert.equal(info.end_time, undefined, 'unset fields are omitted');
        assert.equal(info.artifact_uri, `mlflow-artifacts:/${experimentId}/${info.run_id}/artifacts`);
        assert.equal(info.lifecycle_stage, 'active');
        assert.deepEqual(r.body.run.inputs, {});
        const tags = Object.fromEntries(r.body.run.data.tags.map((x: any) => [x.key, x.value]));
        assert.equal(tags['mlflow.runName'], 'first');
        assert.equal(tags['mlflow.source.name'], 'train.py');
      });

      test('a run without a name gets a readable one; the default experiment is 0', async () => {
        const r = await t.call('POST', 'runs/create', {});
        assert.equal(r.body.run.info.experiment_id, '0');
        assert.match(r.body.run.info.run_name, /^[a-z]+-[a-z]+-\d+$/);
      });

      test('create in an unknown experiment is 404', async () => {
        const r = await t.call('POST', 'runs/create', { experiment_id: '987654321' });
        assert.equal(r.status, 404);
        assert.equal(r.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
      });

      test('update: status, end time and name; an unknown status is ignored as in MLflow', async () => {
        const id = await createRun();
        const r = await t.call('POST', 'runs/update', { run_id: id, status: 'FINISHED', end_time: 1700000001000, run_name: 'renamed' });
        assert.equal(r.status, 200);
        assert.equal(r.body.run_info.status, 'FINISHED');
        assert.equal(r.body.run_info.end_time, 1700000001000);
        assert.equal(r.body.run_info.run_name, 'renamed');
        const tags = (await t.call('GET', 'runs/get', { run_id: id })).body.run.data.tags;
        assert.deepEqual(tags.find((x: any) => x.key === 'mlflow.runName'), { key: 'mlflow.runName', value: 'renamed' });
        const ignored = await t.call('POST', 'runs/update', { run_uuid: id, status: 'FOO' });
        assert.equal(ignored.status, 200);
        assert.equal(ignored.body.run_info.status, 'FINISHED');
        const missing = await t.call('POST', 'runs/update', { run_id: MISSING_RUN, status: 'FAILED' });
        assert.equal(missing.status, 404);
      });

      test('get: by run_id or run_uuid; unknown is 404', async () => {
        const id = await createRun();
        assert.equal((await t.call('GET', 'runs/get', { run_uuid: id })).body.run.info.run_id, id);
        const missing = await t.call('GET', 'runs/get', { run_id: MISSING_RUN });
        assert.equal(missing.status, 404);
        assert.equal(missing.body.message, `Run with id=${MISSING_RUN} not found`);
        const none = await t.call('GET', 'runs/get', {});
        assert.equal(none.status, 400);
      });

      test('delete and restore; writes to a deleted run are refused', async () => {
        const id = await createRun();
        assert.equal((await t.call('POST', 'runs/delete', { run_id: id })).status, 200);
        assert.equal((await t.call('GET', 'runs/get', { run_id: id })).body.run.info.lifecycle_stage, 'deleted');
        const write = await t.call('POST', 'runs/log-parameter', { run_id: id, key: 'p', value: '1' });
        assert.equal(write.status, 400);
        assert.match(write.body.message, /must be in the 'active' state. Current state is deleted/);
        assert.equal((await t.call('POST', 'runs/restore', { run_id: id })).status, 200);
        assert.equal((await t.call('GET', 'runs/get', { run_id: id })).body.run.info.lifecycle_stage, 'active');
        assert.equal((await t.call('POST', 'runs/delete', { run_id: MISSING_RUN })).status, 404);
        assert.equal((await t.call('POST', 'runs/restore', { run_id: MISSING_RUN })).status, 404);
      });
    });

    describe('logging', () => {
      test('log-metric: history keeps every point; latest is the largest (step, timestamp, value)', async () => {
        const id = await createRun();
        for (const [value, step, timestamp] of [[0.5, 0, 100], [0.7, 2, 90], [0.6, 1, 110], [0.65, 2, 90]]) {
          const r = await t.call('POST', 'runs/log-metric', { run_id: id, key: 'acc', value, step, timestamp });
          assert.equal(r.status, 200, r.text);
        }
        const run = (await t.call('GET', 'runs/get', { run_id: id })).body.run;
        assert.deepEqual(run.data.metrics, [{ key: 'acc', value: 0.7, timestamp: 90, step: 2 }]);
        const history = await t.call('GET', 'metrics/get-history', { run_id: id, metric_key: 'acc' });
        assert.deepEqual(
          history.body.metrics.map((m: any) => [m.step, m.value]),
          [[0, 0.5], [1, 0.6], [2, 0.65], [2, 0.7]],
        );
      });

      test('log-metric: NaN and Infinity round-trip; errors for missing timestamp, strings, bad keys, unknown runs', async () => {
        const id = await createRun();
        assert.equal((await t.call('POST', 'runs/log-metric', { run_id: id, key: 'loss', value: 'NaN', timestamp: 1, step: 0 })).status, 200);
        assert.equal((await t.call('POST', 'runs/log-metric', { run_uuid: id, key: 'inf', value: 'Infinity', timestamp: 1 })).status, 200);
        const history = await t.call('GET', 'metrics/get-history', { run_id: id, metric_key: 'loss' });
        assert.equal(history.body.metrics[0].value, 'NaN');
        const metrics = (await t.call('GET', 'runs/get', { run_id: id })).body.run.data.metrics;
        assert.equal(metrics.find((m: any) => m.key === 'inf').value, 'Infinity');

        const noTimestamp = await t.call('POST', 'runs/log-metric', { run_id: id, key: 'a', value: 1 });
        assert.equal(noTimestamp.status, 400);
        assert.match(noTimestamp.body.message, /Missing value for required parameter 'timestamp'/);
        const stringValue = await t.call('POST', 'runs/log-metric', { run_id: id, key: 'a', value: 'abc', timestamp: 1 });
        assert.equal(stringValue.status, 400);
        assert.match(stringValue.body.message, /Invalid value "abc" for parameter 'value' supplied: Hint: Value was of type 'str'/);
        const badKey = await t.call('POST', 'runs/log-metric', { run_id: id, key: 'bad key?', value: 1, timestamp: 1 });
        assert.equal(badKey.status, 400);
        assert.match(badKey.body.message, /Names may only contain alphanumerics/);
        const climbing = await t.call('POST', 'runs/log-metric', { run_id: id, key: 'a/../b', value: 1, timestamp: 1 });
        assert.equal(climbing.status, 400);
        const unknownRun = await t.call('POST', 'runs/log-metric', { run_id: MISSING_RUN, key: 'a', value: 1, timestamp: 1 });
        assert.equal(unknownRun.status, 404);
      });

      test('log-parameter: same value again is fine, a change is refused, long values are truncated', async () => {
        const id = await createRun();
        assert.equal((await t.call('POST', 'runs/log-parameter', { run_id: id, key: 'p', value: '1' })).status, 200);
        assert.equal((await t.call('POST', 'runs/log-parameter', { run_id: id, key: 'p', value: '1' })).status, 200);
        const changed = await t.call('POST', 'runs/log-parameter', { run_id: id, key: 'p', value: '2' });
        assert.equal(changed.status, 400);
        assert.match(changed.body.message, /Changing param values is not allowed. Param with key='p' was already logged with value='1'/);
        assert.equal((await t.call('POST', 'runs/log-parameter', { run_id: id, key: 'long', value: 'x'.repeat(7000) })).status, 200);
        const params = (await t.call('GET', 'runs/get', { run_id: id })).body.run.data.params;
        assert.equal(params.find((p: any) => p.key === 'long').value.length, 6000);
        assert.equal(params.find((p: any) => p.key === 'p').value, '1');
        const missingValue = await t.call('POST', 'runs/log-parameter', { run_id: id, key: 'q' });
        assert.equal(missingValue.status, 400);
      });

      test('set-tag and delete-tag; mlflow.runName renames the run', async () => {
        const id = await createRun();
        assert.equal((await t.call('POST', 'runs/set-tag', { run_id: id, key: 'stage', value: 'a' })).status, 200);
        await t.call('POST', 'runs/set-tag', { run_id: id, key: 'stage', value: 'b' });
        await t.call('POST', 'runs/set-tag', { run_id: id, key: 'mlflow.runName', value: 'by-tag' });
        let run = (await t.call('GET', 'runs/get', { run_id: id })).body.run;
        assert.equal(run.info.run_name, 'by-tag');
        assert.deepEqual(run.data.tags.find((x: any) => x.key === 'stage'), { key: 'stage', value: 'b' });
        assert.equal((await t.call('POST', 'runs/delete-tag', { run_id: id, key: 'stage' })).status, 200);
        run = (await t.call('GET', 'runs/get', { run_id: id })).body.run;
        assert.equal(run.data.tags.find((x: any) => x.key === 'stage'), undefined);
        const missing = await t.call('POST', 'runs/delete-tag', { run_id: id, key: 'nope' });
        assert.equal(missing.status, 404);
        assert.equal(missing.body.message, `No tag with name: nope in run with id ${id}`);
        const tooLong = await t.call('POST', 'runs/set-tag', { run_id: id, key: 't', value: 'x'.repeat(8001) });
        assert.equal(tooLong.status, 400);
      });

      test('log-batch: all or nothing, within MLflow limits', async () => {
        const id = await createRun();
        const ok = await t.call('POST', 'runs/log-batch', {
          run_id: id,
          metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1000 + i, step: i })),
          params: [{ key: 'lr', value: '0.01' }, { key: 'epochs', value: '50' }],
          tags: [{ key: 'arch', value: 'eurosat-cnn' }],
        });
        assert.equal(ok.status, 200, ok.text);
        const history = await t.call('GET', 'metrics/get-history', { run_id: id, metric_key: 'loss' });
        assert.equal(history.body.metrics.length, 50);

        const manyMetrics = await t.call('POST', 'runs/log-batch', {
          run_id: id,
          metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i })),
        });
        assert.equal(manyMetrics.status, 400);
        assert.match(manyMetrics.body.message, /at most 1000 metrics. Got 1001 metrics/);
        const manyParams = await t.call('POST', 'runs/log-batch', {
          run_id: id,
          params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })),
        });
        assert.match(manyParams.body.message, /at most 100 params. Got 101 params/);
        const manyTags = await t.call('POST', 'runs/log-batch', { run_id: id, tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' })) });
        assert.match(manyTags.body.message, /at most 100 tags/);
        const duplicates = await t.call('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'dup', value: '1' }, { key: 'dup', value: '2' }] });
        assert.equal(duplicates.status, 400);
        assert.match(duplicates.body.message, /Duplicate parameter keys have been submitted: \['dup'\]/);

        // A batch whose param conflicts must not leave its metrics behind.
        const conflicting = await t.call('POST', 'runs/log-batch', {
          run_id: id,
          metrics: [{ key: 'atomic', value: 1, timestamp: 1 }],
          params: [{ key: 'lr', value: '0.5' }],
        });
        assert.equal(conflicting.status, 400);
        const atomic = await t.call('GET', 'metrics/get-history', { run_id: id, metric_key: 'atomic' });
        assert.deepEqual(atomic.body, {});

        const wrongShape = await t.call('POST', 'runs/log-batch', { run_id: id, metrics: [{ key: 'x', value: 1 }] });
        assert.equal(wrongShape.status, 400);
        assert.match(wrongShape.body.message, /metrics.0.timestamp/);
        const unknownRun = await t.call('POST', 'runs/log-batch', { run_id: MISSING_RUN, metrics: [] });
        assert.equal(unknownRun.status, 404);
      });

      test('log-batch refuses requests over 1 MB', async () => {
        const id = await createRun();
        const r = await t.call('POST', 'runs/log-batch', { run_id: id, tags: [{ key: 'big', value: 'x'.repeat(1_100_000) }] });
        assert.equal(r.status, 400);
        assert.match(r.body.message, /at most 1000000 bytes/);
      });

      test('log-inputs records datasets once per experiment, with tags', async () => {
        const id = await createRun();
        const dataset = { name: 'eurosat-rgb', digest: 'abc123', source_type: 'local', source: '/data/eurosat', schema: '{}' };
        const r = await t.call('POST', 'runs/log-inputs', {
          run_id: id,
          datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }],
        });
        assert.equal(r.status, 200, r.text);
        await t.call('POST', 'runs/log-inputs', { run_id: id, datasets: [{ dataset }] });
        const run = (await t.call('GET', 'runs/get', { run_id: id })).body.run;
        assert.equal(run.inputs.dataset_inputs.length, 1);
        assert.equal(run.inputs.dataset_inputs[0].dataset.name, 'eurosat-rgb');
        assert.deepEqual(run.inputs.dataset_inputs[0].tags, [{ key: 'mlflow.data.context', value: 'training' }]);
        const bad = await t.call('POST', 'runs/log-inputs', { run_id: id, datasets: [{ dataset: { name: 'x' } }] });
        assert.equal(bad.status, 400);
        const noRun = await t.call('POST', 'runs/log-inputs', {});
        assert.equal(noRun.status, 400);
      });

      test('log-model appends to mlflow.log-model.history', async () => {
        const id = await createRun();
        const model = { artifact_path: 'model', flavors: { onnx: {} }, run_id: id };
        assert.equal((await t.call('POST', 'runs/log-model', { run_id: id, model_json: JSON.stringify(model) })).status, 200);
        await t.call('POST', 'runs/log-model', { run_id: id, model_json: JSON.stringify({ ...model, artifact_path: 'model2' }) });
        const tags = (await t.call('GET', 'runs/get', { run_id: id })).body.run.data.tags;
        const history = JSON.parse(tags.find((x: any) => x.key === 'mlflow.log-model.history').value);
        assert.deepEqual(history.map((m: any) => m.artifact_path), ['model', 'model2']);
        const bad = await t.call('POST', 'runs/log-model', { run_id: id, model_json: '{not json' });
        assert.equal(bad.status, 400);
      });
    });

    describe('metric history', () => {
      test('get-history: a missing run or key is {} (200); paging with max_results', async () => {
        const id = await createRun();
        const metrics = Array.from({ length: 25 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
        await t.call('POST', 'runs/log-batch', { run_id: id, metrics });
        assert.deepEqual((await t.call('GET', 'metrics/get-history', { run_id: MISSING_RUN, metric_key: 'm' })).body, {});
        assert.deepEqual((await t.call('GET', 'metrics/get-history', { run_id: id, metric_key: 'nope' })).body, {});
        const seen: number[] = [];
        let token: string | undefined;
        do {
          const page = await t.call('GET', 'metrics/get-history', { run_id: id, metric_key: 'm', max_results: 10, ...(token ? { page_token: token } : {}) });
          seen.push(...page.body.metrics.map((m: any) => m.step));
          token = page.body.next_page_token;
        } while (token);
        assert.deepEqual(seen, metrics.map((m) => m.step));
        const noKey = await t.call('GET', 'metrics/get-history', { run_id: id });
        assert.equal(noKey.status, 400);
      });

      test('get-history-bulk-interval samples steps per run, keeping the first and the last', async () => {
        const a = await createRun();
        const b = await createRun();
        for (const id of [a, b]) {
          await t.call('POST', 'runs/log-batch', {
            run_id: id,
            metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: 100 - i, timestamp: i, step: i })),
          });
        }
        const r = await t.call('GET', 'metrics/get-history-bulk-interval', { run_ids: [a, b], metric_key: 'loss', max_results: 10 });
        assert.equal(r.status, 200, r.text);
        for (const id of [a, b]) {
          const steps = r.body.metrics.filter((m: any) => m.run_id === id).map((m: any) => m.step);
          assert.equal(steps.length, 10);
          assert.equal(steps[0], 0);
          assert.equal(steps.at(-1), 99);
        }
        const windowed = await t.call('GET', 'metrics/get-history-bulk-interval', { run_ids: a, metric_key: 'loss', start_step: 10, end_step: 19 });
        assert.deepEqual(windowed.body.metrics.map((m: any) => m.step), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
        const tooMany = await t.call('GET', 'metrics/get-history-bulk-interval', {
          run_ids: Array.from({ length: 101 }, (_, i) => String(i).padStart(32, '0')),
          metric_key: 'loss',
        });
        assert.equal(tooMany.status, 400);
        const tooLarge = await t.call('GET', 'metrics/get-history-bulk-interval', { run_ids: a, metric_key: 'loss', max_results: 2501 });
        assert.equal(tooLarge.status, 400);
        const halfWindow = await t.call('GET', 'metrics/get-history-bulk-interval', { run_ids: a, metric_key: 'loss', start_step: 3 });
        assert.equal(halfWindow.status, 400);
      });
    });

    describe('search runs', () => {
      let searchExperiment: string;
      const ids: Record<string, string> = {};
      before(async () => {
        searchExperiment = (await t.call('POST', 'experiments/create', { name: 'runs-search' })).body.experiment_id;
        const specs = [
          { name: 'alpha', lr: '0.1', acc: 0.91, start: 1000, arch: 'resnet18' },
          { name: 'beta', lr: '0.01', acc: 0.95, start: 2000, arch: 'resnet34' },
          { name: 'gamma', lr: '0.1', acc: 0.85, start: 3000, arch: 'unet' },
          { name: 'delta', lr: '0.001', acc: undefined, start: 4000, arch: 'Resnet18' },
        ];
        for (const s of specs) {
          const r = await t.call('POST', 'runs/create', { experiment_id: searchExperiment, run_name: s.name, start_time: s.start });
          const id = r.body.run.info.run_id;
          ids[s.name] = id;
          await t.call('POST', 'runs/log-batch', {
            run_id: id,
            params: [{ key: 'lr', value: s.lr }],
            tags: [{ key: 'arch', value: s.arch }],
            metrics: s.acc === undefined ? [] : [{ key: 'acc', value: s.acc, timestamp: 1, step: 0 }],
          });
        }
        await t.call('POST', 'runs/update', { run_id: ids.gamma, status: 'FAILED' });
        await t.call('POST', 'runs/delete', { run_id: ids.delta });
      });

      const names = (r: any) => (r.body.runs ?? []).map((x: any) => x.info.run_name);
      const search = (body: Record<string, unknown>) => t.call('POST', 'runs/search', { experiment_ids: [searchExperiment], ...body });

      test('default order is start_time DESC; runs carry full data', async () => {
        const r = await search({});
        assert.deepEqual(names(r), ['gamma', 'beta', 'alpha']);
        const beta = r.body.runs[1];
        assert.deepEqual(beta.data.params, [{ key: 'lr', value: '0.01' }]);
        assert.deepEqual(beta.data.metrics, [{ key: 'acc', value: 0.95, timestamp: 1, step: 0 }]);
      });

      test('filters on metrics, params, tags and attributes, joined by AND', async () => {
        assert.deepEqual(names(await search({ filter: 'metrics.acc > 0.9' })), ['beta', 'alpha']);
        assert.deepEqual(names(await search({ filter: "params.lr = '0.1'" })), ['gamma', 'alpha']);
        assert.deepEqual(names(await search({ filter: "params.lr = '0.1' and metrics.acc >= 0.9" })), ['alpha']);
        assert.deepEqual(names(await search({ filter: "tags.arch LIKE 'resnet%'" })), ['beta', 'alpha']);
        assert.deepEqual(names(await search({ filter: "tags.arch ILIKE 'RESNET%'", run_view_type: 'ALL' })), ['delta', 'beta', 'alpha']);
        assert.deepEqual(names(await search({ filter: "attributes.status = 'FAILED'" })), ['gamma']);
        assert.deepEqual(names(await search({ filter: "attributes.run_name != 'beta'" })), ['gamma', 'alpha']);
        assert.deepEqual(names(await search({ filter: 'attributes.start_time >= 2000' })), ['gamma', 'beta']);
        assert.deepEqual(names(await search({ filter: `attributes.run_id IN ('${ids.alpha}', '${ids.gamma}')` })), ['gamma', 'alpha']);
        assert.deepEqual(names(await search({ filter: "metrics.`acc` < 0.9" })), ['gamma']);
        assert.deepEqual(names(await search({ filter: 'metrics.missing > 0' })), []);
      });

      test('view types', async () => {
        assert.deepEqual(names(await search({ run_view_type: 'DELETED_ONLY' })), ['delta']);
        assert.deepEqual(names(await search({ run_view_type: 'ALL' })), ['delta', 'gamma', 'beta', 'alpha']);
      });

      test('order_by metrics, params and attributes; runs missing the key go last', async () => {
        assert.deepEqual(names(await search({ order_by: ['metrics.acc DESC'], run_view_type: 'ALL' })), ['beta', 'alpha', 'gamma', 'delta']);
        assert.deepEqual(names(await search({ order_by: ['metrics.acc ASC'], run_view_type: 'ALL' })), ['gamma', 'alpha', 'beta', 'delta']);
        assert.deepEqual(names(await search({ order_by: ['params.lr DESC', 'attributes.start_time ASC'] })), ['alpha', 'gamma', 'beta']);
        assert.deepEqual(names(await search({ order_by: ['attributes.run_name'] })), ['alpha', 'beta', 'gamma']);
      });

      test('paging with max_results and page_token covers every run once', async () => {
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await search({ max_results: 1, run_view_type: 'ALL', ...(token ? { page_token: token } : {}) });
          seen.push(...names(page));
          token = page.body.next_page_token;
        } while (token);
        assert.deepEqual(seen, ['delta', 'gamma', 'beta', 'alpha']);
      });

      test('bad filters, order_by, limits and tokens are 400 with MLflow messages', async () => {
        const cases: [Record<string, unknown>, RegExp][] = [
          [{ filter: "metrics.acc > 'a'" }, /Expected numeric value type for metric/],
          [{ filter: "params.lr = '1' OR params.lr = '2'" }, /Invalid clause\(s\) in filter string: 'OR'/],
          [{ filter: 'params.lr = 1' }, /Expected a quoted string value for parameter/],
          [{ order_by: ['foo.bar'] }, /Invalid entity type 'foo'/],
          [{ max_results: 50001 }, /max_results/],
          [{ page_token: 'not base64!' }, /Invalid page token/],
        ];
        for (const [body, message] of cases) {
          const r = await search(body);
          assert.equal(r.status, 400, JSON.stringify(body));
          assert.equal(r.body.error_code, 'INVALID_PARAMETER_VALUE');
          assert.match(r.body.message, message);
        }
      });

      test('experiment ids may be sent as numbers', async () => {
        const r = await t.call('POST', 'runs/search', { experiment_ids: [Number(searchExperiment)], max_results: 1 });
        assert.equal(r.status, 200);
        assert.equal(r.body.runs.length, 1);
      });
    });

    describe('run outputs and artifacts/list', () => {
      test('runs/outputs links logged models to the run', async () => {
        const id = await createRun();
        const model = await t.call('POST', 'logged-models', { experiment_id: experimentId, source_run_id: id, name: 'm' });
        const modelId = model.body.model.info.model_id;
        assert.equal((await t.call('POST', 'runs/outputs', { run_id: id, models: [{ model_id: modelId, step: 3 }] })).status, 200);
        const run = (await t.call('GET', 'runs/get', { run_id: id })).body.run;
        assert.deepEqual(run.outputs, { model_outputs: [{ model_id: modelId, step: 3 }] });
        assert.equal((await t.call('POST', 'runs/outputs', { run_id: MISSING_RUN, models: [] })).status, 404);
      });

      test('artifacts/list lists the run folder; unknown runs are 404', async () => {
        const id = await createRun();
        const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${id}/artifacts`;
        for (const file of ['model/model.onnx', 'model/MLmodel', 'plots/loss.png']) {
          const put = await t.app.inject({ method: 'PUT', url: `${base}/${file}`, payload: Buffer.from(file) });
          assert.equal(put.statusCode, 200);
        }
        const root = await t.call('GET', 'artifacts/list', { run_id: id });
        assert.equal(root.body.root_uri, `mlflow-artifacts:/${experimentId}/${id}/artifacts`);
        assert.deepEqual(root.body.files, [
          { path: 'model', is_dir: true },
          { path: 'plots', is_dir: true },
        ]);
        const model = await t.call('GET', 'artifacts/list', { run_id: id, path: 'model' });
        assert.deepEqual(model.body.files, [
          { path: 'model/MLmodel', is_dir: false, file_size: 'model/MLmodel'.length },
          { path: 'model/model.onnx', is_dir: false, file_size: 'model/model.onnx'.length },
        ]);
        assert.equal((await t.call('GET', 'artifacts/list', { run_id: MISSING_RUN })).status, 404);
        const climbing = await t.call('GET', 'artifacts/list', { run_id: id, path: '../../..' });
        assert.equal(climbing.status, 400);
      });
    });
  });
}

// MLflow's wire conventions that every RPC shares: prefixes, content types, malformed bodies, bodies
// encoded twice, unknown fields, unknown routes and wrong methods, and never a 5xx for a client mistake.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTrackingApp, type TrackingApp } from '../../../test/support/tracking-app.js';
import { buildApp } from '../app.js';
import { MLFLOW_RPC_ROUTES } from './index.js';

describe('MLflow wire conventions', () => {
  let t: TrackingApp;
  before(async () => {
    t = await openTrackingApp('sqlite');
  });
  after(() => t.close());

  test('the same RPC answers under /api/2.0, /ajax-api/2.0 and the 3.0 prefixes', async () => {
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow', '/api/3.0/mlflow', '/ajax-api/3.0/mlflow']) {
      const r = await t.app.inject({ method: 'GET', url: `${prefix}/experiments/get?experiment_id=0` });
      assert.equal(r.statusCode, 200, prefix);
      assert.equal(r.json().experiment.name, 'Default');
      assert.match(String(r.headers['content-type']), /^application\/json/);
    }
  });

  test('a content type other than JSON is 400 with MLflow message', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: 'name=x', headers: { 'content-type': 'text/plain' } });
    assert.equal(r.statusCode, 400);
    assert.deepEqual(r.json(), { error_code: 'INVALID_PARAMETER_VALUE', message: "Bad Request. Content-Type must be one of ['application/json']." });
  });

  test('malformed JSON counts as {} so the client learns which field is missing', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: '{"name": ', headers: { 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 400);
    assert.match(r.json().message, /Missing value for required parameter 'name'/);
  });

  test('a body encoded as a JSON string is decoded again; unknown fields are ignored', async () => {
    const body = JSON.stringify(JSON.stringify({ name: 'double-encoded', surprise: true }));
    const r = await t.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await t.call('GET', 'experiments/get-by-name', { experiment_name: 'double-encoded' })).status, 200);
  });

  test('int64 fields sent as strings are accepted (protobuf JSON)', async () => {
    const run = (await t.call('POST', 'runs/create', { start_time: '1700000000000' })).body.run.info;
    assert.equal(run.start_time, 1700000000000);
    const r = await t.call('POST', 'runs/log-metric', { run_id: run.run_id, key: 'm', value: '0.5', timestamp: '12', step: '3' });
    assert.equal(r.status, 200, r.text);
    const m = (await t.call('GET', 'runs/get', { run_id: run.run_id })).body.run.data.metrics[0];
    assert.deepEqual(m, { key: 'm', value: 0.5, timestamp: 12, step: 3 });
  });

  test('an unknown route is a JSON 404 ENDPOINT_NOT_FOUND; a wrong method is 405', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/api/2.0/mlflow/nope' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'ENDPOINT_NOT_FOUND');
    const wrongMethod = await t.app.inject({ method: 'GET', url: '/api/2.0/mlflow/runs/log-metric' });
    assert.equal(wrongMethod.statusCode, 405);
  });

  test('every RPC answers 4xx, never 5xx, to empty, malformed and wrongly typed input', async () => {
    const junkBodies = [undefined, '{', '[]', '"text"', '{"name": 1, "run_id": [], "experiment_id": {}, "max_results": "many"}'];
    for (const route of MLFLOW_RPC_ROUTES) {
      const url = `/api/2.0/mlflow${route.path.replace(/:([a-z_]+)/g, 'x')}`;
      for (const body of junkBodies) {
        const r =
          route.method === 'GET'
            ? await t.app.inject({ method: 'GET', url: `${url}?name=1&run_id=&max_results=many&experiment_id=x` })
            : await t.app.inject({ method: route.method, url, payload: body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
        assert.ok(r.statusCode < 500, `${route.method} ${url} body=${body} -> ${r.statusCode} ${r.body}`);
        if (r.statusCode >= 400) {
          const error = r.json();
          assert.equal(typeof error.error_code, 'string');
          assert.equal(typeof error.message, 'string');
        }
      }
    }
  });

  test('the home page (where the web UI is not served) and health check answer', async () => {
    await t.call('POST', 'experiments/create', { name: 'shown <on> home' });
    const plain = await buildApp({ tracking: t.tracking, webRoot: null });
    try {
      const home = await plain.inject({ method: 'GET', url: '/' });
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /<h1>tileflow<\/h1>/);
      assert.match(home.body, /shown &lt;on&gt; home/, 'names are escaped');
    } finally {
      await plain.close();
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).body, 'OK');
  });
});

// The web UI at `/`: its files, its page for any address a browser opens (client-side routes), and
// the API's own JSON 404 and 405 answers kept intact. A small stand-in build keeps this independent
// of `npm run build:web`; test/e2e drives the real build in Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openTracking, type Tracking } from '../track/service.js';
import { tempDir } from '../../test/support/databases.js';
import { buildApp } from './app.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('web UI serving', () => {
  const dir = tempDir('tileflow-web-');
  const webRoot = path.join(dir.path, 'dist');
  let tracking: Tracking;
  let app: FastifyInstance;

  before(async () => {
    fs.mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><div id="root"></div><script src="/assets/index-abc123.js"></script>');
    fs.writeFileSync(path.join(webRoot, 'assets', 'index-abc123.js'), 'console.log("ui")');
    fs.writeFileSync(path.join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    tracking = await openTracking({ databaseUrl: `sqlite:${path.join(dir.path, 'mlflow.db')}`, artifactsRoot: path.join(dir.path, 'artifacts') });
    app = await buildApp({ tracking, webRoot });
  });
  after(async () => {
    await app.close();
    await tracking.close();
    dir.cleanup();
  });

  test('the page at / is never cached; hashed bundles are cached for a year', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<div id="root">/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const bundle = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(bundle.statusCode, 200);
    assert.match(String(bundle.headers['content-type']), /javascript/);
    assert.equal(bundle.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await app.inject({ method: 'GET', url: '/favicon.svg' })).statusCode, 200);
  });

  test('a browser opening a UI address gets the page (client-side routes survive a reload)', async () => {
    for (const url of ['/experiments', '/experiments/1/runs/abc?tab=charts&x=time', '/compare?runs=a,b', '/models/my.model']) {
      const r = await app.inject({ method: 'GET', url, headers: { accept: HTML } });
      assert.equal(r.statusCode, 200, url);
      assert.match(r.body, /<div id="root">/, url);
    }
  });

  test('API paths keep their JSON 404 and 405, even for a browser', async () => {
    for (const url of ['/api/2.0/mlflow/nope', '/api/projects/none/nothing', '/ajax-api/2.0/mlflow/nope', '/tiles/nope', '/get-artifact/x']) {
      const r = await app.inject({ method: 'GET', url, headers: { accept: HTML } });
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.json().error_code, 'ENDPOINT_NOT_FOUND', url);
    }
    const wrongMethod = await app.inject({ method: 'GET', url: '/api/2.0/mlflow/runs/log-metric', headers: { accept: HTML } });
    assert.equal(wrongMethod.statusCode, 405);
    const rpc = await app.inject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get?experiment_id=0', headers: { accept: HTML } });
    assert.equal(rpc.json().experiment.name, 'Default');
  });

  test('a missing file that is not a page is a 404, not the page', async () => {
    const script = await app.inject({ method: 'GET', url: '/assets/gone-999.js', headers: { accept: '*/*' } });
    assert.equal(script.statusCode, 404);
    const post = await app.inject({ method: 'POST', url: '/experiments', headers: { accept: HTML } });
    assert.equal(post.statusCode, 404);
  });

  test('without a build, / is the plain home page and says how to build the UI', async () => {
    const plain = await buildApp({ tracking, webRoot: path.join(dir.path, 'not-built') });
    try {
      const home = await plain.inject({ method: 'GET', url: '/' });
      assert.equal(home.statusCode, 200);
      assert.match(home.body, /<h1>tileflow<\/h1>/);
      assert.match(home.body, /npm run build:web/);
      assert.equal((await plain.inject({ method: 'GET', url: '/experiments', headers: { accept: HTML } })).statusCode, 404);
    } finally {
      await plain.close();
    }
  });
});

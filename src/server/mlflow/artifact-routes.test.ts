// The artifact proxy: streamed upload and download (byte-exact, ranges), listing, deletion,
// path traversal refused, and MLflow UI's get-artifact. Artifacts live on disk, so SQLite suffices.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTrackingApp, type TrackingApp } from '../../../test/support/tracking-app.js';

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

describe('MLflow artifact proxy', () => {
  let t: TrackingApp;
  let runId: string;
  let base: string;
  before(async () => {
    t = await openTrackingApp('sqlite');
    const run = (await t.call('POST', 'runs/create', {})).body.run.info;
    runId = run.run_id;
    base = `0/${runId}/artifacts`;
  });
  after(() => t.close());

  test('upload then download is byte-exact, with type and attachment headers', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const put = await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/model/weights.bin`, payload: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), {});
    const onDisk = fs.readFileSync(path.join(t.artifactsRoot, base, 'model/weights.bin'));
    assert.ok(onDisk.equals(bytes));
    const get = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/model/weights.bin` });
    assert.equal(get.statusCode, 200);
    assert.ok(get.rawPayload.equals(bytes));
    assert.equal(get.headers['content-type'], 'application/octet-stream');
    assert.match(String(get.headers['content-disposition']), /attachment; filename="weights.bin"/);

    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/metrics.json`, payload: '{"acc":0.9}', headers: { 'content-type': 'application/json' } });
    const json = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/metrics.json` });
    assert.match(String(json.headers['content-type']), /^application\/json/);
    assert.equal(json.body, '{"acc":0.9}', 'a JSON upload is stored as sent, not parsed');
  });

  test('an upload replaces the file atomically; an empty upload is an empty file', async () => {
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/notes.txt`, payload: 'first' });
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/notes.txt`, payload: 'second version' });
    assert.equal((await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/notes.txt` })).body, 'second version');
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/empty.txt` });
    const empty = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/empty.txt` });
    assert.equal(empty.statusCode, 200);
    assert.equal(empty.body, '');
    const leftovers = fs.readdirSync(path.join(t.artifactsRoot, base)).filter((f) => f.includes('.upload-'));
    assert.deepEqual(leftovers, []);
  });

  test('range requests return 206 with the slice; unsatisfiable ranges are 416', async () => {
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/digits.txt`, payload: '0123456789' });
    const slice = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/digits.txt`, headers: { range: 'bytes=2-5' } });
    assert.equal(slice.statusCode, 206);
    assert.equal(slice.body, '2345');
    assert.equal(slice.headers['content-range'], 'bytes 2-5/10');
    const suffix = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/digits.txt`, headers: { range: 'bytes=-3' } });
    assert.equal(suffix.body, '789');
    const open = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/digits.txt`, headers: { range: 'bytes=7-' } });
    assert.equal(open.body, '789');
    const beyond = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/digits.txt`, headers: { range: 'bytes=20-30' } });
    assert.equal(beyond.statusCode, 416);
  });

  test('listing gives names relative to the folder asked for', async () => {
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/plots/loss.png`, payload: 'png' });
    const root = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}?path=${encodeURIComponent(base)}` });
    const names = root.json().files.map((f: any) => f.path);
    assert.ok(names.includes('model') && names.includes('plots') && names.includes('digits.txt'), names.join(','));
    const plots = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}?path=${encodeURIComponent(`${base}/plots`)}` });
    assert.deepEqual(plots.json(), { files: [{ path: 'loss.png', is_dir: false, file_size: 3 }] });
    const nothing = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}?path=does/not/exist` });
    assert.deepEqual(nothing.json(), { files: [] });
  });

  test('a missing artifact is 404 RESOURCE_DOES_NOT_EXIST (not 500, which clients retry)', async () => {
    const r = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/dir/none.txt` });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
    const folder = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/model` });
    assert.equal(folder.statusCode, 404);
  });

  test('path traversal and absolute paths are refused with 400 Invalid path', async () => {
    for (const url of [
      `${ARTIFACTS}/..%2F..%2Fetc%2Fpasswd`,
      `${ARTIFACTS}/0/../../etc/passwd`,
      `${ARTIFACTS}/%2Fetc%2Fpasswd`,
      `${ARTIFACTS}/0/a%5C..%5C..%5Cx`,
    ]) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const r = await t.app.inject({ method, url, payload: method === 'PUT' ? 'x' : undefined });
        assert.ok(r.statusCode === 400 || r.statusCode === 404, `${method} ${url} -> ${r.statusCode}`);
        if (r.statusCode === 400) assert.equal(r.json().error_code, 'INVALID_PARAMETER_VALUE');
      }
    }
    const listing = await t.app.inject({ method: 'GET', url: `${ARTIFACTS}?path=${encodeURIComponent('../..')}` });
    assert.equal(listing.statusCode, 400);
    assert.equal(fs.existsSync(path.join(t.artifactsRoot, '..', 'x')), false);
  });

  test('delete removes a file or a folder; deleting nothing is 404', async () => {
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/tmp/a.txt`, payload: 'a' });
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/tmp/b.txt`, payload: 'b' });
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${ARTIFACTS}/${base}/tmp/a.txt` })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: `${ARTIFACTS}/${base}/tmp/a.txt` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${ARTIFACTS}/${base}/tmp` })).statusCode, 200);
    assert.equal(fs.existsSync(path.join(t.artifactsRoot, base, 'tmp')), false);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${ARTIFACTS}/${base}/tmp` })).statusCode, 404);
  });

  test("MLflow UI's get-artifact downloads by run id and path", async () => {
    await t.app.inject({ method: 'PUT', url: `${ARTIFACTS}/${base}/readme.md`, payload: '# run' });
    const r = await t.app.inject({ method: 'GET', url: `/get-artifact?run_id=${runId}&path=readme.md` });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, '# run');
    assert.equal((await t.app.inject({ method: 'GET', url: `/get-artifact?run_id=${runId}&path=../../x` })).statusCode, 400);
    assert.equal((await t.app.inject({ method: 'GET', url: `/get-artifact?run_id=${'0'.repeat(32)}&path=a` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: '/get-artifact?path=a' })).statusCode, 400);
  });
});

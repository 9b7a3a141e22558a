// `tileflow tiles cover` run as a real child process on real AOI files: its output is the library's
// cover, and bad input ends as one `error:` line and exit code 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { coverGeometry, quadkey, tileBounds, tileId } from '../geo/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const COUNTRIES = path.resolve(ROOT, '../shared/fixtures/geoparquet/opengeos/countries.geojson');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process. */
function tileflow(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('tileflow tiles cover', () => {
  let dir: string;
  let switzerland: unknown;
  const file = (name: string) => path.join(dir, name);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-tiles-'));
    const collection = JSON.parse(fs.readFileSync(COUNTRIES, 'utf8'));
    switzerland = collection.features.find((f: { properties: { name: string } }) => f.properties.name === 'Switzerland');
    fs.writeFileSync(file('switzerland.geojson'), JSON.stringify(switzerland));
    fs.writeFileSync(file('bowtie.geojson'), JSON.stringify({ type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] }));
    fs.writeFileSync(file('broken.geojson'), '{"type": "Polygon", ');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('prints the library’s cover, one x-y-z per line', async () => {
    const result = await tileflow(['tiles', 'cover', file('switzerland.geojson'), '--zoom', '10']);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    const expected = coverGeometry(switzerland, 10).map(tileId);
    assert.equal(expected.length > 50, true, 'Switzerland covers many tiles at zoom 10');
    assert.deepEqual(result.stdout.split('\n'), [...expected, '']);
  });

  test('--format quadkey and --format geojson', async () => {
    const expected = coverGeometry(switzerland, 8);
    const keys = await tileflow(['tiles', 'cover', file('switzerland.geojson'), '--zoom', '8', '--format', 'quadkey']);
    assert.equal(keys.code, 0, keys.stderr);
    assert.deepEqual(keys.stdout.trim().split('\n'), expected.map(quadkey));
    const squares = await tileflow(['tiles', 'cover', file('switzerland.geojson'), '--zoom', '8', '--format', 'geojson']);
    assert.equal(squares.code, 0, squares.stderr);
    const collection = JSON.parse(squares.stdout);
    assert.equal(collection.type, 'FeatureCollection');
    assert.deepEqual(collection.features.map((f: { id: string }) => f.id), expected.map(tileId));
    const [west, south, east, north] = tileBounds(expected[0]);
    assert.deepEqual(collection.features[0].geometry.coordinates, [[[west, south], [east, south], [east, north], [west, north], [west, south]]]);
  });

  test('a self-intersecting polygon is one error line and exit code 1', async () => {
    const result = await tileflow(['tiles', 'cover', file('bowtie.geojson'), '--zoom', '10']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'error: invalid GeoJSON at coordinates: ring 0 intersects itself: segment 0 [[0,0],[2,2]] crosses segment 2 [[2,0],[0,2]]\n',
    );
  });

  test('too many tiles, a zoom out of range, a missing file and broken JSON are errors too', async () => {
    const [limit, zoom, missing, broken] = await Promise.all([
      tileflow(['tiles', 'cover', file('switzerland.geojson'), '--zoom', '10', '--max-tiles', '5']),
      tileflow(['tiles', 'cover', file('switzerland.geojson'), '--zoom', '31']),
      tileflow(['tiles', 'cover', file('nowhere.geojson'), '--zoom', '3']),
      tileflow(['tiles', 'cover', file('broken.geojson'), '--zoom', '3']),
    ]);
    const count = coverGeometry(switzerland, 10).length;
    assert.deepEqual(limit, {
      code: 1,
      stdout: '',
      stderr: `error: the cover at zoom 10 needs ${count} tiles, more than the limit of 5: use a lower zoom, a smaller area, or raise the limit\n`,
    });
    assert.deepEqual(zoom, { code: 1, stdout: '', stderr: 'error: zoom 31 is out of range: it must be an integer from 0 to 30\n' });
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: `error: cannot read ${file('nowhere.geojson')}: no such file\n` });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^error: .*broken\.geojson is not JSON: .+\n$/);
  });

  test('a zoom that is not a number is a usage error (exit code 2)', async () => {
    const result = await tileflow(['tiles', 'cover', file('switzerland.geojson'), '--zoom', 'ten']);
    assert.deepEqual(result, { code: 2, stdout: '', stderr: 'error: --zoom must be an integer, got "ten"\n' });
  });
});

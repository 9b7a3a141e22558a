// The prediction commands end to end through the real CLI (a child process on a temporary
// TILEFLOW_HOME): a tiny ONNX classifier made outside tileflow is uploaded with its MLM item, run over
// a polygon AOI of a real Sentinel-2 COG (the Libyan coast: sea in the north, desert in the south),
// and its results are listed, shown, exported (GeoJSON, a chip dataset), queued for review and
// reviewed; Ctrl-C cancels a running prediction cleanly and `predictions resume` finishes it without
// a tile run twice; bad input (an unknown model version, a malformed or enormous AOI, an unknown id,
// a tracking server's URI, an AOI with no imagery) ends with the reason on one line and exit code 1,
// never a stack trace.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { coverAoi, parseAoi, readAoiFile } from '../../predict/aoi.js';
import { PredictStore } from '../../predict/store/predict-store.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { tinyClassifierMlm, tinyClassifierOnnx } from '../../../test/support/tiny-onnx.js';
import { readAoiArgument } from './predict.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
/** Inside the COG's data, east of its nodata wedge: 26 tiles at zoom 11, from open sea to desert. */
const POLYGON = [[[23.7, 31.65], [24.15, 31.65], [24.2, 32.1], [23.95, 32.42], [23.7, 32.3], [23.7, 31.65]]];
const NO_STACK = /^\s+at /m;

let tmp: string;
let home: string;
let aoiFile: string;
let tracking: Tracking | undefined;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child CLI: its own home, none of the caller's tracking settings. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(MLFLOW_|TILEFLOW_)/.test(name)) delete env[name];
  return { ...env, TILEFLOW_HOME: home };
}

/** Starts the real CLI in a child process. */
function start(args: string[]): { child: ChildProcessWithoutNullStreams; result: Promise<Result> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: childEnv() });
  const result = new Promise<Result>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, result };
}

const tileflow = (...args: string[]): Promise<Result> => start(args).result;

/** Parses a command's JSON output, failing with what it printed instead. */
function parsed(result: Result): any {
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  try {
    return JSON.parse(result.stdout);
  } catch {
    assert.fail(`not JSON: ${result.stdout.slice(0, 300)}`);
  }
}

/** The entropy (nats) of class scores. */
const entropy = (scores: number[]) => -scores.reduce((sum, p) => sum + (p > 0 ? p * Math.log(p) : 0), 0);

async function store(): Promise<PredictStore> {
  tracking ??= await openTracking({ databaseUrl: `sqlite:${path.join(home, 'tileflow.db')}`, artifactsRoot: path.join(home, 'artifacts') });
  return PredictStore.open(tracking.database);
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-cli-'));
  home = path.join(tmp, 'home');
  fs.writeFileSync(path.join(tmp, 'tiny.onnx'), tinyClassifierOnnx());
  fs.writeFileSync(path.join(tmp, 'tiny.mlm.json'), JSON.stringify(tinyClassifierMlm(), null, 1));
  aoiFile = path.join(tmp, 'coast.geojson');
  fs.writeFileSync(aoiFile, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'coast' }, geometry: { type: 'Polygon', coordinates: POLYGON } }] }));
  // Cut off halfway through a coordinate.
  fs.writeFileSync(path.join(tmp, 'broken.geojson'), JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: POLYGON } }).slice(0, 70));
});

after(async () => {
  await tracking?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('--aoi', () => {
  test('reads GeoJSON text, a bbox, a tile list, and files of GeoJSON or of a bbox', async () => {
    const polygon = await readAoiArgument(JSON.stringify({ type: 'Polygon', coordinates: POLYGON }));
    assert.deepEqual(polygon.bbox, [23.7, 31.65, 24.2, 32.42]);
    assert.deepEqual((await readAoiArgument(aoiFile)).geometry, polygon.geometry, 'the file holds the same polygon');
    const bbox = await readAoiArgument('23.7,31.65,24.2,32.42');
    assert.deepEqual(bbox.bbox, [23.7, 31.65, 24.2, 32.42]);
    assert.ok('type' in bbox.geometry && bbox.geometry.type === 'MultiPolygon', 'a bbox becomes its rectangle');
    assert.deepEqual((await readAoiArgument('1157-829-11, 1158-829-11')).geometry, { tiles: ['1157-829-11', '1158-829-11'] });
    const bboxFile = path.join(tmp, 'box.json');
    fs.writeFileSync(bboxFile, JSON.stringify({ bbox: [23.7, 31.65, 24.2, 32.42] }));
    assert.deepEqual((await readAoiArgument(bboxFile)).geometry, bbox.geometry);
    await assert.rejects(readAoiArgument(path.join(tmp, 'nowhere.geojson')), /is no file, and not GeoJSON text, a bbox/);
    await assert.rejects(readAoiArgument('{"type": "Polygon"'), /not valid JSON/);
    await assert.rejects(readAoiArgument('23.7,31.65,23.6,32'), /has no area/);
  });
});

describe('tileflow predict, predictions, review', () => {
  let id: string;
  let tiles: number;
  /** The review queue as `review next` first printed it. */
  let queue: any[];

  test('models upload registers an ONNX model made outside tileflow; predict runs it over a polygon AOI of a COG', async () => {
    const upload = parsed(await tileflow('models', 'upload', '--name', 'tiny', '--onnx', path.join(tmp, 'tiny.onnx'), '--mlm', path.join(tmp, 'tiny.mlm.json'), '--project', 'coast', '--json'));
    assert.equal(upload.name, 'tiny');
    assert.equal(upload.version, '1');
    assert.equal(upload.project, 'coast');

    const result = await tileflow('predict', '--model', 'tiny@1', '--imagery', path.relative(ROOT, TCI), '--aoi', aoiFile, '--zoom', '11', '--project', 'coast');
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, NO_STACK);
    const started = /^prediction ([0-9a-f]{32}): (\d+) tiles at zoom 11, tiny@1 over TCI\.tif \(project coast/m.exec(result.stderr);
    assert.ok(started, `the start line names the prediction: ${result.stderr}`);
    id = started[1];
    tiles = Number(started[2]);
    // The polygon's exact cover, not its bounding box's.
    const cover = coverAoi((await readAoiFile(aoiFile)).geometry, 11);
    assert.equal(tiles, cover.length);
    assert.ok(tiles < coverAoi(parseAoi([23.7, 31.65, 24.2, 32.42]).geometry, 11).length, 'fewer tiles than the bounding box covers');
    assert.ok(tiles >= 20 && tiles <= 40, `a few dozen tiles: ${tiles}`);

    assert.match(result.stdout, new RegExp(`│ prediction │ ${id}`));
    assert.match(result.stdout, /│ status\s+│ succeeded/);
    assert.match(result.stdout, new RegExp(`│ tiles\\s+│ ${tiles} done, 0 failed, of ${tiles}`));
    assert.match(result.stdout, /│ time\s+│ .+ \(\d+\.\d tiles\/s\)/);
    const runId = /│ run\s+│ ([0-9a-f]{32})/.exec(result.stdout)?.[1];
    assert.ok(runId, `the summary names the run: ${result.stdout}`);
    await store();
    const run = await tracking!.runs.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.metrics.find((m) => m.key === 'tiles_done')?.value, tiles);
  });

  test('predictions list, show and export, and review next, read what it stored', async () => {
    const [list, table, show, exported, next, byMargin, printed] = await Promise.all([
      tileflow('predictions', 'list', '--json'),
      tileflow('predictions', 'list', '--project', 'coast'),
      tileflow('predictions', 'show', id, '--json'),
      tileflow('predictions', 'export', id, '--format', 'geojson', '--output', path.join(tmp, 'coast-tiles.geojson')),
      tileflow('review', 'next', id, '--limit', '5', '--json'),
      tileflow('review', 'next', id, '--strategy', 'margin', '--limit', '100', '--json'),
      tileflow('review', 'next', id, '--limit', '3'),
    ]);
    const listed = parsed(list);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].id, id);
    assert.equal(listed[0].status, 'succeeded');
    assert.equal(listed[0].tilesDone, tiles);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`│ ${id} │ coast\\s+│ tiny@1 │ succeeded │ ${tiles}/${tiles}\\s+│ 0\\s+│ \\d{4}-\\d\\d-\\d\\dT`));

    const shown = parsed(show);
    assert.equal(shown.project.name, 'coast');
    assert.equal(shown.imagery.uri, TCI, 'a relative imagery path is stored absolute');
    assert.equal(shown.imagery.name, 'TCI.tif');
    assert.deepEqual(shown.classes.map((c: { name: string }) => c.name), ['land', 'water']);
    assert.deepEqual({ tiles: shown.reviews.tiles, reviewed: shown.reviews.reviewed, precision: shown.reviews.precision }, { tiles, reviewed: 0, precision: null });

    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, new RegExp(`wrote ${tiles} records of prediction ${id}`));
    const collection = JSON.parse(fs.readFileSync(path.join(tmp, 'coast-tiles.geojson'), 'utf8'));
    assert.equal(collection.type, 'FeatureCollection');
    assert.equal(collection.features.length, tiles, 'one feature per tile done');
    for (const { geometry, properties: p } of collection.features) {
      assert.equal(geometry.type, 'Polygon');
      assert.equal(p.z, 11);
      assert.equal(p.class_name, ['land', 'water'][p.class], `class ${p.class} is ${p.class_name}`);
      assert.ok(Math.abs(p.score_land + p.score_water - 1) < 1e-5, `scores of ${p.quadkey} sum to 1`);
      assert.ok(Math.abs(p.score - Math.max(p.score_land, p.score_water)) < 1e-5, `the score of ${p.quadkey} is its top class score`);
      assert.equal(p.review, 'unreviewed');
    }
    // The model reads the bands in order: the northern tiles are sea, the southern ones desert.
    const rows = collection.features.map((f: { properties: { y: number } }) => f.properties.y);
    const waterShare = (y: number) => {
      const row = collection.features.filter((f: { properties: { y: number } }) => f.properties.y === y);
      return row.filter((f: { properties: { class_name: string } }) => f.properties.class_name === 'water').length / row.length;
    };
    assert.equal(waterShare(Math.min(...rows)), 1, 'the northernmost row is sea');
    assert.equal(waterShare(Math.max(...rows)), 0, 'the southernmost row is desert');

    queue = parsed(next);
    assert.equal(queue.length, 5);
    const entropies = queue.map((t: { entropy: number }) => t.entropy);
    for (let i = 1; i < entropies.length; i++) assert.ok(entropies[i] <= entropies[i - 1], `entropy descends: ${entropies}`);
    const most = Math.max(...collection.features.map((f: { properties: { score_land: number; score_water: number } }) => entropy([f.properties.score_land, f.properties.score_water])));
    assert.ok(Math.abs(entropies[0] - most) < 1e-4, `the first tile is the most uncertain of all (${entropies[0]} vs ${most})`);
    assert.equal(queue[0].className, ['land', 'water'][queue[0].topClass]);
    const margins = parsed(byMargin).map((t: { margin: number }) => t.margin);
    assert.equal(margins.length, tiles);
    for (let i = 1; i < margins.length; i++) assert.ok(margins[i] <= margins[i - 1], `the gap between the top two scores widens: ${margins}`);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, new RegExp(`│ ${queue[0].quadkey}\\s+│ 11/${queue[0].x}/${queue[0].y}\\s+│ ${queue[0].className}`));
  });

  test('review mark records judgements that show, review next and export reflect', async () => {
    const [first, second] = queue;
    const valid = await tileflow('review', 'mark', id, first.quadkey, '--valid', '--reviewer', 'ana');
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, new RegExp(`tile ${first.quadkey} of prediction ${id}: ${first.className} marked valid by ana`));
    const invalid = parsed(await tileflow('review', 'mark', id, `${second.z}/${second.x}/${second.y}`, '--invalid', '--json'));
    assert.equal(invalid.targetId, second.quadkey, 'z/x/y names the tile');
    assert.equal(invalid.valid, false);
    assert.equal(invalid.reviewer, process.env.USER ?? 'cli');

    const chips = path.join(tmp, 'chips');
    const [neither, shown, table, next, reviewed, dataset] = await Promise.all([
      tileflow('review', 'mark', id, first.quadkey),
      tileflow('predictions', 'show', id, '--json'),
      tileflow('predictions', 'show', id),
      tileflow('review', 'next', id, '--limit', '100', '--json'),
      tileflow('predictions', 'export', id, '--format', 'geojson', '--output', path.join(tmp, 'reviewed.geojson'), '--reviewed-only', '--flip-invalid'),
      tileflow('predictions', 'chips', id, '--output', chips, '--json'),
    ]);
    assert.equal(neither.code, 2, 'a mark says valid or invalid');
    assert.match(neither.stderr, /give one of --valid and --invalid/);
    const stats = parsed(shown).reviews;
    assert.deepEqual({ reviewed: stats.reviewed, valid: stats.valid, invalid: stats.invalid, precision: stats.precision }, { reviewed: 2, valid: 1, invalid: 1, precision: 0.5 });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`Reviews: 2 of ${tiles} tiles \\(${((2 / tiles) * 100).toFixed(1)}%\\), 1 valid, 1 invalid, precision 0\\.5`));
    const left = parsed(next).map((t: { quadkey: string }) => t.quadkey);
    assert.equal(left.length, tiles - 2);
    assert.ok(!left.includes(first.quadkey) && !left.includes(second.quadkey), 'reviewed tiles leave the queue');
    assert.equal(reviewed.code, 0, reviewed.stderr);
    const features = JSON.parse(fs.readFileSync(path.join(tmp, 'reviewed.geojson'), 'utf8')).features;
    const byQuadkey = new Map(features.map((f: { properties: Record<string, unknown> }) => [f.properties.quadkey, f.properties]));
    assert.equal(features.length, 2, 'only the reviewed tiles');
    assert.deepEqual(byQuadkey.get(first.quadkey), { ...(byQuadkey.get(first.quadkey) as object), review: 'valid', reviewer: 'ana', label: first.topClass });
    assert.deepEqual(byQuadkey.get(second.quadkey), { ...(byQuadkey.get(second.quadkey) as object), review: 'invalid', label: 1 - second.topClass });
    // Reviewed tiles only, and the invalid one names no class without --flip-invalid: one chip, of the model's input size.
    const written = parsed(dataset);
    assert.equal(written.chips, 1);
    assert.equal(written.perClass[first.className], 1);
    const manifest = JSON.parse(fs.readFileSync(path.join(chips, 'manifest.json'), 'utf8'));
    assert.equal(manifest.height, 8);
    assert.equal(manifest.builder.predictionId, id);
    assert.equal(manifest.builder.imagery, TCI, "the chips come from the prediction's own imagery");
  });

  test('bad input ends with the reason and exit code 1, never a stack trace', async () => {
    const cases = await Promise.all([
      tileflow('predict', '--model', 'tiny@9', '--imagery', TCI, '--aoi', aoiFile, '--project', 'coast'),
      tileflow('predict', '--model', 'tiny@1', '--imagery', TCI, '--aoi', path.join(tmp, 'broken.geojson'), '--project', 'coast'),
      tileflow('predict', '--model', 'tiny@1', '--imagery', TCI, '--aoi', '23.1,31.5,24.3,32.5', '--zoom', '18', '--project', 'coast'),
      tileflow('predictions', 'show', '0123456789abcdef0123456789abcdef'),
      tileflow('--tracking-uri', 'http://127.0.0.1:5000', 'predictions', 'list'),
      // Inland Libya, far from the COG: every tile fails, so the prediction does.
      tileflow('predict', '--model', 'tiny@1', '--imagery', TCI, '--aoi', '20.1,28.1,20.2,28.2', '--project', 'coast'),
    ]);
    const expected = [
      /tiny.*9.* not found/i,
      /broken\.geojson is not valid JSON/,
      /needs [\d,]+ tiles, more than the limit of 50,000/,
      /no prediction "0123456789abcdef0123456789abcdef"/,
      /need its database, not a tracking server \(http 127\.0\.0\.1:5000\/\): give --tracking-uri sqlite:PATH/,
      /prediction [0-9a-f]{32} failed: /,
    ];
    cases.forEach((result, i) => {
      assert.equal(result.code, 1, `case ${i}: exit ${result.code}, ${result.stderr}`);
      assert.match(result.stderr, expected[i], `case ${i}`);
      assert.match(result.stderr, /^error: /m, `case ${i} says error:`);
      assert.doesNotMatch(result.stderr, NO_STACK, `case ${i} prints no stack trace`);
    });
    assert.match(cases[5].stdout, /│ status\s+│ failed/, 'the failed prediction still gets its summary');
    const predictions = await (await store()).listPredictions();
    assert.equal(predictions.length, 2, 'only the AOI with no imagery made a prediction (besides the first)');
  });

  test('Ctrl-C cancels a running prediction, keeping its tiles; predictions resume runs the rest, no tile twice', async () => {
    const { child, result } = start(['predict', '--model', 'tiny@1', '--imagery', TCI, '--aoi', aoiFile, '--zoom', '13', '--batch-size', '1', '--project', 'coast']);
    let started = '';
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        started += chunk;
        if (/^prediction [0-9a-f]{32}: /m.test(started)) {
          child.stderr.off('data', onData);
          resolve();
        }
      };
      child.stderr.on('data', onData);
      child.on('close', () => resolve());
    });
    child.kill('SIGINT');
    const interrupted = await result;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const cancelledId = /^prediction ([0-9a-f]{32}): (\d+) tiles/m.exec(interrupted.stderr)![1];
    assert.match(interrupted.stderr, new RegExp(`cancelling prediction ${cancelledId}`));
    assert.match(interrupted.stderr, new RegExp(`error: prediction ${cancelledId} cancelled with \\d+ of \\d+ tiles done; tileflow predictions resume ${cancelledId} runs the rest`));
    assert.match(interrupted.stdout, /│ status\s+│ cancelled/);
    const predictStore = await store();
    const cancelled = await predictStore.getPrediction(cancelledId);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.tilesDone < cancelled.tilesTotal, `stopped early: ${cancelled.tilesDone} of ${cancelled.tilesTotal}`);
    assert.equal((await predictStore.listTiles(cancelledId, { status: 'done' })).length, cancelled.tilesDone, 'the tiles done are kept');

    const again = await tileflow('predictions', 'cancel', cancelledId);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is cancelled already/);

    const resumed = parsed(await tileflow('predictions', 'resume', cancelledId, '--json'));
    assert.equal(resumed.status, 'succeeded');
    assert.equal(resumed.tilesDone, resumed.tilesTotal);
    const done = await predictStore.listTiles(cancelledId);
    assert.equal(done.length, cancelled.tilesTotal);
    assert.ok(done.every((t) => t.status === 'done' && t.attempts === 1), 'every tile run exactly once across the cancel and the resume');
  });
});

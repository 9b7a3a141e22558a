// The prediction map with a 10,000-tile prediction in the store, in headless Chromium: ML Enabler's map
// slows down with many tiles, this one must not. Timed: the first full view (every tile drawn), the
// class filter (tiles filtered on the server and redrawn), "review next" (the queue asked, the map
// flown to the tile) and a review's colour change. Figures go to the test output and to
// test/e2e/out/prediction-map.perf.json.
//
//   npx tsx --test test/e2e/prediction-map.perf.test.ts
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PredictStore } from '../../src/predict/store/predict-store.js';
import type { TileResult } from '../../src/predict/types.js';
import { openTracking } from '../../src/track/service.js';
import { tempDir } from '../support/databases.js';
import { openLaptopPage, screenshot, type ConsoleWatch } from './support/browser.js';
import { startUiServer, type UiServer } from './support/ui-server.js';

const SIDE = 100;
const TILES = SIDE * SIDE;
const ZOOM = 15;
/**
 * Bounds that catch a regression (the figures themselves go to BENCHMARKS.md), about twice the worst
 * seen on the 2-core machine: the first view waits for the imagery's tiles (GDAL reads of the COG) as
 * well as the results', every frame is drawn by SwiftShader, WebGL on the CPU, since CI has no GPU,
 * and on a shared 2-core VM the same step varies by a factor of two from run to run.
 */
const FIRST_VIEW_LIMIT_MS = 10_000;
const STEP_LIMIT_MS = 4000;
const REVIEW_LIMIT_MS = 2000;
const OUT = path.resolve(import.meta.dirname, 'out');
const TCI = path.resolve(import.meta.dirname, '../../../shared/fixtures/cog/titiler/TCI.tif');

/** A deterministic stand-in for a model's score. */
function noise(i: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

function quadkey(z: number, x: number, y: number): string {
  let key = '';
  for (let i = z; i > 0; i--) {
    const mask = 1 << (i - 1);
    key += String((x & mask ? 1 : 0) + (y & mask ? 2 : 0));
  }
  return key;
}

/** A finished 100 x 100-tile classification over the Sentinel-2 scene, written through the store. */
async function seed(databaseUrl: string, artifactsRoot: string): Promise<{ projectId: string; predictionId: string; seconds: number }> {
  const started = performance.now();
  const tracking = await openTracking({ databaseUrl, artifactsRoot });
  try {
    const store = await PredictStore.open(tracking.database);
    const project = await store.createProject({ name: 'ten-thousand-tiles' });
    const imagery = await store.createImagery(project.id, 'Sentinel-2 TCI', TCI);
    // The scene's north-west corner at zoom 15, 100 tiles a side (about 1.1° by 0.9°).
    const x0 = Math.floor(((23.1 + 180) / 360) * 2 ** ZOOM);
    const lat = (32.45 * Math.PI) / 180;
    const y0 = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * 2 ** ZOOM);
    const quadkeys: string[] = [];
    for (let dy = 0; dy < SIDE; dy++) for (let dx = 0; dx < SIDE; dx++) quadkeys.push(quadkey(ZOOM, x0 + dx, y0 + dy));
    const prediction = await store.createPrediction({
      projectId: project.id,
      modelName: 'water-classifier',
      modelVersion: '1',
      imageryId: imagery.id,
      aoi: { tiles: quadkeys.map((q, i) => `${x0 + (i % SIDE)}-${y0 + Math.floor(i / SIDE)}-${ZOOM}`) },
      zoom: ZOOM,
      overlap: 0,
      task: 'classification',
      classes: [
        { index: 0, name: 'land', color: '#c8a26b' },
        { index: 1, name: 'water', color: '#1f77b4' },
      ],
      quadkeys,
    });
    await store.setStatus(prediction.id, 'running');
    const results: TileResult[] = quadkeys.map((q, i) => {
      const water = noise(i, 1);
      return { quadkey: q, scores: [1 - water, water] };
    });
    for (let i = 0; i < results.length; i += 1000) await store.recordResults(prediction.id, results.slice(i, i + 1000));
    await store.setStatus(prediction.id, 'succeeded');
    return { projectId: project.id, predictionId: prediction.id, seconds: (performance.now() - started) / 1000 };
  } finally {
    await tracking.close();
  }
}

/** Milliseconds from `action` until the map is idle with `count` tiles in view (any count when undefined). */
async function timeUntilDrawn(page: Page, action: () => Promise<unknown>, count?: number): Promise<{ ms: number; tiles: number }> {
  const started = performance.now();
  await action();
  await page.locator('[data-testid="map"][data-idle="false"]').waitFor({ timeout: 2000 }).catch(() => {});
  await page.locator('[data-testid="map"][data-idle="true"]').waitFor();
  const text = page.getByTestId('tiles-in-view');
  if (count !== undefined) await text.filter({ hasText: new RegExp(`^${count.toLocaleString('en').replace(/,/g, ',?')} prediction tiles in view`) }).waitFor();
  const ms = performance.now() - started;
  return { ms, tiles: Number((await text.innerText()).split(' ')[0].replace(/,/g, '')) };
}

const round = (ms: number) => Math.round(ms);


describe(`prediction map with ${TILES.toLocaleString('en')} tiles (headless Chromium)`, () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let url: string;
  const figures: Record<string, unknown> = {};
  const dir = tempDir('tileflow-map-perf-');
  const store = { databaseUrl: `sqlite:${path.join(dir.path, 'tileflow.db')}`, artifactsRoot: path.join(dir.path, 'artifacts') };

  before(async () => {
    const seeded = await seed(store.databaseUrl, store.artifactsRoot);
    figures.seedSeconds = Number(seeded.seconds.toFixed(1));
    server = await startUiServer(store);
    url = `${server.url}/projects/${seeded.projectId}/predictions/${seeded.predictionId}`;
    ({ browser, page, watch } = await openLaptopPage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    dir.cleanup();
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, 'prediction-map.perf.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  test('every tile is on the map within the limit, first visit and reload', async (t) => {
    // A long-running server has served its bundles before; the browser stays cold.
    const html = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
    for (const [, asset] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) await (await fetch(server.url + asset)).arrayBuffer();
    const first = await timeUntilDrawn(page, () => page.goto(url), TILES);
    const reloads: number[] = [];
    for (let i = 0; i < 2; i++) reloads.push((await timeUntilDrawn(page, () => page.reload(), TILES)).ms);
    figures.firstView = { firstVisitMs: round(first.ms), reloadMs: reloads.map(round), tiles: first.tiles };
    t.diagnostic(`all ${first.tiles} tiles drawn: first visit ${round(first.ms)} ms, reload ${reloads.map(round).join(' / ')} ms`);
    await screenshot(page, 'perf-map-10k');
    assert.equal(first.tiles, TILES);
    assert.ok(first.ms < FIRST_VIEW_LIMIT_MS, `first visit took ${round(first.ms)} ms`);
    for (const ms of reloads) assert.ok(ms < FIRST_VIEW_LIMIT_MS, `reload took ${round(ms)} ms`);
  });

  test('the class filter redraws within the limit', async (t) => {
    const select = page.getByRole('combobox', { name: 'Class' });
    const water = await timeUntilDrawn(page, () => select.selectOption({ label: 'water' }));
    const all = await timeUntilDrawn(page, () => select.selectOption(''), TILES);
    figures.classFilter = { waterMs: round(water.ms), waterTiles: water.tiles, allMs: round(all.ms) };
    t.diagnostic(`class filter: water ${round(water.ms)} ms (${water.tiles} tiles), back to all ${round(all.ms)} ms`);
    assert.ok(water.tiles > TILES * 0.3 && water.tiles < TILES * 0.7, `about half the tiles are water, got ${water.tiles}`);
    for (const ms of [water.ms, all.ms]) assert.ok(ms < STEP_LIMIT_MS, `a filter took ${round(ms)} ms`);
  });

  test('"review next" flies to the most uncertain tile, and a review recolours it, within the limit', async (t) => {
    const nexts: number[] = [];
    const reviews: number[] = [];
    const states: number[] = [];
    for (let i = 0; i < 3; i++) {
      // No tile is selected at first: ask without waiting for one.
      const selected = page.getByTestId('selected-tile');
      const previous = (await selected.count()) > 0 ? await selected.getAttribute('data-quadkey') : null;
      const started = performance.now();
      await page.keyboard.press('n');
      await page.locator(`[data-testid="selected-tile"]${previous ? `:not([data-quadkey="${previous}"])` : ''}[data-review="unknown"]`).waitFor();
      await page.locator('[data-testid="map"][data-idle="true"]').waitFor();
      nexts.push(performance.now() - started);
      const marked = performance.now();
      await page.keyboard.press(i % 2 ? 'v' : 'x');
      await page.locator(`[data-testid="selected-tile"][data-review="${i % 2 ? 'valid' : 'invalid'}"]`).waitFor();
      states.push(performance.now() - marked);
      // The colour is drawn on the next frame.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      reviews.push(performance.now() - marked);
    }
    figures.reviewNext = { nextMs: nexts.map(round), reviewMs: reviews.map(round), reviewStateMs: states.map(round) };
    t.diagnostic(
      `review next ${nexts.map(round).join(' / ')} ms; review to the page's state ${states.map(round).join(' / ')} ms, ` +
        `to the colour drawn (two frames later) ${reviews.map(round).join(' / ')} ms`,
    );
    await screenshot(page, 'perf-map-10k-review');
    for (const ms of nexts) assert.ok(ms < STEP_LIMIT_MS, `review next took ${round(ms)} ms`);
    for (const ms of reviews) assert.ok(ms < REVIEW_LIMIT_MS, `a review took ${round(ms)} ms to show`);
    assert.deepEqual(watch.errors, []);
  });
});

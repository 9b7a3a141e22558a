// The prediction map end to end: a PyTorch ONNX water segmenter and box detector (test/fixtures/predict)
// are uploaded to a real `tileflow up`, predict over a polygon on the Libyan coast from a real
// Sentinel-2 COG, and the map in headless Chromium (MapLibre GL on SwiftShader's WebGL) shows the
// imagery and the results; tiles and detected boxes are reviewed by clicking and by the "review next"
// queue with keyboard shortcuts, the colour changes at once, the view is shared by URL, and the
// results are exported through the dialog. Any
// console error fails the test; screenshots go to test/e2e/out/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { openLaptopPage, screenshot, type ConsoleWatch } from './support/browser.js';
import { api, startUiServer, type UiServer } from './support/ui-server.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
const FIXTURES = path.join(ROOT, 'test/fixtures/predict');

/** Sea in the north, desert in the south: a handful of zoom-10 tiles. */
const COAST = {
  type: 'Polygon',
  coordinates: [[[23.2, 31.6], [24.1, 31.6], [24.1, 32.4], [23.6, 32.45], [23.2, 32.4], [23.2, 31.6]]],
};

interface Seeded {
  projectId: string;
  /** The water segmentation. */
  predictionId: string;
  tilesDone: number;
  /** The box detection over the same AOI. */
  detectionId: string;
}

/** Uploads a fixture model (ONNX and MLM item) to the project. */
async function uploadModel(server: UiServer, projectId: string, name: string): Promise<void> {
  const form = new FormData();
  form.append('name', name);
  form.append('mlm', new Blob([fs.readFileSync(path.join(FIXTURES, `${name}.mlm.json`))]), 'mlm.json');
  form.append('model', new Blob([fs.readFileSync(path.join(FIXTURES, `${name}.onnx`))]), `${name}.onnx`);
  const upload = await fetch(`${server.url}/api/projects/${projectId}/models/upload`, { method: 'POST', body: form });
  assert.equal(upload.status, 201, await upload.text());
}

/** Runs a prediction to its end; returns its id and the tiles done. */
async function predict(server: UiServer, projectId: string, model: string, imageryId: string, aoiId: string): Promise<{ id: string; tilesDone: number }> {
  const started = await api<{ id: string }>(server, 'POST', `/api/projects/${projectId}/predictions`, { model, version: '1', imageryId, aoiId, overlap: 16 });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const prediction = await api<{ status: string; tilesDone: number; tilesTotal: number; error: string | null }>(server, 'GET', `/api/predictions/${started.id}`);
    if (prediction.status === 'succeeded') return { id: started.id, tilesDone: prediction.tilesDone };
    assert.ok(!['failed', 'cancelled'].includes(prediction.status), `the prediction ended ${prediction.status}: ${prediction.error}`);
    assert.ok(Date.now() < deadline, `the prediction did not finish in 2 minutes: ${JSON.stringify(prediction)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Project, model uploads, imagery, AOI and two finished predictions, all over the REST API. */
async function seed(server: UiServer): Promise<Seeded> {
  const project = await api<{ id: string }>(server, 'POST', '/api/projects', { name: 'coast-review', description: 'water along the Libyan coast' });
  await uploadModel(server, project.id, 'water-segmenter');
  await uploadModel(server, project.id, 'box-detector');
  const imagery = await api<{ id: string }>(server, 'POST', `/api/projects/${project.id}/imagery`, { name: 'Sentinel-2 TCI', uri: TCI });
  const aoi = await api<{ id: string }>(server, 'POST', `/api/projects/${project.id}/aois`, { name: 'coast', geometry: COAST });
  const segmentation = await predict(server, project.id, 'water-segmenter', imagery.id, aoi.id);
  const detection = await predict(server, project.id, 'box-detector', imagery.id, aoi.id);
  return { projectId: project.id, predictionId: segmentation.id, tilesDone: segmentation.tilesDone, detectionId: detection.id };
}

/** Waits until the map has stopped moving and loading. */
async function mapIdle(page: Page): Promise<void> {
  await page.locator('[data-testid="map"][data-idle="true"]').waitFor();
}

/** The mean RGB of a 9 x 9 patch of the map around its centre, from a screenshot. */
async function centreColour(page: Page): Promise<[number, number, number]> {
  const box = (await page.getByTestId('map').boundingBox())!;
  const png = await page.screenshot({ clip: { x: box.x + box.width / 2 - 4, y: box.y + box.height / 2 - 4, width: 9, height: 9 } });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
  const n = data.length / info.channels;
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

/** The selected tile's quadkey and review state, once one is selected. */
async function selectedTile(page: Page): Promise<{ quadkey: string; review: string }> {
  const panel = page.getByTestId('selected-tile');
  await panel.waitFor();
  return { quadkey: (await panel.getAttribute('data-quadkey'))!, review: (await panel.getAttribute('data-review'))! };
}

describe('web UI: the prediction map with review and export (headless Chromium)', () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let seeded: Seeded;
  let mapUrl: string;
  const reviewed = new Map<string, boolean>();

  before(async () => {
    server = await startUiServer();
    seeded = await seed(server);
    ({ browser, page, watch } = await openLaptopPage());
    mapUrl = `${server.url}/projects/${seeded.projectId}/predictions/${seeded.predictionId}`;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the map shows the imagery and the prediction tiles, with the legend and progress', async () => {
    await page.goto(mapUrl);
    await page.getByTestId('prediction-status').filter({ hasText: 'succeeded' }).waitFor();
    await mapIdle(page);
    const inView = page.getByTestId('tiles-in-view');
    await inView.filter({ hasText: /^[1-9]\d* prediction tiles? in view$/ }).waitFor();
    const count = Number((await inView.innerText()).split(' ')[0].replace(/,/g, ''));
    assert.equal(count, seeded.tilesDone, 'every tile of the AOI is drawn once the map fits it');
    const legend = await page.getByRole('list', { name: 'Legend' }).innerText();
    assert.match(legend, /water/i);
    assert.match(legend, /marked valid/);
    // The imagery draws under the results: the map is not one flat colour.
    const box = (await page.getByTestId('map').boundingBox())!;
    const shot = await page.screenshot({ clip: box });
    const stats = await sharp(shot).stats();
    assert.ok(stats.channels[0].stdev > 10, `the map shows imagery and tiles, not a blank canvas (red stdev ${stats.channels[0].stdev})`);
    await screenshot(page, 'prediction-map');
  });

  test('"review next" and clicking select tiles; marking one invalid recolours it at once and reaches the server', async () => {
    await page.keyboard.press('n');
    const first = await selectedTile(page);
    assert.equal(first.quadkey.length, 10, 'a zoom-10 prediction tile');
    const queue = await api<{ tiles: { quadkey: string }[] }>(server, 'GET', `/api/predictions/${seeded.predictionId}/review-queue?limit=1`);
    assert.equal(first.quadkey, queue.tiles[0].quadkey, 'the most uncertain tile comes first');
    await page.waitForURL(new RegExp(`tile=${first.quadkey}`));
    await mapIdle(page);

    // Clicking the map's centre (where "review next" flew to) selects that tile by clicking.
    await page.keyboard.press('Escape');
    await page.getByTestId('selected-tile').waitFor({ state: 'detached' });
    const box = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    assert.equal((await selectedTile(page)).quadkey, first.quadkey, 'a click selects the tile under it');

    const before = await centreColour(page);
    await page.getByRole('button', { name: /^Invalid/ }).click();
    await page.locator(`[data-testid="selected-tile"][data-review="invalid"]`).waitFor();
    await page.waitForTimeout(150);
    const after = await centreColour(page);
    const lighter = after.reduce((a, b) => a + b) - before.reduce((a, b) => a + b);
    assert.ok(lighter > 60, `an invalid tile turns white on the map (centre RGB ${before.map(Math.round)} → ${after.map(Math.round)})`);
    reviewed.set(first.quadkey, false);
    await screenshot(page, 'prediction-reviewed-invalid');

    // The keyboard: N takes the next tile, V marks it valid.
    await page.keyboard.press('n');
    await page.locator(`[data-testid="selected-tile"]:not([data-quadkey="${first.quadkey}"])`).waitFor();
    const second = await selectedTile(page);
    await page.keyboard.press('v');
    await page.locator(`[data-testid="selected-tile"][data-review="valid"]`).waitFor();
    reviewed.set(second.quadkey, true);

    await page.getByTestId('review-stats').filter({ hasText: /Reviewed\s*2 of/ }).waitFor();
    const stats = await api<{ reviewed: number; valid: number; invalid: number }>(server, 'GET', `/api/predictions/${seeded.predictionId}/reviews/statistics`);
    assert.deepEqual([stats.reviewed, stats.valid, stats.invalid], [2, 1, 1]);
    const next = await api<{ tiles: { quadkey: string }[] }>(server, 'GET', `/api/predictions/${seeded.predictionId}/review-queue?limit=100`);
    assert.ok(!next.tiles.some((t) => reviewed.has(t.quadkey)), 'reviewed tiles leave the queue');
  });

  test('the view is in the URL: a shared link opens the same tile and filters, and the tiles keep their review colours', async () => {
    const waterClass = await page.getByRole('combobox', { name: 'Class' }).locator('option', { hasText: /water/i }).getAttribute('value');
    await page.getByRole('combobox', { name: 'Class' }).selectOption(waterClass!);
    await page.waitForURL(new RegExp(`class=${waterClass}`));
    const [quadkey] = [...reviewed.keys()];
    const shared = `${mapUrl}?class=${waterClass}&opacity=0.8&tile=${quadkey}`;
    const other = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    try {
      await other.goto(shared);
      const panel = other.getByTestId('selected-tile');
      await panel.waitFor();
      assert.equal(await panel.getAttribute('data-quadkey'), quadkey);
      assert.equal(await other.getByRole('combobox', { name: 'Class' }).inputValue(), waterClass);
      assert.equal(await other.getByRole('slider', { name: 'Opacity' }).inputValue(), '0.8');
    } finally {
      await other.close();
    }
  });

  test('the export dialog downloads the reviewed tiles as GeoJSON', async () => {
    await page.getByRole('combobox', { name: 'Class' }).selectOption('');
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByRole('combobox', { name: 'Format' }).selectOption('geojson');
    await dialog.getByRole('combobox', { name: 'Layer' }).selectOption('tiles');
    await dialog.getByLabel('Only reviewed results').check();
    await screenshot(page, 'prediction-export-dialog');
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download' }).click()]);
    assert.match(download.suggestedFilename(), /^prediction-.+\.geojson$/);
    const file = await download.path();
    const collection = JSON.parse(fs.readFileSync(file, 'utf8')) as { features: { properties: { quadkey: string; review: string } }[] };
    assert.deepEqual(
      collection.features.map((f) => [f.properties.quadkey, f.properties.review]).sort(),
      [...reviewed].map(([q, valid]) => [q, valid ? 'valid' : 'invalid']).sort(),
      'the reviewed tiles with their reviews',
    );
    await dialog.waitFor({ state: 'hidden' });
  });

  test('on a detection, a click selects the box under it; marking it invalid whitens it at once, reviews the box and not its tile, and the link reopens it', async () => {
    const detectionUrl = `${server.url}/projects/${seeded.projectId}/predictions/${seeded.detectionId}`;
    await page.goto(detectionUrl);
    await page.getByTestId('prediction-status').filter({ hasText: 'succeeded' }).waitFor();
    await mapIdle(page);
    // "Review next" flies to a tile and centres it; each tile's box covers its middle half.
    await page.keyboard.press('n');
    const tile = await selectedTile(page);
    await page.waitForURL(new RegExp(`tile=${tile.quadkey}`));
    await mapIdle(page);
    const mapBox = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.click(mapBox.x + mapBox.width / 2, mapBox.y + mapBox.height / 2);
    const panel = page.getByTestId('selected-feature');
    await panel.waitFor();
    const featureId = (await panel.getAttribute('data-feature-id'))!;
    await page.waitForURL(new RegExp(`feature=${featureId}`));
    assert.match(await panel.innerText(), new RegExp(`in tile ${tile.quadkey}[\\s\\S]*(water|land) at \\d`));

    const before = await centreColour(page);
    await page.keyboard.press('x');
    await page.locator('[data-testid="selected-feature"][data-review="invalid"]').waitFor();
    await page.waitForTimeout(150);
    const after = await centreColour(page);
    const lighter = after.reduce((a, b) => a + b) - before.reduce((a, b) => a + b);
    assert.ok(lighter > 30, `an invalid box turns white on the map (centre RGB ${before.map(Math.round)} → ${after.map(Math.round)})`);
    await screenshot(page, 'prediction-box-invalid');

    // The server has the box's review; its tile is still unreviewed.
    type Collection = { features: { properties: { id?: number; quadkey: string; review: string } }[] };
    await page.getByTestId('review-stats').waitFor();
    const boxes = await api<Collection>(server, 'GET', `/api/predictions/${seeded.detectionId}/geojson?layer=features&quadkey=${tile.quadkey}`);
    assert.equal(boxes.features.find((f) => String(f.properties.id) === featureId)?.properties.review, 'invalid');
    const tiles = await api<Collection>(server, 'GET', `/api/predictions/${seeded.detectionId}/geojson?layer=tiles&quadkey=${tile.quadkey}`);
    assert.deepEqual(tiles.features.map((f) => f.properties.review), ['unreviewed']);

    // The link opens the same box, with the server's review.
    const other = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    try {
      await other.goto(page.url());
      const shared = other.getByTestId('selected-feature');
      await shared.filter({ hasText: 'Marked invalid' }).waitFor();
      assert.equal(await shared.getAttribute('data-feature-id'), featureId);
    } finally {
      await other.close();
    }
    // The tile's link in the panel selects the tile itself.
    await panel.getByRole('button', { name: tile.quadkey }).click();
    assert.equal((await selectedTile(page)).quadkey, tile.quadkey);
    assert.ok(!new URL(page.url()).searchParams.has('feature'));
  });

  test('an unknown prediction shows an error, and no console errors were logged', async () => {
    await watch.expecting(/status of 404/, async () => {
      await page.goto(`${server.url}/projects/${seeded.projectId}/predictions/no-such-prediction`);
      await page.getByRole('alert').waitFor();
    });
    assert.match(await page.getByRole('alert').innerText(), /no-such-prediction|not found|no prediction/i);
    assert.deepEqual(watch.errors, []);
  });
});

// The projects pages end to end on a real `tileflow up`: a project is created through the form (a taken
// name shows the server's message), a PyTorch ONNX water segmenter (test/fixtures/predict) and a real
// Sentinel-2 COG are added over the REST API, and in headless Chromium (MapLibre GL on SwiftShader's
// WebGL) the model's classes show, a rectangle AOI is drawn on the map by mouse and saved, a GeoJSON
// file is uploaded as an AOI (a malformed one shows the server's message), and a prediction over the
// drawn AOI is run and followed to "succeeded". Results are checked through the API too. Any console
// error fails the test; screenshots go to test/e2e/out/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openLaptopPage, screenshot, type ConsoleWatch } from './support/browser.js';
import { api, startUiServer, type UiServer } from './support/ui-server.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
const FIXTURES = path.join(ROOT, 'test/fixtures/predict');

/** The rectangle drawn by mouse, [west, south, east, north]: a few zoom-10 tiles of the Libyan coast. */
const DRAWN = [23.5, 31.98, 23.62, 32.08] as const;

/** The AOI uploaded as a GeoJSON file. */
const HARBOUR = {
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { name: 'harbour' }, geometry: { type: 'Polygon', coordinates: [[[23.8, 32.0], [23.86, 32.0], [23.86, 32.05], [23.8, 32.05], [23.8, 32.0]]] } }],
};

interface ApiAoi {
  id: string;
  name: string;
  bbox: [number, number, number, number];
}

interface ApiPrediction {
  id: string;
  status: string;
  aoiId: string | null;
  tilesDone: number;
  tilesFailed: number;
  tilesTotal: number;
  error: string | null;
}

/** Uploads the fixture model with its MLM item into a project, as a client would (multipart). */
async function uploadModel(server: UiServer, projectId: string): Promise<void> {
  const form = new FormData();
  form.append('name', 'water-segmenter');
  form.append('mlm', new Blob([fs.readFileSync(path.join(FIXTURES, 'water-segmenter.mlm.json'))]), 'water-segmenter.mlm.json');
  form.append('model', new Blob([fs.readFileSync(path.join(FIXTURES, 'water-segmenter.onnx'))]), 'water-segmenter.onnx');
  const response = await fetch(`${server.url}/api/projects/${projectId}/models/upload`, { method: 'POST', body: form });
  assert.equal(response.status, 201, await response.text());
}

/** The map's view from the page's `?view=zoom/lat/lng`. */
function viewOf(page: Page): { zoom: number; lat: number; lng: number } | null {
  const text = new URL(page.url()).searchParams.get('view');
  if (!text) return null;
  const [zoom, lat, lng] = text.split('/').map(Number);
  return { zoom, lat, lng };
}

/** Web Mercator x/y of a point in MapLibre's world pixels at a zoom (512-pixel tiles). */
function worldPixel(lng: number, lat: number, zoom: number): [number, number] {
  const size = 512 * 2 ** zoom;
  const y = 180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  return [((lng + 180) / 360) * size, (y / 360) * size];
}

/** Where a longitude/latitude lies on the page, from the map's view and the canvas' box. */
async function screenPoint(page: Page, lng: number, lat: number): Promise<{ x: number; y: number }> {
  const view = viewOf(page)!;
  const box = (await page.locator('.maplibregl-canvas').boundingBox())!;
  const [cx, cy] = worldPixel(view.lng, view.lat, view.zoom);
  const [px, py] = worldPixel(lng, lat, view.zoom);
  return { x: box.x + box.width / 2 + (px - cx), y: box.y + box.height / 2 + (py - cy) };
}

/** Waits until the map has stopped moving and loading. */
async function mapIdle(page: Page): Promise<void> {
  await page.locator('.aoi-map[data-idle="true"]').waitFor();
}

describe('web UI: projects (headless Chromium)', () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let projectId: string;
  let drawnAoi: ApiAoi;
  let tmp: string;

  before(async () => {
    server = await startUiServer();
    ({ browser, page, watch } = await openLaptopPage());
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-projects-ui-'));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a project is created through the form; a taken name shows the server message', async () => {
    await page.goto(`${server.url}/projects`);
    await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
    await page.getByText('No active projects').waitFor();
    const form = page.getByRole('form', { name: 'New project' });
    await form.getByLabel('Name').fill('libyan-coast');
    await form.getByLabel('Description').fill('Water along the Libyan coast');
    await form.getByLabel('Access').selectOption('public');
    await form.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[^/?]+$/);
    projectId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { name: /libyan-coast/ }).waitFor();
    await page.getByText('Water along the Libyan coast').waitFor();

    await page.getByRole('link', { name: 'Projects', exact: true }).first().click();
    await page.waitForURL(/\/projects$/);
    const row = page.locator(`tr[data-project-id="${projectId}"]`);
    assert.match(await row.innerText(), /libyan-coast\s+Water along the Libyan coast\s+public/);
    await watch.expecting(/status of 400/, async () => {
      await form.getByLabel('Name').fill('libyan-coast');
      await form.getByRole('button', { name: 'Create project' }).click();
      await form.getByRole('alert').waitFor();
    });
    assert.match(await form.getByRole('alert').innerText(), /exists already|already exists/);
    await screenshot(page, 'projects-list');
  });

  test("the project's model version shows its task and classes with their colours", async () => {
    await uploadModel(server, projectId);
    await api(server, 'POST', `/api/projects/${projectId}/imagery`, { name: 'Sentinel-2 TCI', uri: TCI });
    await page.goto(`${server.url}/projects/${projectId}`);
    await page.getByRole('tab', { name: 'Models (1)' }).click();
    await page.waitForURL(/tab=models/);
    const row = page.locator('tr[data-model="water-segmenter@1"]');
    assert.equal(await row.getByRole('link', { name: 'water-segmenter@1' }).getAttribute('href'), '/models/water-segmenter/versions/1');
    assert.match(await row.innerText(), /semantic-segmentation/);
    const classes = row.getByRole('list', { name: 'Classes' }).locator('li');
    assert.deepEqual(await classes.allInnerTexts(), ['land', 'water']);
    const colours = await classes.locator('.swatch').evaluateAll((swatches) => swatches.map((s) => getComputedStyle(s).backgroundColor));
    assert.deepEqual(colours, ['rgb(194, 163, 107)', 'rgb(31, 119, 180)'], 'the color_hint of each class');

    await screenshot(page, 'projects-models');

    await page.getByRole('tab', { name: 'Imagery (1)' }).click();
    assert.match(await page.getByRole('table', { name: 'Imagery' }).innerText(), /Sentinel-2 TCI\s+\/\S+TCI\.tif\s+on the map/);
  });

  test('a rectangle drawn on the map over the imagery is saved as an AOI', async () => {
    // With no AOIs yet, the map fits the imagery once its TileJSON has arrived.
    await page.locator('.aoi-map[data-imagery="shown"]').waitFor();
    await page.waitForURL((url) => Number(url.searchParams.get('view')?.split('/')[0]) >= 7);
    await mapIdle(page);
    const view = viewOf(page)!;
    assert.ok(Math.abs(view.lng - 23.7) < 0.2 && Math.abs(view.lat - 32.0) < 0.2, `the map is over the scene: ${JSON.stringify(view)}`);
    await screenshot(page, 'projects-map-imagery');

    await page.getByRole('button', { name: 'Draw rectangle' }).click();
    const start = await screenPoint(page, DRAWN[0], DRAWN[3]);
    const end = await screenPoint(page, DRAWN[2], DRAWN[1]);
    await page.mouse.move(start.x, start.y);
    await page.mouse.click(start.x, start.y);
    await page.mouse.move(end.x, end.y, { steps: 10 });
    await page.mouse.click(end.x, end.y);
    const save = page.getByRole('form', { name: 'Save the drawn AOI' });
    await save.waitFor();
    await save.getByLabel('AOI name').fill('drawn-box');
    await screenshot(page, 'projects-aoi-drawn');
    await save.getByRole('button', { name: 'Save AOI' }).click();
    await save.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'AOIs (1)' }).click();
    await page.getByRole('table', { name: 'AOIs' }).getByRole('button', { name: 'drawn-box', exact: true }).waitFor();

    const { aois } = await api<{ aois: ApiAoi[] }>(server, 'GET', `/api/projects/${projectId}/aois`);
    assert.equal(aois.length, 1);
    drawnAoi = aois[0];
    assert.equal(drawnAoi.name, 'drawn-box');
    // A pixel at this zoom is well under 0.005 degrees.
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(drawnAoi.bbox[i] - DRAWN[i]) < 0.005, `bbox ${JSON.stringify(drawnAoi.bbox)} is the drawn ${JSON.stringify(DRAWN)}`);
    await screenshot(page, 'projects-aoi-saved');

    // A polygon: three corners, then the first again to close it; discarded, it is not saved.
    await page.getByRole('button', { name: 'Draw polygon' }).click();
    const corners = [
      [23.7, 31.9],
      [23.8, 31.9],
      [23.75, 31.98],
      [23.7, 31.9],
    ] as const;
    for (const [lng, lat] of corners) {
      const point = await screenPoint(page, lng, lat);
      await page.mouse.move(point.x, point.y, { steps: 5 });
      await page.mouse.click(point.x, point.y);
    }
    await save.waitFor();
    assert.match(await save.innerText(), /23\.70\d, 31\.90\d, 23\.80\d, 31\.98\d/, 'the polygon\'s box');
    await save.getByRole('button', { name: 'Discard' }).click();
    await save.waitFor({ state: 'detached' });
    assert.equal((await api<{ aois: ApiAoi[] }>(server, 'GET', `/api/projects/${projectId}/aois`)).aois.length, 1);
  });

  test("a GeoJSON file uploads as an AOI; a malformed one shows the server's message", async () => {
    const form = page.getByRole('form', { name: 'Upload an AOI' });
    const good = path.join(tmp, 'harbour.geojson');
    fs.writeFileSync(good, JSON.stringify(HARBOUR));
    await form.getByLabel('AOI file').setInputFiles(good);
    await form.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('table', { name: 'AOIs' }).getByRole('button', { name: 'harbour', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'AOIs (2)' }).waitFor();

    const broken = path.join(tmp, 'broken.geojson');
    fs.writeFileSync(broken, '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": ');
    await watch.expecting(/status of 400/, async () => {
      await form.getByLabel('AOI file').setInputFiles(broken);
      await form.getByRole('button', { name: 'Upload' }).click();
      await form.getByRole('alert').waitFor();
    });
    const message = await form.getByRole('alert').innerText();
    assert.match(message, /Could not read the AOI/);
    assert.ok(message.length > 30, `the server's message is shown: ${message}`);
    await screenshot(page, 'projects-aoi-upload-error');

    const { aois } = await api<{ aois: ApiAoi[] }>(server, 'GET', `/api/projects/${projectId}/aois`);
    assert.deepEqual(aois.map((a) => a.name).sort(), ['drawn-box', 'harbour']);
    const harbour = aois.find((a) => a.name === 'harbour')!;
    assert.deepEqual(harbour.bbox, [23.8, 32.0, 23.86, 32.05]);
  });

  test('a prediction over the drawn AOI shows its progress until it has succeeded, then stops polling', async (t) => {
    await page.getByRole('tab', { name: 'Predictions' }).click();
    const form = page.getByRole('form', { name: 'Run prediction' });
    assert.equal(await form.getByLabel('Model version').inputValue(), 'water-segmenter@1');
    assert.equal(await form.getByLabel('Zoom').getAttribute('placeholder'), '10', "the model's own zoom");
    await form.getByLabel('AOI').selectOption({ label: 'drawn-box' });
    // Every status and tile count the list shows on the way, in order.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const item = document.querySelector('li.prediction');
        const shown = item && `${item.getAttribute('data-status')} ${item.querySelector('[data-testid="tile-counts"]')?.textContent}`;
        if (shown && seen.at(-1) !== shown) seen.push(shown);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await form.getByRole('button', { name: 'Run prediction' }).click();

    const item = page.locator('li.prediction');
    await item.first().waitFor();
    assert.equal(await item.count(), 1);
    await page.locator('li.prediction[data-status="succeeded"]').waitFor({ timeout: 120_000 });
    const predictionId = (await item.getAttribute('data-prediction-id'))!;
    const counts = (await item.getByTestId('tile-counts').innerText()).match(/^(\d+) \/ (\d+) tiles$/);
    assert.ok(counts, 'tiles done / total, no failures');
    assert.equal(counts[1], counts[2], 'every tile done');
    assert.equal(await item.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    assert.match(await item.innerText(), /water-segmenter@1 on Sentinel-2 TCI over drawn-box at zoom 10/);
    assert.equal(await item.getByRole('link', { name: 'Open map' }).getAttribute('href'), `/projects/${projectId}/predictions/${predictionId}`);
    assert.equal(await item.getByRole('button', { name: 'Cancel' }).count(), 0, 'nothing to cancel once finished');
    await screenshot(page, 'projects-prediction-succeeded');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    t.diagnostic(`the list showed: ${seen.join(' → ')}`);
    assert.match(seen.at(-1)!, /^succeeded /);

    const prediction = await api<ApiPrediction>(server, 'GET', `/api/predictions/${predictionId}`);
    assert.equal(prediction.status, 'succeeded', JSON.stringify(prediction));
    assert.equal(prediction.aoiId, drawnAoi.id);
    assert.equal(prediction.tilesDone, prediction.tilesTotal);
    assert.equal(String(prediction.tilesTotal), counts[2]);
    assert.ok(prediction.tilesTotal >= 1 && prediction.tilesTotal <= 9, `a small AOI covers a few zoom-10 tiles, got ${prediction.tilesTotal}`);

    // Nothing is queued or running any more: the list stops asking.
    let asked = 0;
    const count = (request: { url(): string }) => {
      if (request.url().includes('/predictions')) asked++;
    };
    page.on('request', count);
    await page.waitForTimeout(2500);
    page.off('request', count);
    assert.equal(asked, 0, 'no polling once every prediction has finished');
  });

  test('a prediction at a zoom override runs with a moving progress bar and can be cancelled', async () => {
    const form = page.getByRole('form', { name: 'Run prediction' });
    await form.getByLabel('AOI').selectOption({ label: 'harbour' });
    // Zoom 17 cuts the small harbour into a few hundred tiles: long enough to watch and cancel.
    await form.getByLabel('Zoom').fill('17');
    await form.getByRole('button', { name: 'Run prediction' }).click();
    const item = page.locator('li.prediction').first();
    await page.waitForFunction(() => {
      const first = document.querySelector('li.prediction');
      const done = Number(/^(\d+) \//.exec(first?.querySelector('[data-testid="tile-counts"]')?.textContent ?? '')?.[1]);
      return first?.getAttribute('data-status') === 'running' && done > 0;
    });
    assert.match(await item.innerText(), /over harbour at zoom 17/);
    const running = Number(await item.getByRole('progressbar').getAttribute('aria-valuenow'));
    assert.ok(running > 0 && running < 100, `part done: ${running}%`);
    await screenshot(page, 'projects-prediction-running');
    await item.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('li.prediction[data-status="cancelled"]').first().waitFor();
    const predictionId = (await item.getAttribute('data-prediction-id'))!;
    const prediction = await api<ApiPrediction>(server, 'GET', `/api/predictions/${predictionId}`);
    assert.equal(prediction.status, 'cancelled');
    assert.ok(prediction.tilesDone < prediction.tilesTotal, `cancelled part way: ${prediction.tilesDone} / ${prediction.tilesTotal}`);
    assert.equal(await page.locator('li.prediction').count(), 2);
  });

  test('an AOI is deleted after a second click, and the predictions over it stay', async () => {
    await page.getByRole('tab', { name: /^AOIs/ }).click();
    const list = page.getByRole('table', { name: 'AOIs' });
    const row = list.locator('tr', { has: page.getByRole('button', { name: 'Delete AOI harbour' }) });
    const aoiId = (await row.getAttribute('data-aoi-id'))!;
    // "Keep" leaves it where it is.
    await list.getByRole('button', { name: 'Delete AOI harbour' }).click();
    await list.getByRole('button', { name: 'Keep' }).click();
    await list.getByRole('button', { name: 'Delete AOI harbour' }).click();
    await list.getByRole('button', { name: 'Confirm deleting AOI harbour' }).click();
    await list.locator(`tr[data-aoi-id="${aoiId}"]`).waitFor({ state: 'detached' });
    const { aois } = await api<{ aois: ApiAoi[] }>(server, 'GET', `/api/projects/${projectId}/aois`);
    assert.deepEqual(aois.map((a) => a.name), ['drawn-box']);
    const { predictions } = await api<{ predictions: ApiPrediction[] }>(server, 'GET', `/api/projects/${projectId}/predictions`);
    assert.equal(predictions.length, 2, 'the predictions over the deleted AOI are kept');
  });

  test('archiving hides the project from the list unless archived ones are shown', async () => {
    await page.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    await page.getByRole('link', { name: 'Projects', exact: true }).first().click();
    await page.getByText('No active projects').waitFor();
    await page.getByLabel('Show archived').check();
    await page.waitForURL(/archived=1/);
    const row = page.locator(`tr[data-project-id="${projectId}"]`);
    assert.match(await row.innerText(), /libyan-coast\s*archived/);
  });

  test('an unknown project shows a not-found page', async () => {
    await watch.expecting(/status of 404/, async () => {
      await page.goto(`${server.url}/projects/no-such-project`);
      await page.getByRole('heading', { name: 'Project not found' }).waitFor();
    });
  });

  test('no console errors on any page', () => {
    assert.deepEqual(watch.errors, []);
  });
});

// The experiments and runs pages end to end: runs created through MLflow's REST API on a real tileflow
// server, then found, filtered, sorted, charted, their artifacts browsed and two of them compared in
// headless Chromium (test/e2e/support/browser.ts). Any console error fails the test; screenshots go
// to test/e2e/out/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import type { Run } from '../../src/track/entities.js';
import { openLaptopPage, screenshot, type ConsoleWatch } from './support/browser.js';
import { startUiServer, type UiServer } from './support/ui-server.js';

interface RunSpec {
  name: string;
  model: string;
  lr: string;
  accuracy: number;
  status: 'FINISHED' | 'FAILED';
}

const RUNS: RunSpec[] = [
  { name: 'unet-lr0.01', model: 'unet', lr: '0.01', accuracy: 0.93, status: 'FINISHED' },
  { name: 'unet-lr0.001', model: 'unet', lr: '0.001', accuracy: 0.88, status: 'FINISHED' },
  { name: 'resnet-lr0.01', model: 'resnet18', lr: '0.01', accuracy: 0.91, status: 'FINISHED' },
  { name: 'lstm-baseline', model: 'lstm', lr: '0.01', accuracy: 0.72, status: 'FAILED' },
];
const STEPS = 10;

/** A small real PNG (a gradient), as a training run's plot would be. */
async function gradientPng(): Promise<Buffer> {
  const width = 64;
  const height = 48;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([x * 4, y * 5, 160], (y * width + x) * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Logs the runs the way an MLflow client does: create, log-batch, artifacts, update. */
async function seed(server: UiServer): Promise<{ experimentId: string; runs: Run[] }> {
  const { client } = server;
  const experimentId = await client.createExperiment('e2e-segmentation', { tags: { 'mlflow.note.content': 'U-Net against ResNet on fixture tiles' } });
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  const runs: Run[] = [];
  for (const [i, spec] of RUNS.entries()) {
    const start = t0 + i * 3_600_000;
    const run = await client.createRun({ experimentId, runName: spec.name, startTime: start, tags: { team: 'eo' } });
    const metrics = Array.from({ length: STEPS }, (_, step) => [
      { key: 'accuracy', value: spec.accuracy - (STEPS - 1 - step) * 0.03, step, timestamp: start + step * 60_000 },
      { key: 'loss', value: (1.5 - spec.accuracy) / (step + 1), step, timestamp: start + step * 60_000 },
    ]).flat();
    await client.logBatch(run.info.runId, {
      metrics,
      params: [
        { key: 'model', value: spec.model },
        { key: 'lr', value: spec.lr },
        { key: 'epochs', value: String(STEPS) },
      ],
    });
    await client.updateRun(run.info.runId, { status: spec.status, endTime: start + STEPS * 60_000 });
    runs.push(run);
  }
  const best = runs[0];
  await client.uploadArtifact(best, 'plots/loss_curve.png', await gradientPng());
  await client.uploadArtifact(best, 'evaluation/metrics.json', JSON.stringify({ accuracy: 0.93, classes: ['building', 'road'] }));
  await client.uploadArtifact(best, 'notes.txt', 'trained on the fixture tiles\nsecond line\n');
  return { experimentId, runs };
}

/** The run names in the table, top to bottom. */
async function shownRunNames(page: Page): Promise<string[]> {
  await page.locator('.runs-page[data-status="ready"]').waitFor();
  return page.locator('.runs-row[data-run-id] .cell-name a').allTextContents();
}

describe('web UI: experiments and runs (headless Chromium)', () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let experimentId: string;
  let runs: Run[];

  before(async () => {
    server = await startUiServer();
    ({ experimentId, runs } = await seed(server));
    ({ browser, page, watch } = await openLaptopPage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the experiment list links to the runs table', async () => {
    await page.goto(server.url);
    await page.waitForURL(/\/experiments$/);
    await page.getByRole('link', { name: 'e2e-segmentation' }).click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}$`));
    assert.deepEqual(await shownRunNames(page), ['lstm-baseline', 'resnet-lr0.01', 'unet-lr0.001', 'unet-lr0.01'], 'newest first');
    const headers = await page.locator('.runs-header [role="columnheader"]').allTextContents();
    for (const column of ['accuracy', 'loss', 'epochs', 'lr', 'model']) assert.ok(headers.some((h) => h.startsWith(column)), `column ${column} in ${headers}`);
    await page.getByRole('heading', { name: 'e2e-segmentation' }).waitFor();
    await screenshot(page, 'runs-table');
  });

  test('a filter in MLflow grammar narrows the runs and lands in the URL', async () => {
    const box = page.getByRole('searchbox', { name: 'Filter runs' });
    await box.fill("params.model = 'unet' and metrics.accuracy > 0.9");
    await box.press('Enter');
    await page.locator(`.runs-page[data-status="ready"][data-filter="params.model = 'unet' and metrics.accuracy > 0.9"]`).waitFor();
    assert.deepEqual(await shownRunNames(page), ['unet-lr0.01']);
    assert.match(decodeURIComponent(page.url().replace(/\+/g, ' ')), /filter=params\.model = 'unet' and metrics\.accuracy > 0\.9/);

    // Plain words search run names.
    await box.fill('resnet');
    await box.press('Enter');
    await page.locator(`.runs-page[data-status="ready"][data-filter="attributes.run_name ILIKE '%resnet%'"]`).waitFor();
    assert.deepEqual(await shownRunNames(page), ['resnet-lr0.01']);
    await screenshot(page, 'runs-filtered');
  });

  test('an invalid filter shows the server message and no table', async () => {
    const box = page.getByRole('searchbox', { name: 'Filter runs' });
    await watch.expecting(/status of 400/, async () => {
      await box.fill('metrics.accuracy >> 1');
      await box.press('Enter');
      await page.locator('#search-error').waitFor();
    });
    assert.match(await page.locator('#search-error').innerText(), /Invalid|parse|Malformed/i);
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.locator('.runs-page[data-status="ready"][data-filter=""]').waitFor();
    assert.equal((await shownRunNames(page)).length, RUNS.length);
  });

  test('clicking a column header sorts on the server, both ways', async () => {
    const header = page.locator('.runs-header').getByRole('button', { name: 'accuracy', exact: true });
    await header.click();
    await page.waitForURL(/order_by=metrics\.accuracy(\+|%20)DESC/);
    await page.locator('.runs-page[data-status="ready"][data-order="metrics.accuracy DESC"]').waitFor();
    assert.deepEqual(await shownRunNames(page), ['unet-lr0.01', 'resnet-lr0.01', 'unet-lr0.001', 'lstm-baseline']);
    await header.click();
    await page.waitForURL(/order_by=metrics\.accuracy(\+|%20)ASC/);
    await page.locator('.runs-page[data-status="ready"][data-order="metrics.accuracy ASC"]').waitFor();
    assert.deepEqual(await shownRunNames(page), ['lstm-baseline', 'unet-lr0.001', 'resnet-lr0.01', 'unet-lr0.01']);
    await screenshot(page, 'runs-sorted');
  });

  test("a run's page shows its params and charts its metrics by step or time", async () => {
    await page.getByRole('link', { name: 'unet-lr0.01', exact: true }).click();
    await page.waitForURL(new RegExp(`/runs/${runs[0].info.runId}`));
    await page.getByRole('heading', { name: /unet-lr0\.01/ }).waitFor();
    const params = page.getByRole('table', { name: 'Parameters' });
    assert.match(await params.innerText(), /model\s+unet/);
    assert.match(await params.innerText(), /lr\s+0\.01/);

    await page.getByRole('tab', { name: 'Charts' }).click();
    const chart = page.locator('[data-testid="metric-chart"][data-metric="loss"]');
    await chart.locator('canvas').waitFor();
    assert.equal(await page.locator('[data-testid="metric-chart"]').count(), 2, 'one chart per metric');
    assert.match(await page.getByRole('region', { name: 'Metric loss' }).innerText(), /10 points/);
    const box = await chart.locator('canvas').boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `chart drawn at ${JSON.stringify(box)}`);
    await screenshot(page, 'run-charts-step');
    await page.getByText('Time', { exact: true }).click();
    await page.waitForURL(/x=time/);
    await chart.locator('canvas').waitFor();
    await screenshot(page, 'run-charts-time');
  });

  test('the artifacts browser previews images, JSON and text, and the URL reopens the file', async () => {
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    const tree = page.getByRole('navigation', { name: 'Artifacts' });
    await tree.getByRole('button', { name: /plots\// }).click();
    await tree.getByRole('button', { name: /loss_curve\.png/ }).click();
    const image = page.locator('img.image-preview');
    await image.waitFor();
    await page.waitForFunction(() => (document.querySelector('img.image-preview') as HTMLImageElement | null)?.naturalWidth === 64);
    await screenshot(page, 'run-artifact-image');

    await tree.getByRole('button', { name: /evaluation\// }).click();
    await tree.getByRole('button', { name: /metrics\.json/ }).click();
    const text = page.getByTestId('artifact-text');
    await text.waitFor();
    assert.equal(await text.innerText(), JSON.stringify({ accuracy: 0.93, classes: ['building', 'road'] }, null, 2), 'pretty-printed');

    await tree.getByRole('button', { name: /notes\.txt/ }).click();
    await page.getByTestId('artifact-text').filter({ hasText: 'second line' }).waitFor();

    // A shared link opens the same tab and file, its folder unfolded.
    const shared = new URL(page.url());
    assert.equal(shared.searchParams.get('tab'), 'artifacts');
    assert.equal(shared.searchParams.get('artifact'), 'notes.txt');
    shared.searchParams.set('artifact', 'plots/loss_curve.png');
    await page.goto(shared.toString());
    await page.locator('img.image-preview').waitFor();
    assert.ok(await tree.getByRole('button', { name: /loss_curve\.png/ }).isVisible());
  });

  test('two runs selected in the table compare as overlaid curves and a param table with differences marked', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await shownRunNames(page);
    await page.getByRole('checkbox', { name: 'Select unet-lr0.01', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Select unet-lr0.001', exact: true }).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.waitForURL(/\/compare\?runs=/);
    await page.getByRole('heading', { name: 'Compare 2 runs' }).waitFor();
    const loss = page.locator('[data-testid="metric-chart"][data-metric="loss"]');
    await loss.locator('canvas').waitFor();
    assert.equal(await page.locator('[data-testid="metric-chart"]').count(), 2);
    // uPlot's legend lists one entry per series: the x axis, then each run.
    assert.match(await loss.locator('.u-legend').innerText(), /unet-lr0\.01[\s\S]*unet-lr0\.001|unet-lr0\.001[\s\S]*unet-lr0\.01/);

    const params = page.getByRole('table', { name: 'Parameter', exact: true });
    const differing = await params.locator('tr[data-differs] th').allTextContents();
    assert.deepEqual(differing, ['lr']);
    assert.equal(await params.locator('tbody tr').count(), 3);
    await screenshot(page, 'compare');
    await page.getByLabel('Only rows that differ').check();
    await page.waitForURL(/diff=1/);
    assert.equal(await params.locator('tbody tr').count(), 1);
  });

  test('an unknown address shows a not-found page inside the app', async () => {
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.getByRole('link', { name: 'Experiments' }).first().waitFor();
  });

  test('no console errors on any page', () => {
    assert.deepEqual(watch.errors, []);
  });
});

// The runs page with 10,000 runs in the store, in headless Chromium: the first rows must be on
// screen, and a filter applied, within one second (issue 7); a cold browser's very first visit,
// which also compiles the bundle, within two. Also measured and printed: sorting by a
// metric, loading all 10,000 rows by scrolling, and frame times while scrolling through them.
// Figures go to the test output and to test/e2e/out/runs-page.perf.json.
//
//   npx tsx --test test/e2e/runs-page.perf.test.ts
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openTracking, type Tracking } from '../../src/track/service.js';
import { tempDir } from '../support/databases.js';
import { openLaptopPage, screenshot, type ConsoleWatch } from './support/browser.js';
import { startUiServer, type UiServer } from './support/ui-server.js';

const RUNS = 10_000;
const LIMIT_MS = 1000;
/** A cold browser's first visit: the bundle is downloaded and compiled too. */
const FIRST_VISIT_LIMIT_MS = 2000;
const MODELS = ['unet', 'resnet18', 'resnet34', 'lstm', 'cnn'];
const RATES = ['0.1', '0.01', '0.001', '0.0001'];
const OUT = path.resolve(import.meta.dirname, 'out');

/** A deterministic stand-in for a training result in [0, 1). */
function noise(i: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/**
 * Fills a store with the runs through the tracking store API in this process (10,000 REST round trips
 * would take minutes), before the server opens it.
 */
async function seed(tracking: Tracking): Promise<{ experimentId: string; seconds: number }> {
  const started = performance.now();
  const store = tracking.runs;
  const experimentId = await store.createExperiment('ten-thousand-runs');
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < RUNS; i++) {
    const run = await store.createRun({ experimentId, runName: `run-${String(i).padStart(5, '0')}`, startTime: t0 + i * 60_000, tags: [{ key: 'team', value: i % 2 ? 'eo' : 'ml' }] });
    const accuracy = 0.5 + 0.5 * noise(i, 1);
    const timestamp = t0 + i * 60_000 + 30_000;
    await store.logBatch(run.info.runId, {
      params: [
        { key: 'model', value: MODELS[i % MODELS.length] },
        { key: 'lr', value: RATES[Math.floor(i / MODELS.length) % RATES.length] },
        { key: 'batch_size', value: String(16 << i % 3) },
        { key: 'seed', value: String(i) },
      ],
      metrics: [
        { key: 'accuracy', value: accuracy, step: 9, timestamp },
        { key: 'loss', value: 1 - accuracy + 0.1 * noise(i, 2), step: 9, timestamp },
        { key: 'val_accuracy', value: accuracy - 0.05 * noise(i, 3), step: 9, timestamp },
        { key: 'val_loss', value: 1.1 - accuracy + 0.1 * noise(i, 4), step: 9, timestamp },
        { key: 'f1', value: accuracy - 0.1 * noise(i, 5), step: 9, timestamp },
      ],
      tags: [],
    });
  }
  return { experimentId, seconds: (performance.now() - started) / 1000 };
}

/** Milliseconds `action` takes until the runs page shows the query `selector` names, ready. */
async function timeUntilReady(page: Page, selector: string, action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  await page.locator(`.runs-page[data-status="ready"]${selector}`).waitFor();
  await page.locator('.runs-row[data-run-id]').first().waitFor();
  return performance.now() - started;
}

/**
 * Scrolls an element from top to bottom over two seconds, one step per animation frame, and returns
 * the intervals between frames. A string, not a function: tsx compiles functions with a naming helper
 * that does not exist in the page.
 */
const SCROLL_THROUGH = `async (el) => {
  el.scrollTop = 0;
  const intervals = [];
  const total = el.scrollHeight - el.clientHeight;
  const duration = 2000;
  await new Promise((resolve) => {
    let start = 0;
    let last = 0;
    const step = (now) => {
      if (!start) start = last = now;
      else intervals.push(now - last);
      last = now;
      const f = Math.min(1, (now - start) / duration);
      el.scrollTop = f * total;
      if (f < 1) requestAnimationFrame(step);
      else resolve();
    };
    requestAnimationFrame(step);
  });
  return intervals;
}`;

/** The same at a mouse wheel's pace: 32 px (one row) per frame for 120 frames; frame intervals. */
const WHEEL_SCROLL = `async (el) => {
  el.scrollTop = 0;
  const intervals = [];
  await new Promise((resolve) => {
    let last = 0;
    let n = 0;
    const step = (now) => {
      if (last) intervals.push(now - last);
      last = now;
      el.scrollTop += 32;
      if (++n < 120) requestAnimationFrame(step);
      else resolve();
    };
    requestAnimationFrame(step);
  });
  return intervals;
}`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (ms: number) => Math.round(ms);

describe(`runs page with ${RUNS.toLocaleString('en')} runs (headless Chromium)`, () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let experimentId: string;
  const figures: Record<string, unknown> = {};

  const dir = tempDir('tileflow-perf-');
  const store = { databaseUrl: `sqlite:${path.join(dir.path, 'mlflow.db')}`, artifactsRoot: path.join(dir.path, 'artifacts') };

  before(async () => {
    const tracking = await openTracking(store);
    try {
      const seeded = await seed(tracking);
      experimentId = seeded.experimentId;
      figures.seedSeconds = Number(seeded.seconds.toFixed(1));
    } finally {
      await tracking.close();
    }
    server = await startUiServer(store);
    ({ browser, page, watch } = await openLaptopPage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    dir.cleanup();
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, 'runs-page.perf.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  test('the page renders its first rows within one second', async (t) => {
    const url = `${server.url}/experiments/${experimentId}`;
    // `tileflow up` is a long-running server: its first requests (file handles, JIT) are not what a
    // visitor waits for, so fetch the page and its bundles once over plain HTTP. The browser stays cold.
    const html = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
    for (const [, asset] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) await (await fetch(server.url + asset)).arrayBuffer();
    // A browser that has never seen the app: the bundle is fetched and compiled on this load.
    const firstVisit = await timeUntilReady(page, '[data-filter=""]', () => page.goto(url));
    // From the experiment list, as users arrive: a click, then the runs table.
    await page.goto(`${server.url}/experiments`);
    const fromList = await timeUntilReady(page, '[data-filter=""]', () => page.getByRole('link', { name: 'ten-thousand-runs' }).click());
    // Opening the address again (a reload, a shared link): the bundle comes from the browser's cache.
    const reloads: number[] = [];
    for (let i = 0; i < 3; i++) reloads.push(await timeUntilReady(page, '[data-filter=""]', () => page.reload()));
    // The page's own mark: from navigation start to the rows' first commit, on the last reload.
    const inPage = await page.evaluate(() => performance.getEntriesByName('tileflow:runs-rendered')[0]?.startTime ?? -1);
    figures.render = { firstVisitMs: round(firstVisit), fromListMs: round(fromList), reloadMs: reloads.map(round), reloadInPageMarkMs: round(inPage) };
    t.diagnostic(
      `render: first visit ${round(firstVisit)} ms, from the experiment list ${round(fromList)} ms, ` +
        `reload ${reloads.map(round).join(' / ')} ms (page mark ${round(inPage)} ms after navigation start)`,
    );
    assert.match(await page.locator('.table-summary').innerText(), /^(200|1,200)\+ runs/);
    await screenshot(page, 'perf-runs-10k');
    // The limit holds once the browser has the app (arriving from the list, reloading, opening a
    // shared link). A browser's very first visit also downloads and compiles the bundle; it is held
    // to a looser bound, so that a heavier bundle still shows up here.
    assert.ok(fromList < LIMIT_MS, `from the list took ${round(fromList)} ms`);
    for (const ms of reloads) assert.ok(ms < LIMIT_MS, `reload took ${round(ms)} ms`);
    assert.ok(firstVisit < FIRST_VISIT_LIMIT_MS, `first visit took ${round(firstVisit)} ms`);
  });

  test('a filter applies within one second', async (t) => {
    const box = page.getByRole('searchbox', { name: 'Filter runs' });
    const filters = ["metrics.accuracy > 0.95 and params.model = 'unet'", "params.lr = '0.01'", 'metrics.f1 < 0.55', 'run-0999'];
    const results: { filter: string; ms: number; inPageMs: number; rows: string }[] = [];
    for (const filter of filters) {
      await box.fill(filter);
      const shown = filter.includes('=') || filter.includes('<') ? filter : `attributes.run_name ILIKE '%${filter}%'`;
      const ms = await timeUntilReady(page, `[data-filter="${shown}"]`, () => box.press('Enter'));
      const inPageMs = await page.evaluate(() => performance.getEntriesByName('tileflow:runs-search-to-rows').at(-1)?.duration ?? -1);
      results.push({ filter, ms: round(ms), inPageMs: round(inPageMs), rows: await page.locator('.table-summary').innerText() });
    }
    figures.filter = results;
    for (const r of results) t.diagnostic(`filter ${r.filter}: ${r.ms} ms (page measure ${r.inPageMs} ms) → ${r.rows}`);
    await screenshot(page, 'perf-runs-10k-filtered');
    for (const r of results) assert.ok(r.ms < LIMIT_MS, `filter ${r.filter} took ${r.ms} ms`);
  });

  test('sorting all runs by a metric, and scrolling through all of them', async (t) => {
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await page.locator('.runs-page[data-status="ready"][data-filter=""]').waitFor();
    const header = page.locator('.runs-header').getByRole('button', { name: 'accuracy', exact: true });
    const sortMs = await timeUntilReady(page, '[data-order="metrics.accuracy DESC"]', () => header.click());

    // Scroll to the end until every page has loaded.
    const loadStarted = performance.now();
    const scroller = page.locator('.runs-scroller');
    for (;;) {
      await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      const summary = await page.locator('.table-summary').innerText();
      if (summary.startsWith(`${RUNS.toLocaleString('en')} runs`)) break;
      await page.waitForTimeout(20);
    }
    const loadAllMs = performance.now() - loadStarted;

    // Frame intervals while scrolling from top to bottom over 2 seconds.
    const frames = (await page.evaluate(`(${SCROLL_THROUGH})(document.querySelector('.runs-scroller'))`)) as number[];
    const wheel = (await page.evaluate(`(${WHEEL_SCROLL})(document.querySelector('.runs-scroller'))`)) as number[];
    const wheelSorted = [...wheel].sort((a, b) => a - b);
    const sorted = [...frames].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)];
    const domRows = await page.locator('.runs-row').count();
    figures.sortByMetricMs = round(sortMs);
    figures.loadAllRowsMs = round(loadAllMs);
    figures.wheelScroll = { frames: wheel.length, medianFrameMs: Number(median(wheel).toFixed(1)), p95FrameMs: Number(wheelSorted[Math.floor(wheel.length * 0.95)].toFixed(1)) };
    figures.scroll = { frames: frames.length, medianFrameMs: Number(median(frames).toFixed(1)), p95FrameMs: Number(p95.toFixed(1)), maxFrameMs: Number(sorted.at(-1)!.toFixed(1)), domRows };
    t.diagnostic(`sort by metrics.accuracy: ${round(sortMs)} ms; all ${RUNS} rows loaded by scrolling in ${round(loadAllMs)} ms`);
    t.diagnostic(`scroll through ${RUNS} rows: ${frames.length} frames, median ${median(frames).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; ${domRows} rows in the DOM`);
    t.diagnostic(`wheel-paced scroll (one row a frame): median ${median(wheel).toFixed(1)} ms, p95 ${wheelSorted[Math.floor(wheel.length * 0.95)].toFixed(1)} ms a frame`);
    assert.ok(sortMs < LIMIT_MS, `sort took ${round(sortMs)} ms`);
    assert.ok(domRows < 100, `virtualized: ${domRows} rows in the DOM`);
    const bottom = await page.locator('.runs-row[data-run-id]').last().innerText();
    assert.ok(bottom.length > 0);
  });

  test('no console errors', () => {
    assert.deepEqual(watch.errors, []);
  });
});

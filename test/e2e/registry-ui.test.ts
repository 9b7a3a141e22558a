// The model registry pages end to end: registered models and versions made through MLflow's REST API,
// and an ONNX model with its MLM item uploaded through tileflow's API, on a real tileflow server; then
// listed, filtered, opened, their MLM metadata read, the ONNX downloaded, the source run followed, a
// stage and aliases changed in headless Chromium (test/e2e/support/browser.ts) and checked through the
// API. Any console error fails the test; screenshots go to test/e2e/out/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openLaptopPage, screenshot, type ConsoleWatch } from './support/browser.js';
import { startUiServer, type UiServer } from './support/ui-server.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'predict');
const ONNX = fs.readFileSync(path.join(FIXTURES, 'water-segmenter.onnx'));
const MLM = fs.readFileSync(path.join(FIXTURES, 'water-segmenter.mlm.json'), 'utf8');

const DETECTOR = 'e2e-building-detector';
/** A name with a slash and a space, which MLflow allows: every link must encode it. */
const ROADS = 'e2e/road mapper';
const SEGMENTER = 'water-segmenter';
/** More models than one page of the list (50), so "Load more" has something to load. */
const FILLER_MODELS = 55;

interface Seeded {
  trainRunId: string;
  uploadRunId: string;
}

/** Sends JSON to the server and returns the parsed answer, failing on any status but `expected`. */
async function call(server: UiServer, method: string, route: string, body: unknown, expected: number): Promise<any> {
  const response = await fetch(`${server.url}${route}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  assert.equal(response.status, expected, `${method} ${route}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A training run and a registered model with two versions from it (one in Production with the alias
 * `champion`, one in Staging) through MLflow's REST API; a second model for the filter; filler models
 * for paging; and the water segmenter uploaded to a project with its ONNX file and MLM item.
 */
async function seed(server: UiServer): Promise<Seeded> {
  const { client } = server;
  const experimentId = await client.createExperiment('e2e-registry');
  const run = await client.createRun({ experimentId, runName: 'train-detector' });
  const trainRunId = run.info.runId;
  await client.logBatch(trainRunId, { params: [{ key: 'arch', value: 'unet' }] });
  await client.updateRun(trainRunId, { status: 'FINISHED', endTime: Date.now() });

  await client.createRegisteredModel(DETECTOR, { description: 'Finds building footprints in 30 cm imagery', tags: { team: 'eo' } });
  for (const description of ['first cut', 'more epochs']) {
    await client.createModelVersion({ name: DETECTOR, source: `runs:/${trainRunId}/model`, runId: trainRunId, description, tags: { 'tileflow.task': 'detection' } });
  }
  await client.transitionModelVersionStage(DETECTOR, 1, 'Production');
  await client.transitionModelVersionStage(DETECTOR, 2, 'Staging');
  await client.setAlias(DETECTOR, 'champion', 1);

  await client.createRegisteredModel(ROADS, { description: 'Road centrelines' });
  await client.createModelVersion({ name: ROADS, source: `runs:/${trainRunId}/roads`, runId: trainRunId });
  for (let i = 0; i < FILLER_MODELS; i++) await client.createRegisteredModel(`filler-${String(i).padStart(3, '0')}`);

  const project = await call(server, 'POST', '/api/projects', { name: 'e2e-coast' }, 201);
  const form = new FormData();
  form.append('name', SEGMENTER);
  form.append('mlm', new Blob([MLM], { type: 'application/json' }), 'mlm.json');
  form.append('model', new Blob([ONNX], { type: 'application/octet-stream' }), 'water-segmenter.onnx');
  const upload = await fetch(`${server.url}/api/projects/${project.id}/models/upload`, { method: 'POST', body: form });
  const uploaded = await upload.json();
  assert.equal(upload.status, 201, JSON.stringify(uploaded));
  assert.equal(uploaded.version, '1');
  return { trainRunId, uploadRunId: uploaded.runId };
}

/** Waits for a registry page to have its data, then returns the model names in the list. */
async function shownModels(page: Page, filter: string): Promise<string[]> {
  await page.locator(`.registry-page[data-status="ready"][data-filter="${filter}"]`).waitFor();
  return page.locator('table[aria-label="Registered models"] tbody tr .registry-name a').allTextContents();
}

describe('web UI: model registry (headless Chromium)', () => {
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let seeded: Seeded;

  before(async () => {
    server = await startUiServer();
    seeded = await seed(server);
    ({ browser, page, watch } = await openLaptopPage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the model list shows latest versions by stage and aliases, a page at a time', async () => {
    await page.goto(server.url);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(/\/models$/);
    await page.getByRole('heading', { name: 'Registered models' }).waitFor();
    const first = await shownModels(page, '');
    assert.equal(first.length, 50, 'one page of 50');
    assert.deepEqual(first.slice(0, 3), [DETECTOR, ROADS, 'filler-000'], 'by name');

    await page.getByRole('button', { name: 'Load more' }).click();
    await page.locator('table[aria-label="Registered models"] tbody tr').nth(FILLER_MODELS + 2).waitFor();
    const all = await shownModels(page, '');
    assert.equal(all.length, FILLER_MODELS + 3);
    assert.equal(all.at(-1), SEGMENTER);
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0, 'nothing more to load');

    const row = page.locator(`tr[data-model="${DETECTOR}"]`);
    const latest = (await row.locator('.version-chip').allInnerTexts()).map((text) => text.replace(/\s+/g, ' '));
    assert.deepEqual(latest, ['v2 Staging', 'v1 Production'], 'latest version per stage, newest first');
    assert.match(await row.locator('.alias-chip').innerText(), /^@champion\s*v1$/, 'the alias and the version it names');
    assert.match(await row.innerText(), /Finds building footprints/);
    await page.locator(`tr[data-model="${DETECTOR}"]`).scrollIntoViewIfNeeded();
    await screenshot(page, 'registry-models');
  });

  test('the name filter searches on the server, ignores case and lands in the URL', async () => {
    const box = page.getByRole('searchbox', { name: 'Filter registered models by name' });
    await box.fill('segment');
    assert.deepEqual(await shownModels(page, 'segment'), [SEGMENTER]);
    assert.equal(new URL(page.url()).searchParams.get('q'), 'segment');
    await screenshot(page, 'registry-models-filtered');

    // A shared address opens the same filter, in any case.
    await page.goto(`${server.url}/models?q=BUILDING`);
    assert.deepEqual(await shownModels(page, 'BUILDING'), [DETECTOR]);
    assert.equal(await page.getByRole('searchbox', { name: 'Filter registered models by name' }).inputValue(), 'BUILDING');

    await page.getByRole('searchbox', { name: 'Filter registered models by name' }).fill("no'such");
    await page.locator('.registry-page[data-status="ready"][data-filter="no\'such"]').waitFor();
    await page.getByText('No registered model name contains “no\'such”.').waitFor();
  });

  test('a model whose name has a slash and a space opens by its links', async () => {
    await page.getByRole('searchbox', { name: 'Filter registered models by name' }).fill('road');
    assert.deepEqual(await shownModels(page, 'road'), [ROADS]);
    await page.getByRole('link', { name: ROADS, exact: true }).click();
    await page.waitForURL(/\/models\/e2e%2Froad%20mapper$/);
    await page.getByRole('heading', { name: ROADS, exact: true }).waitFor();
    await page.getByRole('table', { name: 'Versions' }).getByRole('link', { name: 'Version 1', exact: true }).click();
    await page.waitForURL(/\/models\/e2e%2Froad%20mapper\/versions\/1$/);
    await page.getByRole('heading', { name: `${ROADS} Version 1` }).waitFor();
    await page.locator('.mlm-section[data-mlm="none"]').waitFor();
  });

  test('a registered model shows its description, tags, aliases and versions with stages and source runs', async () => {
    await page.goto(`${server.url}/models?q=building`);
    await shownModels(page, 'building');
    await page.getByRole('link', { name: DETECTOR, exact: true }).click();
    await page.waitForURL(new RegExp(`/models/${DETECTOR}$`));
    await page.getByRole('heading', { name: DETECTOR, exact: true }).waitFor();
    await page.getByText('Finds building footprints in 30 cm imagery').waitFor();
    assert.match(await page.getByRole('table', { name: 'Tags' }).innerText(), /team\s+eo/);
    assert.match(await page.getByRole('list', { name: 'Aliases' }).innerText(), /@champion\s*→\s*Version 1/);

    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.waitFor();
    assert.deepEqual(await versions.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.version)), ['2', '1'], 'newest first');
    assert.equal(await versions.locator('tr[data-version="1"] .stage-badge').getAttribute('data-stage'), 'Production');
    assert.equal(await versions.locator('tr[data-version="2"] .stage-badge').getAttribute('data-stage'), 'Staging');
    assert.deepEqual(await versions.locator('tr[data-version="1"] .alias-chip').allInnerTexts(), ['@champion']);
    const runLink = versions.locator('tr[data-version="1"]').getByRole('link', { name: seeded.trainRunId.slice(0, 8) });
    assert.equal(await runLink.getAttribute('href'), `/runs/${seeded.trainRunId}`);
    assert.match(await versions.locator('tr[data-version="2"]').innerText(), /more epochs/);
    await screenshot(page, 'registry-model');
  });

  test('a version registered without an ONNX model says it has no MLM metadata, not an error', async () => {
    await page.getByRole('link', { name: 'Version 2', exact: true }).click();
    await page.waitForURL(new RegExp(`/models/${DETECTOR}/versions/2$`));
    const mlm = page.getByRole('region', { name: 'MLM metadata' });
    await page.locator('.mlm-section[data-mlm="none"]').waitFor();
    assert.match(await mlm.innerText(), /No MLM metadata/);
    assert.equal(await page.getByRole('alert').count(), 0, 'no error box');
    assert.equal(await page.getByRole('link', { name: /Download ONNX/ }).count(), 0);
  });

  test('the uploaded version shows its classes with colours, bands, scaling and zoom, and its ONNX file downloads', async () => {
    await page.goto(`${server.url}/models/${SEGMENTER}`);
    await page.getByRole('table', { name: 'Versions' }).getByRole('link', { name: 'Version 1', exact: true }).click();
    await page.waitForURL(new RegExp(`/models/${SEGMENTER}/versions/1$`));
    await page.locator('.mlm-section[data-mlm="ready"]').waitFor();

    const classes = page.getByRole('table', { name: 'Classes' });
    const shown = await classes.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.class, (r as HTMLElement).dataset.color]));
    assert.deepEqual(shown, [['land', '#c2a36b'], ['water', '#1f77b4']], 'classes with their colour hints');
    const swatches = await classes.locator('.class-swatch').evaluateAll((nodes) => nodes.map((n) => getComputedStyle(n).backgroundColor));
    assert.deepEqual(swatches, ['rgb(194, 163, 107)', 'rgb(31, 119, 180)'], 'swatches painted in the class colours');

    const bands = page.getByRole('table', { name: 'Bands' });
    assert.deepEqual(await bands.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.band)), ['red', 'green', 'blue']);
    assert.match(await bands.innerText(), /red\s+min-max 0 to 255/);
    const model = page.getByRole('region', { name: 'Model', exact: true });
    assert.match(await model.innerText(), /semantic-segmentation/);
    assert.match(await model.innerText(), /1x1 conv \+ 3x3 mean/);
    assert.equal(await page.getByTestId('mlm-zoom').innerText(), '10');
    assert.match(await page.getByRole('region', { name: 'Input RGB' }).innerText(), /bands 3 × height any × width any/);
    const tags = await page.getByRole('table', { name: 'Tags' }).innerText();
    assert.match(tags, /tileflow\.format\s+onnx/);

    const download = page.getByRole('link', { name: /Download ONNX/ });
    assert.match(await download.innerText(), /744 B/);
    const href = await download.getAttribute('href');
    assert.equal(href, `/api/models/${SEGMENTER}/versions/1/onnx`);
    const response = await fetch(`${server.url}${href}`);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), ONNX, "the ONNX file's bytes");
    await screenshot(page, 'registry-version-mlm');
  });

  test("the source run link opens the run's page", async () => {
    const link = page.locator('.facts').getByRole('link', { name: seeded.uploadRunId.slice(0, 8) });
    await link.click();
    await page.waitForURL(new RegExp(`/runs/${seeded.uploadRunId}$`));
    await page.getByRole('heading', { name: /upload water-segmenter/ }).waitFor();
  });

  test('a stage transition and aliases set in the UI reach the registry', async () => {
    await page.goto(`${server.url}/models/${DETECTOR}/versions/2`);
    const title = page.getByRole('heading', { level: 1 });
    await title.locator('.stage-badge[data-stage="Staging"]').waitFor();

    // To Production, archiving version 1 that is there now.
    const stage = page.getByRole('form', { name: 'Stage transition' });
    await stage.getByLabel('Move to').selectOption('Production');
    await stage.getByLabel(/Archive the other versions in Production/).check();
    await stage.getByRole('button', { name: 'Transition' }).click();
    await title.locator('.stage-badge[data-stage="Production"]').waitFor();
    assert.equal((await server.client.getModelVersion(DETECTOR, 2)).currentStage, 'Production');
    assert.equal((await server.client.getModelVersion(DETECTOR, 1)).currentStage, 'Archived');

    // A new alias, then `champion` moved here from version 1.
    const aliasForm = page.getByRole('form', { name: 'Set an alias' });
    for (const alias of ['candidate', 'champion']) {
      await aliasForm.getByLabel('Alias').fill(alias);
      await aliasForm.getByRole('button', { name: 'Set alias' }).click();
      await page.getByRole('list', { name: 'Aliases of this version' }).locator(`[data-alias="${alias}"]`).waitFor();
      assert.equal((await server.client.getModelVersionByAlias(DETECTOR, alias)).version, '2');
    }
    await screenshot(page, 'registry-version-edited');

    await page.getByRole('button', { name: 'Remove alias candidate' }).click();
    await page.getByRole('list', { name: 'Aliases of this version' }).locator('[data-alias="candidate"]').waitFor({ state: 'detached' });
    const aliases = (await server.client.getRegisteredModel(DETECTOR)).aliases;
    assert.deepEqual(aliases, [{ alias: 'champion', version: '2' }]);

    // The model page, reached by its breadcrumb, shows the change (its cached answer was invalidated).
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: DETECTOR }).click();
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.locator('tr[data-version="1"] .stage-badge[data-stage="Archived"]').waitFor();
    assert.equal(await versions.locator('tr[data-version="2"] .stage-badge').getAttribute('data-stage'), 'Production');
    assert.deepEqual(await versions.locator('tr[data-version="2"] .alias-chip').allInnerTexts(), ['@champion']);
    assert.match(await page.getByRole('list', { name: 'Aliases' }).innerText(), /@champion\s*→\s*Version 2/);
  });

  test("an alias the registry refuses shows the server's message", async () => {
    await page.goto(`${server.url}/models/${DETECTOR}/versions/1`);
    const aliasForm = page.getByRole('form', { name: 'Set an alias' });
    await watch.expecting(/status of 400/, async () => {
      await aliasForm.getByLabel('Alias').fill('latest');
      await aliasForm.getByRole('button', { name: 'Set alias' }).click();
      await page.getByRole('alert').filter({ hasText: 'Could not set the alias' }).waitFor();
    });
    assert.match(await page.getByRole('alert').innerText(), /'latest' alias name \(case insensitive\) is reserved/);
  });

  test('descriptions and tags edited on the model and version pages reach the registry; a refused tag shows the server message', async () => {
    await page.goto(`${server.url}/models/${DETECTOR}/versions/1`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Edit description' }).click();
    const edit = page.getByRole('form', { name: 'Edit description' });
    await edit.getByLabel('Description').fill('Retired: superseded by version 2');
    await edit.getByRole('button', { name: 'Save' }).click();
    // The form closes once the server has it (the text area holds the same text until then).
    await edit.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.registry-text').first().innerText(), 'Retired: superseded by version 2');
    assert.equal((await server.client.getModelVersion(DETECTOR, 1)).description, 'Retired: superseded by version 2');

    const tagForm = page.getByRole('form', { name: 'Set a tag' });
    await tagForm.getByLabel('Tag').fill('validation');
    await tagForm.getByLabel('Value').fill('passed');
    await tagForm.getByRole('button', { name: 'Set tag' }).click();
    await page.getByRole('button', { name: 'Remove tag validation' }).waitFor();
    assert.match(await page.getByRole('table', { name: 'Tags' }).innerText(), /validation\s+passed/);
    assert.deepEqual((await server.client.getModelVersion(DETECTOR, 1)).tags.find((t) => t.key === 'validation')?.value, 'passed');
    await page.getByRole('button', { name: 'Remove tag validation' }).click();
    await page.getByRole('button', { name: 'Remove tag validation' }).waitFor({ state: 'detached' });
    assert.equal((await server.client.getModelVersion(DETECTOR, 1)).tags.find((t) => t.key === 'validation'), undefined);

    await watch.expecting(/status of 400/, async () => {
      await tagForm.getByLabel('Tag').fill('team/../owner');
      await tagForm.getByLabel('Value').fill('ana');
      await tagForm.getByRole('button', { name: 'Set tag' }).click();
      await tagForm.getByRole('alert').waitFor();
    });
    assert.match(await tagForm.getByRole('alert').innerText(), /Could not set the tag[\s\S]*must not resolve to other names/);

    // The registered model's own description and tags.
    await page.goto(`${server.url}/models/${DETECTOR}`);
    await page.getByRole('button', { name: 'Edit description' }).click();
    await page.getByRole('form', { name: 'Edit description' }).getByLabel('Description').fill('Building footprints, 30 cm');
    await page.getByRole('form', { name: 'Edit description' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('form', { name: 'Edit description' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('.registry-text').first().innerText(), 'Building footprints, 30 cm');
    const modelTags = page.getByRole('form', { name: 'Set a tag' });
    await modelTags.getByLabel('Tag').fill('team');
    await modelTags.getByLabel('Value').fill('mapping');
    await modelTags.getByRole('button', { name: 'Set tag' }).click();
    await page.getByRole('cell', { name: 'mapping', exact: true }).waitFor();
    assert.match(await page.getByRole('table', { name: 'Tags' }).innerText(), /team\s+mapping/);
    const model = await server.client.getRegisteredModel(DETECTOR);
    assert.equal(model.description, 'Building footprints, 30 cm');
    assert.equal(model.tags.find((t) => t.key === 'team')?.value, 'mapping', 'setting a tag that exists replaces its value');
    await screenshot(page, 'registry-model-edited');
  });

  test('an unknown model or version shows a not-found state', async () => {
    await watch.expecting(/status of 404/, async () => {
      await page.goto(`${server.url}/models/no-such-model`);
      await page.getByRole('heading', { name: 'Registered model not found' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /no-such-model not found/);
      await screenshot(page, 'registry-model-not-found');
      await page.goto(`${server.url}/models/${DETECTOR}/versions/99`);
      await page.getByRole('heading', { name: 'Model version not found' }).waitFor();
    });
    await page.getByRole('link', { name: 'All registered models' }).click();
    await page.waitForURL(/\/models$/);
  });

  test('no console errors on any page', () => {
    assert.deepEqual(watch.errors, []);
  });
});

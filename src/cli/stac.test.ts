import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FIXTURES, startStacApi, type StacApiServer } from '../../test/support/stac-api.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const STAC = path.join(FIXTURES, 'stac');
const EUROSAT = path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small-STAC/catalog.json');
const JACA = path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2/catalog.json');

/** Schema folders for offline validation, as --schema-map flags. */
const SCHEMA_FLAGS = [
  ['https://schemas.stacspec.org/v1.0.0/', 'schemas/v1.0.0'],
  ['https://schemas.stacspec.org/v1.1.0-beta.1/', 'schemas/v1.1.0-beta.1'],
  ['https://stac-extensions.github.io/label/v1.0.1/', 'label/json-schema'],
].flatMap(([prefix, dir]) => ['--schema-map', `${prefix}=${path.join(STAC, dir)}`]);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let home: string;
before(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-stac-cli-'));
});
after(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs the real CLI in a child process, with its own $TILEFLOW_HOME (asynchronously: the test server must keep answering). */
function tileflow(...args: string[]): Promise<Result> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(MLFLOW_|TILEFLOW_)/.test(name)) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...env, TILEFLOW_HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The table line that holds `text`. */
function lineWith(output: string, text: string): string {
  const line = output.split('\n').find((l) => l.includes(text));
  assert.ok(line, `no line with ${text} in:\n${output}`);
  return line;
}

describe('tileflow stac walk', () => {
  test('lists the EuroSAT catalog as a tree: type, id, href', async () => {
    const result = await tileflow('stac', 'walk', EUROSAT);
    assert.equal(result.code, 0, result.stderr);
    assert.match(lineWith(result.stdout, 'EuroSAT-RGB-Q1'), /│ catalog\s+│ EuroSAT-RGB-Q1\s+│ catalog\.json\s+│/);
    assert.match(lineWith(result.stdout, 'labels/collection.json'), /│ collection │ {3}labels\s+│ labels\/collection\.json/);
    assert.match(lineWith(result.stdout, 'labels/Forest_2980'), /│ item\s+│ {5}Forest_2980\s+│ labels\/Forest_2980\/Forest_2980\.json/);
    assert.match(result.stdout, /203 documents \(1 catalog, 2 collections, 200 items\) under EuroSAT-RGB-small-STAC\n$/);
  });

  test('--validate marks the documents that break their schemas and exits 1', async () => {
    const result = await tileflow('stac', 'walk', EUROSAT, '--validate', '--offline', ...SCHEMA_FLAGS);
    assert.equal(result.code, 1, result.stderr);
    assert.match(lineWith(result.stdout, 'source/Forest_2980/'), /│ yes\s+│\s+│$/);
    assert.match(lineWith(result.stdout, 'labels/Forest_2980/'), /│ no\s+│ \/properties\/label:classes\/0\/name: must be string/);
    assert.match(lineWith(result.stdout, 'labels/collection.json'), /│ no\s+│ \/summaries\/label:type: /);
    assert.match(result.stdout, /: 102 valid, 101 invalid\n$/);
    assert.equal(result.stderr, '');
  });

  test('--validate --json reports every issue, and schemas that could not be loaded', async () => {
    const result = await tileflow('stac', 'walk', JACA, '--validate', '--offline', '--json', ...SCHEMA_FLAGS);
    assert.equal(result.code, 1, result.stderr);
    const rows = JSON.parse(result.stdout) as { type: string; id: string; href: string; parents: string[]; valid?: boolean; unavailableSchema?: string }[];
    assert.equal(rows.length, 11);
    const labelItem = rows.find((r) => r.href.endsWith(path.join('labels', 'Jaca_2', 'Jaca_2.json')))!;
    assert.equal(labelItem.valid, true);
    assert.equal(labelItem.parents.length, 2);
    const chip = rows.find((r) => r.href.endsWith(path.join('sentinel-2-l2a', 'Jaca_1', 'Jaca_1.json')))!;
    assert.equal(chip.unavailableSchema, 'https://stac-extensions.github.io/projection/v1.1.0/schema.json');
  });

  test('--core-only validates the stac-spec examples (STAC 1.1.0-beta.1) and exits 0', async () => {
    const result = await tileflow('stac', 'walk', path.join(STAC, 'stac-spec/examples/catalog.json'), '--validate', '--core-only', '--offline', ...SCHEMA_FLAGS);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /6 documents \(1 catalog, 3 collections, 2 items\) under examples: 6 valid, 0 invalid\n$/);
  });

  test('a catalog that is not there is one error line and exit 1', async () => {
    const result = await tileflow('stac', 'walk', path.join(home, 'nowhere', 'catalog.json'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: no such file: .*nowhere\/catalog\.json\n$/);
  });
});

describe('tileflow stac search against a local STAC API', () => {
  let api: StacApiServer;
  before(async () => {
    api = await startStacApi();
  });
  after(() => api.close());

  test('a table of id, collection, datetime and bbox, at most --limit items', async () => {
    const result = await tileflow('stac', 'search', api.url, '--collections', 'sentinel-2-l2a', '--limit', '3');
    assert.equal(result.code, 0, result.stderr);
    const header = lineWith(result.stdout, '│ id');
    for (const column of ['collection', 'datetime', 'bbox']) assert.ok(header.includes(column), column);
    assert.match(lineWith(result.stdout, 'S2A_MSIL2A_20200731T080611_R078_T35MNM_20200818T062751'), /│ sentinel-2-l2a │ 2020-07-31T08:06:11\.024000Z │ 2[0-9.]+, -[0-9.]+, /);
    assert.equal(result.stdout.split('\n').filter((l) => l.includes('sentinel-2-l2a')).length, 3);
    const searches = api.requests.filter((r) => r.path === '/search');
    assert.deepEqual(searches.at(-1)!.body, { collections: ['sentinel-2-l2a'], limit: 3 });
  });

  test('--json prints one ItemCollection; --ndjson one item per line, across pages', async () => {
    const asJson = await tileflow('stac', 'search', `${api.url}/search`, '--bbox', '2.2,48.8,2.5,48.9', '--datetime', '2023-06-05T00:00:00Z/..', '--json');
    assert.equal(asJson.code, 0, asJson.stderr);
    const collection = JSON.parse(asJson.stdout) as { type: string; features: { id: string }[] };
    assert.equal(collection.type, 'FeatureCollection');
    assert.deepEqual(collection.features.map((f) => f.id), ['S2B_31UDQ_20230609_0_L2A', 'S2A_31UDQ_20230607_0_L2A']);

    const before = api.requests.length;
    const lines = await tileflow('stac', 'search', api.url, '--collections', 'sentinel-2-l2a', '--page-size', '5', '--method', 'get', '--ndjson');
    assert.equal(lines.code, 0, lines.stderr);
    const ids = lines.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    assert.equal(ids.length, 16);
    assert.equal(api.requests.slice(before).filter((r) => r.path === '/search' && r.method === 'GET').length, 4, 'four pages by GET');
  });

  test('an empty result says so', async () => {
    const result = await tileflow('stac', 'search', api.url, '--ids', 'no-such-item');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'No items match.\n');
  });

  test("bad input: a malformed --bbox is a usage error (exit 2); the API's 400 and 404 are one error line (exit 1)", async () => {
    const bbox = await tileflow('stac', 'search', api.url, '--bbox', '1,2,3');
    assert.equal(bbox.code, 2);
    assert.match(bbox.stderr, /expected minx,miny,maxx,maxy/);

    const rejected = await tileflow('stac', 'search', api.url, '--datetime', 'yesterday');
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr, /^error: POST .*\/search was rejected: datetime 'yesterday' is not an RFC 3339 instant or interval\n$/);

    const missing = await tileflow('stac', 'search', `${api.url}/nothing-here/`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: not found: .*\/nothing-here\//);
  });
});

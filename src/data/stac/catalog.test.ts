import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TileflowError } from '../../core/errors.js';
import { FIXTURES, startStacApi, type StacApiServer } from '../../../test/support/stac-api.js';
import { walkCatalog, type WalkEntry } from './catalog.js';

const EUROSAT = path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small-STAC');
const JACA = path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2');
const PYSTAC = path.join(FIXTURES, 'stac/pystac/tests/data-files');

async function walk(location: string | URL, options: Parameters<typeof walkCatalog>[1] = {}): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  for await (const entry of walkCatalog(location, options)) entries.push(entry);
  return entries;
}

function counts(entries: WalkEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}

describe('static catalog walker', () => {
  test('EuroSAT-RGB-small-STAC: a catalog, source and label collections, 100 items each', async () => {
    const entries = await walk(path.join(EUROSAT, 'catalog.json'));
    assert.deepEqual(counts(entries), { catalog: 1, collection: 2, item: 200 });
    assert.deepEqual(
      entries.filter((e) => e.kind === 'collection').map((e) => e.value.id),
      ['source', 'labels'],
    );
    const label = entries.find((e) => e.kind === 'item' && e.href.endsWith(path.join('labels', 'Forest_2980', 'Forest_2980.json')));
    assert.ok(label && label.kind === 'item');
    assert.equal(label.value.properties['label:type'], 'vector');
    assert.deepEqual(label.parents, [path.join(EUROSAT, 'catalog.json'), path.join(EUROSAT, 'labels', 'collection.json')]);
    // Depth-first, in link order: the catalog, then the whole source collection, then the labels.
    assert.equal(entries[0].kind, 'catalog');
    assert.equal(entries[1].value.id, 'source');
    assert.equal(entries[102].value.id, 'labels');
  });

  test('eotdl Jaca: Sentinel-2 chips and their label items', async () => {
    const entries = await walk(path.join(JACA, 'catalog.json'));
    assert.deepEqual(counts(entries), { catalog: 1, collection: 2, item: 8 });
    const labels = entries.filter((e) => e.kind === 'item' && e.value.collection === 'labels').map((e) => e.value.id);
    assert.deepEqual(labels.sort(), ['Jaca_1', 'Jaca_2', 'Jaca_3', 'Jaca_4']);
  });

  test('pystac test catalogs: nested catalogs, 0.8.1 catalogs without a type field, and every file reached once', async () => {
    const cases: [string, Record<string, number>][] = [
      ['catalogs/test-case-1/catalog.json', { catalog: 3, collection: 4, item: 8 }],
      ['catalogs/test-case-4/catalog.json', { catalog: 1, collection: 7, item: 62 }],
      ['catalogs/test-case-6/catalog.json', { catalog: 1, collection: 3, item: 10 }],
      ['catalogs/label_catalog-v0.8.1/catalog.json', { catalog: 1, collection: 7, item: 62 }],
      ['catalogs/cbers-partial/catalog.json', { catalog: 1, collection: 4 }],
      ['examples/1.0.0/catalog.json', { catalog: 1, collection: 3, item: 2 }],
    ];
    for (const [file, expected] of cases) {
      const entries = await walk(path.join(PYSTAC, file));
      assert.deepEqual(counts(entries), expected, file);
      assert.equal(new Set(entries.map((e) => e.href)).size, entries.length, `${file}: no document twice`);
    }
    const nested = await walk(path.join(PYSTAC, 'catalogs/test-case-1/catalog.json'));
    const deepest = nested.find((e) => e.value.id === 'area-1-1-imagery')!;
    assert.deepEqual(
      deepest.parents.map((p) => path.relative(path.join(PYSTAC, 'catalogs/test-case-1'), p)),
      ['catalog.json', path.join('country-1', 'catalog.json'), path.join('country-1', 'area-1-1', 'collection.json')],
    );
  });

  test('relative hrefs resolve against the file, not the self link (which points at GitHub)', async () => {
    const entries = await walk(path.join(FIXTURES, 'stac/stac-spec/examples/catalog.json'));
    assert.equal((entries[0].value.links.find((l) => l.rel === 'self') ?? { href: '' }).href.startsWith('https://raw.githubusercontent.com/'), true);
    assert.ok(entries.every((e) => e.href.startsWith(FIXTURES)), 'every document read from disk');
    const proj = entries.find((e) => e.value.id === 'proj-example')!;
    assert.equal(proj.href, path.join(FIXTURES, 'stac/stac-spec/examples/extensions-collection/proj-example/proj-example.json'));
  });

  test('Windows-style hrefs (.\\child\\collection.json) resolve too', async () => {
    const entries = await walk(path.join(PYSTAC, 'windows_hrefs/catalog.json'));
    assert.deepEqual(counts(entries), { catalog: 1, collection: 1, item: 1 });
    assert.equal(entries[1].href, path.join(PYSTAC, 'windows_hrefs/test-collection/collection.json'));
  });

  test('items: false walks catalogs and collections only', async () => {
    assert.deepEqual(counts(await walk(path.join(EUROSAT, 'catalog.json'), { items: false })), { catalog: 1, collection: 2 });
  });

  describe('catalogs written for these tests', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-stac-walk-'));
      const write = (file: string, doc: unknown) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), JSON.stringify(doc));
      };
      const catalog = (id: string, links: { rel: string; href: string }[]) => ({ type: 'Catalog', stac_version: '1.0.0', id, description: id, links });
      // A cycle (the child lists its parent as a child) and one item linked twice.
      write('cycle/catalog.json', catalog('root', [{ rel: 'child', href: './sub/catalog.json' }, { rel: 'item', href: './item.json' }]));
      write('cycle/sub/catalog.json', catalog('sub', [{ rel: 'child', href: '../catalog.json' }, { rel: 'item', href: '../item.json#again' }]));
      write('cycle/item.json', { type: 'Feature', stac_version: '1.0.0', id: 'only-item', geometry: null, properties: { datetime: '2020-01-01T00:00:00Z' }, links: [], assets: {} });
      write('broken/catalog.json', catalog('broken', [{ rel: 'child', href: './missing/collection.json' }]));
      write('not-stac/catalog.json', catalog('not-stac', [{ rel: 'child', href: './thing.json' }]));
      write('not-stac/thing.json', { hello: 'world' });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('a cycle and a twice-linked item: each document once, and the walk ends', async () => {
      const entries = await walk(path.join(dir, 'cycle/catalog.json'));
      assert.deepEqual(
        entries.map((e) => e.value.id),
        ['root', 'sub', 'only-item'],
      );
    });

    test('a missing child is notFound naming the file and the parent that links it', async () => {
      await assert.rejects(walk(path.join(dir, 'broken/catalog.json')), (error: TileflowError) => {
        assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
        assert.match(error.message, /no such file: .*missing\/collection\.json/);
        assert.match(error.message, /the child link "\.\/missing\/collection\.json" of .*broken\/catalog\.json/);
        return true;
      });
    });

    test('a linked document that is not STAC is an error naming it', async () => {
      await assert.rejects(walk(path.join(dir, 'not-stac/catalog.json')), /thing\.json is not a STAC Catalog, Collection or Item/);
    });

    test('a missing root is notFound', async () => {
      await assert.rejects(walk(path.join(dir, 'nowhere/catalog.json')), /no such file/);
    });
  });

  describe('over HTTP', () => {
    let server: StacApiServer;
    before(async () => {
      server = await startStacApi({ staticRoot: path.join(FIXTURES, 'eurosat/eotdl'), itemDelayMs: 5 });
    });
    after(() => server.close());

    test('the EuroSAT catalog served over HTTP walks as it does from disk, with bounded concurrency', async () => {
      const root = `${server.url}/static/EuroSAT-RGB-small-STAC/catalog.json`;
      const entries = await walk(root, { concurrency: 4 });
      assert.deepEqual(counts(entries), { catalog: 1, collection: 2, item: 200 });
      assert.ok(entries.every((e) => e.href.startsWith(`${server.url}/static/EuroSAT-RGB-small-STAC/`)));
      const local = await walk(path.join(EUROSAT, 'catalog.json'));
      assert.deepEqual(
        entries.map((e) => e.href.slice(server.url.length + '/static/EuroSAT-RGB-small-STAC/'.length)),
        local.map((e) => path.relative(EUROSAT, e.href).split(path.sep).join('/')),
      );
      assert.ok(server.maxInFlight <= 4 && server.maxInFlight >= 2, `at most 4 requests at once, saw ${server.maxInFlight}`);
      assert.equal(server.hits('/static/EuroSAT-RGB-small-STAC/catalog.json'), 1);
    });
  });
});

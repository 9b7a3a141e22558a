import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TileflowError } from '../../core/errors.js';
import { FIXTURES, startStacApi, type StacApiServer } from '../../../test/support/stac-api.js';
import { walkCatalog, type WalkEntry } from './catalog.js';
import { defaultFetch } from './http.js';
import type { StacItem } from './types.js';
import { StacValidator, cachePath, type ValidationResult, type ValidatorOptions } from './validate.js';

const STAC = path.join(FIXTURES, 'stac');
const LABEL_URL = 'https://stac-extensions.github.io/label/v1.0.1/schema.json';

/** The schema URLs of the fixtures, mapped to their folders: validation without the network. */
const SCHEMA_MAP: Record<string, string> = {
  'https://schemas.stacspec.org/v1.0.0/': path.join(STAC, 'schemas/v1.0.0'),
  'https://schemas.stacspec.org/v1.1.0-beta.1/': path.join(STAC, 'schemas/v1.1.0-beta.1'),
  'https://stac-extensions.github.io/label/v1.0.1/': path.join(STAC, 'label/json-schema'),
  'https://stac-extensions.github.io/mlm/v1.5.2/': path.join(STAC, 'mlm/json-schema'),
};

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-stac-schemas-'));
  tempDirs.push(dir);
  return dir;
}
after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A validator that never touches the network (and never reads a developer's own cache). */
function offline(options: ValidatorOptions = {}): StacValidator {
  return new StacValidator({ schemaMap: SCHEMA_MAP, offline: true, cacheDir: tempDir(), ...options });
}

function read(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function walk(location: string): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const entry of walkCatalog(location)) out.push(entry);
  return out;
}

/** The distinct failure paths of a result. */
function paths(result: ValidationResult): string[] {
  return [...new Set(result.errors.map((e) => e.path))];
}

const JACA_2 = path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2/labels/Jaca_2/Jaca_2.json');

describe('STAC validation against the fixtures schemas', () => {
  test('Jaca_2: a STAC 1.0.0 label item that passes the core and the label extension schemas', async () => {
    const result = await offline().validate(read(JACA_2));
    assert.deepEqual(result.errors, []);
    assert.equal(result.valid, true);
    assert.deepEqual(result.schemas, ['https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json', LABEL_URL]);
  });

  test('EuroSAT-RGB-small-STAC: chips, catalog and source collection valid; the eotdl label documents are not', async () => {
    const validator = offline();
    const valid: string[] = [];
    const invalid = new Map<string, string[]>();
    for (const entry of await walk(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small-STAC/catalog.json'))) {
      const result = await validator.validate(entry.value);
      if (result.valid) valid.push(`${entry.kind}:${entry.value.id}`);
      else invalid.set(`${entry.kind}:${entry.value.id}:${entry.value.collection ?? ''}`, paths(result));
    }
    assert.equal(valid.length, 102);
    assert.ok(valid.includes('catalog:EuroSAT-RGB-Q1') && valid.includes('collection:source'));
    assert.equal(invalid.size, 101);
    // The labels collection summarises label:type as a string; STAC summaries are lists, ranges or schemas.
    assert.deepEqual(invalid.get('collection:labels:'), ['/summaries/label:type']);
    // Each label item writes its class set name as ["label"]; the label schema wants a string or null.
    // (The `/type` issue is the label schema's other branch, for Collections, failing too.)
    assert.deepEqual(invalid.get('item:Forest_2980:labels'), ['/properties/label:classes/0/name', '/type']);
  });

  test('stac-spec examples (STAC 1.1.0-beta.1) pass the core schemas, including the fragment whose $id is misspelt', async () => {
    const validator = offline({ extensions: false });
    const entries = await walk(path.join(STAC, 'stac-spec/examples/catalog.json'));
    const extended = read(path.join(STAC, 'stac-spec/examples/extended-item.json'));
    for (const doc of [...entries.map((e) => e.value), extended, read(path.join(STAC, 'stac-spec/examples/collection.json'))]) {
      const result = await validator.validate(doc);
      assert.deepEqual(result.errors, [], doc.id);
      assert.equal(result.schemas.length, 1);
    }
    assert.deepEqual((await validator.validate(extended)).skipped.length, 5, 'the five extensions were not checked');
  });

  test('pystac examples, MLM examples and real API items (STAC 1.0.0) pass the core schemas', async () => {
    const validator = offline({ extensions: false });
    const docs = [
      ...(await walk(path.join(STAC, 'pystac/tests/data-files/examples/1.0.0/catalog.json'))).map((e) => e.value),
      ...fs.readdirSync(path.join(STAC, 'mlm/examples')).filter((f) => f.endsWith('.json')).map((f) => read(path.join(STAC, 'mlm/examples', f))),
      read(path.join(STAC, 'raster-vision/item.json')),
      read(path.join(STAC, 'odc-stac/tests/data/LC08_L2SP_028030_20200114_20200824_02_T1_SR.json')),
      read(path.join(STAC, 'odc-stac/tests/data/sentinel-2-l2a.collection.json')),
      read(path.join(STAC, 'label/examples/spacenet-roads/roads_item.json')),
    ];
    assert.equal(docs.length, 20);
    for (const doc of docs) assert.deepEqual((await validator.validate(doc)).errors, [], doc.id);
  });

  test('an ItemCollection is validated feature by feature, with paths under /features/i', async () => {
    const validator = offline({ extensions: false });
    const collection = read(path.join(STAC, 'raster-vision/item_collection.json'));
    assert.equal((await validator.validate(collection)).valid, true);
    delete collection.features[1].properties.datetime;
    const result = await validator.validate(collection);
    assert.equal(result.valid, false);
    assert.ok(paths(result).includes('/features/1/properties'), paths(result).join(', '));
    assert.ok(result.errors.some((e) => e.path === '/features/1/properties' && /datetime/.test(e.message)));
  });

  describe('mutated copies fail at the right place', () => {
    // One validator for all: compiling the item schema is the slow part (about half a second).
    let shared: StacValidator | undefined;
    const mutated = async (change: (item: any) => void) => {
      const item = read(JACA_2);
      change(item);
      shared ??= offline();
      return shared.validate(item);
    };

    test('bbox removed from an item with a geometry', async () => {
      const result = await mutated((item) => delete item.bbox);
      assert.equal(result.valid, false);
      assert.ok(result.errors.some((e) => e.path === '' && e.message === "must have required property 'bbox'"), JSON.stringify(result.errors));
      assert.match(result.errors[0].schema, /^https:\/\/schemas\.stacspec\.org\/v1\.0\.0\/item-spec\/json-schema\/item\.json#/);
    });

    test('datetime of the wrong type', async () => {
      const result = await mutated((item) => (item.properties.datetime = 20200109));
      assert.deepEqual(result.errors, [
        { path: '/properties/datetime', message: 'must be string,null', schema: 'https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/datetime.json#/properties/datetime/type' },
      ]);
    });

    test('a datetime that is not RFC 3339', async () => {
      const result = await mutated((item) => (item.properties.datetime = '09/01/2020'));
      assert.ok(result.errors.some((e) => e.path === '/properties/datetime' && /must match format "date-time"/.test(e.message)));
    });

    test('links that are not a list, and a broken geometry', async () => {
      const result = await mutated((item) => {
        item.links = 'none';
        item.geometry.coordinates[0] = item.geometry.coordinates[0].slice(0, 2);
      });
      assert.ok(paths(result).includes('/links'));
      assert.ok(paths(result).includes('/geometry/coordinates/0'), paths(result).join(', '));
    });

    test('a label field the label schema refuses, reported against the label schema', async () => {
      const result = await mutated((item) => (item.properties['label:type'] = 'mask'));
      const issue = result.errors.find((e) => e.path === '/properties/label:type');
      assert.ok(issue, JSON.stringify(result.errors));
      assert.match(issue.message, /must be equal to one of the allowed values: "raster", "vector"/);
      assert.ok(issue.schema.startsWith(`${LABEL_URL}#`));
    });

    test('a document without stac_version, or that is not STAC at all', async () => {
      const broken = read(path.join(STAC, 'pystac/tests/data-files/catalogs/invalid-catalog/catalog.json'));
      const validator = offline();
      assert.deepEqual((await validator.validate(broken)).errors, [{ path: '', message: "must have required property 'stac_version'", schema: '' }]);
      assert.deepEqual((await validator.validate({ hello: 'world' })).errors, [{ path: '', message: 'is not a STAC Catalog, Collection or Item', schema: '' }]);
    });
  });

  test('an extension schema in JSON Schema 2020-12 is compiled in its own dialect', async () => {
    // prefixItems exists only in 2020-12: a draft-07 validator would ignore it and pass the bad pair.
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'schema.json'),
      JSON.stringify({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: 'https://example.org/tileflow-test/v1.0.0/schema.json',
        type: 'object',
        required: ['properties'],
        properties: { properties: { required: ['test:pair'], properties: { 'test:pair': { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false } } } },
      }),
    );
    const validator = offline({ schemaMap: { ...SCHEMA_MAP, 'https://example.org/tileflow-test/v1.0.0/': dir } });
    const item = read(JACA_2);
    item.stac_extensions.push('https://example.org/tileflow-test/v1.0.0/schema.json');
    item.properties['test:pair'] = ['grass', 0.5];
    assert.deepEqual((await validator.validate(item)).errors, []);
    item.properties['test:pair'] = [0.5, 'grass'];
    const result = await validator.validate(item);
    assert.deepEqual(paths(result), ['/properties/test:pair/0', '/properties/test:pair/1']);
    assert.ok(result.errors.every((e) => e.schema.startsWith('https://example.org/tileflow-test/v1.0.0/schema.json#/properties/properties/properties/test:pair/prefixItems/')), JSON.stringify(result.errors));
  });

  describe('schemas that cannot be had', () => {
    test('an extension schema neither mapped nor cached, offline: a clear error naming the URL', async () => {
      const item = read(path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2/sentinel-2-l2a/Jaca_2/Jaca_2.json'));
      await assert.rejects(offline().validate(item), (error: TileflowError) => {
        assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
        assert.match(error.message, /^cannot load JSON schema https:\/\/stac-extensions\.github\.io\/projection\/v1\.1\.0\/schema\.json: .*fetching schemas is off; map its URL prefix/);
        return true;
      });
    });

    test('MLM items cannot be checked against the MLM schema offline: it references the raster, processing and classification schemas', async () => {
      const item = read(path.join(STAC, 'mlm/examples/item_basic.json'));
      await assert.rejects(offline().validate(item), /cannot load JSON schema https:\/\/stac-extensions\.github\.io\/raster\/v1\.1\.0\/schema\.json/);
      // The same validator fails the same way again rather than on a half-registered schema.
      const validator = offline();
      for (let i = 0; i < 2; i++) await assert.rejects(validator.validate(item), /cannot load JSON schema https:\/\/stac-extensions\.github\.io\/raster\//);
    });

    test('a core version with no mapped schema (STAC 1.1.0) names the core schema URL', async () => {
      const catalog = read(path.join(STAC, 'pystac/tests/data-files/catalogs/test-case-1/catalog.json'));
      await assert.rejects(offline().validate(catalog), /cannot load JSON schema https:\/\/schemas\.stacspec\.org\/v1\.1\.0\/catalog-spec\/json-schema\/catalog\.json/);
    });

    test('a mapped folder without the file says which file it looked for', async () => {
      const validator = offline({ schemaMap: { ...SCHEMA_MAP, 'https://schemas.stacspec.org/v1.0.0/': tempDir() } });
      await assert.rejects(validator.validate(read(JACA_2)), /item-spec\/json-schema\/item\.json: it maps to .*item-spec\/json-schema\/item\.json, which does not exist/);
    });

    test('a schema server that is down: the error names the schema URL and the failure', async () => {
      const gone = await startStacApi();
      await gone.close();
      const validator = new StacValidator({
        schemaMap: { ...SCHEMA_MAP, 'https://schemas.stacspec.org/v1.0.0/': `${gone.url}/static/` },
        cacheDir: tempDir(),
        fetch: defaultFetch({ retries: 0 }),
      });
      await assert.rejects(validator.validate(read(JACA_2)), /cannot load JSON schema https:\/\/schemas\.stacspec\.org\/v1\.0\.0\/item-spec\/json-schema\/item\.json: cannot reach .*ECONNREFUSED/);
    });
  });

  describe('fetched schemas are cached on disk', () => {
    let server: StacApiServer;
    before(async () => {
      server = await startStacApi({ staticRoot: STAC });
    });
    after(() => server.close());

    test('fetched once, then read from the cache folder, also by a new validator with the server gone', async () => {
      const cacheDir = tempDir();
      const mirrors = {
        'https://schemas.stacspec.org/v1.0.0/': `${server.url}/static/schemas/v1.0.0/`,
        'https://stac-extensions.github.io/label/v1.0.1/': `${server.url}/static/label/json-schema/`,
      };
      const options = { schemaMap: mirrors, cacheDir, fetch: defaultFetch({ retries: 0 }) };
      const item: StacItem = read(JACA_2);
      assert.equal((await new StacValidator(options).validate(item)).valid, true);
      const fetched = server.requests.map((r) => r.path).sort();
      assert.deepEqual(fetched, [
        '/static/label/json-schema/schema.json',
        '/static/schemas/v1.0.0/item-spec/json-schema/basics.json',
        '/static/schemas/v1.0.0/item-spec/json-schema/datetime.json',
        '/static/schemas/v1.0.0/item-spec/json-schema/instrument.json',
        '/static/schemas/v1.0.0/item-spec/json-schema/item.json',
        '/static/schemas/v1.0.0/item-spec/json-schema/licensing.json',
        '/static/schemas/v1.0.0/item-spec/json-schema/provider.json',
      ]);
      assert.ok(fs.existsSync(cachePath(cacheDir, `${server.url}/static/schemas/v1.0.0/item-spec/json-schema/item.json`)));

      await server.close();
      const again = await new StacValidator(options).validate(item);
      assert.equal(again.valid, true);
      assert.equal(server.requests.length, fetched.length, 'nothing fetched the second time');
      const broken = await new StacValidator({ ...options, offline: true }).validate({ ...item, bbox: 'nope' });
      assert.ok(paths(broken).includes('/bbox'), 'offline validation uses the cache too');
    });
  });
});

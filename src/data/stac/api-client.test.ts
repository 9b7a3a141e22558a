import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { startStacApi, type StacApiServer } from '../../../test/support/stac-api.js';
import { StacApiClient, searchBody, searchQuery, type SearchParameters } from './api-client.js';
import { ConnectionError } from './http.js';

/** All items of a search, as ids. */
async function ids(iterable: AsyncIterable<{ id: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item.id);
  return out;
}

/** Fast retries, so tests of failures do not wait for production backoffs. */
const quick = { backoffMs: 5, retries: 3 };

describe('STAC API client against a local STAC API', () => {
  let api: StacApiServer;
  let sentinel: string[];

  before(async () => {
    api = await startStacApi({ itemDelayMs: 20 });
    sentinel = api.items.filter((i) => i.collection === 'sentinel-2-l2a').map((i) => i.id);
  });
  after(() => api.close());

  test('the fixture API holds 16 Sentinel-2 L2A items among 18', () => {
    assert.equal(api.items.length, 18);
    assert.equal(sentinel.length, 16);
  });

  test('GET search follows next hrefs across pages', async () => {
    const before = api.requests.length;
    const client = new StacApiClient(`${api.url}/`, quick);
    const found = await ids(client.search({ collections: ['sentinel-2-l2a'], limit: 5 }, { method: 'GET' }));
    assert.deepEqual(found, sentinel);
    const searches = api.requests.slice(before).filter((r) => r.path === '/search');
    assert.deepEqual(
      searches.map((r) => [r.method, r.query.get('collections'), r.query.get('limit'), r.query.get('token')]),
      [
        ['GET', 'sentinel-2-l2a', '5', null],
        ['GET', 'sentinel-2-l2a', '5', '5'],
        ['GET', 'sentinel-2-l2a', '5', '10'],
        ['GET', 'sentinel-2-l2a', '5', '15'],
      ],
    );
  });

  test('POST search (the default) merges the next link body into the original request', async () => {
    const before = api.requests.length;
    const client = new StacApiClient(`${api.url}/`, quick);
    const found = await ids(client.search({ collections: ['sentinel-2-l2a'], limit: 6 }));
    assert.deepEqual(found, sentinel);
    const searches = api.requests.slice(before).filter((r) => r.path === '/search');
    assert.deepEqual(
      searches.map((r) => [r.method, r.body]),
      [
        ['POST', { collections: ['sentinel-2-l2a'], limit: 6 }],
        ['POST', { collections: ['sentinel-2-l2a'], limit: 6, token: 6 }],
        ['POST', { collections: ['sentinel-2-l2a'], limit: 6, token: 12 }],
      ],
    );
  });

  test('POST search with continuation tokens sends only the next link body (merge false)', async () => {
    const before = api.requests.length;
    const client = new StacApiClient(`${api.url}/token/search`, quick);
    const found = await ids(client.search({ collections: ['sentinel-2-l2a'], limit: 10 }));
    assert.deepEqual(found, sentinel);
    const bodies = api.requests.slice(before).map((r) => r.body);
    assert.deepEqual(bodies, [{ collections: ['sentinel-2-l2a'], limit: 10 }, { next: 't1' }]);
  });

  test('maxItems stops paging as soon as enough items came', async () => {
    const before = api.requests.length;
    const client = new StacApiClient(`${api.url}/`, quick);
    const found = await ids(client.search({ limit: 5 }, { maxItems: 7, method: 'GET' }));
    assert.equal(found.length, 7);
    assert.deepEqual(found, api.items.slice(0, 7).map((i) => i.id));
    assert.equal(api.requests.slice(before).filter((r) => r.path === '/search').length, 2, 'no third page fetched');
  });

  test('bbox and datetime narrow the search the same way by GET and POST', async () => {
    const client = new StacApiClient(`${api.url}/`, quick);
    const params: SearchParameters = { bbox: [2.2, 48.8, 2.5, 48.9], datetime: ['2023-06-05T00:00:00Z', null] };
    const expected = ['S2B_31UDQ_20230609_0_L2A', 'S2A_31UDQ_20230607_0_L2A'];
    assert.deepEqual(await ids(client.search(params, { method: 'GET' })), expected);
    assert.deepEqual(await ids(client.search(params, { method: 'POST' })), expected);
    const [get] = api.requests.filter((r) => r.method === 'GET' && r.query.get('bbox') === '2.2,48.8,2.5,48.9');
    assert.equal(get.query.get('datetime'), '2023-06-05T00:00:00Z/..');
    assert.deepEqual(await ids(client.search({ ids: ['LC08_L2SP_028030_20200114_20200824_02_T1_SR', 'nope'] })), ['LC08_L2SP_028030_20200114_20200824_02_T1_SR']);
  });

  test('GET encodes lists, sort, fields, query and CQL2 as the STAC API spec says', () => {
    const filter = { op: '<=', args: [{ property: 'eo:cloud_cover' }, 10] };
    const query = searchQuery({
      collections: ['a', 'b'],
      ids: ['x', 'y'],
      bbox: [1, 2, 3, 4],
      sortby: ['-properties.datetime', '+id', { field: 'collection', direction: 'asc' }],
      fields: { include: ['id', 'properties'], exclude: ['geometry'] },
      query: { 'eo:cloud_cover': { lt: 10 } },
      filter,
    });
    assert.equal(query.get('collections'), 'a,b');
    assert.equal(query.get('ids'), 'x,y');
    assert.equal(query.get('bbox'), '1,2,3,4');
    assert.equal(query.get('sortby'), '-properties.datetime,+id,+collection');
    assert.equal(query.get('fields'), 'id,properties,-geometry');
    assert.deepEqual(JSON.parse(query.get('query')!), { 'eo:cloud_cover': { lt: 10 } });
    assert.deepEqual(JSON.parse(query.get('filter')!), filter);
    assert.equal(query.get('filter-lang'), 'cql2-json');
    assert.equal(searchQuery({ filter: "collection = 'landsat8'" }).get('filter-lang'), 'cql2-text');
    const intersects = { type: 'Point' as const, coordinates: [2.3, 48.85] };
    assert.deepEqual(JSON.parse(searchQuery({ intersects }).get('intersects')!), intersects);
  });

  test('POST encodes sort and fields as objects and keeps CQL2 JSON as JSON', () => {
    const filter = { op: 'and', args: [{ op: '=', args: [{ property: 'collection' }, 'sentinel-2-l2a'] }] };
    assert.deepEqual(searchBody({ sortby: ['-properties.datetime', 'id'], fields: { exclude: ['geometry'] }, filter, datetime: new Date(Date.UTC(2020, 5, 1)) }), {
      sortby: [
        { field: 'properties.datetime', direction: 'desc' },
        { field: 'id', direction: 'asc' },
      ],
      fields: { exclude: ['geometry'] },
      filter,
      'filter-lang': 'cql2-json',
      datetime: '2020-06-01T00:00:00.000Z',
    });
  });

  test('the filter, sort and fields reach the server over GET', async () => {
    const client = new StacApiClient(`${api.url}/search`, quick);
    await ids(client.search({ collections: ['landsat-c2l2-sr'], sortby: ['-properties.datetime'], fields: { include: ['id'] }, filter: 'eo:cloud_cover < 10' }, { method: 'GET' }));
    const last = api.requests.at(-1)!;
    assert.equal(last.query.get('sortby'), '-properties.datetime');
    assert.equal(last.query.get('fields'), 'id');
    assert.equal(last.query.get('filter'), 'eo:cloud_cover < 10');
    assert.equal(last.query.get('filter-lang'), 'cql2-text');
  });

  test('a landing page that advertises GET search only is searched by GET', async () => {
    const before = api.requests.length;
    const client = new StacApiClient(`${api.url}/get-only/`, quick);
    assert.deepEqual(await ids(client.search({ collections: ['landsat-c2l2-sr'] })), ['LC08_L2SP_028030_20200114_20200824_02_T1_SR']);
    assert.deepEqual(
      api.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      ['GET /get-only/', 'GET /search'],
    );
  });

  test('503 twice, then success: the client retries and gets every item', async () => {
    const client = new StacApiClient(`${api.url}/flaky/search`, quick);
    assert.deepEqual(await ids(client.search({ collections: ['landsat-c2l2-sr'] }, { method: 'GET' })), ['LC08_L2SP_028030_20200114_20200824_02_T1_SR']);
    assert.equal(api.hits('/flaky/search'), 3);
  });

  test('429 with Retry-After: 1 waits a second before trying again', async () => {
    const client = new StacApiClient(`${api.url}/busy/search`, quick);
    assert.equal((await ids(client.search({ ids: ['S2A_28QCH_20200714_0_L2A'] }))).length, 1);
    const [first, second] = api.requests.filter((r) => r.path === '/busy/search');
    assert.equal(api.hits('/busy/search'), 2);
    assert.ok(second.at - first.at >= 950, `waited ${second.at - first.at} ms`);
  });

  test('a 404 is notFound naming the URL, and is not retried', async () => {
    const client = new StacApiClient(`${api.url}/`, quick);
    await assert.rejects(client.getJson('/collections/nope'), (error: TileflowError) => {
      assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
      assert.match(error.message, new RegExp(`${api.url}/collections/nope`));
      return true;
    });
    assert.equal(api.hits('/collections/nope'), 1);
  });

  test("a 400 carries the API's own message", async () => {
    const client = new StacApiClient(`${api.url}/`, quick);
    await assert.rejects(ids(client.search({ datetime: 'last tuesday' })), (error: TileflowError) => {
      assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
      assert.match(error.message, /datetime 'last tuesday' is not an RFC 3339 instant or interval/);
      return true;
    });
  });

  test('bad parameters are refused before any request', async () => {
    const before = api.requests.length;
    const client = new StacApiClient(`${api.url}/`, quick);
    await assert.rejects(ids(client.search({ bbox: [0, 0, 1, 1], intersects: { type: 'Point', coordinates: [0, 0] } })), /bbox or intersects, not both/);
    await assert.rejects(ids(client.search({ bbox: [0, 0, 1] })), /bbox must be 4 or 6 numbers/);
    await assert.rejects(ids(client.search({ limit: 0 })), /limit must be a whole number/);
    assert.equal(api.requests.length, before);
  });

  test('a next link that repeats a request stops the search with an error, not an endless loop', async () => {
    const client = new StacApiClient(`${api.url}/loop/search`, quick);
    await assert.rejects(ids(client.search({}, { method: 'GET' })), /repeats a request already made/);
  });

  test('getItems fetches with bounded concurrency and keeps the order', async () => {
    api.maxInFlight = 0;
    const client = new StacApiClient(`${api.url}/`, quick);
    const wanted = sentinel.slice(0, 12);
    const found = await ids(client.getItems(wanted.map((id) => `/items/${encodeURIComponent(id)}`), { concurrency: 3 }));
    assert.deepEqual(found, wanted);
    assert.equal(api.maxInFlight, 3);
  });

  test('a request that gets no answer times out', async () => {
    const client = new StacApiClient(`${api.url}/silent/search`, { timeoutMs: 200, retries: 0 });
    await assert.rejects(ids(client.search({})), (error: Error) => error instanceof ConnectionError && /no answer within 200 ms/.test(error.message));
  });

  test('a server that is not there: connection errors are retried, then reported', async () => {
    const gone = await startStacApi();
    const url = gone.url;
    await gone.close();
    const client = new StacApiClient(`${url}/search`, { backoffMs: 5, retries: 2 });
    await assert.rejects(ids(client.search({})), (error: Error) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.message, /ECONNREFUSED.*after 3 attempts/);
      return true;
    });
  });

  test('an abort signal ends a search at once', async () => {
    const client = new StacApiClient(`${api.url}/silent/search`, { timeoutMs: 10_000, retries: 0 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by the user')), 50);
    await assert.rejects(ids(client.search({}, { signal: controller.signal })), /stopped by the user/);
  });
});

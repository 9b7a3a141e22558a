// A real STAC API on loopback, serving real fixture items, for the STAC client and CLI tests: item
// search by GET and POST with paging by `next` links (a GET href; a POST body merged into the request;
// a POST continuation token that replaces it), and routes that fail the way real servers do (503 twice,
// 429 with Retry-After, 404, 400 with the API's message, an answer that never comes). It also serves a
// folder as static files, to walk a catalog over HTTP. Every request is recorded, so tests assert what
// went over the wire rather than how the client is built.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** The shared fixtures folder (`../shared/fixtures` from the repository root). */
export const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures');

/** One item as this server reads it. */
export interface FixtureItem {
  id: string;
  collection?: string;
  bbox?: number[];
  properties: { datetime?: string | null };
  [key: string]: unknown;
}

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any;
  at: number;
}

/** A running server and what it saw. */
export interface StacApiServer {
  url: string;
  items: FixtureItem[];
  requests: RecordedRequest[];
  /** Requests per path (query excluded). */
  hits(pathname: string): number;
  /** The most requests that were being answered at once (the static and item routes). */
  maxInFlight: number;
  close(): Promise<void>;
}

/** Real items: Sentinel-2 L2A over one MGRS tile (odc-stac), over Paris (raster-vision), and a Landsat and an older S2 item. */
export function fixtureItems(): FixtureItem[] {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'stac', file), 'utf8'));
  return [
    ...read('odc-stac/tests/data/site2-2020_jun_jul-35MNM.geojson').features,
    ...read('raster-vision/item_collection.json').features,
    read('odc-stac/tests/data/LC08_L2SP_028030_20200114_20200824_02_T1_SR.json'),
    read('odc-stac/tests/data/S2A_28QCH_20200714_0_L2A.json'),
  ];
}

/** The search parameters of a request, in one shape for GET and POST. */
interface Search {
  collections?: string[];
  ids?: string[];
  bbox?: number[];
  datetime?: string;
  limit: number;
  token: number;
}

function searchFromQuery(query: URLSearchParams): Search {
  const list = (key: string) => query.get(key)?.split(',');
  return {
    collections: list('collections'),
    ids: list('ids'),
    bbox: list('bbox')?.map(Number),
    datetime: query.get('datetime') ?? undefined,
    limit: Number(query.get('limit') ?? 10),
    token: Number(query.get('token') ?? 0),
  };
}

function searchFromBody(body: any): Search {
  return { collections: body.collections, ids: body.ids, bbox: body.bbox, datetime: body.datetime, limit: body.limit ?? 10, token: Number(body.token ?? 0) };
}

/** `start/end` (either may be `..`) or an instant, as a closed range of epoch milliseconds; null when malformed. */
function timeRange(datetime: string): [number, number] | null {
  const [start, end = start] = datetime.split('/');
  const parse = (value: string, open: number) => (value === '..' || value === '' ? open : Date.parse(value));
  const range: [number, number] = [parse(start, -Infinity), parse(end, Infinity)];
  return range.some(Number.isNaN) ? null : range;
}

/** The items matching a search, in the server's order. */
function matching(items: FixtureItem[], search: Search): FixtureItem[] {
  const range = search.datetime ? timeRange(search.datetime) : null;
  return items.filter((item) => {
    if (search.collections && !search.collections.includes(item.collection ?? '')) return false;
    if (search.ids && !search.ids.includes(item.id)) return false;
    if (search.bbox && item.bbox) {
      const [w, s, e, n] = search.bbox;
      const [iw, is, ie, iN] = item.bbox;
      if (iw > e || ie < w || is > n || iN < s) return false;
    }
    if (range) {
      const t = Date.parse(item.properties.datetime ?? '');
      if (!(t >= range[0] && t <= range[1])) return false;
    }
    return true;
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Starts the API on 127.0.0.1 with `items` (fixture items by default), answering pages of `limit` items. */
export async function startStacApi(options: { items?: FixtureItem[]; staticRoot?: string; itemDelayMs?: number } = {}): Promise<StacApiServer> {
  const items = options.items ?? fixtureItems();
  const requests: RecordedRequest[] = [];
  const tokens = new Map<string, Search>();
  let inFlight = 0;
  let url = '';

  const page = (search: Search, next: (offset: number) => Record<string, unknown>) => {
    const found = matching(items, search);
    const features = found.slice(search.token, search.token + search.limit);
    const offset = search.token + features.length;
    const links = offset < found.length ? [{ rel: 'next', type: 'application/geo+json', ...next(offset) }] : [];
    return { type: 'FeatureCollection', features, links, numberMatched: found.length, numberReturned: features.length };
  };

  /** The item search routes; `prefix` marks the failing variants (`/flaky`, `/busy`). */
  const search = (req: RecordedRequest, res: http.ServerResponse, prefix: string) => {
    const base = `${url}${prefix}/search`;
    if (req.method === 'GET') {
      const params = searchFromQuery(req.query);
      if (params.datetime && !timeRange(params.datetime)) {
        return send(res, 400, { code: 'InvalidParameterValue', description: `datetime '${params.datetime}' is not an RFC 3339 instant or interval` });
      }
      return send(res, 200, page(params, (offset) => {
        const query = new URLSearchParams(req.query);
        query.set('token', String(offset));
        return { href: `${base}?${query}`, method: 'GET' };
      }));
    }
    const params = searchFromBody(req.body);
    if (params.datetime && !timeRange(params.datetime)) {
      return send(res, 400, { code: 'InvalidParameterValue', description: `datetime '${params.datetime}' is not an RFC 3339 instant or interval` });
    }
    return send(res, 200, page(params, (offset) => ({ href: base, method: 'POST', body: { token: offset }, merge: true })));
  };

  /** Continuation tokens: the next link's body replaces the request (merge false), as in the spec's example. */
  const tokenSearch = (req: RecordedRequest, res: http.ServerResponse) => {
    const params = req.body.next ? tokens.get(req.body.next) : searchFromBody(req.body);
    if (!params) return send(res, 400, { code: 'BadRequest', description: `unknown continuation token ${req.body.next}` });
    return send(res, 200, page(params, (offset) => {
      const token = `t${tokens.size + 1}`;
      tokens.set(token, { ...params, token: offset });
      return { href: `${url}/token/search`, method: 'POST', body: { next: token } };
    }));
  };

  const landing = (searchMethods: string[]) => ({
    type: 'Catalog',
    id: 'tileflow-test-api',
    stac_version: '1.0.0',
    description: 'fixture items over loopback',
    conformsTo: ['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search'],
    links: [
      { rel: 'self', href: `${url}/` },
      { rel: 'root', href: `${url}/` },
      ...searchMethods.map((method) => ({ rel: 'search', type: 'application/geo+json', href: `${url}/search`, method })),
    ],
  });

  const serveStatic = async (req: RecordedRequest, res: http.ServerResponse) => {
    const root = options.staticRoot!;
    const file = path.resolve(root, decodeURIComponent(req.path.slice('/static/'.length)));
    inFlight++;
    server.maxInFlight = Math.max(server.maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, options.itemDelayMs ?? 0));
    inFlight--;
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) return send(res, 404, { code: 'NotFound', description: `no such file ${req.path}` });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(fs.readFileSync(file));
  };

  const serveItem = async (req: RecordedRequest, res: http.ServerResponse) => {
    inFlight++;
    server.maxInFlight = Math.max(server.maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, options.itemDelayMs ?? 0));
    inFlight--;
    const item = items.find((i) => i.id === decodeURIComponent(req.path.slice('/items/'.length)));
    return item ? send(res, 200, item) : send(res, 404, { code: 'NotFound', description: `no item ${req.path}` });
  };

  const handle = async (req: RecordedRequest, res: http.ServerResponse) => {
    const count = server.hits(req.path);
    switch (true) {
      case req.path === '/':
        return send(res, 200, landing(['GET', 'POST']));
      case req.path === '/get-only/':
        return send(res, 200, landing(['GET']));
      case req.path === '/search':
        return search(req, res, '');
      case req.path === '/token/search':
        return tokenSearch(req, res);
      case req.path === '/flaky/search':
        return count <= 2 ? send(res, 503, { code: 'Unavailable', description: 'try again' }) : search(req, res, '/flaky');
      case req.path === '/busy/search':
        return count <= 1 ? send(res, 429, { code: 'TooManyRequests', description: 'slow down' }, { 'Retry-After': '1' }) : search(req, res, '/busy');
      case req.path === '/loop/search':
        return send(res, 200, { type: 'FeatureCollection', features: items.slice(0, 1), links: [{ rel: 'next', href: `${url}/loop/search?token=1` }] });
      case req.path === '/silent/search':
        return; // never answers: the client's timeout must end the wait
      case req.path.startsWith('/items/'):
        return serveItem(req, res);
      case req.path.startsWith('/static/') && options.staticRoot !== undefined:
        return serveStatic(req, res);
      default:
        return send(res, 404, { code: 'NotFound', description: `no route ${req.method} ${req.path}` });
    }
  };

  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', url);
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: parsed.pathname, query: parsed.searchParams, body: text ? JSON.parse(text) : undefined, at: Date.now() };
      requests.push(recorded);
      handle(recorded, res).catch((error) => send(res, 500, { code: 'ServerError', description: String(error) }));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

  const server: StacApiServer = {
    url,
    items,
    requests,
    maxInFlight: 0,
    hits: (pathname) => requests.filter((r) => r.path === pathname).length,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
  return server;
}

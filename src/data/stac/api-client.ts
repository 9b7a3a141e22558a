/**
 * A STAC API client (https://github.com/radiantearth/stac-api-spec, item search and its filter, sort,
 * fields and query extensions): searches by POST (the default) or GET, follows `rel=next` links page
 * by page (a GET href, or a POST with the link's `body`, `headers` and `merge`), and fetches many
 * documents with bounded concurrency. Retries and timeouts live in the fetch function it is given.
 */
import { invalidParameter } from '../../core/errors.js';
import { checkConcurrency, mapOrdered } from './concurrency.js';
import { defaultFetch, fetchJson, type HttpFetch, type HttpRequest, type RetryOptions } from './http.js';
import { stacKind, type Geometry, type ItemCollection, type StacItem, type StacLink } from './types.js';

/** One sort key; `'-field'` and `'+field'` are the same as `{field, direction}`. */
export interface SortField {
  field: string;
  direction: 'asc' | 'desc';
}

/** One end of a datetime interval; null or `'..'` leaves it open. */
export type DatetimeBound = Date | string | null;

/** Item search parameters, named as in the STAC API (`filterLang` is `filter-lang`). */
export interface SearchParameters {
  /** `[west, south, east, north]` or with elevation (6 numbers), in WGS 84. */
  bbox?: number[];
  /** A GeoJSON geometry the items must intersect (not together with `bbox`). */
  intersects?: Geometry;
  /** One instant or an interval: `'2020-01-01T00:00:00Z/..'`, a `Date`, or `[start, end]`. */
  datetime?: string | Date | [DatetimeBound, DatetimeBound];
  collections?: string[];
  ids?: string[];
  /** Page size asked of the server (it may send fewer). */
  limit?: number;
  /** Query extension: `{ "eo:cloud_cover": { "lt": 10 } }`. */
  query?: Record<string, unknown>;
  /** Filter extension: CQL2 JSON (an object) or CQL2 text (a string). */
  filter?: Record<string, unknown> | string;
  /** Defaults to `cql2-json` for an object filter and `cql2-text` for a string. */
  filterLang?: 'cql2-json' | 'cql2-text';
  filterCrs?: string;
  /** Sort extension: `['-properties.datetime', 'id']` or `{field, direction}` objects. */
  sortby?: (string | SortField)[];
  /** Fields extension: what to include and exclude in returned items. */
  fields?: { include?: string[]; exclude?: string[] };
}

/** How one search runs. */
export interface SearchOptions {
  /** POST (default, unless the API advertises GET only) or GET with the parameters in the query string. */
  method?: 'GET' | 'POST';
  /** Stop after this many items, whatever the page size. */
  maxItems?: number;
  signal?: AbortSignal;
}

/** How the client talks to the server. */
export interface StacApiClientOptions extends RetryOptions {
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Sent with every request (e.g. an Authorization header). */
  headers?: Record<string, string>;
  /** Replaces the default fetch function (retries over Node's fetch). */
  fetch?: HttpFetch;
}

/** One page request: where, how, and the paging state the server asked for. */
export interface PageRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: Record<string, unknown>;
  headers: Record<string, string>;
}

/** A sort key in the POST form. */
function sortField(entry: string | SortField): SortField {
  if (typeof entry !== 'string') return entry;
  if (entry.startsWith('-')) return { field: entry.slice(1), direction: 'desc' };
  return { field: entry.startsWith('+') ? entry.slice(1) : entry, direction: 'asc' };
}

/** A datetime parameter as the API's string: an instant or `start/end` with `..` for an open end. */
export function datetimeParameter(datetime: NonNullable<SearchParameters['datetime']>): string {
  const one = (value: DatetimeBound) => (value === null || value === '' ? '..' : value instanceof Date ? value.toISOString() : value);
  if (Array.isArray(datetime)) return `${one(datetime[0])}/${one(datetime[1])}`;
  return one(datetime);
}

/** Rejects parameters no server would accept, before asking one. */
export function checkSearch(params: SearchParameters): void {
  if (params.bbox && params.intersects) throw invalidParameter('give bbox or intersects, not both');
  if (params.bbox) {
    const { bbox } = params;
    if ((bbox.length !== 4 && bbox.length !== 6) || !bbox.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw invalidParameter(`bbox must be 4 or 6 numbers (west, south, east, north), got ${JSON.stringify(bbox)}`);
    }
  }
  if (params.limit !== undefined && (!Number.isInteger(params.limit) || params.limit < 1)) {
    throw invalidParameter(`limit must be a whole number of at least 1, got ${params.limit}`);
  }
}

/** The filter language of a search: explicit, or implied by the filter's form. */
function filterLang(params: SearchParameters): 'cql2-json' | 'cql2-text' {
  return params.filterLang ?? (typeof params.filter === 'string' ? 'cql2-text' : 'cql2-json');
}

/** The POST body of a search (the STAC API JSON form). */
export function searchBody(params: SearchParameters): Record<string, unknown> {
  checkSearch(params);
  const body: Record<string, unknown> = {};
  if (params.bbox) body.bbox = params.bbox;
  if (params.intersects) body.intersects = params.intersects;
  if (params.datetime !== undefined) body.datetime = datetimeParameter(params.datetime);
  if (params.collections) body.collections = params.collections;
  if (params.ids) body.ids = params.ids;
  if (params.limit !== undefined) body.limit = params.limit;
  if (params.query) body.query = params.query;
  if (params.filter !== undefined) {
    body.filter = params.filter;
    body['filter-lang'] = filterLang(params);
  }
  if (params.filterCrs) body['filter-crs'] = params.filterCrs;
  if (params.sortby) body.sortby = params.sortby.map(sortField);
  if (params.fields) body.fields = params.fields;
  return body;
}

/**
 * The GET query of a search: lists comma-joined, `sortby` as `+field,-field`, `fields` as
 * `field,-field`, and the JSON values (`intersects`, `query`, a CQL2 JSON `filter`) JSON-encoded.
 */
export function searchQuery(params: SearchParameters): URLSearchParams {
  checkSearch(params);
  const query = new URLSearchParams();
  if (params.bbox) query.set('bbox', params.bbox.join(','));
  if (params.intersects) query.set('intersects', JSON.stringify(params.intersects));
  if (params.datetime !== undefined) query.set('datetime', datetimeParameter(params.datetime));
  if (params.collections) query.set('collections', params.collections.join(','));
  if (params.ids) query.set('ids', params.ids.join(','));
  if (params.limit !== undefined) query.set('limit', String(params.limit));
  if (params.query) query.set('query', JSON.stringify(params.query));
  if (params.filter !== undefined) {
    query.set('filter', typeof params.filter === 'string' ? params.filter : JSON.stringify(params.filter));
    query.set('filter-lang', filterLang(params));
  }
  if (params.filterCrs) query.set('filter-crs', params.filterCrs);
  if (params.sortby) {
    query.set('sortby', params.sortby.map(sortField).map((s) => `${s.direction === 'desc' ? '-' : '+'}${s.field}`).join(','));
  }
  if (params.fields) {
    query.set('fields', [...(params.fields.include ?? []), ...(params.fields.exclude ?? []).map((f) => `-${f}`)].join(','));
  }
  return query;
}

/**
 * The request for the page after `previous`, as its `next` link says (STAC API item search,
 * "Pagination"): a GET of the href, or a POST whose body and headers replace the previous ones, or are
 * merged into them when `merge` is true. A POST link without a body repeats the previous body.
 */
export function nextPageRequest(previous: PageRequest, link: StacLink): PageRequest {
  const url = new URL(link.href, previous.url).toString();
  const headers = link.merge ? { ...previous.headers, ...link.headers } : { ...link.headers };
  if ((link.method ?? 'GET').toUpperCase() !== 'POST') return { url, method: 'GET', headers };
  const body = link.body === undefined ? previous.body : link.merge ? { ...previous.body, ...link.body } : link.body;
  return { url, method: 'POST', body: body ?? {}, headers };
}

/** A client of one STAC API, given its landing page or its `/search` endpoint. */
export class StacApiClient {
  readonly url: string;
  private readonly fetcher: HttpFetch;
  private readonly headers: Record<string, string>;
  private endpoint?: Promise<{ url: string; methods: Set<string> }>;

  constructor(url: string, options: StacApiClientOptions = {}) {
    try {
      this.url = new URL(url).toString();
    } catch {
      throw invalidParameter(`not a valid STAC API URL: ${url}`);
    }
    this.fetcher = options.fetch ?? defaultFetch(options);
    this.headers = options.headers ?? {};
  }

  /** GETs a JSON document (relative URLs resolve against the API's URL). */
  getJson<T = unknown>(url: string, signal?: AbortSignal): Promise<T> {
    return fetchJson<T>(this.fetcher, { url: new URL(url, this.url).toString(), headers: this.headers, signal });
  }

  /** Fetches many Items with at most `concurrency` requests in flight; yields them in the order given. */
  async *getItems(urls: Iterable<string>, options: { concurrency?: number; signal?: AbortSignal } = {}): AsyncGenerator<StacItem> {
    const concurrency = checkConcurrency(options.concurrency ?? 8);
    yield* mapOrdered(urls, concurrency, async (url) => {
      const doc = await this.getJson<StacItem>(url, options.signal);
      if (stacKind(doc) !== 'item') throw invalidParameter(`${new URL(url, this.url)} is not a STAC Item`);
      return doc;
    });
  }

  /**
   * The search endpoint and the methods it advertises: the URL itself when it ends in `/search`,
   * otherwise the landing page's `rel=search` links, otherwise `{url}/search`.
   */
  private searchEndpoint(signal?: AbortSignal): Promise<{ url: string; methods: Set<string> }> {
    this.endpoint ??= (async () => {
      if (/\/search\/?$/.test(new URL(this.url).pathname)) return { url: this.url, methods: new Set<string>() };
      const landing = await this.getJson<{ links?: StacLink[] }>(this.url, signal);
      const links = (landing.links ?? []).filter((link) => link.rel === 'search');
      if (links.length === 0) return { url: new URL('search', this.url.endsWith('/') ? this.url : `${this.url}/`).toString(), methods: new Set<string>() };
      return {
        url: new URL(links[0].href, this.url).toString(),
        methods: new Set(links.map((link) => (link.method ?? 'GET').toUpperCase())),
      };
    })();
    // A failed discovery is not remembered: the next search asks again.
    this.endpoint.catch(() => (this.endpoint = undefined));
    return this.endpoint;
  }

  /** Sends one page request and checks that the answer is an ItemCollection. */
  private async page(request: PageRequest, signal?: AbortSignal): Promise<ItemCollection> {
    const http: HttpRequest = { url: request.url, method: request.method, headers: { ...this.headers, ...request.headers }, signal };
    if (request.method === 'POST') {
      http.body = JSON.stringify(request.body ?? {});
      http.headers = { 'Content-Type': 'application/json', ...http.headers };
    }
    const page = await fetchJson<ItemCollection>(this.fetcher, http);
    if (!page || page.type !== 'FeatureCollection' || !Array.isArray(page.features)) {
      throw invalidParameter(`${request.method} ${request.url} did not answer with an ItemCollection (a GeoJSON FeatureCollection)`);
    }
    return page;
  }

  /** Searches page by page, following `next` links until there are none (or a page comes back empty). */
  async *pages(params: SearchParameters, options: Omit<SearchOptions, 'maxItems'> = {}): AsyncGenerator<ItemCollection> {
    checkSearch(params);
    const endpoint = await this.searchEndpoint(options.signal);
    const method = options.method ?? (endpoint.methods.size > 0 && !endpoint.methods.has('POST') ? 'GET' : 'POST');
    let request: PageRequest;
    if (method === 'POST') {
      request = { url: endpoint.url, method, body: searchBody(params), headers: {} };
    } else {
      const url = new URL(endpoint.url);
      for (const [key, value] of searchQuery(params)) url.searchParams.set(key, value);
      request = { url: url.toString(), method, headers: {} };
    }
    const sent = new Set<string>();
    for (;;) {
      sent.add(JSON.stringify([request.method, request.url, request.body]));
      const page = await this.page(request, options.signal);
      yield page;
      const next = page.links?.find((link) => link.rel === 'next');
      if (!next || page.features.length === 0) return;
      request = nextPageRequest(request, next);
      if (sent.has(JSON.stringify([request.method, request.url, request.body]))) {
        throw invalidParameter(`the API's next link repeats a request already made (${request.method} ${request.url}); stopped to avoid an endless loop`);
      }
    }
  }

  /** Searches for Items, yielding them one by one across pages, up to `maxItems`. */
  async *search(params: SearchParameters, options: SearchOptions = {}): AsyncGenerator<StacItem> {
    const { maxItems } = options;
    if (maxItems !== undefined && (!Number.isInteger(maxItems) || maxItems < 0)) {
      throw invalidParameter(`maxItems must be a whole number, got ${maxItems}`);
    }
    if (maxItems === 0) return;
    let count = 0;
    for await (const page of this.pages(params, options)) {
      for (const item of page.features) {
        yield item;
        if (++count === maxItems) return;
      }
    }
  }
}

/**
 * `tileflow stac search` (items from a STAC API) and `tileflow stac walk` (the documents of a static
 * catalog, optionally validated against their JSON schemas).
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { StacApiClient, type SearchParameters } from '../../data/stac/api-client.js';
import { walkCatalog, type WalkEntry } from '../../data/stac/catalog.js';
import { displayHref, toUrl } from '../../data/stac/href.js';
import type { StacItem } from '../../data/stac/types.js';
import { SchemaUnavailableError, StacValidator, type ValidationResult } from '../../data/stac/validate.js';
import { json, table } from '../format.js';

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function parseBbox(value: string): number[] {
  const numbers = value.split(',').map((n) => Number(n.trim()));
  if ((numbers.length !== 4 && numbers.length !== 6) || numbers.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError('expected minx,miny,maxx,maxy (4 numbers, or 6 with heights).');
  }
  return numbers;
}

/** `PREFIX=DIR` pairs, collected into one map. */
function parseSchemaMap(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('expected URL_PREFIX=DIR (or =MIRROR_URL).');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** A CQL2 filter from the command line: JSON when it looks like JSON, CQL2 text otherwise. */
function parseFilter(value: string): Record<string, unknown> | string {
  if (!value.trim().startsWith('{')) return value;
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(`not valid CQL2 JSON: ${(error as Error).message}`);
  }
}

interface SearchOptions {
  bbox?: number[];
  datetime?: string;
  collections?: string[];
  ids?: string[];
  filter?: Record<string, unknown> | string;
  sortby?: string[];
  limit: number;
  pageSize?: number;
  method?: 'get' | 'post';
  json?: boolean;
  ndjson?: boolean;
}

/** An item's time: its datetime, or its start/end range when datetime is null. */
function itemTime(item: StacItem): string {
  const props = item.properties ?? {};
  if (props.datetime) return props.datetime;
  if (props.start_datetime || props.end_datetime) return `${props.start_datetime ?? '..'}/${props.end_datetime ?? '..'}`;
  return '-';
}

/** A bbox to 4 decimals (about 10 m), enough to recognise a footprint. */
function bboxCell(item: StacItem): string {
  return item.bbox ? item.bbox.map((n) => Number(n.toFixed(4))).join(', ') : '-';
}

/** Searches a STAC API and prints the items as a table, NDJSON (streamed) or an ItemCollection. */
async function search(url: string, options: SearchOptions): Promise<void> {
  const params: SearchParameters = {
    bbox: options.bbox,
    datetime: options.datetime,
    collections: options.collections,
    ids: options.ids,
    filter: options.filter,
    sortby: options.sortby,
    limit: options.pageSize ?? Math.min(options.limit, 100),
  };
  const client = new StacApiClient(url);
  const items: StacItem[] = [];
  for await (const item of client.search(params, { maxItems: options.limit, method: options.method === 'get' ? 'GET' : options.method === 'post' ? 'POST' : undefined })) {
    if (options.ndjson) process.stdout.write(`${JSON.stringify(item)}\n`);
    else items.push(item);
  }
  if (options.ndjson) return;
  if (options.json) {
    process.stdout.write(`${json({ type: 'FeatureCollection', features: items })}\n`);
    return;
  }
  if (items.length === 0) {
    process.stdout.write('No items match.\n');
    return;
  }
  const rows = items.map((item) => [item.id, item.collection ?? '-', itemTime(item), bboxCell(item)]);
  process.stdout.write(`${table(['id', 'collection', 'datetime', 'bbox'], rows)}\n`);
}

interface WalkOptions {
  validate?: boolean;
  json?: boolean;
  items: boolean;
  concurrency: number;
  schemaMap?: Record<string, string>;
  offline?: boolean;
  coreOnly?: boolean;
}

/** One walked document, as printed. */
interface WalkRow {
  type: WalkEntry['kind'];
  id: string;
  href: string;
  parents: string[];
  valid?: boolean;
  errors?: ValidationResult['errors'];
  /** Why it could not be validated (a schema that cannot be had). */
  error?: string;
  /** The schema that could not be had. */
  unavailableSchema?: string;
}

/** Validates one document; a schema that cannot be loaded is reported on the row, not thrown. */
async function check(validator: StacValidator, entry: WalkEntry, row: WalkRow): Promise<void> {
  try {
    const result = await validator.validate(entry.value);
    row.valid = result.valid;
    row.errors = result.errors;
  } catch (error) {
    if (!(error instanceof SchemaUnavailableError)) throw error;
    row.error = error.message;
    row.unavailableSchema = error.url;
  }
}

/** The validation cells: yes, no (with the first issue), or ? (a schema could not be had). */
function validityCells(row: WalkRow): string[] {
  if (row.unavailableSchema !== undefined) return ['?', `schema unavailable: ${row.unavailableSchema}`];
  if (row.valid) return ['yes', ''];
  const [first, ...rest] = row.errors ?? [];
  const where = first ? `${first.path || '(document)'}: ${first.message}` : '';
  return ['no', rest.length > 0 ? `${where} (+${rest.length} more)` : where];
}

/** Walks a static catalog and prints every document; with --validate, exits 1 unless all are valid. */
async function walk(location: string, options: WalkOptions): Promise<void> {
  const root = toUrl(location);
  const validator = options.validate ? new StacValidator({ schemaMap: options.schemaMap, offline: options.offline, extensions: !options.coreOnly }) : undefined;
  const rootDir = displayHref(new URL('.', root));
  // Hrefs relative to the root catalog's folder: the tree is readable, and full paths are in --json.
  const shortHref = (href: string) => (href.startsWith(rootDir) ? href.slice(rootDir.length) || '.' : href);
  const rows: WalkRow[] = [];
  for await (const entry of walkCatalog(root, { items: options.items, concurrency: options.concurrency })) {
    const row: WalkRow = { type: entry.kind, id: entry.value.id, href: entry.href, parents: entry.parents };
    if (validator) await check(validator, entry, row);
    rows.push(row);
  }
  const failed = rows.filter((row) => row.valid === false || row.error !== undefined).length;
  if (validator && failed > 0) process.exitCode = 1;
  if (options.json) {
    process.stdout.write(`${json(rows)}\n`);
    return;
  }
  const head = ['type', 'id', 'href', ...(validator ? ['valid', 'errors'] : [])];
  const body = rows.map((row) => [
    row.type,
    `${'  '.repeat(row.parents.length)}${row.id}`,
    shortHref(row.href),
    ...(validator ? validityCells(row) : []),
  ]);
  process.stdout.write(`${table(head, body)}\n`);
  const kinds = (['catalog', 'collection', 'item'] as const).map((kind) => {
    const n = rows.filter((r) => r.type === kind).length;
    return `${n} ${kind}${n === 1 ? '' : 's'}`;
  });
  let summary = `${rows.length} documents (${kinds.join(', ')}) under ${path.basename(rootDir) || rootDir}`;
  if (validator) {
    const invalid = rows.filter((row) => row.valid === false).length;
    const unchecked = rows.filter((row) => row.error !== undefined).length;
    summary += `: ${rows.length - failed} valid, ${invalid} invalid`;
    if (unchecked > 0) summary += `, ${unchecked} not checked (a schema could not be loaded: --json says why; --schema-map maps it to a folder)`;
  }
  process.stdout.write(`${summary}\n`);
}

/** Registers `tileflow stac search` and `tileflow stac walk`. */
export function registerStacCommands(program: Command): void {
  const stac = program.command('stac').description('search STAC APIs, walk and validate static STAC catalogs');
  stac
    .command('search')
    .description('search a STAC API for items (follows next links; retries 429 and 5xx)')
    .argument('<url>', 'the API landing page, or its /search endpoint')
    .option('--bbox <minx,miny,maxx,maxy>', 'items intersecting this box (WGS 84)', parseBbox)
    .option('--datetime <datetime>', 'an instant or an interval: 2020-06-01T00:00:00Z/2020-07-01T00:00:00Z, ../2020-01-01T00:00:00Z')
    .option('--collections <a,b>', 'only these collections', parseList)
    .option('--ids <a,b>', 'only these item ids', parseList)
    .option('--filter <cql2>', 'CQL2 filter: text ("eo:cloud_cover < 10") or JSON ({"op": ...})', parseFilter)
    .option('--sortby <fields>', 'sort keys, e.g. -properties.datetime,id', parseList)
    .option('--limit <n>', 'most items to return', parsePositiveInt, 100)
    .option('--page-size <n>', 'items per page asked of the server (default: the limit, at most 100)', parsePositiveInt)
    .addOption(new Option('--method <method>', 'HTTP method of the search (default: POST when the API offers it)').choices(['get', 'post']))
    .addOption(new Option('--json', 'print one ItemCollection (GeoJSON)').conflicts('ndjson'))
    .option('--ndjson', 'print one item per line as they arrive')
    .action(search);
  stac
    .command('walk')
    .description('list every catalog, collection and item of a static catalog; --validate checks them against their JSON schemas')
    .argument('<catalog>', 'path or http(s) URL of a catalog.json (or any STAC document)')
    .option('--validate', 'validate each document (core schema and stac_extensions); exit 1 if any is invalid')
    .option('--schema-map <prefix=dir>', 'read schemas under a URL prefix from a folder (or a mirror URL) (repeatable)', parseSchemaMap)
    .option('--offline', 'never fetch schemas: use mapped folders and the cache ($TILEFLOW_HOME/cache/stac-schemas) only')
    .option('--core-only', 'validate against the core STAC schemas only, not stac_extensions')
    .option('--no-items', 'walk catalogs and collections only')
    .option('--concurrency <n>', 'documents fetched at once below one parent', parsePositiveInt, 8)
    .option('--json', 'print JSON instead of a table')
    .action(walk);
}

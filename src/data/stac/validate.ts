/**
 * Validates STAC JSON against its JSON schemas with Ajv: the core schema chosen by `stac_version` and
 * type (`https://schemas.stacspec.org/v{version}/{item|catalog|collection}-spec/json-schema/…`) and one
 * schema per URL in `stac_extensions`. The core schemas (v1.0.0, v1.1.0-beta.1) and the label and MLM
 * extension schemas are JSON Schema draft-07, Ajv's default dialect; an extension written in draft
 * 2019-09 or 2020-12 is compiled by Ajv's class for its dialect, chosen by its `$schema`.
 * Schemas come from a `SchemaSource`: folders the caller maps URL prefixes to
 * (`schemaMap`, how tests and air-gapped machines validate offline), else the URL itself, fetched once
 * and kept on disk under `$TILEFLOW_HOME/cache/stac-schemas/`. Caching and mapping are wrappers
 * around the HTTP source, not branches inside it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { loadConfig } from '../../core/config.js';
import { TileflowError, invalidParameter, notFound } from '../../core/errors.js';
import { GEOJSON_FEATURE_SCHEMA, GEOJSON_GEOMETRY_SCHEMA } from './geojson-schema.js';
import { defaultFetch, fetchJson, type HttpFetch } from './http.js';
import { stacKind, type StacKind } from './types.js';

// ajv-formats is CommonJS whose module object is the plugin itself; NodeNext types it as the namespace.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

/** A schema the validator needs cannot be loaded (not mapped, not cached, not fetchable). */
export class SchemaUnavailableError extends TileflowError {
  /** The schema URL as the document or another schema names it. */
  readonly url: string;
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(
      'RESOURCE_DOES_NOT_EXIST',
      `cannot load JSON schema ${url}: ${reason}; map its URL prefix to a local folder (schemaMap, --schema-map) to validate without it being fetched`,
      options,
    );
    this.name = 'SchemaUnavailableError';
    this.url = url;
  }
}

/** Where JSON schemas come from: one small interface, wrapped for mapping and caching. */
export interface SchemaSource {
  load(url: string): Promise<AnySchemaObject>;
}

/** Reads a JSON schema file, or says which URL it stood for when it cannot. */
async function readSchemaFile(file: string, url: string): Promise<AnySchemaObject> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`it maps to ${file}, which does not exist`);
    throw error;
  }
  try {
    return JSON.parse(text) as AnySchemaObject;
  } catch (error) {
    throw invalidParameter(`JSON schema file ${file} (for ${url}) is not valid JSON: ${(error as Error).message}`);
  }
}

/** The URL without fragment and query: what a schema file stands for. */
function schemaDocumentUrl(url: string): URL {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed;
}

/** Fetches schemas from their URLs. */
export function httpSchemaSource(fetcher: HttpFetch = defaultFetch()): SchemaSource {
  return { load: (url) => fetchJson<AnySchemaObject>(fetcher, { url: schemaDocumentUrl(url).toString(), headers: { Accept: 'application/schema+json, application/json' } }) };
}

/** A source that fetches nothing: every URL must be mapped to a folder. */
export function offlineSchemaSource(): SchemaSource {
  return {
    load: async () => {
      throw notFound('it is neither mapped to a local folder nor cached, and fetching schemas is off');
    },
  };
}

/** The file a schema URL is kept in under a cache folder: `{dir}/{host}/{path}`. */
export function cachePath(dir: string, url: string): string {
  const parsed = schemaDocumentUrl(url);
  const host = parsed.host.replace(/[^A-Za-z0-9.-]/g, '_');
  let rest = decodeURIComponent(parsed.pathname);
  if (rest.endsWith('/')) rest += 'index.json';
  if (parsed.search) rest += `_${encodeURIComponent(parsed.search)}`;
  const file = path.join(dir, host, ...rest.split('/').filter((part) => part && part !== '.' && part !== '..'));
  return file;
}

/** Keeps what `inner` loads in `dir`, so each schema is fetched once per machine, not once per run. */
export function withDiskCache(inner: SchemaSource, dir: string): SchemaSource {
  return {
    async load(url) {
      const file = cachePath(dir, url);
      try {
        return JSON.parse(await fs.readFile(file, 'utf8')) as AnySchemaObject;
      } catch {
        // Not cached yet, or a damaged copy: load it afresh and (re)write it.
      }
      const schema = await inner.load(url);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomUUID()}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(schema));
      // A rename is atomic, so a concurrent reader never sees half a file.
      await fs.rename(temporary, file);
      return schema;
    },
  };
}

const HTTP_URL = /^https?:\/\//i;

/**
 * Serves URLs under a mapped prefix from a local folder (`{prefix}item-spec/json-schema/item.json` →
 * `{dir}/item-spec/json-schema/item.json`), or from a mirror when the target is an http(s) URL (then
 * through `inner`, so mirrored schemas are cached too). The longest matching prefix wins; other URLs
 * go to `inner` as they are.
 */
export function withSchemaMap(inner: SchemaSource, schemaMap: Record<string, string>): SchemaSource {
  const entries = Object.entries(schemaMap)
    .map(([prefix, target]) => ({ prefix, target: HTTP_URL.test(target) ? target : path.resolve(target) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    async load(url) {
      const documentUrl = schemaDocumentUrl(url).toString();
      const entry = entries.find((e) => documentUrl.startsWith(e.prefix));
      if (!entry) return inner.load(url);
      const rest = documentUrl.slice(entry.prefix.length);
      if (HTTP_URL.test(entry.target)) return inner.load(new URL(rest, entry.target.endsWith('/') ? entry.target : `${entry.target}/`).toString());
      const file = path.resolve(entry.target, decodeURIComponent(rest));
      if (file !== entry.target && !file.startsWith(entry.target + path.sep)) {
        throw invalidParameter(`JSON schema ${url} maps outside its folder ${entry.target}`);
      }
      return readSchemaFile(file, url);
    },
  };
}

/** One way a document breaks its schema. */
export interface ValidationIssue {
  /** JSON pointer into the document (`/properties/datetime`; empty for the document itself). */
  path: string;
  message: string;
  /** The schema URL and the pointer to the rule that failed. */
  schema: string;
}

/** The outcome of validating one document. */
export interface ValidationResult {
  valid: boolean;
  errors: ValidationIssue[];
  /** The schema URLs the document was checked against. */
  schemas: string[];
  /** `stac_extensions` entries not checked: short names (STAC before 1.0 had no schema URLs) or, with `extensions: false`, all. */
  skipped: string[];
}

/** How a validator finds schemas. */
export interface ValidatorOptions {
  /** URL prefix → local folder (or http(s) mirror) with the files under it (`https://schemas.stacspec.org/v1.0.0/` → `…/schemas/v1.0.0/`). */
  schemaMap?: Record<string, string>;
  /** Never fetch: schemas come from mapped folders and the disk cache only (default false). */
  offline?: boolean;
  /** Where fetched schemas are kept (default `$TILEFLOW_HOME/cache/stac-schemas`). */
  cacheDir?: string;
  /** How schemas are fetched (default: retries over Node's fetch). */
  fetch?: HttpFetch;
  /** Check the schemas in `stac_extensions` too (default true). */
  extensions?: boolean;
  /** Replaces the whole source chain above (mapping, cache, HTTP). */
  source?: SchemaSource;
}

/** The default cache folder for fetched schemas. */
export function defaultSchemaCacheDir(): string {
  return path.join(loadConfig().home, 'cache', 'stac-schemas');
}

/** The core schema URL for a STAC version and kind of object. */
export function coreSchemaUrl(version: string, kind: StacKind): string {
  return `https://schemas.stacspec.org/v${version}/${kind}-spec/json-schema/${kind}.json`;
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i;

/** Ajv's error as a sentence that names what was expected. */
function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') return `${message}: ${String(params.additionalProperty)}`;
  if (error.keyword === 'enum') return `${message}: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (error.keyword === 'const') return `${message}: ${JSON.stringify(params.allowedValue)}`;
  return message;
}

/**
 * Where the failed rule lives, as a URL. Ajv writes `#/…` for the schema itself and `{$ref}/…` for a
 * referenced one (`datetime.json/properties/datetime/type`); STAC schema files all end in `.json`,
 * which is where such a reference ends.
 */
function ruleUrl(schemaUrl: string, schemaPath: string): string {
  // Ajv percent-encodes pointer segments (`label%3Aclasses`); STAC field names read better as written.
  const readable = (pointer: string) => {
    try {
      return decodeURIComponent(pointer);
    } catch {
      return pointer;
    }
  };
  if (schemaPath.startsWith('#')) return `${schemaUrl}#${readable(schemaPath.slice(1))}`;
  const match = /^(.*?\.json)#?(.*)$/.exec(schemaPath);
  if (!match) return `${schemaUrl}#${readable(schemaPath)}`;
  const target = new URL(match[1], schemaUrl);
  target.hash = '';
  return `${target}#${readable(match[2])}`;
}

/** A JSON Schema dialect Ajv validates, and the Ajv class for each: one table, one place to add a draft. */
type Dialect = 'draft-07' | '2019-09' | '2020-12';
const AJV_CLASSES: Record<Dialect, new (options: Options) => Ajv> = { 'draft-07': Ajv, '2019-09': Ajv2019, '2020-12': Ajv2020 };
const DIALECT_URLS: Record<string, Dialect> = {
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

/** The dialect a schema declares; draft-07 (STAC's) when it declares none or an older one Ajv reads alike. */
function dialectOf(schema: AnySchemaObject): Dialect {
  const declared = typeof schema.$schema === 'string' ? schema.$schema.replace(/#$/, '') : '';
  return DIALECT_URLS[declared] ?? 'draft-07';
}

/** A built-in schema without its `$schema`, so every dialect's Ajv accepts it (its keywords mean the same in all). */
function dialectFree(schema: AnySchemaObject): AnySchemaObject {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** Combinators whose failure only repeats that a branch below failed. */
const WRAPPERS = new Set(['oneOf', 'anyOf', 'if', 'allOf']);

/**
 * Ajv's errors as issues: without the combinator summaries when more specific errors exist, without
 * duplicates, and the deepest paths first, so the first issue is the one to read.
 */
function issues(errors: ErrorObject[], schemaUrl: string): ValidationIssue[] {
  const specific = errors.some((e) => !WRAPPERS.has(e.keyword)) ? errors.filter((e) => !WRAPPERS.has(e.keyword)) : errors;
  const seen = new Set<string>();
  const out: ValidationIssue[] = [];
  for (const error of specific) {
    const issue = { path: error.instancePath, message: describe(error), schema: ruleUrl(schemaUrl, error.schemaPath) };
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  const depth = (issue: ValidationIssue) => (issue.path === '' ? 0 : issue.path.split('/').length);
  return out.sort((a, b) => depth(b) - depth(a));
}

/** A document that could not even be matched to a schema. */
function invalid(message: string): ValidationResult {
  return { valid: false, errors: [{ path: '', message, schema: '' }], schemas: [], skipped: [] };
}

/** Validates STAC documents; compiled schemas are kept, so one validator serves a whole catalog. */
export class StacValidator {
  private readonly ajvs = new Map<Dialect, Ajv>();
  private readonly source: SchemaSource;
  private readonly checkExtensions: boolean;
  private readonly compiled = new Map<string, Promise<ValidateFunction>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: ValidatorOptions = {}) {
    this.source =
      options.source ??
      withSchemaMap(
        withDiskCache(options.offline ? offlineSchemaSource() : httpSchemaSource(options.fetch), options.cacheDir ?? defaultSchemaCacheDir()),
        options.schemaMap ?? {},
      );
    this.checkExtensions = options.extensions ?? true;
  }

  /** The Ajv instance for a dialect, made on first use. */
  private ajvFor(dialect: Dialect): Ajv {
    let ajv = this.ajvs.get(dialect);
    if (!ajv) {
      // Third-party schemas carry keywords and formats Ajv's strict mode rejects; they are taken as published.
      ajv = new AJV_CLASSES[dialect]({ allErrors: true, strict: false, loadSchema: (url) => this.loadSchema(url) });
      addFormats(ajv);
      // STAC uses `iri` and `iri-reference` (RFC 3987), which ajv-formats lacks: any scheme, no spaces.
      ajv.addFormat('iri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
      ajv.addFormat('iri-reference', /^[^\s]*$/);
      ajv.addSchema(dialectFree(GEOJSON_FEATURE_SCHEMA));
      ajv.addSchema(dialectFree(GEOJSON_GEOMETRY_SCHEMA));
      this.ajvs.set(dialect, ajv);
    }
    return ajv;
  }

  /** Loads one schema, turning any failure into an error that names its URL and the way out. */
  private async loadSchema(url: string): Promise<AnySchemaObject> {
    try {
      return await this.source.load(url);
    } catch (error) {
      throw new SchemaUnavailableError(url, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  /** The compiled schema at `url`, compiled once; compilations run one at a time so Ajv never registers a schema twice. */
  private validator(url: string): Promise<ValidateFunction> {
    let pending = this.compiled.get(url);
    if (!pending) {
      const run = async () => {
        // Already there when another schema referenced it.
        for (const ajv of this.ajvs.values()) {
          const known = ajv.getSchema(url);
          if (known) return known;
        }
        const schema = await this.loadSchema(url);
        const ajv = this.ajvFor(dialectOf(schema));
        try {
          return await ajv.compileAsync(schema);
        } catch (error) {
          // Ajv keeps a schema registered even when its references failed to load; forget it, so the
          // next attempt loads them again instead of failing on a half-registered schema.
          ajv.removeSchema(typeof schema.$id === 'string' ? schema.$id : url);
          throw error;
        }
      };
      pending = this.queue.then(run, run);
      this.queue = pending.catch(() => undefined);
      this.compiled.set(url, pending);
      // A schema that failed to load may load next time (the network came back, a map was fixed).
      pending.catch(() => this.compiled.delete(url));
    }
    return pending;
  }

  /** Validates a Catalog, Collection or Item; an ItemCollection is validated feature by feature. */
  async validate(doc: unknown): Promise<ValidationResult> {
    const record = doc as Record<string, unknown> | null;
    if (record && record.type === 'FeatureCollection' && Array.isArray(record.features)) return this.validateFeatures(record.features);
    const kind = stacKind(doc);
    if (kind === null) return invalid('is not a STAC Catalog, Collection or Item');
    const version = record!.stac_version;
    if (typeof version !== 'string' || version === '') return invalid("must have required property 'stac_version'");
    const declared = Array.isArray(record!.stac_extensions) ? (record!.stac_extensions as unknown[]).map(String) : [];
    const extensionUrls = this.checkExtensions ? declared.filter((e) => ABSOLUTE_URL.test(e)) : [];
    const skipped = declared.filter((e) => !extensionUrls.includes(e));
    const schemas = [coreSchemaUrl(version, kind), ...new Set(extensionUrls)];
    const errors: ValidationIssue[] = [];
    for (const url of schemas) {
      const check = await this.validator(url);
      if (!check(doc)) errors.push(...issues(check.errors ?? [], url));
    }
    return { valid: errors.length === 0, errors, schemas, skipped };
  }

  /** Validates each feature of an ItemCollection, with paths under `/features/{i}`. */
  private async validateFeatures(features: unknown[]): Promise<ValidationResult> {
    const result: ValidationResult = { valid: true, errors: [], schemas: [], skipped: [] };
    for (const [i, feature] of features.entries()) {
      const one = await this.validate(feature);
      result.valid &&= one.valid;
      result.errors.push(...one.errors.map((e) => ({ ...e, path: `/features/${i}${e.path}` })));
      for (const url of one.schemas) if (!result.schemas.includes(url)) result.schemas.push(url);
      for (const name of one.skipped) if (!result.skipped.includes(name)) result.skipped.push(name);
    }
    return result;
  }
}

/**
 * STAC objects as JSON (https://stacspec.org, core v1.0.0 and v1.1.0): the fields tileflow reads are
 * typed, and every object stays open to the extra fields that extensions add (`eo:bands`,
 * `label:classes`, `mlm:input`, …), so a document read and written back loses nothing.
 */

/** Extra fields any STAC object may carry (extension fields, foreign members). */
export interface Extensible {
  [field: string]: unknown;
}

/** A link between STAC objects or to anything else; `rel` says what it points to. */
export interface StacLink extends Extensible {
  href: string;
  rel: string;
  type?: string;
  title?: string;
  /** STAC API paging: the HTTP method of the next request (default GET). */
  method?: 'GET' | 'POST' | string;
  /** STAC API paging: headers to send with the next request. */
  headers?: Record<string, string>;
  /** STAC API paging: the JSON body (or part of it) of the next POST request. */
  body?: Record<string, unknown>;
  /** STAC API paging: merge `body` and `headers` into the previous request rather than replace it. */
  merge?: boolean;
}

/** A file or service an Item or Collection refers to. */
export interface StacAsset extends Extensible {
  href: string;
  title?: string;
  description?: string;
  type?: string;
  roles?: string[];
}

/** A GeoJSON geometry (RFC 7946); coordinates are left loose because their nesting depends on `type`. */
export interface Geometry extends Extensible {
  type: 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon' | 'GeometryCollection';
  coordinates?: unknown;
  geometries?: Geometry[];
}

/** `[west, south, east, north]`, or with elevation `[west, south, low, east, north, high]`. */
export type BBox = [number, number, number, number] | [number, number, number, number, number, number];

/** An Item's properties: `datetime` is required (null when a start and end are given instead). */
export interface ItemProperties extends Extensible {
  datetime: string | null;
  start_datetime?: string;
  end_datetime?: string;
  title?: string;
  description?: string;
}

/** A STAC Item: a GeoJSON Feature with links and assets. */
export interface StacItem extends Extensible {
  type: 'Feature';
  stac_version: string;
  stac_extensions?: string[];
  id: string;
  geometry: Geometry | null;
  bbox?: BBox;
  properties: ItemProperties;
  links: StacLink[];
  assets: Record<string, StacAsset>;
  collection?: string;
}

/** A STAC Catalog: links to child catalogs, collections and items. */
export interface StacCatalog extends Extensible {
  type: 'Catalog';
  stac_version: string;
  stac_extensions?: string[];
  id: string;
  title?: string;
  description: string;
  links: StacLink[];
}

/** Where and when a Collection's items are. */
export interface CollectionExtent {
  spatial: { bbox: number[][] };
  temporal: { interval: (string | null)[][] };
}

/** A STAC Collection: a Catalog with extent, license and summaries. */
export interface StacCollection extends Extensible {
  type: 'Collection';
  stac_version: string;
  stac_extensions?: string[];
  id: string;
  title?: string;
  description: string;
  keywords?: string[];
  license: string;
  providers?: Extensible[];
  extent: CollectionExtent;
  summaries?: Record<string, unknown>;
  links: StacLink[];
  assets?: Record<string, StacAsset>;
  item_assets?: Record<string, Extensible>;
}

/** A page of search results: a GeoJSON FeatureCollection of Items (STAC API ItemCollection). */
export interface ItemCollection extends Extensible {
  type: 'FeatureCollection';
  features: StacItem[];
  links?: StacLink[];
  numberMatched?: number;
  numberReturned?: number;
}

/** Any STAC document tileflow reads. */
export type StacObject = StacCatalog | StacCollection | StacItem;

/** What kind of STAC object a document is. */
export type StacKind = 'catalog' | 'collection' | 'item';

/**
 * The kind of a STAC document, or null when it is none. Catalogs and Collections before STAC 1.0.0-rc.1
 * have no `type` field, so a Collection is then recognised by its `extent` and `license`.
 */
export function stacKind(value: unknown): StacKind | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const doc = value as Extensible;
  if (doc.type === 'Feature') return 'item';
  if (doc.type === 'Collection') return 'collection';
  if (doc.type === 'Catalog') return 'catalog';
  if (doc.type !== undefined || typeof doc.id !== 'string' || !Array.isArray(doc.links)) return null;
  return doc.extent !== undefined && doc.license !== undefined ? 'collection' : 'catalog';
}

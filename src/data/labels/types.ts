/**
 * The label contract: a source of vector features (GeoJSON, GeoParquet) that can be filtered by SQL over
 * its attribute columns and by a bounding box, returning GeoJSON geometries.
 */

/** A GeoJSON position: [x, y] or [x, y, z]. */
export type Position = number[];

/** A GeoJSON point. */
export interface Point {
  type: 'Point';
  coordinates: Position;
}

/** A GeoJSON multi-point. */
export interface MultiPoint {
  type: 'MultiPoint';
  coordinates: Position[];
}

/** A GeoJSON line string. */
export interface LineString {
  type: 'LineString';
  coordinates: Position[];
}

/** A GeoJSON multi-line string. */
export interface MultiLineString {
  type: 'MultiLineString';
  coordinates: Position[][];
}

/** A GeoJSON polygon: the outer ring first, then holes. */
export interface Polygon {
  type: 'Polygon';
  coordinates: Position[][];
}

/** A GeoJSON multi-polygon. */
export interface MultiPolygon {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}

/** A GeoJSON geometry collection. */
export interface GeometryCollection {
  type: 'GeometryCollection';
  geometries: Geometry[];
}

/** Any GeoJSON geometry. */
export type Geometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon | GeometryCollection;

/** [minX, minY, maxX, maxY] in the source's CRS. */
export type BBox = [number, number, number, number];

/** One label feature: its id (the GeoJSON `id`, else its position in the source), attributes and geometry. */
export interface LabelFeature {
  id: string | number;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
}

/** What to select from a label source. */
export interface LabelQuery {
  /** A SQL boolean expression over the attribute columns (DuckDB dialect), e.g. `"class" = 'grass'`. */
  where?: string;
  /** Keep features whose bounding box intersects this box (in the source's CRS). */
  bbox?: BBox;
  limit?: number;
}

/** An attribute column of a label source, with its DuckDB type. */
export interface LabelColumn {
  name: string;
  type: string;
}

/** A vector label source. Implementations: GeoJSON and GeoParquet, both queried through DuckDB. */
export interface LabelSource {
  readonly path: string;
  readonly format: 'geojson' | 'geoparquet';
  /** The CRS of the geometries: `OGC:CRS84`, `EPSG:<code>`, or the source's own WKT/PROJJSON text. */
  readonly crs: string;
  /** The attribute columns a `where` clause may use. */
  readonly columns: LabelColumn[];
  query(query?: LabelQuery): Promise<LabelFeature[]>;
  count(query?: LabelQuery): Promise<number>;
  close(): Promise<void>;
}

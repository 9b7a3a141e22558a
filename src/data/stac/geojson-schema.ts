/**
 * The GeoJSON schemas that the STAC core Item schemas reference (`https://geojson.org/schema/Feature.json`
 * and `Geometry.json`), built in: RFC 7946 is final, so they never change, and validating an Item then
 * needs no download beyond the STAC schemas themselves (pystac ships them for the same reason). They
 * follow geojson.org's published draft-07 schemas: positions of at least two numbers, line strings of
 * at least two positions, closed rings of at least four, optional `bbox` of at least four numbers.
 */

/** The URL the STAC schemas reference for a GeoJSON Feature. */
export const GEOJSON_FEATURE_URL = 'https://geojson.org/schema/Feature.json';
/** The URL the STAC schemas reference for a GeoJSON Geometry. */
export const GEOJSON_GEOMETRY_URL = 'https://geojson.org/schema/Geometry.json';

const bbox = { type: 'array', minItems: 4, items: { type: 'number' } };
const position = { type: 'array', minItems: 2, items: { type: 'number' } };
const lineString = { type: 'array', minItems: 2, items: position };
const linearRing = { type: 'array', minItems: 4, items: position };
const polygon = { type: 'array', items: linearRing };

/** A geometry object of `type` whose `coordinates` follow `coordinates`. */
function geometry(type: string, coordinates: object): object {
  return {
    title: `GeoJSON ${type}`,
    type: 'object',
    required: ['type', 'coordinates'],
    properties: { type: { type: 'string', enum: [type] }, coordinates, bbox },
  };
}

const simpleGeometries = [
  geometry('Point', position),
  geometry('LineString', lineString),
  geometry('Polygon', polygon),
  geometry('MultiPoint', { type: 'array', items: position }),
  geometry('MultiLineString', { type: 'array', items: lineString }),
  geometry('MultiPolygon', { type: 'array', items: polygon }),
];

const geometryCollection = {
  title: 'GeoJSON GeometryCollection',
  type: 'object',
  required: ['type', 'geometries'],
  properties: {
    type: { type: 'string', enum: ['GeometryCollection'] },
    geometries: { type: 'array', items: { oneOf: simpleGeometries } },
    bbox,
  },
};

/** geojson.org's Geometry schema: any one geometry type. */
export const GEOJSON_GEOMETRY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: GEOJSON_GEOMETRY_URL,
  title: 'GeoJSON Geometry',
  oneOf: [...simpleGeometries, geometryCollection],
};

/** geojson.org's Feature schema: type, properties and a geometry (null for an unlocated feature). */
export const GEOJSON_FEATURE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: GEOJSON_FEATURE_URL,
  title: 'GeoJSON Feature',
  type: 'object',
  required: ['type', 'properties', 'geometry'],
  properties: {
    type: { type: 'string', enum: ['Feature'] },
    id: { oneOf: [{ type: 'number' }, { type: 'string' }] },
    properties: { oneOf: [{ type: 'null' }, { type: 'object' }] },
    geometry: { oneOf: [{ type: 'null' }, ...simpleGeometries, geometryCollection] },
    bbox,
  },
};

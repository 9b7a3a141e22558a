/** The geo layer's public API: tile math, tile covers of AOIs, GeoJSON polygon reading, CRS transforms. */
export {
  EARTH_RADIUS,
  MAX_LATITUDE,
  MAX_ZOOM,
  checkTile,
  checkZoom,
  children,
  lngLatToMercator,
  mercatorToLngLat,
  parent,
  parseTileId,
  quadkey,
  siblings,
  supertile,
  tileAt,
  tileBounds,
  tileFeature,
  tileFromQuadkey,
  tileId,
  tileSpace,
  tileXyBounds,
  tilesUnder,
  tmsToXyz,
  xyzToTms,
  type BBox,
  type Tile,
  type TileFeature,
} from './tiles.js';
export { DEFAULT_MAX_TILES, coverBbox, coverGeometry, type CoverOptions } from './cover.js';
export { readPolygons, type AoiPolygon, type Position } from './geojson.js';
export { findRingIntersection, orientation, type RingIntersection, type RingSegment } from './intersections.js';
export {
  crsTransformer,
  knownEpsgCodes,
  parseCrs,
  transformBounds,
  transformPoint,
  utmCrs,
  type Crs,
  type CrsInput,
  type CrsTransformer,
} from './crs.js';

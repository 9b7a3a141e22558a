/**
 * A project's AOIs on the map: one GeoJSON source of their polygons (a tile-list AOI as its tiles'
 * squares) drawn as a light fill and an outline, below anything drawn later.
 */
import type { FeatureCollection, Geometry } from 'geojson';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Aoi, AoiGeometry } from '../api/predict';

/** The AOIs' GeoJSON source. */
export const AOI_SOURCE = 'aois';
/** The lowest AOI layer: imagery is inserted before it. */
export const AOI_FIRST_LAYER = 'aois-fill';

const AOI_COLOR = '#e8590c';

/** The longitude/latitude square of an `x-y-z` web-map tile. */
function tilePolygon(id: string): number[][][] | null {
  const match = /^(\d+)-(\d+)-(\d+)$/.exec(id);
  if (!match) return null;
  const [x, y, z] = match.slice(1).map(Number);
  const n = 2 ** z;
  const lng = (i: number) => (i / n) * 360 - 180;
  const lat = (j: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * j) / n))) * 180) / Math.PI;
  const [w, e, north, s] = [lng(x), lng(x + 1), lat(y), lat(y + 1)];
  return [[[w, s], [e, s], [e, north], [w, north], [w, s]]];
}

/** An AOI's geometry as GeoJSON. */
export function aoiGeoJson(geometry: AoiGeometry): Geometry | null {
  if ('tiles' in geometry) {
    const squares = geometry.tiles.map(tilePolygon).filter((p): p is number[][][] => p !== null);
    return squares.length ? { type: 'MultiPolygon', coordinates: squares } : null;
  }
  return geometry as Geometry;
}

/** The AOIs as features with their id and name. */
export function aoiFeatures(aois: readonly Aoi[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: aois.flatMap((aoi) => {
      const geometry = aoiGeoJson(aoi.geometry);
      return geometry ? [{ type: 'Feature' as const, id: aoi.id, properties: { id: aoi.id, name: aoi.name }, geometry }] : [];
    }),
  };
}

/** Adds the AOI source and its layers to a loaded map. */
export function addAoiLayers(map: MapLibreMap, aois: readonly Aoi[]): void {
  map.addSource(AOI_SOURCE, { type: 'geojson', data: aoiFeatures(aois) });
  map.addLayer({ id: AOI_FIRST_LAYER, type: 'fill', source: AOI_SOURCE, paint: { 'fill-color': AOI_COLOR, 'fill-opacity': 0.12 } });
  map.addLayer({ id: 'aois-line', type: 'line', source: AOI_SOURCE, paint: { 'line-color': AOI_COLOR, 'line-width': 2 } });
}

/** Replaces the AOIs shown. */
export function setAois(map: MapLibreMap, aois: readonly Aoi[]): void {
  (map.getSource(AOI_SOURCE) as GeoJSONSource | undefined)?.setData(aoiFeatures(aois));
}

/** The box around some AOIs, or undefined for none. */
export function aoisBounds(aois: readonly Aoi[]): [number, number, number, number] | undefined {
  if (aois.length === 0) return undefined;
  return aois.reduce<[number, number, number, number]>(
    (b, { bbox }) => [Math.min(b[0], bbox[0]), Math.min(b[1], bbox[1]), Math.max(b[2], bbox[2]), Math.max(b[3], bbox[3])],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
}

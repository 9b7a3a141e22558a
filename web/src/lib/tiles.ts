/**
 * Web-mercator tile arithmetic the map pages need: a quadkey's tile and a tile's bounds. Standard
 * formulas (Bing's quadkeys, OSM's slippy-map tiles), a few lines each, so no library is pulled in.
 */

export interface TileXyz {
  z: number;
  x: number;
  y: number;
}

/** The tile a quadkey names. */
export function quadkeyTile(quadkey: string): TileXyz {
  let x = 0;
  let y = 0;
  for (const digit of quadkey) {
    const d = Number(digit);
    x = x * 2 + (d & 1);
    y = y * 2 + (d >> 1);
  }
  return { z: quadkey.length, x, y };
}

/** The longitude of a tile column's west edge. */
function lon(x: number, z: number): number {
  return (x / 2 ** z) * 360 - 180;
}

/** The latitude of a tile row's north edge. */
function lat(y: number, z: number): number {
  const n = Math.PI - (2 * Math.PI * y) / 2 ** z;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** A tile's [west, south, east, north] in degrees. */
export function tileBounds({ z, x, y }: TileXyz): [number, number, number, number] {
  return [lon(x, z), lat(y + 1, z), lon(x + 1, z), lat(y, z)];
}

/** The [west, south, east, north] of a GeoJSON geometry's coordinates, or of a list of `x-y-z` tiles. */
export function geometryBounds(geometry: { coordinates?: unknown; tiles?: string[] }): [number, number, number, number] | undefined {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (lng: number, lat: number) => {
    box[0] = Math.min(box[0], lng);
    box[1] = Math.min(box[1], lat);
    box[2] = Math.max(box[2], lng);
    box[3] = Math.max(box[3], lat);
  };
  const walk = (value: unknown): void => {
    if (!Array.isArray(value)) return;
    if (typeof value[0] === 'number' && typeof value[1] === 'number') add(value[0], value[1]);
    else for (const item of value) walk(item);
  };
  if (geometry.tiles) {
    for (const id of geometry.tiles) {
      const [x, y, z] = id.split('-').map(Number);
      const [w, s, e, n] = tileBounds({ z, x, y });
      add(w, s);
      add(e, n);
    }
  } else walk(geometry.coordinates);
  return Number.isFinite(box[0]) ? box : undefined;
}

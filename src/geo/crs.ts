/**
 * Coordinate reference systems and transforms with proj4. The EPSG codes that imagery and labels
 * commonly come in are defined here up front, every WGS 84 UTM zone included, so no lookup ever goes
 * to the network; other systems come as proj strings or WKT. Coordinates are always `[x, y]`, i.e.
 * `[longitude, latitude]` for geographic systems (traditional GIS order, as GDAL's
 * OAMS_TRADITIONAL_GIS_ORDER and pyproj's `always_xy`), whatever axis order the EPSG registry gives.
 */
import proj4 from 'proj4';
import { invalidParameter } from '../core/errors.js';
import type { BBox } from './tiles.js';

/** A coordinate reference system proj4 can use: how to name it, its EPSG code when known, its definition. */
export interface Crs {
  /** `EPSG:<code>` when the code is known, else the proj string or the WKT's name. */
  readonly name: string;
  readonly epsg: number | undefined;
  /** A proj string or WKT that proj4 reads. */
  readonly definition: string;
}

/** What the functions here accept as a CRS: a parsed one, an EPSG code, or text for `parseCrs`. */
export type CrsInput = Crs | number | string;

/** Transforms `[x, y]` points between two systems, with both ends parsed once. */
export interface CrsTransformer {
  readonly from: Crs;
  readonly to: Crs;
  /** The point in the target system; throws when it has no finite image there. */
  forward(point: readonly [number, number]): [number, number];
}

/** Datum parameters of ETRS89 and GRS80-based systems: coincident with WGS 84 at the metre level. */
const GRS80 = '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0';

/** The EPSG codes defined up front, with their proj strings (as epsg.io and PROJ's database give them). */
const EPSG_DEFINITIONS: ReadonlyMap<number, string> = new Map<number, string>([
  [4326, '+proj=longlat +datum=WGS84 +no_defs'],
  [4258, `+proj=longlat ${GRS80} +no_defs`],
  [4269, '+proj=longlat +datum=NAD83 +no_defs'],
  [3857, '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs'],
  [3395, '+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  [3035, `+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 ${GRS80} +units=m +no_defs`],
  [2154, `+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 ${GRS80} +units=m +no_defs`],
  [5070, '+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +datum=NAD83 +units=m +no_defs'],
  [6933, '+proj=cea +lat_ts=30 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  [3413, '+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  [3031, '+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  [32661, '+proj=stere +lat_0=90 +lat_ts=90 +lon_0=0 +k=0.994 +x_0=2000000 +y_0=2000000 +datum=WGS84 +units=m +no_defs'],
  [32761, '+proj=stere +lat_0=-90 +lat_ts=-90 +lon_0=0 +k=0.994 +x_0=2000000 +y_0=2000000 +datum=WGS84 +units=m +no_defs'],
  // WGS 84 / UTM zones 1-60, north (326zz) and south (327zz): Sentinel-2 and Landsat grids.
  ...Array.from({ length: 60 }, (_, i): [number, string][] => [
    [32601 + i, `+proj=utm +zone=${i + 1} +datum=WGS84 +units=m +no_defs`],
    [32701 + i, `+proj=utm +zone=${i + 1} +south +datum=WGS84 +units=m +no_defs`],
  ]).flat(),
  // ETRS89 / UTM zones 28-38 (European national grids).
  ...Array.from({ length: 11 }, (_, i): [number, string] => [25828 + i, `+proj=utm +zone=${28 + i} ${GRS80} +units=m +no_defs`]),
  // NAD83 / UTM zones 1-23 (North American national data).
  ...Array.from({ length: 23 }, (_, i): [number, string] => [26901 + i, `+proj=utm +zone=${1 + i} +datum=NAD83 +units=m +no_defs`]),
]);

/** Names that mean WGS 84 longitude/latitude in that order (OGC's CRS84, as GeoJSON and STAC use it). */
const CRS84_NAMES = /^(?:OGC:)?CRS:?84$|^urn:ogc:def:crs:OGC:1\.3:CRS84$|^https?:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84$/i;

/** `EPSG:n`, `EPSG::n`, the OGC URN and the OGC URL forms of an EPSG code. */
const EPSG_NAME = /^(?:EPSG:{1,2}|urn:ogc:def:crs:EPSG:[\d.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[\d.]+\/)(\d+)$/i;

/** The EPSG codes defined up front, ascending. */
export function knownEpsgCodes(): number[] {
  return [...EPSG_DEFINITIONS.keys()].sort((a, b) => a - b);
}

/** Whether proj4 reads the definition (it throws on what it cannot parse, sometimes without a message). */
function proj4Reads(definition: string): boolean {
  try {
    proj4(EPSG_DEFINITIONS.get(4326)!, definition);
    return true;
  } catch {
    return false;
  }
}

/** The CRS of a defined EPSG code, or an error that says which codes are defined. */
function fromEpsg(code: number, input: string): Crs {
  const definition = EPSG_DEFINITIONS.get(code);
  if (definition === undefined) {
    throw invalidParameter(
      `unknown CRS '${input}': EPSG:${code} is not among the codes tileflow defines (WGS 84 UTM zones 32601-32660 and ` +
        '32701-32760, ETRS89 and NAD83 UTM zones, 4326, 4258, 4269, 3857, 3395, 3035, 2154, 5070, 6933, 3413, 3031, 32661, 32761); ' +
        'give it as a proj string or WKT instead',
    );
  }
  return { name: `EPSG:${code}`, epsg: code, definition };
}

/**
 * The EPSG code of a WKT's outermost object: its last `AUTHORITY["EPSG","n"]` (WKT1) or `ID["EPSG",n]`
 * (WKT2) directly inside the root, not those of the datum or units nested deeper.
 */
function wktEpsgCode(wkt: string): number | undefined {
  let depth = 0;
  let code: number | undefined;
  let inString = false;
  for (let i = 0; i < wkt.length; i++) {
    const c = wkt[i];
    if (inString) {
      if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (depth === 1 && /[A-Za-z]/.test(c) && !/[A-Za-z_]/.test(wkt[i - 1] ?? '')) {
      const match = /^(?:AUTHORITY|ID)\s*[[(]\s*"EPSG"\s*,\s*"?(\d+)"?/i.exec(wkt.slice(i, i + 64));
      if (match) code = Number(match[1]);
    }
  }
  return code;
}

/** The name a WKT gives its root object, e.g. `WGS 84 / UTM zone 34N`. */
function wktName(wkt: string): string | undefined {
  return /^\s*[A-Za-z_]+\s*[[(]\s*"([^"]*)"/.exec(wkt)?.[1];
}

/**
 * A CRS from an EPSG code (`4326`, `'EPSG:32634'`, `'epsg:4326'`, the OGC URN or URL forms),
 * `'OGC:CRS84'`, WKT 1 or 2 (by the EPSG code of its root when defined here, else as proj4 reads the
 * WKT), or a proj string (`+proj=…`). Throws INVALID_PARAMETER_VALUE naming an unknown or unreadable CRS.
 */
export function parseCrs(input: CrsInput): Crs {
  if (typeof input === 'object' && input !== null && typeof input.definition === 'string') return input;
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input <= 0) throw invalidParameter(`unknown CRS ${input}: an EPSG code is a positive integer`);
    return fromEpsg(input, `EPSG:${input}`);
  }
  if (typeof input !== 'string') throw invalidParameter(`unknown CRS ${String(input)}: expected an EPSG code, a proj string or WKT`);
  const text = input.trim();
  if (CRS84_NAMES.test(text)) return { name: 'OGC:CRS84', epsg: 4326, definition: EPSG_DEFINITIONS.get(4326)! };
  const epsg = EPSG_NAME.exec(text);
  if (epsg) return fromEpsg(Number(epsg[1]), text);
  if (/^\+?proj=/.test(text)) {
    const definition = text.startsWith('+') ? text : `+${text}`;
    if (!proj4Reads(definition)) throw invalidParameter(`unknown CRS '${text}': proj4 cannot read this proj string`);
    return { name: definition, epsg: undefined, definition };
  }
  if (/^[A-Z_]+CRS\s*[[(]|^[A-Z_]+_CS\s*[[(]|^(?:PROJCS|GEOGCS|GEOCCS)\s*[[(]/i.test(text)) {
    const code = wktEpsgCode(text);
    if (code !== undefined && EPSG_DEFINITIONS.has(code)) return fromEpsg(code, text);
    const name = wktName(text) ?? 'WKT';
    if (!proj4Reads(text)) {
      throw invalidParameter(
        `unknown CRS '${name}'${code === undefined ? '' : ` (EPSG:${code})`}: ` +
          'its EPSG code is not defined here and proj4 cannot read the WKT; give it as a proj string instead',
      );
    }
    return { name: code === undefined ? name : `EPSG:${code}`, epsg: code, definition: text };
  }
  throw invalidParameter(`unknown CRS '${text.length > 80 ? `${text.slice(0, 77)}...` : text}': expected EPSG:<code>, a proj string (+proj=…) or WKT`);
}

/** A transformer between two systems, parsed once, for many points. */
export function crsTransformer(from: CrsInput, to: CrsInput): CrsTransformer {
  const source = parseCrs(from);
  const target = parseCrs(to);
  const converter = proj4(source.definition, target.definition);
  return {
    from: source,
    to: target,
    forward(point) {
      const [x, y] = point;
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw invalidParameter(`point [${x}, ${y}] is not two finite numbers`);
      const result = converter.forward([x, y]);
      if (!Number.isFinite(result[0]) || !Number.isFinite(result[1])) {
        throw invalidParameter(`point [${x}, ${y}] cannot be transformed from ${source.name} to ${target.name}`);
      }
      return [result[0], result[1]];
    },
  };
}

/** One `[x, y]` point from one system to another (build a `crsTransformer` for many). */
export function transformPoint(from: CrsInput, to: CrsInput, point: readonly [number, number]): [number, number] {
  return crsTransformer(from, to).forward(point);
}

/**
 * The bounds in the target system of `[minX, minY, maxX, maxY]` in the source system, found like
 * rasterio's `transform_bounds`: `densify` extra points along every edge, since edges curve under most
 * projections and the corners alone miss the bulge. Points without an image in the target are skipped.
 */
export function transformBounds(from: CrsInput, to: CrsInput, bounds: BBox, densify = 21): BBox {
  if (!Array.isArray(bounds) || bounds.length !== 4 || !bounds.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw invalidParameter(`bounds ${JSON.stringify(bounds)} are not [minX, minY, maxX, maxY] in finite numbers`);
  }
  const [minX, minY, maxX, maxY] = bounds;
  if (minX > maxX || minY > maxY) throw invalidParameter(`bounds ${JSON.stringify(bounds)} have a minimum above the maximum`);
  if (!Number.isInteger(densify) || densify < 0 || densify > 10_000) {
    throw invalidParameter(`densify ${densify} is not an integer from 0 to 10000`);
  }
  const transformer = crsTransformer(from, to);
  const out: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  const steps = densify + 1;
  const corners: [number, number][] = [[minX, minY], [maxX, minY], [maxX, maxY], [minX, maxY]];
  for (let side = 0; side < 4; side++) {
    const [x0, y0] = corners[side];
    const [x1, y1] = corners[(side + 1) % 4];
    for (let k = 0; k < steps; k++) {
      const t = k / steps;
      let point: [number, number];
      try {
        point = transformer.forward([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]);
      } catch {
        continue;
      }
      out[0] = Math.min(out[0], point[0]);
      out[1] = Math.min(out[1], point[1]);
      out[2] = Math.max(out[2], point[0]);
      out[3] = Math.max(out[3], point[1]);
    }
  }
  if (!Number.isFinite(out[0])) {
    throw invalidParameter(`bounds ${JSON.stringify(bounds)} cannot be transformed from ${transformer.from.name} to ${transformer.to.name}`);
  }
  return out;
}

/** The WGS 84 UTM zone (EPSG:326zz north of the equator, 327zz south) whose regular 6° band holds a point (no Norway or Svalbard exceptions). */
export function utmCrs(lon: number, lat: number): Crs {
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) throw invalidParameter(`longitude ${lon} is out of range: it must be from -180 to 180`);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw invalidParameter(`latitude ${lat} is out of range: it must be from -90 to 90`);
  const zone = Math.min(60, Math.floor((lon + 180) / 6) + 1);
  return fromEpsg((lat >= 0 ? 32600 : 32700) + zone, `UTM zone ${zone}`);
}

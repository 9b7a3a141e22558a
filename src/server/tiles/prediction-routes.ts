/**
 * A prediction's results for web maps and GIS, from the `PredictStore`:
 *
 * | route | answer |
 * |---|---|
 * | `GET /api/predictions/{id}/tiles.json` | TileJSON 3.0.0 of the vector tiles: URL template, bounds of the AOI's tiles, `vector_layers` |
 * | `GET /api/predictions/{id}/tiles-raster.json` | TileJSON 3.0.0 of the PNG mask tiles (segmentation only); a second document rather than a non-standard key, so MapLibre's `raster` source takes its `url` as it is |
 * | `GET /api/predictions/{id}/tiles/{z}/{x}/{y}.mvt` | Mapbox Vector Tile v2, layers `tiles` and `features`, gzip when the client accepts it; 204 when empty |
 * | `GET /api/predictions/{id}/tiles/{z}/{x}/{y}.png` | 256 px RGBA PNG of the class masks (segmentation only); 204 when no prediction tile touches it |
 * | `GET /api/predictions/{id}/geojson` | FeatureCollection of tiles or features by `bbox=w,s,e,n` or `quadkey=PREFIX` |
 * | `GET /api/predictions/{id}/aggregate?zoom=Z` | tiles summed up by quadkey prefix at zoom Z: count, mean scores, reviews |
 *
 * Query: `class` (a class index of the model: results whose top class it is) and `threshold` (0 to 1: the
 * least top score) filter tiles and features alike; `opacity` (0 to 1) fades the PNG. TileJSON passes them
 * on into its URL template. Tiles change as people review them, so every answer says `no-cache`.
 * Bad input is 400 and an unknown prediction 404, as MLflow's error JSON (`{ error_code, message }`).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidParameter } from '../../core/errors.js';
import { checkTile, type BBox } from '../../geo/tiles.js';
import type { PredictStore } from '../../predict/store/predict-store.js';
import type { Prediction } from '../../predict/types.js';
import { aggregateByQuadkey, predictionBounds, type ResultFilter } from '../../predict/tiles/aggregate.js';
import { MAX_GEOJSON_FEATURES, predictionGeoJson } from '../../predict/tiles/geojson.js';
import { MAX_MOSAIC_LEVELS, predictionMaskTile } from '../../predict/tiles/mask-tiles.js';
import { classScoreProperty } from '../../predict/tiles/properties.js';
import { checkFilter, MAX_VECTOR_ZOOM, predictionVectorTile } from '../../predict/tiles/vector-tiles.js';
import { VectorTileCache } from './vector-tile-cache.js';

const gzip = promisify(zlib.gzip);

/** What the plugin needs. */
export interface PredictionTileRoutesOptions {
  predict: PredictStore;
  /** Recently served vector tiles (a new cache of the default size when left out). */
  vectorTileCache?: VectorTileCache;
}

/** How many zooms past the prediction's own TileJSON offers (the map then overzooms). */
const OVERZOOM = 4;

const MVT_TYPE = 'application/vnd.mapbox-vector-tile';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const TileParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), z: Type.String(), x: Type.String(), tile: Type.String() });

const FilterQuery = Type.Object({
  class: Type.Optional(Type.String()),
  threshold: Type.Optional(Type.String()),
  opacity: Type.Optional(Type.String()),
});

const GeoJsonQuery = Type.Object({
  class: Type.Optional(Type.String()),
  threshold: Type.Optional(Type.String()),
  bbox: Type.Optional(Type.String()),
  quadkey: Type.Optional(Type.String()),
  layer: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String()),
});

const AggregateQuery = Type.Object({
  zoom: Type.Optional(Type.String()),
  quadkey: Type.Optional(Type.String()),
  class: Type.Optional(Type.String()),
  threshold: Type.Optional(Type.String()),
});

const VectorLayer = Type.Object({
  id: Type.String(),
  description: Type.String(),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  fields: Type.Record(Type.String(), Type.String()),
});

const TileJson = Type.Object({
  tilejson: Type.Literal('3.0.0'),
  name: Type.String(),
  description: Type.String(),
  scheme: Type.Literal('xyz'),
  tiles: Type.Array(Type.String()),
  bounds: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
  center: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  tileSize: Type.Optional(Type.Integer()),
  vector_layers: Type.Optional(Type.Array(VectorLayer)),
});

const Aggregate = Type.Array(
  Type.Object({
    quadkey: Type.String(),
    count: Type.Integer(),
    meanScores: Type.Array(Type.Number()),
    topClass: Type.Integer(),
    reviewed: Type.Integer(),
    valid: Type.Integer(),
  }),
);

/** A whole number from a query or path value, or a 400 naming it. */
function parseInteger(name: string, text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw invalidParameter(`${name} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A number from 0 to 1, or a 400 naming it. */
function parseFraction(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? NaN : Number(text);
  if (!(value >= 0 && value <= 1)) throw invalidParameter(`${name} must be a number from 0 to 1, got ${JSON.stringify(text)}`);
  return value;
}

/** `class` and `threshold` checked against the prediction's classes. */
function parseFilter(prediction: Prediction, query: { class?: string; threshold?: string }): ResultFilter {
  const filter: ResultFilter = {};
  if (query.class !== undefined) filter.classIndex = parseInteger('class', query.class);
  filter.minScore = parseFraction('threshold', query.threshold);
  checkFilter(prediction, filter);
  return filter;
}

/** `w,s,e,n` as numbers (range checks follow in predictionGeoJson). */
function parseBbox(text: string | undefined): BBox | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',');
  const values = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v))) throw invalidParameter(`bbox must be four numbers west,south,east,north, got ${JSON.stringify(text)}`);
  return values as BBox;
}

/** A quadkey prefix: digits 0 to 3. */
function parseQuadkey(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-3]{0,30}$/.test(text)) throw invalidParameter(`quadkey must be up to 30 digits 0 to 3, got ${JSON.stringify(text)}`);
  return text;
}

/** z/x/y and the extension of `{y}.mvt` / `{y}.png`, checked: integers in range at their zoom. */
function parseTile(params: Static<typeof TileParams>): { z: number; x: number; y: number; format: 'mvt' | 'png' } {
  const match = /^(\d{1,10})\.(mvt|png)$/.exec(params.tile);
  if (!match) throw invalidParameter(`a tile is {y}.mvt or {y}.png with a whole number y, got ${JSON.stringify(params.tile)}`);
  const tile = { z: parseInteger('z', params.z), x: parseInteger('x', params.x), y: Number(match[1]) };
  checkTile(tile);
  return { ...tile, format: match[2] as 'mvt' | 'png' };
}

/** Whether Accept-Encoding allows gzip (`gzip` or `*` with a q above 0). */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name.trim() !== 'gzip' && name.trim() !== '*') return false;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    return !q || Number(q[1]) > 0;
  });
}

/** The request's URL up to `/api/predictions/{id}`, so TileJSON works behind any prefix or proxy. */
function predictionBase(request: FastifyRequest): string {
  const path = request.url.split('?')[0].replace(/\/tiles(-raster)?\.json$/, '');
  return `${request.protocol}://${request.host}${path}`;
}

/** The query to pass on into tile URLs: only the named, already checked keys. */
function passOn(query: Record<string, string | undefined>, keys: string[]): string {
  const params = new URLSearchParams();
  for (const key of keys) if (query[key] !== undefined) params.set(key, query[key] as string);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The `vector_layers` of a prediction's vector tiles. */
function vectorLayers(prediction: Prediction, maxzoom: number): Static<typeof VectorLayer>[] {
  const classFields = Object.fromEntries(prediction.classes.map((c) => [classScoreProperty(c.name), `Number: score of class ${c.index}`]));
  const review = {
    review: 'String: valid, invalid or unreviewed',
    color: 'String: review colour, valid #2ca02c, invalid #ffffff, unreviewed #d62728',
  };
  return [
    {
      id: 'tiles',
      description: `Prediction tiles at zoom ${prediction.zoom}; below it, tiles summed up by quadkey prefix six zooms under the map tile`,
      minzoom: 0,
      maxzoom,
      fields: {
        ...classFields,
        quadkey: 'String',
        class: 'Number: top class index',
        class_name: 'String: top class name',
        score: 'Number: top score (aggregated: its mean)',
        ...review,
        count: 'Number: aggregated only, tiles summed up',
        reviewed: 'Number: aggregated only, reviewed tiles',
        valid: 'Number: aggregated only, tiles reviewed valid',
      },
    },
    {
      id: 'features',
      description: 'Detected boxes and segmentation polygons',
      minzoom: 0,
      maxzoom,
      fields: { id: 'Number', quadkey: 'String', class: 'Number: class index', class_name: 'String', score: 'Number', ...review },
    },
  ];
}

/** Replies a tile that may change with reviews. */
function noCache(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-cache');
}

/** Mounts the prediction tile, GeoJSON and aggregate routes (a Fastify plugin). */
export async function predictionTileRoutes(app: FastifyInstance, options: PredictionTileRoutesOptions): Promise<void> {
  const { predict } = options;
  const tileCache = options.vectorTileCache ?? new VectorTileCache();

  /** The TileJSON fields every document of a prediction shares. */
  async function tileJsonBase(prediction: Prediction, minzoom: number, maxzoom: number) {
    const bounds = await predictionBounds(predict, prediction);
    return {
      tilejson: '3.0.0' as const,
      name: `${prediction.modelName}@${prediction.modelVersion} prediction ${prediction.id}`,
      description: `${prediction.task} at zoom ${prediction.zoom}, ${prediction.tilesDone} of ${prediction.tilesTotal} tiles done`,
      scheme: 'xyz' as const,
      bounds,
      center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, Math.min(maxzoom, Math.max(minzoom, prediction.zoom))],
      minzoom,
      maxzoom,
    };
  }

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof FilterQuery> }>(
    '/api/predictions/:id/tiles.json',
    { schema: { params: IdParams, querystring: FilterQuery, response: { 200: TileJson } } },
    async (request, reply) => {
      const prediction = await predict.getPrediction(request.params.id);
      parseFilter(prediction, request.query);
      const maxzoom = Math.min(MAX_VECTOR_ZOOM, prediction.zoom + OVERZOOM);
      noCache(reply);
      return {
        ...(await tileJsonBase(prediction, 0, maxzoom)),
        tiles: [`${predictionBase(request)}/tiles/{z}/{x}/{y}.mvt${passOn(request.query, ['class', 'threshold'])}`],
        vector_layers: vectorLayers(prediction, maxzoom),
      };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof FilterQuery> }>(
    '/api/predictions/:id/tiles-raster.json',
    { schema: { params: IdParams, querystring: FilterQuery, response: { 200: TileJson } } },
    async (request, reply) => {
      const prediction = await predict.getPrediction(request.params.id);
      if (prediction.task !== 'segmentation') throw invalidParameter(`prediction ${prediction.id} is ${prediction.task}: raster mask tiles are for segmentation`);
      parseFraction('opacity', request.query.opacity);
      noCache(reply);
      return {
        ...(await tileJsonBase(prediction, Math.max(0, prediction.zoom - MAX_MOSAIC_LEVELS), Math.min(MAX_VECTOR_ZOOM, prediction.zoom + OVERZOOM))),
        tiles: [`${predictionBase(request)}/tiles/{z}/{x}/{y}.png${passOn(request.query, ['opacity'])}`],
        tileSize: 256,
      };
    },
  );

  app.get<{ Params: Static<typeof TileParams>; Querystring: Static<typeof FilterQuery> }>(
    '/api/predictions/:id/tiles/:z/:x/:tile',
    { schema: { params: TileParams, querystring: FilterQuery } },
    async (request, reply) => {
      const { z, x, y, format } = parseTile(request.params);
      const prediction = await predict.getPrediction(request.params.id);
      noCache(reply);
      if (format === 'png') {
        const png = await predictionMaskTile(predict, prediction, z, x, y, { opacity: parseFraction('opacity', request.query.opacity) });
        return png ? reply.type('image/png').send(png) : reply.code(204).send();
      }
      const filter = parseFilter(prediction, request.query);
      const key = VectorTileCache.key(prediction.id, z, x, y, filter);
      const stamp = await VectorTileCache.stamp(predict, prediction);
      let entry = tileCache.get(key, stamp) ?? tileCache.set(key, stamp, await predictionVectorTile(predict, prediction, z, x, y, filter));
      const mvt = entry.mvt;
      if (mvt.length === 0) return reply.code(204).send();
      reply.type(MVT_TYPE).header('Vary', 'Accept-Encoding');
      if (acceptsGzip(request.headers['accept-encoding'])) {
        if (!entry.gzipped) entry = tileCache.setGzipped(key, entry, await gzip(mvt));
        return reply.header('Content-Encoding', 'gzip').send(entry.gzipped);
      }
      return reply.send(Buffer.from(mvt.buffer, mvt.byteOffset, mvt.byteLength));
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof GeoJsonQuery> }>(
    '/api/predictions/:id/geojson',
    { schema: { params: IdParams, querystring: GeoJsonQuery } },
    async (request, reply) => {
      const query = request.query;
      const bbox = parseBbox(query.bbox);
      const quadkeyPrefix = parseQuadkey(query.quadkey);
      if (query.layer !== undefined && query.layer !== 'tiles' && query.layer !== 'features') throw invalidParameter(`layer must be tiles or features, got ${JSON.stringify(query.layer)}`);
      const limit = query.limit === undefined ? undefined : parseInteger('limit', query.limit);
      if (limit !== undefined && (limit < 1 || limit > MAX_GEOJSON_FEATURES)) throw invalidParameter(`limit must be from 1 to ${MAX_GEOJSON_FEATURES}, got ${limit}`);
      const prediction = await predict.getPrediction(request.params.id);
      const collection = await predictionGeoJson(predict, prediction, { ...parseFilter(prediction, query), bbox, quadkeyPrefix, layer: query.layer as 'tiles' | 'features' | undefined, limit });
      return noCache(reply).type('application/geo+json').send(collection);
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof AggregateQuery> }>(
    '/api/predictions/:id/aggregate',
    { schema: { params: IdParams, querystring: AggregateQuery, response: { 200: Aggregate } } },
    async (request, reply) => {
      if (request.query.zoom === undefined) throw invalidParameter('zoom is required: the zoom to sum the prediction tiles up to');
      const zoom = parseInteger('zoom', request.query.zoom);
      const quadkeyPrefix = parseQuadkey(request.query.quadkey);
      const prediction = await predict.getPrediction(request.params.id);
      const filter = parseFilter(prediction, request.query);
      noCache(reply);
      return aggregateByQuadkey(predict, prediction, zoom, { ...filter, quadkeyPrefix });
    },
  );
}

/**
 * Imagery tiles for web maps, from the sources in an `ImageryRegistry`:
 *
 * | route | answer |
 * |---|---|
 * | `GET /tiles/imagery/{source}/tilejson.json` | TileJSON 3.0.0: the PNG URL template, bounds (EPSG:4326), zooms |
 * | `GET /tiles/imagery/{source}/{z}/{x}/{y}.png` (`@2x.png`: 512 px) | 8-bit PNG, RGB or grey, alpha from the mask |
 * | `GET /tiles/imagery/{source}/{z}/{x}/{y}.npy` | raw bands as NumPy `.npy`, shape (bands + 1, h, w), mask last (0/255), as rio-tiler |
 *
 * A source is a registered one (`tileflow up --imagery id=uri`) or, when the app has the prediction
 * service, a project's imagery by its id.
 *
 * Query: `bands=1,2,3`, `rescale=min,max`, `resampling=nearest|bilinear|…` override the source's settings.
 * A tile outside the imagery is a fully transparent PNG (200), not a 404: maps then draw nothing without
 * logging errors, and an XYZ service's missing tile reads the same way. Bad z/x/y is 400, an unknown
 * source 404 (MLflow error JSON, as every tileflow error).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidParameter } from '../../core/errors.js';
import { checkTile } from '../../geo/tiles.js';
import { resamplingOf } from '../../data/raster/gdal-env.js';
import type { ImagerySource, ImagerySourceOptions, ImageryRegistry } from '../../data/raster/imagery-registry.js';
import { TileflowError } from '../../core/errors.js';
import { blockToNpy } from '../../data/raster/npy.js';
import { encodePng, normalizeRescale } from '../../data/raster/render.js';

/** Imagery the server knows by id besides its registered sources (a project's imagery). */
export type ImageryLookup = (id: string) => Promise<{ uri: string; options?: ImagerySourceOptions } | undefined>;

/** What the plugin needs. */
export interface ImageryRoutesOptions {
  imagery: ImageryRegistry;
  /**
   * Finds an id the registry does not hold; what it finds is opened once and served from then on, for
   * as long as the lookup still finds it (a project's imagery removed later stops being served).
   */
  lookup?: ImageryLookup;
}

const SourceParams = Type.Object({ source: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }) });

const TileParams = Type.Object({
  source: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
  z: Type.String({ pattern: '^\\d{1,2}$' }),
  x: Type.String({ pattern: '^\\d{1,10}$' }),
  tile: Type.String({ pattern: '^\\d{1,10}(@2x)?\\.(png|npy)$' }),
});

const TileQuery = Type.Object({
  bands: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$' })),
  rescale: Type.Optional(Type.String()),
  resampling: Type.Optional(Type.String()),
});

const TileJson = Type.Object({
  tilejson: Type.Literal('3.0.0'),
  name: Type.String(),
  scheme: Type.Literal('xyz'),
  tiles: Type.Array(Type.String()),
  bounds: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
  center: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  tileSize: Type.Integer(),
});

/** `1,2,3` as band numbers. */
function parseBands(text: string | undefined): number[] | undefined {
  return text === undefined ? undefined : text.split(',').map(Number);
}

/** `min,max` as a stretch. */
function parseRescale(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) throw invalidParameter(`rescale must be min,max, got ${JSON.stringify(text)}`);
  return [parts[0], parts[1]];
}

/** The request's own URL up to `/tiles/imagery/{source}`, so TileJSON works behind any prefix or proxy. */
function sourceBase(request: FastifyRequest): string {
  const path = request.url.split('?')[0].replace(/\/tilejson\.json$/, '');
  return `${request.protocol}://${request.host}${path}`;
}

/** Whether an error is one of tileflow's with `code`. */
function hasCode(error: unknown, code: TileflowError['code']): boolean {
  return error instanceof TileflowError && error.code === code;
}

/**
 * The source served as `id`: a registered one, else one the lookup finds, opened on first use. Ids
 * the lookup opened are checked against it on every request, so removed imagery stops being served.
 */
function sourceResolver(imagery: ImageryRegistry, lookup: ImageryLookup | undefined): (id: string) => Promise<ImagerySource> {
  const looked = new Set<string>();
  return async (id) => {
    if (!lookup || (!looked.has(id) && imagery.ids().includes(id))) return imagery.get(id);
    const found = await lookup(id);
    if (!found) {
      if (looked.delete(id)) await imagery.unregister(id).catch(() => {});
      return imagery.get(id);
    }
    if (looked.has(id)) return imagery.get(id);
    try {
      const source = await imagery.registerImagerySource(id, found.uri, found.options);
      looked.add(id);
      return source;
    } catch (error) {
      // Two first requests raced: the other one opened it.
      if (hasCode(error, 'RESOURCE_ALREADY_EXISTS')) return imagery.get(id);
      throw error;
    }
  };
}

/** How long browsers keep an imagery tile. */
const IMAGERY_TILE_CACHE = 'public, max-age=3600';

/** Mounts the imagery tile routes (a Fastify plugin). */
export async function imageryRoutes(app: FastifyInstance, options: ImageryRoutesOptions): Promise<void> {
  const { imagery } = options;
  const sourceOf = sourceResolver(imagery, options.lookup);

  app.get<{ Params: Static<typeof SourceParams>; Querystring: Static<typeof TileQuery> }>(
    '/tiles/imagery/:source/tilejson.json',
    { schema: { params: SourceParams, querystring: TileQuery, response: { 200: TileJson } } },
    async (request) => {
      const source = await sourceOf(request.params.source);
      const { bounds, minzoom, maxzoom } = source.info;
      const query = new URLSearchParams(request.query as Record<string, string>).toString();
      return {
        tilejson: '3.0.0' as const,
        name: source.id,
        scheme: 'xyz' as const,
        tiles: [`${sourceBase(request)}/{z}/{x}/{y}.png${query ? `?${query}` : ''}`],
        bounds,
        center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minzoom],
        minzoom,
        maxzoom,
        tileSize: 256,
      };
    },
  );

  app.get<{ Params: Static<typeof TileParams>; Querystring: Static<typeof TileQuery> }>(
    '/tiles/imagery/:source/:z/:x/:tile',
    { schema: { params: TileParams, querystring: TileQuery } },
    async (request, reply) => {
      const source = await sourceOf(request.params.source);
      const [, y, retina, format] = /^(\d+)(@2x)?\.(png|npy)$/.exec(request.params.tile) as RegExpExecArray;
      const tile = { z: Number(request.params.z), x: Number(request.params.x), y: Number(y) };
      checkTile(tile);
      const bands = parseBands(request.query.bands) ?? source.bands;
      for (const b of bands) if (b < 1 || b > source.info.bandCount) throw invalidParameter(`band ${b} does not exist in imagery ${source.id} (it has ${source.info.bandCount})`);
      const size = retina ? 512 : 256;
      const controller = new AbortController();
      // A map that pans away closes the connection: stop reading for it.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      const block = await source.provider.tile(tile.z, tile.x, tile.y, { size, bands, resampling: resamplingOf(request.query.resampling, 'nearest'), signal: controller.signal });
      // A project's imagery id names one URI for good (a --imagery source, until a restart), so tiles
      // keep for TiTiler's usual hour: a map reopened or a shared link in the same browser redraws
      // without reading the raster again.
      reply.header('Cache-Control', IMAGERY_TILE_CACHE);
      if (format === 'npy') {
        return reply.type('application/x-npy').header('Content-Disposition', `attachment; filename="${tile.z}-${tile.x}-${tile.y}.npy"`).send(blockToNpy(block));
      }
      const queried = parseRescale(request.query.rescale);
      const rescale = queried
        ? normalizeRescale(queried, bands.length)
        : request.query.bands === undefined
          ? source.rescale
          : source.info.statistics && bands.map((b) => [source.info.statistics![b - 1].min, source.info.statistics![b - 1].max] as [number, number]);
      return reply.type('image/png').send(await encodePng(block, rescale));
    },
  );
}

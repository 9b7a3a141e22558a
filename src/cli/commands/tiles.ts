/** `tileflow tiles …`: the web-map tiles of an area of interest. */
import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DEFAULT_MAX_TILES, coverGeometry, quadkey, tileFeature, tileId, type Tile } from '../../geo/index.js';
import { CliError } from '../errors.js';

/** How `tiles cover` prints its tiles. */
const FORMATS = {
  xyz: (tiles: Tile[]) => lines(tiles.map(tileId)),
  quadkey: (tiles: Tile[]) => lines(tiles.map(quadkey)),
  geojson: (tiles: Tile[]) => `${JSON.stringify({ type: 'FeatureCollection', features: tiles.map(tileFeature) })}\n`,
} as const;

interface CoverOptions {
  zoom: string;
  format: keyof typeof FORMATS;
  maxTiles: string;
}

/** One item a line, ending with a newline when there is any. */
function lines(items: string[]): string {
  return items.length === 0 ? '' : `${items.join('\n')}\n`;
}

/** A whole-number option's value; anything else is a usage error naming the option. */
function integer(text: string, option: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new CliError(`${option} must be an integer, got ${JSON.stringify(text)}`, 2);
  return Number(text);
}

/** The AOI file's text (`-` reads standard input). */
async function readAoi(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** Prints the tiles at `--zoom` that share area with the AOI's polygons. */
async function cover(file: string, options: CoverOptions): Promise<void> {
  const zoom = integer(options.zoom, '--zoom');
  const maxTiles = integer(options.maxTiles, '--max-tiles');
  const text = await readAoi(file);
  let geojson: unknown;
  try {
    geojson = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file === '-' ? 'standard input' : file} is not JSON: ${(error as Error).message}`);
  }
  const tiles = coverGeometry(geojson, zoom, { maxTiles });
  process.stdout.write(FORMATS[options.format](tiles));
}

/** Registers `tileflow tiles cover`. */
export function registerTilesCommands(program: Command): void {
  const tiles = program.command('tiles').description('web-map tiles (XYZ, quadkeys) of areas of interest');
  tiles
    .command('cover')
    .description(
      'print the tiles at a zoom that share area with the Polygons and MultiPolygons of a GeoJSON file ' +
        '(tiles that only touch the shape along an edge or at a corner are left out), row by row from the north',
    )
    .argument('<aoi>', 'GeoJSON file: a Feature, FeatureCollection, Polygon or MultiPolygon ("-" for standard input)')
    .requiredOption('--zoom <z>', 'zoom level, 0 to 30')
    .addOption(new Option('--format <format>', 'xyz: x-y-z per line; quadkey: one per line; geojson: a FeatureCollection of tile squares').choices(Object.keys(FORMATS)).default('xyz'))
    .option('--max-tiles <n>', 'refuse a cover of more tiles than this', String(DEFAULT_MAX_TILES))
    .action(cover);
}

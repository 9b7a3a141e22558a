/** `tileflow raster …`: describe a raster, and read a window of it into a GeoTIFF. */
import type { Command } from 'commander';
import { writeGeoTiff } from '../../data/raster/geotiff.js';
import { openRaster } from '../../data/raster/registry.js';
import type { PixelWindow, RasterInfo } from '../../data/raster/types.js';
import { CliError } from '../errors.js';
import { json, keyValueTable, table } from '../format.js';

/** `a,b,c` as integers, or a usage error naming the option. */
function integers(text: string, option: string, count?: number): number[] {
  const values = text.split(',').map((s) => s.trim());
  if ((count !== undefined && values.length !== count) || values.some((v) => !/^-?\d+$/.test(v))) {
    throw new CliError(`${option} must be ${count ? `${count} comma-separated integers` : 'comma-separated integers'}, got ${JSON.stringify(text)}`, 2);
  }
  return values.map(Number);
}

/** A CRS for people: `EPSG:n`, or the name inside a WKT. */
function crsLabel(crs: string): string {
  if (!crs) return '(none)';
  const name = /^[A-Z_]+\["([^"]*)"/.exec(crs);
  return name ? `${name[1]} (WKT)` : crs;
}

/** A number without float noise. */
function num(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

/** The text form of `raster info`. */
function infoText(info: RasterInfo): string {
  const summary = keyValueTable([
    ['source', info.uri],
    ['driver', info.driver],
    ['size', `${info.width} x ${info.height} pixels, ${info.bandCount} band${info.bandCount === 1 ? '' : 's'}`],
    ['data type', info.dataType],
    ['crs', crsLabel(info.crs)],
    ['bounds', info.bounds.map(num).join(', ')],
    ['pixel size', `${num(info.transform[1])}, ${num(info.transform[5])}`],
    ['block size', `${info.blockSize[0]} x ${info.blockSize[1]}`],
    ['overviews', info.overviews.length ? info.overviews.map((o) => `${o.width}x${o.height}`).join(', ') : '(none)'],
  ]);
  const bands = table(
    ['band', 'type', 'nodata', 'scale', 'offset', 'colour', 'description'],
    info.nodata.map((nodata, i) => [
      String(i + 1),
      info.dataType,
      nodata === null ? '-' : num(nodata),
      num(info.scale[i]),
      num(info.offset[i]),
      info.colorInterpretations?.[i] ?? '-',
      info.bandDescriptions[i] || '-',
    ]),
  );
  return `${summary}\n${bands}`;
}

/** Prints what a raster is. */
async function rasterInfo(src: string, options: { json?: boolean }): Promise<void> {
  const source = await openRaster(src);
  try {
    const info = await source.info();
    process.stdout.write(`${options.json ? json(info) : infoText(info)}\n`);
  } finally {
    await source.close();
  }
}

/** Reads a window (and bands) of a raster into a GeoTIFF. */
async function rasterRead(src: string, options: { window: string; bands?: string; output: string }): Promise<void> {
  const [xoff, yoff, xsize, ysize] = integers(options.window, '--window', 4);
  const window: PixelWindow = { xoff, yoff, xsize, ysize };
  const bands = options.bands === undefined ? undefined : integers(options.bands, '--bands');
  const source = await openRaster(src);
  try {
    const block = await source.read({ window, bands });
    await writeGeoTiff(options.output, block);
    process.stdout.write(`wrote ${options.output}: ${block.width} x ${block.height} pixels, ${block.bandCount} band${block.bandCount === 1 ? '' : 's'} (${block.dataType})\n`);
  } finally {
    await source.close();
  }
}

/** Registers `tileflow raster info` and `tileflow raster read`. */
export function registerRasterCommands(program: Command): void {
  const raster = program.command('raster').description('inspect and read rasters (GeoTIFF/COG, URLs, Zarr cubes, XYZ tiles)');
  raster
    .command('info')
    .description('describe a raster: driver, size, bands, CRS, bounds, overviews, block size')
    .argument('<src>', 'a path, file://, http(s)://, s3://, /vsi…, zarr:PATH#ARRAY or xyz+https://… URI')
    .option('--json', 'print JSON instead of tables')
    .action(rasterInfo);
  raster
    .command('read')
    .description('read a pixel window into a GeoTIFF (with its transform, CRS and nodata)')
    .argument('<src>', 'a path or URI, as for `raster info`')
    .requiredOption('--window <xoff,yoff,xsize,ysize>', 'the pixel window to read')
    .option('--bands <list>', '1-based bands, e.g. 1,2,3 (default: all)')
    .requiredOption('-o, --output <file.tif>', 'the GeoTIFF to write')
    .action(rasterRead);
}

/**
 * Burns label geometries onto a chip's pixel grid with GDAL's rasterizer (gdal_rasterize as a library,
 * into a MEM raster): polygons fill the pixels whose centres they contain (every pixel they touch with
 * `allTouched`), lines burn the pixels they pass through, exactly as `gdal_rasterize` does. The labels
 * keep their own CRS; GDAL reprojects them to the chip's. Later features burn over earlier ones.
 */
import { gdal, spatialReference } from '../raster/gdal-env.js';
import { transformBoundsDensified } from '../raster/grid.js';
import type { Bounds, GeoTransform } from '../raster/types.js';
import type { Geometry } from '../labels/types.js';

/** A geometry and the value (1-255) it burns. */
export interface BurnFeature {
  geometry: Geometry;
  value: number;
}

/** Rasterizes one set of label features onto any number of chip grids. */
export class LabelRasterizer {
  private readonly vectors: gdal.Dataset;
  private readonly layer: gdal.Layer;
  private closed = false;
  /** Burns run one after another: they share the layer's spatial filter. */
  private tail: Promise<unknown> = Promise.resolve();

  /** `crs` is the features' CRS. */
  constructor(
    features: BurnFeature[],
    private readonly crs: string,
    private readonly allTouched = false,
  ) {
    this.vectors = gdal.open('labels', 'w', 'Memory');
    this.layer = this.vectors.layers.create('labels', spatialReference(crs), gdal.wkbUnknown);
    this.layer.fields.add(new gdal.FieldDefn('burn', gdal.OFTInteger));
    for (const f of features) {
      if (!(Number.isInteger(f.value) && f.value >= 1 && f.value <= 255)) throw new RangeError(`burn values are 1-255, got ${f.value}`);
      const feature = new gdal.Feature(this.layer);
      feature.fields.set('burn', f.value);
      feature.setGeometry(gdal.Geometry.fromGeoJson(f.geometry));
      this.layer.features.add(feature);
    }
  }

  /**
   * The burned grid (uint8, row-major, 0 where nothing burned) of `width` x `height` pixels placed by
   * `transform` in `gridCrs`; `bounds` (in `gridCrs`) limits which features are considered.
   */
  burn(transform: GeoTransform, width: number, height: number, gridCrs: string, bounds: Bounds): Promise<Uint8Array> {
    const run = this.tail.then(() => this.burnNow(transform, width, height, gridCrs, bounds));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async burnNow(transform: GeoTransform, width: number, height: number, gridCrs: string, bounds: Bounds): Promise<Uint8Array> {
    if (this.closed) throw new Error('the rasterizer is closed');
    // A spatial filter in the labels' CRS: gdal_rasterize then visits only the features near this chip.
    const [minX, minY, maxX, maxY] = gridCrs === this.crs ? bounds : transformBoundsDensified(bounds, gridCrs, this.crs);
    this.layer.setSpatialFilter(minX, minY, maxX, maxY);
    const grid = gdal.open('', 'w', 'MEM', width, height, 1, gdal.GDT_Byte);
    try {
      grid.geoTransform = transform;
      grid.srs = spatialReference(gridCrs);
      await gdal.rasterizeAsync(grid, this.vectors, ['-l', 'labels', '-a', 'burn', ...(this.allTouched ? ['-at'] : [])]);
      return (await grid.bands.get(1).pixels.readAsync(0, 0, width, height)) as Uint8Array;
    } finally {
      grid.close();
    }
  }

  /** Frees the in-memory vector dataset. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.vectors.close();
  }
}

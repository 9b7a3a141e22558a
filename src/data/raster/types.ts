/**
 * The raster contract every reader implements (GDAL-backed files and URLs, XYZ tiles, Zarr cubes):
 * describe a raster, read a block of pixels by window or by bounds, optionally warped to another grid.
 * Pixels come back band-sequential ([band][row][col]) in a typed array of the raster's data type.
 */

/** Pixel data types, named as NumPy names them. */
export type RasterDataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** The typed array holding pixels of a `RasterDataType`. */
export type PixelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** How pixels are resampled when a read changes resolution or grid (GDAL's algorithms of those names). */
/** A constructor of the typed array for a raster data type (by length, or as a view over bytes). */
export interface PixelArrayConstructor {
  new (length: number): PixelArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): PixelArray;
  readonly BYTES_PER_ELEMENT: number;
}

/** The typed array that holds each raster data type. */
export const PIXEL_ARRAYS: Record<RasterDataType, PixelArrayConstructor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

export type Resampling = 'nearest' | 'bilinear' | 'cubic' | 'cubicspline' | 'lanczos' | 'average' | 'mode';

/** GDAL's affine geotransform: [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]. */
export type GeoTransform = [number, number, number, number, number, number];

/** [minX, minY, maxX, maxY] in some CRS. */
export type Bounds = [number, number, number, number];

/** A pixel window: offsets and sizes in pixels of the full-resolution raster. */
export interface PixelWindow {
  xoff: number;
  yoff: number;
  xsize: number;
  ysize: number;
}

/** What a raster is, without reading pixels. */
export interface RasterInfo {
  uri: string;
  driver: string;
  width: number;
  height: number;
  bandCount: number;
  dataType: RasterDataType;
  /** The CRS as `EPSG:code` when it has one, else WKT. */
  crs: string;
  transform: GeoTransform;
  bounds: Bounds;
  /** Per band: the nodata value, or null. */
  nodata: (number | null)[];
  /** Per band: physical value = raw * scale + offset. */
  scale: number[];
  offset: number[];
  /** Per band description (e.g. "B04"), or ''. */
  bandDescriptions: string[];
  /** Per band, GDAL's colour interpretation in lower case (`red`, `alpha`, `gray`, `palette`, `undefined`, …), when the reader knows it. */
  colorInterpretations?: string[];
  /** Overview sizes, largest first. */
  overviews: { width: number; height: number }[];
  /** Internal tile or strip size. */
  blockSize: [number, number];
}

/** What to read. Give a window or bounds (or neither: the whole raster). */
export interface ReadOptions {
  window?: PixelWindow;
  bounds?: Bounds;
  /** CRS of `bounds` (default: the raster's, or `crs` when warping). */
  boundsCrs?: string;
  /** 1-based band numbers (default: all). */
  bands?: number[];
  /** Output size in pixels (default: the window's size); smaller sizes read from a fitting overview. */
  width?: number;
  height?: number;
  resampling?: Resampling;
  /** Warp to this CRS (e.g. `EPSG:3857` for a web-map tile); `bounds` are then in it unless `boundsCrs` says otherwise. */
  crs?: string;
  /** Apply each band's scale and offset and return float32 (or float64 for float64 rasters). */
  applyScale?: boolean;
  signal?: AbortSignal;
}

/** Pixels read from a raster, with where they are. */
export interface RasterBlock {
  /** Band-sequential pixels: index = (band * height + row) * width + col. */
  data: PixelArray;
  dataType: RasterDataType;
  width: number;
  height: number;
  bandCount: number;
  crs: string;
  transform: GeoTransform;
  /** Per band: the nodata value, or null. */
  nodata: (number | null)[];
  /** Validity per pixel (1 valid, 0 nodata/outside), width * height, shared by all bands. */
  mask: Uint8Array;
}

/** A raster that can be described and read. Implementations: GDAL (files, URLs, Zarr), XYZ tiles. */
export interface RasterSource {
  readonly uri: string;
  info(): Promise<RasterInfo>;
  read(options?: ReadOptions): Promise<RasterBlock>;
  close(): Promise<void>;
}

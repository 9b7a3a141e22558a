/**
 * Builds a classification dataset from class-named folders of images (the EuroSAT layout:
 * `DIR/<class>/<image>`), any format GDAL reads (JPEG, PNG, GeoTIFF, JP2), any band count. Classes are
 * the folder names sorted; chips keep the CRS and bounds of georeferenced images. Images are read a
 * few at a time and written in a fixed order, so the dataset is the same however reads interleave.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TileflowError, invalidParameter, notFound } from '../../core/errors.js';
import { openRaster } from '../raster/registry.js';
import type { RasterDataType, RasterInfo, Resampling } from '../raster/types.js';
import { bandNames, classesFrom, type Manifest } from './format.js';
import type { SplitOptions } from './splits.js';
import { writeDataset, type ChipInput } from './writer.js';

/** Files taken as images; anything else in a class folder (sidecars, notes) is ignored. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.jp2', '.webp', '.bmp', '.gif']);

/** Options for `importFolder`. */
export interface ImportFolderOptions {
  /** 1-based bands to keep (default: all). */
  bands?: number[];
  /** Chip edge in pixels; images of another size are resampled (default: the images' own size, which must then agree). */
  size?: number;
  resampling?: Resampling;
  split?: SplitOptions;
  /** `fail` (default): the first unreadable image aborts the build; `skip`: it is left out and listed. */
  onError?: 'fail' | 'skip';
  onProgress?: (done: number, total: number) => void;
  overwrite?: boolean;
  /** Images read at once (default 8). */
  concurrency?: number;
  shardBytes?: number;
}

/** What `importFolder` made, and the images it skipped (with `onError: 'skip'`). */
export interface ImportResult {
  manifest: Manifest;
  skipped: { file: string; reason: string }[];
}

interface ImageFile {
  file: string;
  className: string;
  label: number;
}

/** The class folders and their images, both sorted by name. */
async function listImages(dir: string): Promise<{ classes: string[]; images: ImageFile[] }> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`no such folder: ${dir}`);
    throw error;
  }
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classes.length === 0) throw invalidParameter(`${dir} has no class folders (expected ${dir}/<class>/<image>)`);
  const images: ImageFile[] = [];
  for (const [label, className] of classes.entries()) {
    const files = (await fs.readdir(path.join(dir, className), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    for (const name of files) images.push({ file: path.join(dir, className, name), className, label });
  }
  if (images.length === 0) throw invalidParameter(`${dir} has class folders but no images in them`);
  return { classes, images };
}

/** Whether a raster is placed on Earth (GDAL reports an identity transform and no CRS for plain pictures). */
function isGeoreferenced(info: RasterInfo): boolean {
  return info.crs !== '' && !(info.transform[0] === 0 && info.transform[1] === 1 && info.transform[3] === 0 && info.transform[5] === 1);
}

/** The shape every chip must have, taken from the first image and the options. */
interface Layout {
  bands: number[];
  bandNames: string[];
  dtype: RasterDataType;
  width: number;
  height: number;
  resize: boolean;
}

async function probe(first: string, options: ImportFolderOptions): Promise<Layout> {
  const source = await openRaster(first);
  try {
    const info = await source.info();
    const bands = options.bands ?? Array.from({ length: info.bandCount }, (_, i) => i + 1);
    for (const b of bands) {
      if (!(Number.isInteger(b) && b >= 1 && b <= info.bandCount)) throw invalidParameter(`band ${b} does not exist: ${first} has ${info.bandCount} bands`);
    }
    const size = options.size;
    if (size !== undefined && !(Number.isInteger(size) && size > 0)) throw invalidParameter(`size must be a positive integer, got ${size}`);
    return { bands, bandNames: bandNames(info, bands), dtype: info.dataType, width: size ?? info.width, height: size ?? info.height, resize: size !== undefined };
  } finally {
    await source.close();
  }
}

/** Reads one image as a chip of the layout, or fails with a message naming the file. */
async function readImage(image: ImageFile, layout: Layout, options: ImportFolderOptions, root: string): Promise<ChipInput> {
  const source = await openRaster(image.file);
  try {
    const info = await source.info();
    if (info.dataType !== layout.dtype) throw invalidParameter(`${image.file} is ${info.dataType}; the dataset is ${layout.dtype}`);
    if (Math.max(...layout.bands) > info.bandCount) throw invalidParameter(`${image.file} has ${info.bandCount} bands; band ${Math.max(...layout.bands)} is needed`);
    if (!layout.resize && (info.width !== layout.width || info.height !== layout.height)) {
      throw invalidParameter(`${image.file} is ${info.width}x${info.height}, the other images ${layout.width}x${layout.height} (give a size to resample)`);
    }
    const block = await source.read({
      bands: layout.bands,
      width: layout.width,
      height: layout.height,
      resampling: options.resampling ?? 'bilinear',
    });
    const georeferenced = isGeoreferenced(info);
    const relative = path.relative(root, image.file);
    return {
      id: relative.slice(0, relative.length - path.extname(relative).length).split(path.sep).join('/'),
      data: block.data,
      label: image.label,
      valid: block.mask,
      crs: georeferenced ? info.crs : null,
      bounds: georeferenced ? info.bounds : null,
      source: { uri: path.resolve(image.file) },
    };
  } finally {
    await source.close();
  }
}

/** Imports `dir` (class folders of images) into a new dataset at `out`. */
export async function importFolder(dir: string, out: string, options: ImportFolderOptions = {}): Promise<ImportResult> {
  const { classes, images } = await listImages(dir);
  const layout = await probe(images[0].file, options);
  const skipped: ImportResult['skipped'] = [];
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const manifest = await writeDataset(
    out,
    {
      task: 'classification',
      dtype: layout.dtype,
      bands: layout.bandNames,
      height: layout.height,
      width: layout.width,
      classes: classesFrom(classes),
      shardBytes: options.shardBytes,
      overwrite: options.overwrite,
      builder: { name: 'import-folder', input: path.resolve(dir), bands: layout.bands, size: options.size ?? null },
    },
    async (writer) => {
      const reads: Promise<ChipInput>[] = [];
      const start = (i: number) => {
        const read = readImage(images[i], layout, options, dir);
        // Failures are handled in order below; this only keeps an early one from being reported as unhandled.
        read.catch(() => undefined);
        reads[i] = read;
      };
      for (let i = 0; i < Math.min(concurrency, images.length); i++) start(i);
      for (let i = 0; i < images.length; i++) {
        let chip: ChipInput | null = null;
        try {
          chip = await reads[i];
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if (options.onError !== 'skip') {
            throw error instanceof TileflowError && error.message.includes(images[i].file)
              ? error
              : invalidParameter(`cannot import ${images[i].file}: ${reason}`);
          }
          skipped.push({ file: images[i].file, reason });
        }
        if (i + concurrency < images.length) start(i + concurrency);
        if (chip) await writer.add(chip);
        options.onProgress?.(i + 1, images.length);
      }
    },
    options.split,
  );
  return { manifest, skipped };
}


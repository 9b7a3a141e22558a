/**
 * The pixel workflow on the command line: `tileflow pixels sample` (pixels under label polygons or a
 * label raster into a table) and `tileflow classify-raster` (a fitted model over a whole raster into
 * a classified GeoTIFF, with class probabilities on request).
 */
import type { Command } from 'commander';
import { openRaster } from '../../data/raster/registry.js';
import type { Classifier } from '../../learn/classical/estimator.js';
import { readModelFile } from '../../learn/model-file.js';
import { classifyRaster } from '../../learn/pixels/classify-raster.js';
import { samplePixels } from '../../learn/pixels/sample.js';
import { writePixelTable } from '../../learn/pixels/write-table.js';
import { CliError } from '../errors.js';
import { json, keyValueTable } from '../format.js';
import { list } from '../learn-options.js';
import { number } from '../options.js';
import { progressBar } from '../progress.js';

interface SampleFlags {
  raster: string;
  labels?: string;
  labelRaster?: string;
  classField?: string;
  where?: string;
  allTouched?: boolean;
  bands?: string;
  maxPerClass?: string;
  seed?: string;
  output: string;
  json?: boolean;
}

interface ClassifyFlags {
  model: string;
  raster: string;
  output: string;
  bands?: string;
  proba?: boolean;
  blockSize?: string;
  json?: boolean;
}

/** 1-based band numbers from `--bands 4,3,2`. */
function bandList(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return list(text).map((b) => number(b, '--bands', { integer: true, min: 1 }) as number);
}

/**
 * The raster bands a model's features are: `--bands` when given, else `bN` feature names (what
 * `pixels sample` writes), else the raster's band descriptions matched by name.
 */
async function bandsForModel(features: string[], raster: string, flag: string | undefined): Promise<number[]> {
  const given = bandList(flag);
  if (given) {
    if (given.length !== features.length) throw new CliError(`the model takes ${features.length} features (${features.join(', ')}) but --bands names ${given.length} bands`, 2);
    return given;
  }
  if (features.every((f) => /^b\d+$/.test(f))) return features.map((f) => Number(f.slice(1)));
  const source = await openRaster(raster);
  try {
    const descriptions = (await source.info()).bandDescriptions;
    return features.map((f) => {
      const at = descriptions.indexOf(f);
      if (at < 0) throw new CliError(`no band of ${raster} is described as ${f}; say which bands the features are with --bands`, 2);
      return at + 1;
    });
  } finally {
    await source.close();
  }
}

/** Registers `tileflow pixels sample` and `tileflow classify-raster`. */
export function registerPixelCommands(program: Command): void {
  const pixels = program.command('pixels').description('training pixels from imagery and labels');
  pixels
    .command('sample')
    .description('sample the pixels under label polygons (or a label raster) into a table for cv and fit')
    .requiredOption('--raster <file>', 'the imagery (any raster GDAL reads)')
    .option('--labels <file>', 'label polygons: GeoJSON or GeoParquet, any CRS')
    .option('--label-raster <file>', 'or a raster of class values (0 and nodata are unlabelled)')
    .option('--class-field <name>', 'the label attribute holding the class (default: class, label, labels or category)')
    .option('--where <sql>', 'filter on the label attributes (DuckDB SQL)')
    .option('--all-touched', 'burn every pixel a polygon touches, not only those whose centre it covers')
    .option('--bands <list>', 'bands to sample, 1-based, comma-separated (default all)')
    .option('--max-per-class <n>', 'keep at most this many pixels per class, a seeded random sample')
    .option('--seed <n>', 'seed of the sample (default 0)')
    .requiredOption('-o, --output <file>', 'the table to write: .parquet or .csv')
    .option('--json', 'print the result as JSON')
    .action(async (flags: SampleFlags) => {
      const bar = flags.json ? null : progressBar('blocks');
      try {
        const table = await samplePixels({
          raster: flags.raster,
          labels: flags.labels,
          labelRaster: flags.labelRaster,
          classField: flags.classField,
          where: flags.where,
          allTouched: flags.allTouched,
          bands: bandList(flags.bands),
          maxPerClass: number(flags.maxPerClass, '--max-per-class', { integer: true, min: 1 }),
          seed: number(flags.seed, '--seed', { integer: true }),
          onProgress: (done, total) => bar?.update(done, total),
        });
        bar?.stop();
        const rows = await writePixelTable(table, flags.output);
        const counts = Object.fromEntries(table.classes.map((c, i) => [c, Array.from(table.y).filter((y) => y === i).length]));
        const summary = { output: flags.output, rows, features: table.featureNames, classes: counts, crs: table.crs };
        if (flags.json) process.stdout.write(`${json(summary)}\n`);
        else process.stdout.write(`${keyValueTable([['written', `${flags.output} (${rows} pixels, ${table.featureNames.length} features)`], ...Object.entries(counts).map(([c, n]): [string, string] => [c, `${n} pixels`])])}\n`);
      } finally {
        bar?.stop();
      }
    });

  program
    .command('classify-raster')
    .description('classify every pixel of a raster with a fitted model into a tiled, compressed GeoTIFF with overviews')
    .requiredOption('--model <file>', 'a model file written by `tileflow fit --output`')
    .requiredOption('--raster <file>', 'the imagery to classify')
    .requiredOption('-o, --output <file>', 'the classified GeoTIFF (class index + 1; 0 is nodata)')
    .option('--bands <list>', 'the raster bands the model\'s features are, in order (default: from the feature names)')
    .option('--proba', 'also write class probabilities (Float32, one band per class) to OUTPUT.proba.tif')
    .option('--block-size <n>', 'pixels read and predicted at once, a multiple of 256 (default 512)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ClassifyFlags) => {
      const { file, estimator } = await readModelFile(flags.model);
      if (estimator.task !== 'classification') throw new CliError(`${flags.model} is a regression model; classify-raster needs a classifier`, 2);
      const classifier = estimator as Classifier;
      if (flags.proba && !classifier.predictProba) throw new CliError(`${file.estimator.kind} was fitted without probabilities (for svm, fit with --param probability=true)`, 2);
      const bands = await bandsForModel(file.features, flags.raster, flags.bands);
      const bar = flags.json ? null : progressBar('blocks');
      try {
        const summary = await classifyRaster({
          raster: flags.raster,
          output: flags.output,
          bands,
          classes: file.classes,
          probabilities: flags.proba,
          blockSize: number(flags.blockSize, '--block-size', { integer: true, min: 256 }),
          predict: (X) => ({ labels: classifier.predict(X), ...(flags.proba ? { proba: classifier.predictProba!(X) } : {}) }),
          onProgress: (done, total) => bar?.update(done, total),
        });
        bar?.stop();
        if (flags.json) process.stdout.write(`${json(summary)}\n`);
        else {
          const rows: [string, string][] = [
            ['written', `${summary.output} (${summary.width} x ${summary.height}, overviews ${summary.overviews.join(', ') || 'none'})`],
            ['pixels', `${summary.pixels} classified, ${summary.nodataPixels} nodata, ${summary.seconds.toFixed(1)} s`],
            ...Object.entries(summary.counts).map(([c, n]): [string, string] => [c, `${n} pixels`]),
          ];
          if (summary.probabilitiesOutput) rows.push(['probabilities', summary.probabilitiesOutput]);
          process.stdout.write(`${keyValueTable(rows)}\n`);
        }
      } finally {
        bar?.stop();
      }
    });
}

/**
 * `tileflow dataset …` and `tileflow chips build`: make chip datasets (from class folders, from imagery
 * plus vector labels, from a STAC catalog with label items) and describe them. Builds show a progress
 * bar on stderr when it is a terminal.
 */
import { Option, type Command } from 'commander';
import { openDataset } from '../../data/datasets/dataset.js';
import type { Manifest } from '../../data/datasets/format.js';
import { chipsFromLabels, type ChipsFromLabelsOptions } from '../../data/datasets/from-labels.js';
import { chipsFromStac } from '../../data/datasets/from-stac.js';
import { importFolder } from '../../data/datasets/import-folder.js';
import type { SplitOptions } from '../../data/datasets/splits.js';
import { CliError } from '../errors.js';
import { number } from '../options.js';
import { progressBar } from '../progress.js';
import { json, keyValueTable, table } from '../format.js';

/** `1,2,3` as band numbers. */
function bandList(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((b) => number(b, '--bands', { integer: true, min: 1 }) as number);
}

interface SplitFlags {
  split?: string;
  val?: string;
  test?: string;
  seed?: string;
  blockSize?: string;
  blockZoom?: string;
  folds?: string;
}

/** The split options from the shared flags, or undefined when no split was asked for. */
function splitOptions(flags: SplitFlags): SplitOptions | undefined {
  if (!flags.split) {
    if (flags.folds) throw new CliError('--folds needs --split', 2);
    return undefined;
  }
  return {
    method: flags.split as SplitOptions['method'],
    val: number(flags.val, '--val', { min: 0 }),
    test: number(flags.test, '--test', { min: 0 }),
    seed: flags.seed === undefined ? undefined : /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed,
    blockSize: number(flags.blockSize, '--block-size', { min: 0 }),
    blockZoom: number(flags.blockZoom, '--block-zoom', { integer: true, min: 0 }),
    folds: number(flags.folds, '--folds', { integer: true, min: 2 }),
  };
}

/** Adds the split flags to a command. */
function withSplitFlags(command: Command): Command {
  return command
    .addOption(new Option('--split <method>', 'assign train/val/test splits').choices(['random', 'stratified', 'spatial']))
    .option('--val <fraction>', 'validation fraction (default 0.2)')
    .option('--test <fraction>', 'test fraction (default 0.1)')
    .option('--seed <seed>', 'seed for the split (default 42)')
    .option('--block-size <units>', 'spatial split: block edge in map units of the chips’ CRS (e.g. metres)')
    .option('--block-zoom <z>', 'spatial split: blocks are the web-map tiles of this zoom (instead of --block-size)')
    .option('--folds <k>', 'also assign k folds to the non-test chips');
}

/** One line about a finished build. */
function built(out: string, manifest: Manifest): string {
  return `wrote ${out}: ${manifest.chips.length} chips of ${manifest.bands.length} x ${manifest.height} x ${manifest.width} ${manifest.dtype}, ${manifest.classes.length} classes (${manifest.task})\n`;
}

interface ImportFlags extends SplitFlags {
  output: string;
  bands?: string;
  size?: string;
  skipErrors?: boolean;
  overwrite?: boolean;
}

async function importFolderCommand(dir: string, flags: ImportFlags): Promise<void> {
  const progress = progressBar('importing');
  try {
    const { manifest, skipped } = await importFolder(dir, flags.output, {
      bands: bandList(flags.bands),
      size: number(flags.size, '--size', { integer: true, min: 1 }),
      split: splitOptions(flags),
      onError: flags.skipErrors ? 'skip' : 'fail',
      overwrite: flags.overwrite,
      onProgress: progress.update,
    });
    progress.stop();
    for (const s of skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
    process.stdout.write(built(flags.output, manifest));
  } finally {
    progress.stop();
  }
}

interface ChipsFlags extends SplitFlags {
  imagery?: string;
  labels?: string;
  stac?: string;
  output: string;
  classField?: string;
  where?: string;
  size?: string;
  stride?: string;
  task?: 'classification' | 'segmentation';
  at?: 'grid' | 'labels';
  labelBy?: 'majority' | 'centroid';
  bands?: string;
  allTouched?: boolean;
  minCoverage?: string;
  keepEmpty?: boolean;
  overwrite?: boolean;
}

async function chipsBuildCommand(flags: ChipsFlags): Promise<void> {
  if (flags.stac ? flags.imagery || flags.labels : !(flags.imagery && flags.labels)) {
    throw new CliError('give --imagery and --labels, or --stac CATALOG', 2);
  }
  const progress = progressBar('chipping');
  const options: ChipsFromLabelsOptions = {
    task: flags.task,
    size: number(flags.size, '--size', { integer: true, min: 1 }),
    stride: number(flags.stride, '--stride', { integer: true, min: 1 }),
    at: flags.at,
    labelBy: flags.labelBy,
    classField: flags.classField,
    where: flags.where,
    bands: bandList(flags.bands),
    allTouched: flags.allTouched,
    minCoverage: number(flags.minCoverage, '--min-coverage', { min: 0 }),
    keepEmpty: flags.keepEmpty,
    split: splitOptions(flags),
    overwrite: flags.overwrite,
    onProgress: progress.update,
  };
  try {
    const manifest = flags.stac
      ? await chipsFromStac(flags.stac, flags.output, options)
      : await chipsFromLabels([{ imagery: flags.imagery as string, labels: flags.labels as string }], flags.output, options);
    progress.stop();
    process.stdout.write(built(flags.output, manifest));
  } finally {
    progress.stop();
  }
}

const SPLITS = ['train', 'val', 'test'] as const;

/** What `dataset info --json` prints: the manifest's summary with chip counts per class and split. */
function summary(dir: string, manifest: Manifest) {
  const counts = (label: number | null) => {
    const mine = manifest.chips.filter((c) => manifest.task === 'segmentation' || c.label === label);
    return {
      ...Object.fromEntries(SPLITS.map((s) => [s, mine.filter((c) => c.split === s).length])),
      unassigned: mine.filter((c) => c.split === null).length,
      total: mine.length,
    };
  };
  return {
    dir,
    format: manifest.format,
    version: manifest.version,
    task: manifest.task,
    dtype: manifest.dtype,
    bands: manifest.bands,
    height: manifest.height,
    width: manifest.width,
    chips: manifest.chips.length,
    shards: manifest.shards.length,
    splits: manifest.splits,
    // Segmentation chips have no single class: their counts are of chips per split overall.
    classes: manifest.classes.map((c) => ({ ...c, ...(manifest.task === 'classification' ? { chips: counts(c.index) } : {}) })),
    chipsPerSplit: counts(null),
    statistics: manifest.statistics,
    created: manifest.created,
    builder: manifest.builder,
  };
}

function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6);
}

async function datasetInfoCommand(dir: string, flags: { json?: boolean }): Promise<void> {
  const dataset = await openDataset(dir);
  const info = summary(dir, dataset.manifest);
  await dataset.close();
  if (flags.json) {
    process.stdout.write(`${json(info)}\n`);
    return;
  }
  const { splits } = info;
  const lines = [
    keyValueTable([
      ['dataset', dir],
      ['task', info.task],
      ['chips', `${info.chips} (${info.height} x ${info.width} pixels, ${info.bands.length} band${info.bands.length === 1 ? '' : 's'}, ${info.dtype})`],
      ['bands', info.bands.join(', ')],
      ['splits', splits.method === 'none' ? 'none' : `${splits.method}, seed ${splits.seed} (train ${splits.fractions.train} / val ${splits.fractions.val} / test ${splits.fractions.test})${splits.folds ? `, ${splits.folds} folds` : ''}`],
      ['shards', String(info.shards)],
    ]),
  ];
  const splitHead = ['train', 'val', 'test', 'unassigned', 'total'];
  const row = (c: Record<string, number>) => splitHead.map((k) => String(c[k]));
  if (info.task === 'classification') {
    lines.push(table(['class', 'name', ...splitHead], info.classes.map((c) => [String(c.index), c.name, ...row(c.chips as Record<string, number>)])));
  } else {
    lines.push(table(['class', 'name'], info.classes.map((c) => [String(c.index), c.name])));
    lines.push(table(['chips', ...splitHead], [['all', ...row(info.chipsPerSplit)]]));
  }
  if (info.statistics) {
    const percentileKeys = Object.keys(info.statistics.bands[0]?.percentiles ?? {}).filter((k) => k === 'p2' || k === 'p50' || k === 'p98');
    lines.push(
      table(
        ['band', 'mean', 'std', 'min', 'max', ...percentileKeys],
        info.statistics.bands.map((b, i) => [info.bands[i], num(b.mean), num(b.std), num(b.min), num(b.max), ...percentileKeys.map((k) => num(b.percentiles[k]))]),
      ),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Registers `tileflow dataset import-folder|info` and `tileflow chips build`. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('chip datasets: import and inspect (format: docs/formats.md)');
  withSplitFlags(
    dataset
      .command('import-folder')
      .description('import class-named folders of images (the EuroSAT layout: DIR/<class>/<image>) into a chip dataset')
      .argument('<dir>', 'folder of class folders')
      .requiredOption('-o, --output <dataset>', 'the dataset folder to create')
      .option('--bands <list>', '1-based bands to keep, e.g. 4,3,2 (default: all)')
      .option('--size <pixels>', 'resample every image to this size (default: the images’ own size)')
      .option('--skip-errors', 'leave unreadable images out instead of failing')
      .option('--overwrite', 'replace an existing dataset'),
  ).action(importFolderCommand);
  dataset
    .command('info')
    .description('describe a dataset: classes with counts per split, bands, dtype, chip size, statistics')
    .argument('<dataset>', 'a dataset folder')
    .option('--json', 'print JSON instead of tables')
    .action(datasetInfoCommand);

  const chips = program.command('chips').description('cut imagery into labelled chips');
  withSplitFlags(
    chips
      .command('build')
      .description('build a chip dataset from imagery and vector labels (GeoJSON, GeoParquet) or from a STAC catalog with label items')
      .option('--imagery <src>', 'the imagery (a path or URI openRaster reads)')
      .option('--labels <file>', 'GeoJSON or GeoParquet labels')
      .option('--stac <catalog>', 'a static STAC catalog whose label items point at their imagery (instead of --imagery/--labels)')
      .requiredOption('-o, --output <dataset>', 'the dataset folder to create')
      .option('--class-field <field>', 'the label attribute holding the class (default: class, label, labels or category)')
      .option('--where <sql>', "SQL filter on label attributes, e.g. \"class <> 'cloud'\"")
      .option('--size <pixels>', 'chip edge (default 64)')
      .option('--stride <pixels>', 'grid step (default: the chip size)')
      .addOption(new Option('--task <task>', 'one class per chip, or one per pixel (default classification; with --stac, from label:tasks)').choices(['classification', 'segmentation']))
      .addOption(new Option('--at <where>', 'chips on a regular grid, or centred on each label').choices(['grid', 'labels']).default('grid'))
      .addOption(new Option('--label-by <rule>', 'classification: the class covering most pixels, or the one under the centre').choices(['majority', 'centroid']).default('majority'))
      .option('--bands <list>', '1-based bands (default: all)')
      .option('--all-touched', 'burn every pixel a label touches (thin lines)')
      .option('--min-coverage <fraction>', 'classification: least share of the chip the winning class must cover')
      .option('--keep-empty', 'segmentation: keep chips with no labelled pixel')
      .option('--overwrite', 'replace an existing dataset'),
  ).action(chipsBuildCommand);
}

/**
 * `tileflow predictions …`: the predictions in the tracking database: list and show them (with what
 * review says of them), export their results as GeoJSON, NDJSON, CSV or GeoParquet, export reviewed
 * tiles as a chip dataset for training, and resume or cancel them. Resume runs in the foreground, as
 * `tileflow predict` does.
 */
import { Option, type Command } from 'commander';
import { openImagery } from '../../data/raster/registry.js';
import { PostgresQueue } from '../../jobs/postgres.js';
import { exportChipDataset } from '../../predict/export/chips.js';
import { EXPORT_FORMATS, exportPredictions, type ExportFilter, type ExportFormat } from '../../predict/export/formats.js';
import { describeModel } from '../../predict/model.js';
import { PREDICTION_JOB } from '../../predict/service.js';
import type { Prediction } from '../../predict/types.js';
import { CliError } from '../errors.js';
import { humanDuration, isoTime, json, keyValueTable, metricValue, table } from '../format.js';
import { number } from '../options.js';
import { followPrediction, imageryUri, isNotFound, parseBands, withPredictService, withPredictStore, type PredictContext } from './predict.js';

/** The share `part / whole` as a percentage for people. */
const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%`;

/** Project names by id, looked up once each. */
function projectNames(context: PredictContext): (id: string) => Promise<string> {
  const names = new Map<string, Promise<string>>();
  return (id) => {
    if (!names.has(id)) names.set(id, context.store.getProject(id).then((p) => p.name, () => id));
    return names.get(id)!;
  };
}

/** Lists predictions, newest first. */
async function listPredictions(flags: { project?: string; limit?: string; json?: boolean }, command: Command): Promise<void> {
  const limit = number(flags.limit, '--limit', { integer: true, min: 1 });
  await withPredictStore(command, async (context) => {
    const projectId = flags.project ? (await context.store.getProjectByName(flags.project)).id : undefined;
    const predictions = await context.store.listPredictions({ projectId, limit });
    if (flags.json) {
      process.stdout.write(`${json(predictions)}\n`);
      return;
    }
    if (predictions.length === 0) {
      process.stdout.write(`No predictions${flags.project ? ` in project ${flags.project}` : ''} in ${context.description}.\n`);
      return;
    }
    const name = projectNames(context);
    const rows = await Promise.all(
      predictions.map(async (p) => [p.id, await name(p.projectId), `${p.modelName}@${p.modelVersion}`, p.status, `${p.tilesDone}/${p.tilesTotal}`, String(p.tilesFailed), isoTime(p.created)]),
    );
    process.stdout.write(`${table(['id', 'project', 'model', 'status', 'tiles done', 'failed', 'created'], rows)}\n`);
  });
}

/** Prints a prediction with its imagery, timing and review statistics. */
async function showPrediction(id: string, flags: { json?: boolean }, command: Command): Promise<void> {
  await withPredictStore(command, async (context) => {
    const { store } = context;
    const prediction = await store.getPrediction(id);
    const [project, imagery, reviews] = await Promise.all([
      store.getProject(prediction.projectId),
      store.getImagery(prediction.imageryId).catch(() => null),
      store.reviewStatistics(id),
    ]);
    if (flags.json) {
      process.stdout.write(`${json({ ...prediction, project: { id: project.id, name: project.name }, imagery, reviews })}\n`);
      return;
    }
    const ran = prediction.started !== null ? (prediction.finished ?? Date.now()) - prediction.started : null;
    const rows: [string, string][] = [
      ['id', prediction.id],
      ['project', project.name],
      ['model', `${prediction.modelName}@${prediction.modelVersion} (${prediction.task})`],
      ['classes', prediction.classes.map((c) => `${c.index} ${c.name}`).join(', ')],
      ['imagery', imagery ? `${imagery.name} (${imagery.uri})` : `${prediction.imageryId} (removed)`],
      ['zoom', `${prediction.zoom}${prediction.overlap ? `, overlap ${prediction.overlap} px` : ''}`],
      ['status', prediction.status],
      ['tiles', `${prediction.tilesDone} done, ${prediction.tilesFailed} failed, of ${prediction.tilesTotal}`],
      ['created', isoTime(prediction.created)],
      ['started', isoTime(prediction.started)],
      ['finished', isoTime(prediction.finished)],
      ['duration', ran === null ? '-' : `${humanDuration(ran)}${prediction.finished === null ? '+' : ''}`],
      ['run', prediction.runId ?? '-'],
    ];
    if (prediction.error) rows.push(['error', prediction.error]);
    let out = `${keyValueTable(rows)}\n`;
    out += `\nReviews: ${reviews.reviewed} of ${reviews.tiles} tiles (${percent(reviews.reviewedShare)}), ${reviews.valid} valid, ${reviews.invalid} invalid`;
    out += `, precision ${reviews.precision === null ? '- (no reviews yet)' : metricValue(reviews.precision)}\n`;
    out += `${table(
      ['class', 'reviewed', 'valid', 'precision'],
      reviews.perClass.map((c) => [`${c.index} ${c.name}`, String(c.reviewed), String(c.valid), c.precision === null ? '-' : metricValue(c.precision)]),
    )}\n`;
    process.stdout.write(out);
  });
}

interface ExportFlags {
  format: ExportFormat;
  output: string;
  class?: string;
  threshold?: string;
  reviewedOnly?: boolean;
  flipInvalid?: boolean;
  layer?: 'tiles' | 'features';
  json?: boolean;
}

/** Writes a prediction's tiles or features to a file. */
async function exportCommand(id: string, flags: ExportFlags, command: Command): Promise<void> {
  const filter: ExportFilter = {
    classIndex: number(flags.class, '--class', { integer: true, min: 0 }),
    threshold: number(flags.threshold, '--threshold'),
    reviewedOnly: flags.reviewedOnly,
    flipInvalid: flags.flipInvalid,
    layer: flags.layer,
  };
  await withPredictStore(command, async ({ store }) => {
    const records = await exportPredictions(store, id, flags.format, flags.output, filter);
    if (flags.json) process.stdout.write(`${json({ prediction: id, format: flags.format, output: flags.output, records })}\n`);
    else process.stdout.write(`wrote ${records} records of prediction ${id} to ${flags.output} (${flags.format})\n`);
  });
}

interface ChipFlags {
  output: string;
  imagery?: string;
  bands?: string;
  size?: string;
  all?: boolean;
  reviewedOnly?: boolean;
  flipInvalid?: boolean;
  seed?: string;
  json?: boolean;
}

/** Writes a prediction's reviewed (or all) tiles as a chip dataset that `tileflow train` reads. */
async function chipsCommand(id: string, flags: ChipFlags, command: Command): Promise<void> {
  if (flags.all && flags.reviewedOnly) throw new CliError('give one of --reviewed-only (the default) and --all', 2);
  const size = number(flags.size, '--size', { integer: true, min: 1 });
  const seed = number(flags.seed, '--seed', { integer: true });
  let bands = parseBands(flags.bands);
  await withPredictStore(command, async ({ store }) => {
    const prediction = await store.getPrediction(id);
    let uri: string;
    if (flags.imagery) uri = imageryUri(flags.imagery);
    else {
      const own = await store.getImagery(prediction.imageryId).catch((error) => {
        if (isNotFound(error)) throw new CliError(`the imagery of prediction ${id} was removed: give --imagery SRC`);
        throw error;
      });
      uri = own.uri;
      bands ??= own.options.bands;
    }
    const imagery = await openImagery(uri);
    try {
      const result = await exportChipDataset(store, id, imagery, {
        output: flags.output,
        size: size ?? (await modelSize(store, prediction)),
        bands,
        seed,
        filter: { reviewedOnly: !flags.all, flipInvalid: flags.flipInvalid },
      });
      if (flags.json) {
        process.stdout.write(`${json({ prediction: id, output: flags.output, ...result })}\n`);
        return;
      }
      const perClass = Object.entries(result.perClass).map(([name, n]) => `${name} ${n}`).join(', ');
      process.stdout.write(`wrote ${result.chips} chips of prediction ${id} to ${flags.output} (${perClass}); manifest ${result.manifestPath}\n`);
    } finally {
      await imagery.close();
    }
  });
}

/** The model's input edge in pixels, or 256 when the model takes any size (or left the project). */
async function modelSize(store: PredictContext['store'], prediction: Prediction): Promise<number> {
  const model = await store.getModel(prediction.projectId, prediction.modelName, prediction.modelVersion).catch(() => null);
  return (model && describeModel(model.mlm).height) || 256;
}

/** Runs a failed or cancelled prediction's remaining tiles here, in the foreground. */
async function resumeCommand(id: string, flags: { batchSize?: string; json?: boolean }, command: Command): Promise<void> {
  const batchSize = number(flags.batchSize, '--batch-size', { integer: true, min: 1 });
  await withPredictService(command, { batchSize }, async (context) => {
    const current = await context.store.getPrediction(id);
    if (current.status === 'queued' || current.status === 'running') {
      // Left so by a process that stopped (or still running in a server: its tiles are then redone, never duplicated).
      process.stderr.write(`note: prediction ${id} is ${current.status} (left so by a process that stopped?); running its remaining tiles here\n`);
      await context.queue.enqueue({ kind: PREDICTION_JOB, id, payload: { predictionId: id } });
    } else {
      await context.service.resumePrediction(id);
    }
    const pending = current.tilesTotal - current.tilesDone;
    await followPrediction(context, current, flags, `prediction ${id}: ${pending} of ${current.tilesTotal} tiles to run at zoom ${current.zoom}`);
  });
}

/**
 * Cancels a queued or running prediction; the tiles done are kept. A CLI running it sees the status
 * and stops; on PostgreSQL the job is also flagged in the shared job table, so that the server
 * (any machine) running it stops too.
 */
async function cancelCommand(id: string, flags: { json?: boolean }, command: Command): Promise<void> {
  await withPredictService(command, {}, async ({ service, databaseUrl }) => {
    const prediction = await service.cancelPrediction(id);
    if (/^postgres(ql)?:/i.test(databaseUrl)) {
      // No handlers: this queue only flags the job, it never takes work.
      const shared = await PostgresQueue.open({ url: databaseUrl });
      try {
        await shared.cancel(id);
      } finally {
        await shared.close();
      }
    }
    if (flags.json) process.stdout.write(`${json(prediction)}\n`);
    else process.stdout.write(`prediction ${id} cancelled with ${prediction.tilesDone} of ${prediction.tilesTotal} tiles done\n`);
  });
}

/** Registers `tileflow predictions list|show|export|chips|resume|cancel`. */
export function registerPredictionsCommands(program: Command): void {
  const predictions = program.command('predictions').description('inspect, export, resume and cancel predictions');
  predictions
    .command('list')
    .description('list predictions, newest first')
    .option('--project <name>', 'only the predictions of this project')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON instead of a table')
    .action(listPredictions);
  predictions
    .command('show')
    .description('show a prediction: model, imagery, tiles, timing and review statistics')
    .argument('<id>', 'prediction id')
    .option('--json', 'print JSON instead of tables')
    .action(showPrediction);
  predictions
    .command('export')
    .description('write a prediction\'s tiles or features to a GeoJSON, NDJSON, CSV (WKT) or GeoParquet file')
    .argument('<id>', 'prediction id')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--output <file>', 'the file to write')
    .option('--class <n>', 'only records of this class index')
    .option('--threshold <t>', 'only records scoring at least this')
    .option('--reviewed-only', 'only reviewed records')
    .option('--flip-invalid', 'records reviewed invalid take the other class (binary models) or are left out')
    .addOption(new Option('--layer <layer>', 'tiles (default for classification) or features (boxes, polygons)').choices(['tiles', 'features']))
    .option('--json', 'print the result as JSON')
    .action(exportCommand);
  predictions
    .command('chips')
    .description('write a prediction\'s reviewed tiles as a chip dataset (imagery chips and labels) for tileflow train')
    .argument('<id>', 'prediction id')
    .requiredOption('--output <dir>', 'the dataset folder to create')
    .option('--imagery <src>', "imagery to cut chips from (default: the prediction's own)")
    .option('--bands <list>', "1-based imagery bands, e.g. 1,2,3 (default: the prediction imagery's bands, else all)")
    .option('--size <n>', "chip edge in pixels (default: the model's input size, else 256)")
    .option('--reviewed-only', 'only reviewed tiles (the default)')
    .option('--all', 'every done tile; unreviewed ones are labelled with their prediction')
    .option('--flip-invalid', 'tiles reviewed invalid take the other class (binary models)')
    .option('--seed <n>', 'seed of the train/val/test split (default 42)')
    .option('--json', 'print the result as JSON')
    .action(chipsCommand);
  predictions
    .command('resume')
    .description('run the tiles a failed, cancelled or interrupted prediction has not done, in the foreground')
    .argument('<id>', 'prediction id')
    .option('--batch-size <n>', 'tiles per inference batch (default 32)')
    .option('--json', 'print the prediction as JSON')
    .action(resumeCommand);
  predictions
    .command('cancel')
    .description('cancel a queued or running prediction (the tiles done are kept)')
    .argument('<id>', 'prediction id')
    .option('--json', 'print the prediction as JSON')
    .action(cancelCommand);
}

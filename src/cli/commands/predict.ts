/**
 * `tileflow predict`: a registered model over an AOI of some imagery, run in this process by the
 * prediction service (the job queue is this process's) with a progress bar, into the tracking
 * database that `--tracking-uri` names (sqlite:, postgres://, or the embedded store). A tracking
 * server's http(s) URI is refused: the service reads and writes its tables directly. Also the helpers
 * the other prediction commands (`predictions`, `review`, `models`) share.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { TileflowError } from '../../core/errors.js';
import { InProcessQueue } from '../../jobs/in-process.js';
import { parseAoi, readAoiFile, type ParsedAoi } from '../../predict/aoi.js';
import { PredictService } from '../../predict/service.js';
import { PredictStore } from '../../predict/store/predict-store.js';
import type { Imagery, Prediction, Project } from '../../predict/types.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { CliError } from '../errors.js';
import { humanDuration, json, keyValueTable } from '../format.js';
import { number } from '../options.js';
import { progressBar } from '../progress.js';
import { describeDatabaseUrl, trackingUriFrom } from '../tracking-source.js';

/** How often the progress bar reads the prediction's counts. */
const POLL_MS = 500;

/** The project a prediction goes in when none is named. */
export const DEFAULT_PROJECT = 'default';

/** The prediction tables of the tracking database, open in this process. */
export interface PredictContext {
  tracking: Tracking;
  store: PredictStore;
  /** The database URL (`sqlite:…`, `postgres://…`). */
  databaseUrl: string;
  /** Where the data lives, for messages: `sqlite /path/tileflow.db`. */
  description: string;
}

/** A context with the prediction service running on a job queue of this process. */
export interface ServiceContext extends PredictContext {
  service: PredictService;
  queue: InProcessQueue;
}

/** Opens the tracking database the tracking URI names; an http(s) tracking server is refused with why. */
async function openLocalTracking(command: Command): Promise<{ tracking: Tracking; databaseUrl: string; description: string }> {
  const uri = trackingUriFrom(command.optsWithGlobals().trackingUri);
  if (uri && /^https?:\/\//i.test(uri)) {
    throw new CliError(
      `the prediction commands run the prediction service in this process and need its database, not a tracking server (${describeDatabaseUrl(uri)}): ` +
        'give --tracking-uri sqlite:PATH or postgres://USER@HOST/DB (the server\'s own store), or use the server\'s /api',
    );
  }
  if (uri && !/^(sqlite|postgres|postgresql):/i.test(uri)) {
    throw new CliError(`unsupported tracking URI '${describeDatabaseUrl(uri)}' for the prediction commands: use sqlite:PATH or postgres://USER@HOST/DB`);
  }
  const config = loadConfig(uri ? { databaseUrl: uri } : {});
  const tracking = await openTracking(config);
  return { tracking, databaseUrl: config.databaseUrl, description: describeDatabaseUrl(config.databaseUrl) };
}

/** Runs `fn` with the prediction store (no service: nothing runs), and closes the database afterwards. */
export async function withPredictStore<T>(command: Command, fn: (context: PredictContext) => Promise<T>): Promise<T> {
  const { tracking, databaseUrl, description } = await openLocalTracking(command);
  try {
    const store = await PredictStore.open(tracking.database);
    return await fn({ tracking, store, databaseUrl, description });
  } finally {
    await tracking.close();
  }
}

/**
 * Runs `fn` with the prediction service on a queue of this process. Predictions other processes left
 * unfinished are not picked up here (a server may be running them): only what `fn` starts runs.
 */
export async function withPredictService<T>(command: Command, options: { batchSize?: number; maxTiles?: number }, fn: (context: ServiceContext) => Promise<T>): Promise<T> {
  const { tracking, databaseUrl, description } = await openLocalTracking(command);
  const queue = new InProcessQueue();
  let service: PredictService | undefined;
  try {
    service = await PredictService.open({
      tracking,
      queue,
      resumeUnfinished: false,
      ...(options.maxTiles !== undefined ? { maxTiles: options.maxTiles } : {}),
      ...(options.batchSize !== undefined ? { pipeline: { batchSize: options.batchSize } } : {}),
    });
    return await fn({ tracking, store: service.store, databaseUrl, description, service, queue });
  } finally {
    await queue.close();
    await service?.close();
    await tracking.close();
  }
}

/** Whether an error is the store's "no such thing". */
export function isNotFound(error: unknown): boolean {
  return error instanceof TileflowError && error.code === 'RESOURCE_DOES_NOT_EXIST';
}

/** A project by name, created when there is none yet. */
export async function findOrCreateProject(store: PredictStore, name: string): Promise<Project> {
  try {
    return await store.getProjectByName(name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    return await store.createProject({ name, description: 'created by the tileflow CLI' });
  } catch (error) {
    // Another process created it in between.
    if (error instanceof TileflowError && error.code === 'RESOURCE_ALREADY_EXISTS') return store.getProjectByName(name);
    throw error;
  }
}

/** Splits `NAME@VERSION`. */
export function parseModelRef(text: string): { name: string; version: string } {
  const match = /^(.+)@([^@]+)$/.exec(text.trim());
  if (!match) throw new CliError(`--model must be NAME@VERSION (a registered model version, e.g. water@3), got ${JSON.stringify(text)}`, 2);
  return { name: match[1], version: match[2] };
}

/** Parses `1,2,3` into 1-based band numbers. */
export function parseBands(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const bands = text.split(',').map((b) => Number(b.trim()));
  if (bands.length === 0 || bands.some((b) => !Number.isInteger(b) || b < 1)) throw new CliError(`--bands must be 1-based band numbers separated by commas, e.g. 1,2,3; got ${JSON.stringify(text)}`, 2);
  return bands;
}

/** A path becomes absolute (a later command may run elsewhere); URIs with a scheme stay as they are. */
export function imageryUri(source: string): string {
  return /^[a-z][a-z0-9+.-]+:/i.test(source) ? source : path.resolve(source);
}

/** A short name for imagery: the file's name, or the host of a tile template. */
function imageryName(uri: string): string {
  const bare = uri.replace(/[?#].*$/, '');
  if (bare.includes('{')) {
    try {
      return new URL(bare.replace(/^xyz\+/, '')).host || 'tiles';
    } catch {
      return 'tiles';
    }
  }
  return (path.basename(bare) || bare).slice(0, 200);
}

const BBOX = /^\s*-?\d+(\.\d+)?\s*(,\s*-?\d+(\.\d+)?\s*){3}$/;
const TILE_LIST = /^\s*\d+-\d+-\d+\s*(,\s*\d+-\d+-\d+\s*)*$/;

/**
 * Reads `--aoi`: GeoJSON text, `W,S,E,N`, `x-y-z,x-y-z`, or a file: GeoJSON or GeoParquet polygons
 * (a `.json` file may also hold `{"bbox": …}` or `{"tiles": […]}`).
 */
export async function readAoiArgument(text: string): Promise<ParsedAoi> {
  const trimmed = text.trim();
  if (/^[[{]/.test(trimmed)) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new CliError(`--aoi is not valid JSON: ${(error as Error).message}`, 2);
    }
    return parseAoi(value);
  }
  if (BBOX.test(trimmed)) return parseAoi(trimmed.split(',').map(Number));
  if (TILE_LIST.test(trimmed)) return parseAoi({ tiles: trimmed.split(',').map((t) => t.trim()) });
  const stat = await fs.stat(trimmed).catch(() => null);
  if (!stat?.isFile()) {
    throw new CliError(`--aoi ${JSON.stringify(text)} is no file, and not GeoJSON text, a bbox W,S,E,N or a tile list x-y-z,x-y-z`);
  }
  if (/\.json$/i.test(trimmed)) {
    let value: unknown;
    try {
      value = JSON.parse(await fs.readFile(trimmed, 'utf8'));
    } catch (error) {
      throw new CliError(`${trimmed} is not valid JSON: ${(error as Error).message}`);
    }
    if (Array.isArray(value) || (typeof value === 'object' && value !== null && !('type' in value))) return parseAoi(value);
  }
  return readAoiFile(trimmed);
}

/** The imagery of a project with this URI and bands, added (and opened once to check it) when there is none. */
async function findOrAddImagery(context: ServiceContext, projectId: string, uri: string, bands: number[] | undefined): Promise<Imagery> {
  const same = (a: number[] | undefined, b: number[] | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const existing = (await context.store.listImagery(projectId)).find((i) => i.uri === uri && same(i.options.bands, bands));
  return existing ?? context.service.addImagery(projectId, imageryName(uri), uri, bands ? { bands } : {});
}

/** Tiles per second of a run in this process: tiles finished here over the time taken here. */
function rate(doneBefore: number, doneAfter: number, ms: number): number {
  return ms > 0 ? ((doneAfter - doneBefore) * 1000) / ms : 0;
}

/** Prints a prediction's summary (or its JSON) after a run in this process. */
async function printSummary(context: PredictContext, prediction: Prediction, tilesPerSecond: number, elapsedMs: number, asJson: boolean): Promise<void> {
  if (asJson) {
    process.stdout.write(`${json({ ...prediction, tilesPerSecond })}\n`);
    return;
  }
  const imagery = await context.store.getImagery(prediction.imageryId).catch(() => null);
  const rows: [string, string][] = [
    ['prediction', prediction.id],
    ['status', prediction.status],
    ['model', `${prediction.modelName}@${prediction.modelVersion} (${prediction.task})`],
    ['imagery', imagery ? `${imagery.name} (${imagery.uri})` : prediction.imageryId],
    ['zoom', `${prediction.zoom}${prediction.overlap ? `, overlap ${prediction.overlap} px` : ''}`],
    ['tiles', `${prediction.tilesDone} done, ${prediction.tilesFailed} failed, of ${prediction.tilesTotal}`],
    ['time', `${humanDuration(elapsedMs)} (${tilesPerSecond.toFixed(1)} tiles/s)`],
    ['run', prediction.runId ?? '-'],
  ];
  if (prediction.error) rows.push(['note', prediction.error]);
  process.stdout.write(`${keyValueTable(rows)}\n`);
}

/**
 * Runs a prediction just queued here (`queued`: as it was before it ran) in the foreground, after
 * writing `announce` to stderr: a progress bar of tiles until the queue is idle; Ctrl-C (or SIGTERM)
 * cancels it cleanly, keeping the tiles done; a cancel from another process stops it too. Prints the
 * summary; exits 130 (143) when interrupted and 1 when the prediction failed.
 */
export async function followPrediction(context: ServiceContext, queued: Prediction, flags: { json?: boolean }, announce: string): Promise<Prediction> {
  const { store, service, queue } = context;
  const id = queued.id;
  const started = Date.now();
  const bar = flags.json ? { update: () => undefined, stop: () => undefined } : progressBar(`prediction ${id.slice(0, 8)}`);
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`\ntileflow: ${signal} again, exiting without a clean cancel (resume with tileflow predictions resume ${id})\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    interrupted = signal;
    bar.stop();
    process.stderr.write(`\ncancelling prediction ${id} (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again exits at once)\n`);
    // Already final (it finished as the signal came): nothing to cancel.
    service.cancelPrediction(id).catch(() => undefined);
  };
  // Until a listener is added the OS default (exit at once) applies, so the line saying that the
  // prediction runs is written only now: whoever reads it may interrupt it cleanly.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stderr.write(`${announce}\n`);
  let polling: Promise<void> | null = null;
  const timer = setInterval(() => {
    polling ??= store
      .getPrediction(id)
      .then((p) => {
        if (!interrupted) bar.update(p.tilesDone + p.tilesFailed, p.tilesTotal);
        // Cancelled by `tileflow predictions cancel` elsewhere: stop the work here too.
        if (p.status === 'cancelled') return queue.cancel(id).then(() => undefined);
      })
      .catch(() => undefined)
      .finally(() => (polling = null));
  }, POLL_MS);
  try {
    await service.idle();
  } finally {
    clearInterval(timer);
    await polling;
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const elapsed = Date.now() - started;
  const after = await store.getPrediction(id);
  await printSummary(context, after, rate(queued.tilesDone, after.tilesDone, elapsed), elapsed, Boolean(flags.json));
  const signal = interrupted as NodeJS.Signals | null;
  if (signal) {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (after.status !== 'cancelled') throw new CliError(`interrupted; prediction ${id} had ended already (${after.status})`, code);
    throw new CliError(`prediction ${id} cancelled with ${after.tilesDone} of ${after.tilesTotal} tiles done; tileflow predictions resume ${id} runs the rest`, code);
  }
  if (after.status === 'failed') throw new CliError(`prediction ${id} failed: ${after.error ?? 'no reason recorded'}`);
  if (after.status === 'cancelled') throw new CliError(`prediction ${id} was cancelled with ${after.tilesDone} of ${after.tilesTotal} tiles done`);
  if (after.tilesFailed && !flags.json) process.stderr.write(`note: ${after.tilesFailed} tiles failed; tileflow predictions resume ${id} tries them again\n`);
  return after;
}

interface PredictFlags {
  model: string;
  imagery: string;
  aoi: string;
  zoom?: string;
  overlap?: string;
  project: string;
  bands?: string;
  batchSize?: string;
  maxTiles?: string;
  json?: boolean;
}

/** Registers `tileflow predict`. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict with a registered model over an AOI of some imagery, tile by tile, in this process (Ctrl-C cancels, keeping the tiles done)')
    .requiredOption('--model <name@version>', 'registered model version with an ONNX model and MLM metadata, e.g. water@3')
    .requiredOption('--imagery <src>', 'a COG or raster path/URL, xyz+https://…/{z}/{x}/{y}.png, stac:ITEM.json or list:TILES.csv')
    .requiredOption('--aoi <aoi>', 'a .geojson/.json/.parquet file of polygons, GeoJSON text, a bbox W,S,E,N, or tiles x-y-z,x-y-z')
    .option('--zoom <z>', "tile zoom (default: the model's tileflow:zoom)")
    .option('--overlap <px>', 'pixels of context read around each tile (default 0)')
    .option('--project <name>', 'project of the prediction (created when missing)', DEFAULT_PROJECT)
    .option('--bands <list>', '1-based imagery bands in model order, e.g. 1,2,3 (default: the first non-alpha bands)')
    .option('--batch-size <n>', 'tiles per inference batch (default 32)')
    .option('--max-tiles <n>', 'the most tiles the AOI may cover (default 50000)')
    .option('--json', 'print the prediction as JSON')
    .action(async (flags: PredictFlags, command: Command) => {
      const model = parseModelRef(flags.model);
      const zoom = number(flags.zoom, '--zoom', { integer: true, min: 0 });
      const overlap = number(flags.overlap, '--overlap', { integer: true, min: 0 });
      const batchSize = number(flags.batchSize, '--batch-size', { integer: true, min: 1 });
      const maxTiles = number(flags.maxTiles, '--max-tiles', { integer: true, min: 1 });
      const bands = parseBands(flags.bands);
      const aoi = await readAoiArgument(flags.aoi);
      await withPredictService(command, { batchSize, maxTiles }, async (context) => {
        const { store, service } = context;
        const project = await findOrCreateProject(store, flags.project);
        try {
          await store.getModel(project.id, model.name, model.version);
        } catch (error) {
          if (!isNotFound(error)) throw error;
          await service.addModel(project.id, model.name, model.version);
        }
        const imagery = await findOrAddImagery(context, project.id, imageryUri(flags.imagery), bands);
        const prediction = await service.startPrediction({
          projectId: project.id,
          modelName: model.name,
          modelVersion: model.version,
          imageryId: imagery.id,
          aoi: aoi.geometry,
          zoom,
          overlap,
        });
        const announce = `prediction ${prediction.id}: ${prediction.tilesTotal} tiles at zoom ${prediction.zoom}, ${model.name}@${model.version} over ${imagery.name} (project ${project.name}, ${context.description})`;
        await followPrediction(context, prediction, flags, announce);
      });
    });
}

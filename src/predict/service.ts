/**
 * The prediction service: projects with their model versions, imagery and AOIs; predictions queued on
 * the job queue and run by the tile pipeline; reviews; exports. The server's API and the CLI both
 * drive it. Model versions come from the registry (tileflow-trained ones carry `model/model.onnx` and
 * `model/mlm.json`) or are uploaded: any framework's ONNX file with its MLM item.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TileflowError, invalidParameter, notFound } from '../core/errors.js';
import { OnnxSession } from '../deep/runtime/session.js';
import { OnnxSessionPool } from '../deep/runtime/session-pool.js';
import { InProcessQueue } from '../jobs/in-process.js';
import { PostgresQueue } from '../jobs/postgres.js';
import type { JobQueue } from '../jobs/queue.js';
import { TileListImagery } from '../data/raster/tile-list.js';
import { checkZoom, tileId } from '../geo/tiles.js';
import { proxiedArtifactPath } from '../track/artifacts/artifact-store.js';
import { resumeTrackedRun, startTrackedRun } from '../track/recorder.js';
import type { Tracking } from '../track/service.js';
import { coverAoi, DEFAULT_PREDICTION_TILE_LIMIT, parseAoi, type ParsedAoi } from './aoi.js';
import { checkSession, describeModel, type ModelDescriptor } from './model.js';
import { runTiles, windowOf, type PipelineOptions } from './pipeline.js';
import { TileReader } from './reader.js';
import { retrainFromPrediction, SEMVER_TAG, type RetrainOptions, type RetrainResult } from './retrain.js';
import { FINAL_STATUSES, PredictStore } from './store/predict-store.js';
import type { Aoi, Imagery, Prediction, ProjectModel } from './types.js';

/** The job kind of a prediction. */
export const PREDICTION_JOB = 'prediction';

/** Largest model file accepted by upload. */
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;

export interface PredictServiceOptions {
  tracking: Tracking;
  /** A queue the caller owns. Default: one the service owns and closes, in-process, or PostgreSQL-backed when `postgresQueue` is given. */
  queue?: JobQueue;
  /** Run jobs through a PostgreSQL table at this URL, shared by every machine that opens it (team deployments). */
  postgresQueue?: string;
  /** Most tiles one prediction may cover (default 50,000). */
  maxTiles?: number;
  /** Predictions run at once (default 1: inference uses every core already). */
  concurrency?: number;
  /** Pipeline settings (batch size, read-ahead, attempts). */
  pipeline?: Omit<PipelineOptions, 'onProgress' | 'recorder' | 'bands'>;
  /** ONNX Runtime sessions of a model, each in its own worker thread, running batches side by side (default: see `poolShape`). */
  sessions?: number;
  /** ONNX Runtime intra-op threads per session (default: see `poolShape`). */
  threads?: number;
  /**
   * Whether ONNX Runtime's idle threads spin (default false: the pipeline's reading shares the cores
   * with inference, and a spinning thread takes a core that a tile decode needs; see BENCHMARKS.md).
   */
  spinning?: boolean;
  /** Where retraining writes its chip datasets and checkpoints (default: the system's temp folder). */
  workDir?: string;
  /**
   * Whether `open` re-queues predictions left queued or running (default true: the server owns them).
   * The CLI says false: it runs only the prediction it was asked to, never one a server may be running.
   */
  resumeUnfinished?: boolean;
}

/** The job kind of a retraining. */
export const RETRAIN_JOB = 'retrain';

export interface StartPredictionInput {
  projectId: string;
  modelName: string;
  modelVersion: string;
  imageryId: string;
  /** An AOI stored in the project, or one given here. */
  aoiId?: string;
  aoi?: unknown;
  /** Default: the model's `tileflow:zoom`. */
  zoom?: number;
  overlap?: number;
}

/** A model's files and what they say. */
export interface LoadedModel {
  descriptor: ModelDescriptor;
  mlm: Record<string, unknown>;
  onnx: Uint8Array;
}

/** Projects, model versions, imagery, AOIs and predictions, over one tracking database. */
/**
 * How a model's ONNX Runtime sessions share the machine: single-threaded sessions side by side, one
 * per core up to 8 (beyond that, more threads per session rather than more copies of the model in
 * memory). On 2 cores this runs 10 % more tiles a second than one two-threaded session, end to end
 * (BENCHMARKS.md, "Prediction service").
 */
export function poolShape(options: Pick<PredictServiceOptions, 'sessions' | 'threads'>, cores = os.availableParallelism()): { sessions: number; threads: number } {
  const sessions = options.sessions ?? Math.max(1, Math.min(8, Math.floor(cores / (options.threads ?? 1))));
  const threads = options.threads ?? Math.max(1, Math.floor(cores / sessions));
  return { sessions, threads };
}

export class PredictService {
  private readonly queue: JobQueue;
  private readonly ownsQueue: boolean;
  private readonly maxTiles: number;
  private readonly sessions = new Map<string, Promise<OnnxSessionPool>>();

  private constructor(
    readonly store: PredictStore,
    private readonly tracking: Tracking,
    private readonly options: PredictServiceOptions,
    queue: JobQueue | null,
  ) {
    this.queue = options.queue ?? queue ?? new InProcessQueue();
    this.ownsQueue = !options.queue;
    this.maxTiles = options.maxTiles ?? DEFAULT_PREDICTION_TILE_LIMIT;
    this.queue.handle<{ predictionId: string }>(PREDICTION_JOB, ({ job, signal }) => this.runPrediction(job.payload.predictionId, signal), { concurrency: options.concurrency ?? 1 });
    this.queue.handle<{ predictionId: string; epochs?: number; includeUnreviewed?: boolean }>(RETRAIN_JOB, ({ job }) => this.retrain(job.payload.predictionId, job.payload));
  }

  /** Opens the service over a tracking instance and re-queues predictions a stopped process left unfinished (unless `resumeUnfinished` is false). */
  static async open(options: PredictServiceOptions): Promise<PredictService> {
    const store = await PredictStore.open(options.tracking.database);
    const queue = !options.queue && options.postgresQueue ? await PostgresQueue.open({ url: options.postgresQueue }) : null;
    const service = new PredictService(store, options.tracking, options, queue);
    if (options.resumeUnfinished !== false) await service.resumeUnfinished();
    return service;
  }

  /** Queues every prediction left queued or running (by a process that stopped or crashed). */
  async resumeUnfinished(): Promise<string[]> {
    const unfinished = await this.store.listPredictions({ statuses: ['queued', 'running'] });
    for (const p of unfinished) await this.queue.enqueue({ kind: PREDICTION_JOB, id: p.id, payload: { predictionId: p.id } });
    return unfinished.map((p) => p.id);
  }

  // ---- model versions ----

  /** Reads a registry model version's ONNX file and MLM item and checks them against each other. */
  async loadModel(name: string, version: string): Promise<LoadedModel> {
    await this.tracking.registry.getModelVersion(name, version);
    const root = proxiedArtifactPath(await this.tracking.registry.getDownloadUri(name, version));
    if (root === null) throw invalidParameter(`${name} version ${version} is stored outside tileflow's artifact store; register it from a tileflow run or upload it`);
    const read = async (file: string): Promise<Buffer> => {
      try {
        const artifact = await this.tracking.artifacts.get(`${root}/${file}`);
        const chunks: Buffer[] = [];
        for await (const chunk of artifact.open()) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (error) {
        if (error instanceof TileflowError && error.code === 'RESOURCE_DOES_NOT_EXIST') {
          throw invalidParameter(`${name} version ${version} has no ${file}: the prediction service needs an ONNX model and its MLM metadata (model.onnx, mlm.json)`);
        }
        throw error;
      }
    };
    const mlmBytes = await read('mlm.json');
    let mlm: Record<string, unknown>;
    try {
      mlm = JSON.parse(mlmBytes.toString('utf8'));
    } catch {
      throw invalidParameter(`${name} version ${version}: mlm.json is not JSON`);
    }
    const descriptor = describeModel(mlm);
    const onnx = await read('model.onnx');
    return { descriptor, mlm, onnx };
  }

  /** An ONNX Runtime session for a model version, opened once and checked against its MLM item. */
  private async session(name: string, version: string, loaded?: LoadedModel): Promise<{ session: OnnxSessionPool; descriptor: ModelDescriptor }> {
    const model = loaded ?? (await this.loadModel(name, version));
    const key = `${name}@${version}`;
    let opening = this.sessions.get(key);
    if (!opening) {
      // In a worker thread: ONNX Runtime blocks the thread it runs on, and this one reads the next tiles meanwhile.
      opening = OnnxSessionPool.open(model.onnx, { batchSize: this.options.pipeline?.batchSize ?? 32, ...poolShape(this.options), spinning: this.options.spinning ?? false });
      this.sessions.set(key, opening);
      opening.catch(() => this.sessions.delete(key));
    }
    const session = await opening;
    checkSession(model.descriptor, session);
    return { session, descriptor: model.descriptor };
  }

  /** Adds a registry model version to a project, after checking that its ONNX model and MLM item agree. */
  async addModel(projectId: string, name: string, version: string): Promise<ProjectModel> {
    await this.store.getProject(projectId);
    const loaded = await this.loadModel(name, version);
    await this.session(name, version, loaded);
    return this.store.addModel(projectId, name, version, loaded.mlm);
  }

  /**
   * Registers an ONNX model made anywhere, with its MLM item, as a new version of `name` (a tracked
   * run in experiment "uploads" holds the files), and adds it to the project when one is given.
   */
  async uploadModel(input: { name: string; onnx: Uint8Array; mlm: unknown; projectId?: string; description?: string; userId?: string }): Promise<{ name: string; version: string; runId: string }> {
    if (!(input.onnx instanceof Uint8Array) || input.onnx.byteLength === 0) throw invalidParameter('the upload has no ONNX file');
    if (input.onnx.byteLength > MAX_MODEL_BYTES) throw new TileflowError('REQUEST_LIMIT_EXCEEDED', `the ONNX file is ${input.onnx.byteLength} bytes; at most ${MAX_MODEL_BYTES}`);
    if (input.projectId) await this.store.getProject(input.projectId);
    const descriptor = describeModel(input.mlm);
    const probe = await OnnxSession.open(input.onnx);
    try {
      checkSession(descriptor, probe);
    } finally {
      await probe.close();
    }
    const run = await startTrackedRun(this.tracking, { experiment: 'uploads', runName: `upload ${input.name}`, tags: { 'tileflow.task': descriptor.task, 'mlflow.source.type': 'LOCAL', ...(input.userId ? { 'mlflow.user': input.userId } : {}) } });
    try {
      await run.logArtifact('model/model.onnx', input.onnx);
      await run.logArtifact('model/mlm.json', Buffer.from(JSON.stringify(input.mlm, null, 1)));
      const version = await run.registerModel(input.name, 'model', { 'tileflow.task': descriptor.task, 'tileflow.format': 'onnx', 'tileflow.origin': 'upload' }, input.description);
      await this.tracking.registry.setModelVersionTag(input.name, version, { key: SEMVER_TAG, value: `${version}.0.0` });
      await run.end('FINISHED');
      if (input.projectId) await this.addModel(input.projectId, input.name, version);
      return { name: input.name, version, runId: run.runId };
    } catch (error) {
      await run.end('FAILED');
      throw error;
    }
  }

  /** A model version as a STAC item with the MLM extension, its model asset pointing at `downloadHref`. */
  async modelStacItem(name: string, version: string, downloadHref: string): Promise<Record<string, unknown>> {
    const { mlm } = await this.loadModel(name, version);
    const item = structuredClone(mlm) as Record<string, any>;
    item.id = `${name}-v${version}`;
    item.properties = { ...(item.properties ?? {}), 'mlm:name': name, version: String(version) };
    item.assets = { ...(item.assets ?? {}), model: { ...(item.assets?.model ?? {}), href: downloadHref } };
    return item;
  }

  // ---- imagery and AOIs ----

  /** Adds imagery to a project after opening it once (a bad URI fails here, not on the first tile). */
  async addImagery(projectId: string, name: string, uri: string, options: Imagery['options'] = {}): Promise<Imagery> {
    await this.store.getProject(projectId);
    if (typeof uri !== 'string' || !uri) throw invalidParameter('imagery needs a uri');
    const reader = await TileReader.open(uri);
    try {
      if (options.bands) for (const b of options.bands) if (!Number.isInteger(b) || b < 1 || b > reader.bandCount) throw invalidParameter(`band ${b} does not exist in ${uri} (it has ${reader.bandCount})`);
    } finally {
      await reader.close();
    }
    return this.store.createImagery(projectId, name, uri, options);
  }

  /** Stores an AOI (GeoJSON, bbox or tile list) in a project. */
  async addAoi(projectId: string, name: string, aoi: unknown | ParsedAoi): Promise<Aoi> {
    const parsed = isParsed(aoi) ? aoi : parseAoi(aoi);
    return this.store.createAoi(projectId, name, parsed.geometry, parsed.bbox);
  }

  // ---- predictions ----

  /** Checks a prediction request, covers its AOI, stores it with its tiles and queues it. */
  async startPrediction(input: StartPredictionInput): Promise<Prediction> {
    const project = await this.store.getProject(input.projectId);
    const projectModel = await this.store.getModel(project.id, input.modelName, String(input.modelVersion));
    const imagery = await this.store.getImagery(input.imageryId);
    if (imagery.projectId !== project.id) throw notFound(`imagery ${input.imageryId} is not in project ${project.name}`);
    const descriptor = describeModel(projectModel.mlm);
    const zoom = input.zoom ?? descriptor.zoom;
    if (zoom === null || zoom === undefined) throw invalidParameter('give a zoom: the model\'s MLM item has no tileflow:zoom');
    checkZoom(zoom);
    const overlap = input.overlap ?? 0;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > 256) throw invalidParameter(`overlap must be a whole number of pixels from 0 to 256, got ${JSON.stringify(input.overlap)}`);
    windowOf(descriptor, overlap);
    if (overlap && /^(stac|list):/.test(imagery.uri)) throw invalidParameter('this imagery is read tile by tile (a STAC mosaic or a tile list): overlap must be 0');
    let aoi: ParsedAoi;
    let aoiId: string | null = null;
    if (input.aoiId) {
      const stored = await this.store.getAoi(input.aoiId);
      if (stored.projectId !== project.id) throw notFound(`AOI ${input.aoiId} is not in project ${project.name}`);
      aoi = { geometry: stored.geometry, bbox: stored.bbox };
      aoiId = stored.id;
    } else if (input.aoi !== undefined) {
      aoi = parseAoi(input.aoi);
    } else if (imagery.uri.startsWith('list:')) {
      // A tile list is its own AOI: the tiles it lists.
      const list = await TileListImagery.open(imagery.uri);
      aoi = parseAoi({ tiles: list.tiles().map(tileId) });
    } else {
      throw invalidParameter('a prediction needs an AOI: aoi (GeoJSON, bbox or tile list) or aoiId (or imagery that is a tile list)');
    }
    const quadkeys = coverAoi(aoi.geometry, zoom, this.maxTiles);
    if (quadkeys.length === 0) throw invalidParameter(`the AOI covers no tile at zoom ${zoom} (is it a line or a point?)`);
    const prediction = await this.store.createPrediction({
      projectId: project.id,
      modelName: projectModel.name,
      modelVersion: projectModel.version,
      imageryId: imagery.id,
      aoiId,
      aoi: aoi.geometry,
      zoom,
      overlap,
      task: descriptor.task,
      classes: descriptor.classes,
      quadkeys,
    });
    await this.queue.enqueue({ kind: PREDICTION_JOB, id: prediction.id, payload: { predictionId: prediction.id } });
    return prediction;
  }

  /** Cancels a queued or running prediction; tiles done so far are kept. */
  async cancelPrediction(id: string): Promise<Prediction> {
    const prediction = await this.store.getPrediction(id);
    if (FINAL_STATUSES.includes(prediction.status)) throw new TileflowError('INVALID_STATE', `prediction ${id} is ${prediction.status} already`);
    await this.store.setStatus(id, 'cancelled');
    await this.queue.cancel(id);
    return this.store.getPrediction(id);
  }

  /** Queues a failed or cancelled prediction again: only its tiles not done are run. */
  async resumePrediction(id: string): Promise<Prediction> {
    const prediction = await this.store.getPrediction(id);
    if (prediction.status === 'succeeded' && prediction.tilesFailed === 0) throw new TileflowError('INVALID_STATE', `prediction ${id} has every tile done`);
    if (prediction.status === 'queued' || prediction.status === 'running') return prediction;
    await this.store.reopen(id);
    await this.queue.enqueue({ kind: PREDICTION_JOB, id, payload: { predictionId: id } });
    return this.store.getPrediction(id);
  }

  /**
   * Trains the model version behind a prediction further on its reviewed tiles into a new version
   * (minor version bumped), and adds that version to the prediction's project.
   */
  async retrain(predictionId: string, options: Omit<RetrainOptions, 'workDir'> & { workDir?: string } = {}): Promise<RetrainResult> {
    const prediction = await this.store.getPrediction(predictionId);
    const result = await retrainFromPrediction(this.tracking, this.store, predictionId, {
      ...options,
      workDir: options.workDir ?? this.options.workDir ?? path.join(os.tmpdir(), 'tileflow-work'),
    });
    await this.addModel(prediction.projectId, result.name, result.version);
    return result;
  }

  /** Queues a retraining; its status is the job's, its result `retrainResult(jobId)` once finished. */
  async startRetrain(predictionId: string, options: { epochs?: number; includeUnreviewed?: boolean } = {}): Promise<{ jobId: string }> {
    await this.store.getPrediction(predictionId);
    if (options.epochs !== undefined && (!Number.isInteger(options.epochs) || options.epochs < 1 || options.epochs > 1000)) throw invalidParameter('epochs must be a whole number from 1 to 1000');
    const jobId = `retrain-${randomUUID().replaceAll('-', '')}`;
    await this.queue.enqueue({ kind: RETRAIN_JOB, id: jobId, payload: { predictionId, ...options } });
    return { jobId };
  }

  /** A queued retraining's state, and its new model version once it finished. */
  async retrainStatus(jobId: string): Promise<{ state: string; error?: string; result?: RetrainResult }> {
    const status = await this.queue.status(jobId);
    if (!status || status.kind !== RETRAIN_JOB) throw notFound(`no retraining job ${JSON.stringify(jobId)}`);
    return { state: status.state, ...(status.error ? { error: status.error } : {}), ...(status.result !== undefined ? { result: status.result as RetrainResult } : {}) };
  }

  /** Waits until no prediction is queued or running in this process (tests, the CLI). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** The job: runs a prediction's remaining tiles as a tracked run. */
  private async runPrediction(id: string, signal: AbortSignal): Promise<void> {
    let prediction = await this.store.getPrediction(id);
    if (FINAL_STATUSES.includes(prediction.status)) return;
    const imagery = await this.store.getImagery(prediction.imageryId).catch(() => null);
    if (!imagery) {
      await this.store.setStatus(id, 'failed', `imagery ${prediction.imageryId} was removed`);
      return;
    }
    const project = await this.store.getProject(prediction.projectId);
    // A resumed prediction goes on recording into the run it started.
    const resumedRun = prediction.runId ? await resumeTrackedRun(this.tracking, prediction.runId).catch(() => null) : null;
    const recorder = resumedRun ?? await startTrackedRun(this.tracking, {
      experiment: `predictions/${project.name}`,
      runName: `predict ${prediction.modelName} v${prediction.modelVersion}`,
      tags: { 'tileflow.prediction': id, 'tileflow.task': prediction.task, 'mlflow.source.type': 'JOB' },
    });
    if (!resumedRun) {
      await this.store.setRunId(id, recorder.runId);
      await recorder.logParams({ model: prediction.modelName, model_version: prediction.modelVersion, imagery: imagery.uri, zoom: prediction.zoom, overlap: prediction.overlap, tiles: prediction.tilesTotal });
    }
    prediction = await this.store.setStatus(id, 'running');
    const started = Date.now();
    let reader: TileReader | null = null;
    try {
      const { session, descriptor } = await this.session(prediction.modelName, prediction.modelVersion);
      reader = await TileReader.open(imagery.uri);
      const result = await runTiles({ store: this.store, model: descriptor, session, reader }, prediction, { ...this.options.pipeline, bands: imagery.options.bands, recorder }, signal);
      const seconds = (Date.now() - started) / 1000;
      await recorder.logMetrics({ tiles_done: result.tilesDone, tiles_failed: result.tilesFailed, seconds, tiles_per_second: result.tilesDone / Math.max(seconds, 1e-3) }, 0);
      const failed = result.tilesFailed;
      const status = result.tilesDone === 0 && failed > 0 ? 'failed' : 'succeeded';
      await this.store.setStatus(id, status, failed ? `${failed} of ${result.tilesTotal} tiles failed (see the tile list for why)` : null);
      await recorder.end(status === 'succeeded' ? 'FINISHED' : 'FAILED');
    } catch (error) {
      const current = await this.store.getPrediction(id);
      if (signal.aborted) {
        // Cancelled by a person (status already set) or the process is stopping (left running, resumed at the next start).
        await recorder.end('KILLED');
        return;
      }
      if (!FINAL_STATUSES.includes(current.status)) await this.store.setStatus(id, 'failed', (error as Error)?.message ?? String(error));
      await recorder.end('FAILED');
    } finally {
      await reader?.close();
    }
  }

  /** Stops the queue (running predictions stay `running` and resume at the next start) and closes sessions. */
  async close(): Promise<void> {
    if (this.ownsQueue) await this.queue.close();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map(async (s) => (await s.catch(() => null))?.close()));
  }
}

function isParsed(value: unknown): value is ParsedAoi {
  return typeof value === 'object' && value !== null && 'geometry' in value && 'bbox' in value && !('type' in value);
}

/** Reads a model file and its MLM JSON from disk (the CLI's upload). */
export async function readModelFiles(onnxPath: string, mlmPath: string): Promise<{ onnx: Uint8Array; mlm: unknown }> {
  const [onnx, mlmText] = await Promise.all([fs.readFile(onnxPath), fs.readFile(mlmPath, 'utf8')]).catch((error) => {
    throw invalidParameter(`cannot read ${(error as NodeJS.ErrnoException).path ?? path.basename(onnxPath)}: ${(error as Error).message}`);
  });
  try {
    return { onnx, mlm: JSON.parse(mlmText) };
  } catch {
    throw invalidParameter(`${mlmPath} is not JSON`);
  }
}


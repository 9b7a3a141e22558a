/**
 * Projects, imagery, AOIs, predictions, their per-tile results (keyed by quadkey), features and reviews
 * in the tracking database. Every write that touches several rows is one transaction, and recording a
 * tile replaces what an earlier attempt recorded for it, so a resumed prediction never duplicates.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { TileflowError, alreadyExists, invalidParameter, notFound } from '../../core/errors.js';
import type { TrackingDb, DialectHooks } from '../../track/store/database.js';
import { tileFromQuadkey } from '../../geo/tiles.js';
import type {
  Aoi,
  AoiGeometry,
  Imagery,
  NewPredictionFeature,
  Prediction,
  PredictionClass,
  PredictionFeature,
  PredictionStatus,
  PredictionTask,
  PredictionTile,
  Project,
  ProjectModel,
  Review,
  ReviewStatistics,
  TileResult,
} from '../types.js';
import { migratePredict } from './migrations.js';
import type { PredictDatabase, PredictionTilesTable, PredictionsTable } from './schema.js';

/** Rows written per INSERT: well under SQLite's 32,766 bound parameters. */
const INSERT_CHUNK = 500;

const newId = (): string => randomUUID().replaceAll('-', '');

/** Statuses a prediction ends in. */
export const FINAL_STATUSES: readonly PredictionStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface CreateProjectInput {
  name: string;
  description?: string;
  source?: string;
  projectUrl?: string;
  access?: 'public' | 'private';
  tags?: Record<string, string>;
}

export interface CreatePredictionInput {
  projectId: string;
  modelName: string;
  modelVersion: string;
  imageryId: string;
  aoiId?: string | null;
  aoi: AoiGeometry;
  zoom: number;
  overlap: number;
  task: PredictionTask;
  classes: PredictionClass[];
  runId?: string | null;
  /** Quadkeys of the tiles that cover the AOI at `zoom`. */
  quadkeys: string[];
}

export interface FeatureQuery {
  /** [west, south, east, north] in EPSG:4326. */
  bbox?: [number, number, number, number];
  quadkeyPrefix?: string;
  classIndex?: number;
  minScore?: number;
  limit?: number;
}

export interface TileQuery {
  quadkeyPrefix?: string;
  status?: 'pending' | 'done' | 'failed';
  limit?: number;
  offset?: number;
}

function parseJson<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

function toProject(row: Selectable<PredictDatabase['predict_projects']>): Project {
  return {
    id: row.project_id,
    name: row.name,
    description: row.description,
    source: row.source,
    projectUrl: row.project_url,
    access: row.access as Project['access'],
    archived: Boolean(row.archived),
    tags: parseJson(row.tags),
    created: Number(row.created),
    updated: Number(row.updated),
  };
}

function toPrediction(row: Selectable<PredictionsTable>): Prediction {
  return {
    id: row.prediction_id,
    projectId: row.project_id,
    modelName: row.model_name,
    modelVersion: row.model_version,
    imageryId: row.imagery_id,
    aoiId: row.aoi_id,
    aoi: parseJson(row.aoi),
    zoom: row.zoom,
    overlap: row.overlap,
    task: row.task as PredictionTask,
    classes: parseJson(row.classes),
    status: row.status as PredictionStatus,
    tilesTotal: row.tiles_total,
    tilesDone: row.tiles_done,
    tilesFailed: row.tiles_failed,
    error: row.error,
    runId: row.run_id,
    created: Number(row.created),
    started: row.started === null ? null : Number(row.started),
    finished: row.finished === null ? null : Number(row.finished),
  };
}

function toTile(row: Omit<Selectable<PredictionTilesTable>, 'mask' | 'prediction_id' | 'updated'>): PredictionTile {
  return {
    quadkey: row.quadkey,
    z: row.z,
    x: row.x,
    y: row.y,
    status: row.status as PredictionTile['status'],
    attempts: row.attempts,
    error: row.error,
    scores: parseJson(row.scores),
    topClass: row.top_class,
    topScore: row.top_score,
    entropy: row.entropy,
    margin: row.margin,
  };
}

/** [west, south, east, north] of a GeoJSON geometry's coordinates. */
export function geometryBbox(geometry: { coordinates: unknown }): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (value: unknown): void => {
    if (!Array.isArray(value)) return;
    if (typeof value[0] === 'number') {
      box[0] = Math.min(box[0], value[0]);
      box[1] = Math.min(box[1], value[1] as number);
      box[2] = Math.max(box[2], value[0]);
      box[3] = Math.max(box[3], value[1] as number);
    } else value.forEach(visit);
  };
  visit(geometry.coordinates);
  if (!Number.isFinite(box[0])) throw invalidParameter('a feature geometry has no coordinates');
  return box;
}

/** Uncertainty of class scores: their entropy (nats) and the margin 1 - (top1 - top2). */
export function uncertainty(scores: number[]): { top: number; topScore: number; entropy: number; margin: number } {
  let top = 0;
  let first = -Infinity;
  let second = -Infinity;
  let entropy = 0;
  for (let c = 0; c < scores.length; c++) {
    const p = scores[c];
    if (p > first) {
      second = first;
      first = p;
      top = c;
    } else if (p > second) second = p;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return { top, topScore: first, entropy, margin: 1 - (first - (Number.isFinite(second) ? second : 0)) };
}

/** The prediction service's store. */
export class PredictStore {
  private constructor(
    private readonly db: Kysely<PredictDatabase>,
    private readonly hooks: DialectHooks,
  ) {}

  /** Migrates the prediction tables of an open tracking database and returns the store over them. */
  static async open(database: TrackingDb): Promise<PredictStore> {
    const db = database.db as unknown as Kysely<PredictDatabase>;
    await migratePredict(db as Kysely<any>, database.hooks.kind);
    return new PredictStore(db, database.hooks);
  }

  // ---- projects ----

  /** Creates a project; names are unique. */
  async createProject(input: CreateProjectInput): Promise<Project> {
    const name = String(input.name ?? '').trim();
    if (!name || name.length > 200) throw invalidParameter('a project needs a name of 1 to 200 characters');
    const access = input.access ?? 'private';
    if (access !== 'public' && access !== 'private') throw invalidParameter(`access must be public or private, got ${JSON.stringify(access)}`);
    const now = Date.now();
    const id = newId();
    try {
      await this.db
        .insertInto('predict_projects')
        .values({
          project_id: id,
          name,
          description: input.description ?? '',
          source: input.source ?? '',
          project_url: input.projectUrl ?? '',
          access,
          archived: 0,
          tags: JSON.stringify(input.tags ?? {}),
          created: now,
          updated: now,
        })
        .execute();
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`a project named ${JSON.stringify(name)} exists already`);
      throw error;
    }
    return this.getProject(id);
  }

  /** A project by id. */
  async getProject(id: string): Promise<Project> {
    const row = await this.db.selectFrom('predict_projects').selectAll().where('project_id', '=', String(id)).executeTakeFirst();
    if (!row) throw notFound(`no project ${JSON.stringify(id)}`);
    return toProject(row);
  }

  /** A project by name. */
  async getProjectByName(name: string): Promise<Project> {
    const row = await this.db.selectFrom('predict_projects').selectAll().where('name', '=', String(name)).executeTakeFirst();
    if (!row) throw notFound(`no project named ${JSON.stringify(name)}`);
    return toProject(row);
  }

  /** Projects by name; archived ones only when asked. */
  async listProjects(options: { archived?: boolean; access?: 'public' | 'private' } = {}): Promise<Project[]> {
    let query = this.db.selectFrom('predict_projects').selectAll().orderBy('name');
    if (!options.archived) query = query.where('archived', '=', 0);
    if (options.access) query = query.where('access', '=', options.access);
    return (await query.execute()).map(toProject);
  }

  /** Changes a project's fields. */
  async updateProject(id: string, changes: Partial<CreateProjectInput> & { archived?: boolean }): Promise<Project> {
    await this.getProject(id);
    const values: Record<string, unknown> = { updated: Date.now() };
    if (changes.name !== undefined) {
      const name = String(changes.name).trim();
      if (!name || name.length > 200) throw invalidParameter('a project needs a name of 1 to 200 characters');
      values.name = name;
    }
    if (changes.description !== undefined) values.description = String(changes.description);
    if (changes.source !== undefined) values.source = String(changes.source);
    if (changes.projectUrl !== undefined) values.project_url = String(changes.projectUrl);
    if (changes.access !== undefined) {
      if (changes.access !== 'public' && changes.access !== 'private') throw invalidParameter(`access must be public or private, got ${JSON.stringify(changes.access)}`);
      values.access = changes.access;
    }
    if (changes.archived !== undefined) values.archived = changes.archived ? 1 : 0;
    if (changes.tags !== undefined) values.tags = JSON.stringify(changes.tags);
    try {
      await this.db.updateTable('predict_projects').set(values).where('project_id', '=', id).execute();
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`a project named ${JSON.stringify(values.name)} exists already`);
      throw error;
    }
    return this.getProject(id);
  }

  /** Deletes a project with its imagery, AOIs, predictions and reviews. */
  async deleteProject(id: string): Promise<void> {
    await this.getProject(id);
    await this.db.transaction().execute(async (trx) => {
      const predictions = trx.selectFrom('predictions').select('prediction_id').where('project_id', '=', id);
      // Foreign keys cascade on PostgreSQL and SQLite alike, but deleting children first keeps big deletes predictable.
      await trx.deleteFrom('prediction_reviews').where('prediction_id', 'in', predictions).execute();
      await trx.deleteFrom('prediction_features').where('prediction_id', 'in', predictions).execute();
      await trx.deleteFrom('prediction_tiles').where('prediction_id', 'in', predictions).execute();
      await trx.deleteFrom('predictions').where('project_id', '=', id).execute();
      await trx.deleteFrom('predict_aois').where('project_id', '=', id).execute();
      await trx.deleteFrom('predict_imagery').where('project_id', '=', id).execute();
      await trx.deleteFrom('predict_project_models').where('project_id', '=', id).execute();
      await trx.deleteFrom('predict_projects').where('project_id', '=', id).execute();
    });
  }

  // ---- model versions ----

  /** Adds a registry model version (already checked by the caller) to a project. */
  async addModel(projectId: string, name: string, version: string, mlm: Record<string, unknown>): Promise<ProjectModel> {
    await this.getProject(projectId);
    try {
      await this.db
        .insertInto('predict_project_models')
        .values({ project_id: projectId, model_name: name, model_version: String(version), mlm: JSON.stringify(mlm), added: Date.now() })
        .execute();
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`${name} version ${version} is in the project already`);
      throw error;
    }
    return this.getModel(projectId, name, version);
  }

  /** A project's model version. */
  async getModel(projectId: string, name: string, version: string): Promise<ProjectModel> {
    const row = await this.db
      .selectFrom('predict_project_models')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('model_name', '=', name)
      .where('model_version', '=', String(version))
      .executeTakeFirst();
    if (!row) throw notFound(`${name} version ${version} is not in project ${projectId}`);
    return { projectId, name: row.model_name, version: row.model_version, mlm: parseJson(row.mlm), added: Number(row.added) };
  }

  /** A project's model versions, newest first. */
  async listModels(projectId: string): Promise<ProjectModel[]> {
    const rows = await this.db.selectFrom('predict_project_models').selectAll().where('project_id', '=', projectId).orderBy('added', 'desc').execute();
    return rows.map((row) => ({ projectId, name: row.model_name, version: row.model_version, mlm: parseJson(row.mlm), added: Number(row.added) }));
  }

  // ---- imagery ----

  /** Adds an imagery source to a project (the caller has checked that it opens). */
  async createImagery(projectId: string, name: string, uri: string, options: Imagery['options'] = {}): Promise<Imagery> {
    await this.getProject(projectId);
    if (!name || name.length > 200) throw invalidParameter('imagery needs a name of 1 to 200 characters');
    const id = newId();
    await this.db.insertInto('predict_imagery').values({ imagery_id: id, project_id: projectId, name, uri, options: JSON.stringify(options), created: Date.now() }).execute();
    return this.getImagery(id);
  }

  /** Imagery by id. */
  async getImagery(id: string): Promise<Imagery> {
    const row = await this.db.selectFrom('predict_imagery').selectAll().where('imagery_id', '=', String(id)).executeTakeFirst();
    if (!row) throw notFound(`no imagery ${JSON.stringify(id)}`);
    return { id: row.imagery_id, projectId: row.project_id, name: row.name, uri: row.uri, options: parseJson(row.options), created: Number(row.created) };
  }

  /** Imagery by id, or undefined when there is none (for lookups that must not throw). */
  async findImagery(id: string): Promise<Imagery | undefined> {
    try {
      return await this.getImagery(id);
    } catch (error) {
      if (error instanceof TileflowError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /** A project's imagery sources. */
  async listImagery(projectId: string): Promise<Imagery[]> {
    const rows = await this.db.selectFrom('predict_imagery').select('imagery_id').where('project_id', '=', projectId).orderBy('created').execute();
    return Promise.all(rows.map((r) => this.getImagery(r.imagery_id)));
  }

  /** Removes an imagery source. */
  async deleteImagery(id: string): Promise<void> {
    await this.getImagery(id);
    await this.db.deleteFrom('predict_imagery').where('imagery_id', '=', id).execute();
  }

  // ---- AOIs ----

  /** Stores an AOI (already validated by the caller). */
  async createAoi(projectId: string, name: string, geometry: AoiGeometry, bbox: [number, number, number, number]): Promise<Aoi> {
    await this.getProject(projectId);
    if (!name || name.length > 200) throw invalidParameter('an AOI needs a name of 1 to 200 characters');
    const id = newId();
    await this.db
      .insertInto('predict_aois')
      .values({ aoi_id: id, project_id: projectId, name, geometry: JSON.stringify(geometry), bbox: JSON.stringify(bbox), created: Date.now() })
      .execute();
    return this.getAoi(id);
  }

  /** An AOI by id. */
  async getAoi(id: string): Promise<Aoi> {
    const row = await this.db.selectFrom('predict_aois').selectAll().where('aoi_id', '=', String(id)).executeTakeFirst();
    if (!row) throw notFound(`no AOI ${JSON.stringify(id)}`);
    return { id: row.aoi_id, projectId: row.project_id, name: row.name, geometry: parseJson(row.geometry), bbox: parseJson(row.bbox), created: Number(row.created) };
  }

  /** A project's AOIs. */
  async listAois(projectId: string): Promise<Aoi[]> {
    const rows = await this.db.selectFrom('predict_aois').select('aoi_id').where('project_id', '=', projectId).orderBy('created').execute();
    return Promise.all(rows.map((r) => this.getAoi(r.aoi_id)));
  }

  /** Removes an AOI (predictions keep their own copy of it). */
  async deleteAoi(id: string): Promise<void> {
    await this.getAoi(id);
    await this.db.deleteFrom('predict_aois').where('aoi_id', '=', id).execute();
  }

  // ---- predictions ----

  /** Creates a queued prediction with one pending row per tile of its cover. */
  async createPrediction(input: CreatePredictionInput): Promise<Prediction> {
    await this.getProject(input.projectId);
    if (input.quadkeys.length === 0) throw invalidParameter('the AOI covers no tiles');
    const id = newId();
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('predictions')
        .values({
          prediction_id: id,
          project_id: input.projectId,
          model_name: input.modelName,
          model_version: String(input.modelVersion),
          imagery_id: input.imageryId,
          aoi_id: input.aoiId ?? null,
          aoi: JSON.stringify(input.aoi),
          zoom: input.zoom,
          overlap: input.overlap,
          task: input.task,
          classes: JSON.stringify(input.classes),
          status: 'queued',
          tiles_total: input.quadkeys.length,
          tiles_done: 0,
          tiles_failed: 0,
          error: null,
          run_id: input.runId ?? null,
          created: now,
          started: null,
          finished: null,
        })
        .execute();
      for (let start = 0; start < input.quadkeys.length; start += INSERT_CHUNK) {
        const rows = input.quadkeys.slice(start, start + INSERT_CHUNK).map((quadkey) => {
          const { z, x, y } = tileFromQuadkey(quadkey);
          return { prediction_id: id, quadkey, z, x, y, status: 'pending', attempts: 0, error: null, scores: null, top_class: null, top_score: null, entropy: null, margin: null, mask: null, updated: now };
        });
        await trx.insertInto('prediction_tiles').values(rows).execute();
      }
    });
    return this.getPrediction(id);
  }

  /** A prediction by id. */
  async getPrediction(id: string): Promise<Prediction> {
    const row = await this.db.selectFrom('predictions').selectAll().where('prediction_id', '=', String(id)).executeTakeFirst();
    if (!row) throw notFound(`no prediction ${JSON.stringify(id)}`);
    return toPrediction(row);
  }

  /** Predictions, newest first; of one project, or in some statuses. */
  async listPredictions(options: { projectId?: string; statuses?: PredictionStatus[]; limit?: number } = {}): Promise<Prediction[]> {
    let query = this.db.selectFrom('predictions').selectAll().orderBy('created', 'desc');
    if (options.projectId) query = query.where('project_id', '=', options.projectId);
    if (options.statuses?.length) query = query.where('status', 'in', options.statuses);
    if (options.limit) query = query.limit(options.limit);
    return (await query.execute()).map(toPrediction);
  }

  /** Moves a prediction to `status`; a final status is never left (a cancelled prediction stays cancelled). */
  async setStatus(id: string, status: PredictionStatus, error: string | null = null): Promise<Prediction> {
    const current = await this.getPrediction(id);
    if (FINAL_STATUSES.includes(current.status) && status !== current.status && !(current.status === 'failed' && status === 'queued')) {
      throw new TileflowError('INVALID_STATE', `prediction ${id} is ${current.status} and cannot become ${status}`);
    }
    const now = Date.now();
    await this.db
      .updateTable('predictions')
      .set({
        status,
        error,
        ...(status === 'running' && current.started === null ? { started: now } : {}),
        ...(FINAL_STATUSES.includes(status) ? { finished: now } : { finished: null }),
      })
      .where('prediction_id', '=', id)
      .execute();
    return this.getPrediction(id);
  }

  /** Queues a failed or cancelled prediction again (its tiles not done will be run). */
  async reopen(id: string): Promise<Prediction> {
    await this.getPrediction(id);
    await this.db.updateTable('predictions').set({ status: 'queued', error: null, finished: null }).where('prediction_id', '=', id).execute();
    return this.getPrediction(id);
  }

  /** Links the tracked run that records a prediction. */
  async setRunId(id: string, runId: string): Promise<void> {
    await this.db.updateTable('predictions').set({ run_id: runId }).where('prediction_id', '=', id).execute();
  }

  /** Quadkeys still to predict: pending, or failed fewer than `maxAttempts` times. */
  async tilesToPredict(id: string, maxAttempts: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('prediction_tiles')
      .select('quadkey')
      .where('prediction_id', '=', id)
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'failed'), eb('attempts', '<', maxAttempts)])]))
      .orderBy('quadkey')
      .execute();
    return rows.map((r) => r.quadkey);
  }

  /** Records inference results of tiles, replacing any earlier attempt's, and updates the counts. */
  async recordResults(id: string, results: TileResult[]): Promise<void> {
    if (results.length === 0) return;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      const quadkeys = [...new Set(results.map((r) => r.quadkey))];
      const before = await this.statusesOf(trx, id, quadkeys);
      await trx.deleteFrom('prediction_features').where('prediction_id', '=', id).where('quadkey', 'in', quadkeys).execute();
      const features: Record<string, unknown>[] = [];
      for (const result of results) {
        const u = uncertainty(result.scores);
        await trx
          .updateTable('prediction_tiles')
          .set({
            status: 'done',
            attempts: sql`attempts + 1`,
            error: null,
            scores: JSON.stringify(result.scores.map((s) => Math.round(s * 1e6) / 1e6)),
            top_class: u.top,
            top_score: u.topScore,
            entropy: u.entropy,
            margin: u.margin,
            mask: result.mask ?? null,
            updated: now,
          })
          .where('prediction_id', '=', id)
          .where('quadkey', '=', result.quadkey)
          .execute();
        for (const f of result.features ?? []) {
          const [west, south, east, north] = geometryBbox(f.geometry);
          features.push({ prediction_id: id, quadkey: result.quadkey, class_index: f.classIndex, score: f.score, geometry: JSON.stringify(f.geometry), west, south, east, north });
        }
      }
      for (let start = 0; start < features.length; start += INSERT_CHUNK) {
        await trx.insertInto('prediction_features').values(features.slice(start, start + INSERT_CHUNK) as never).execute();
      }
      // Every tile found is done now: the counts move by what these tiles were before.
      await this.moveCounts(trx, id, before.length - count(before, 'done'), -count(before, 'failed'));
    });
  }

  /** Records that tiles failed (a read error, a 404), with the reason, and updates the counts. */
  async recordFailures(id: string, failures: { quadkey: string; error: string }[]): Promise<void> {
    if (failures.length === 0) return;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      const before = await this.statusesOf(trx, id, [...new Set(failures.map((f) => f.quadkey))]);
      for (const f of failures) {
        await trx
          .updateTable('prediction_tiles')
          .set({ status: 'failed', attempts: sql`attempts + 1`, error: f.error.slice(0, 2000), updated: now })
          .where('prediction_id', '=', id)
          .where('quadkey', '=', f.quadkey)
          .execute();
      }
      await this.moveCounts(trx, id, -count(before, 'done'), before.length - count(before, 'failed'));
    });
  }

  /**
   * The current status of some tiles of a prediction, locked for the transaction on PostgreSQL (SQLite
   * has one writer at a time), so that the counts can move by the difference: recounting every tile
   * of the prediction on each batch costs time that grows with the AOI.
   */
  private async statusesOf(trx: Kysely<PredictDatabase>, id: string, quadkeys: string[]): Promise<{ status: string }[]> {
    const rows: { status: string }[] = [];
    for (let start = 0; start < quadkeys.length; start += INSERT_CHUNK) {
      let query = trx.selectFrom('prediction_tiles').select('status').where('prediction_id', '=', id).where('quadkey', 'in', quadkeys.slice(start, start + INSERT_CHUNK));
      if (this.hooks.kind === 'postgres') query = query.forUpdate();
      rows.push(...(await query.execute()));
    }
    return rows;
  }

  private async moveCounts(trx: Kysely<PredictDatabase>, id: string, done: number, failed: number): Promise<void> {
    if (done === 0 && failed === 0) return;
    await trx
      .updateTable('predictions')
      .set((eb) => ({ tiles_done: eb('tiles_done', '+', done), tiles_failed: eb('tiles_failed', '+', failed) }))
      .where('prediction_id', '=', id)
      .execute();
  }

  /** Tiles of a prediction, by quadkey; optionally under a quadkey prefix or in one status. */
  async listTiles(id: string, query: TileQuery = {}): Promise<PredictionTile[]> {
    let q = this.db
      .selectFrom('prediction_tiles')
      .select(['quadkey', 'z', 'x', 'y', 'status', 'attempts', 'error', 'scores', 'top_class', 'top_score', 'entropy', 'margin'])
      .where('prediction_id', '=', id)
      .orderBy('quadkey');
    if (query.quadkeyPrefix) q = whereQuadkeyPrefix(q, query.quadkeyPrefix);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.limit) q = q.limit(query.limit);
    if (query.offset) q = q.offset(query.offset);
    return (await q.execute()).map(toTile);
  }

  /** Done tiles whose x and y fall in the ranges (a map tile's footprint at the prediction's zoom). */
  async tilesInRange(id: string, x0: number, x1: number, y0: number, y1: number): Promise<PredictionTile[]> {
    const rows = await this.db
      .selectFrom('prediction_tiles')
      .select(['quadkey', 'z', 'x', 'y', 'status', 'attempts', 'error', 'scores', 'top_class', 'top_score', 'entropy', 'margin'])
      .where('prediction_id', '=', id)
      .where('x', '>=', x0)
      .where('x', '<=', x1)
      .where('y', '>=', y0)
      .where('y', '<=', y1)
      .execute();
    return rows.map(toTile);
  }

  /** One tile's result. */
  async getTile(id: string, quadkey: string): Promise<PredictionTile> {
    const row = await this.db
      .selectFrom('prediction_tiles')
      .select(['quadkey', 'z', 'x', 'y', 'status', 'attempts', 'error', 'scores', 'top_class', 'top_score', 'entropy', 'margin'])
      .where('prediction_id', '=', id)
      .where('quadkey', '=', String(quadkey))
      .executeTakeFirst();
    if (!row) throw notFound(`prediction ${id} has no tile ${JSON.stringify(quadkey)}`);
    return toTile(row);
  }

  /** A segmentation tile's class mask (grayscale PNG), or null. */
  async getMask(id: string, quadkey: string): Promise<Uint8Array | null> {
    const row = await this.db.selectFrom('prediction_tiles').select('mask').where('prediction_id', '=', id).where('quadkey', '=', quadkey).executeTakeFirst();
    return row?.mask ?? null;
  }

  /** Features (boxes, polygons) of a prediction, filtered. */
  async listFeatures(id: string, query: FeatureQuery = {}): Promise<PredictionFeature[]> {
    let q = this.db.selectFrom('prediction_features').selectAll().where('prediction_id', '=', id).orderBy('feature_id');
    if (query.bbox) {
      const [w, s, e, n] = query.bbox;
      q = q.where('east', '>=', w).where('west', '<=', e).where('north', '>=', s).where('south', '<=', n);
    }
    if (query.quadkeyPrefix) q = whereQuadkeyPrefix(q, query.quadkeyPrefix);
    if (query.classIndex !== undefined) q = q.where('class_index', '=', query.classIndex);
    if (query.minScore !== undefined) q = q.where('score', '>=', query.minScore);
    if (query.limit) q = q.limit(query.limit);
    return (await q.execute()).map((row) => ({
      id: Number(row.feature_id),
      quadkey: row.quadkey,
      classIndex: row.class_index,
      score: row.score,
      geometry: parseJson(row.geometry),
      bbox: [row.west, row.south, row.east, row.north],
    }));
  }

  /** Deletes features by id (duplicates merged away across tile edges). */
  async deleteFeatures(id: string, featureIds: number[]): Promise<void> {
    for (let start = 0; start < featureIds.length; start += INSERT_CHUNK) {
      await this.db.deleteFrom('prediction_features').where('prediction_id', '=', id).where('feature_id', 'in', featureIds.slice(start, start + INSERT_CHUNK)).execute();
    }
  }

  // ---- reviews ----

  /** Records a person's judgement of a tile or feature; the latest judgement of a target and class counts. */
  async addReview(id: string, input: { target: 'tile' | 'feature'; targetId: string; classIndex?: number | null; valid: boolean; reviewer: string }): Promise<Review> {
    const prediction = await this.getPrediction(id);
    if (input.target !== 'tile' && input.target !== 'feature') throw invalidParameter(`target must be tile or feature, got ${JSON.stringify(input.target)}`);
    if (typeof input.valid !== 'boolean') throw invalidParameter('valid must be true or false');
    const reviewer = String(input.reviewer ?? '').trim();
    if (!reviewer || reviewer.length > 256) throw invalidParameter('a review needs a reviewer (1 to 256 characters)');
    const classIndex = input.classIndex ?? null;
    if (classIndex !== null && !prediction.classes.some((c) => c.index === classIndex)) throw invalidParameter(`class ${classIndex} is not one of the model's classes`);
    const targetId = String(input.targetId);
    if (input.target === 'tile') {
      const tile = await this.getTile(id, targetId);
      if (tile.status !== 'done') throw invalidParameter(`tile ${targetId} has no prediction to review (it is ${tile.status})`);
    } else {
      const feature = await this.db.selectFrom('prediction_features').select('feature_id').where('prediction_id', '=', id).where('feature_id', '=', Number(targetId)).executeTakeFirst();
      if (!/^\d+$/.test(targetId) || !feature) throw notFound(`prediction ${id} has no feature ${JSON.stringify(targetId)}`);
    }
    const created = Date.now();
    const inserted = await this.db
      .insertInto('prediction_reviews')
      .values({ prediction_id: id, target: input.target, target_id: targetId, class_index: classIndex, valid: input.valid ? 1 : 0, reviewer, created })
      .returning('review_id')
      .executeTakeFirstOrThrow();
    return { id: Number(inserted.review_id), predictionId: id, target: input.target, targetId, classIndex, valid: input.valid, reviewer, created };
  }

  /** The id of the prediction's newest review, 0 without any: it changes with every review, so caches key on it. */
  async lastReviewId(id: string): Promise<number> {
    const row = await this.db.selectFrom('prediction_reviews').select((eb) => eb.fn.max('review_id').as('last')).where('prediction_id', '=', id).executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  /** The latest review of each target and class, keyed `target:targetId:class`. */
  async latestReviews(id: string): Promise<Map<string, Review>> {
    const rows = await this.db.selectFrom('prediction_reviews').selectAll().where('prediction_id', '=', id).orderBy('review_id').execute();
    const latest = new Map<string, Review>();
    for (const row of rows) {
      latest.set(`${row.target}:${row.target_id}:${row.class_index ?? ''}`, {
        id: Number(row.review_id),
        predictionId: id,
        target: row.target as Review['target'],
        targetId: row.target_id,
        classIndex: row.class_index,
        valid: Boolean(row.valid),
        reviewer: row.reviewer,
        created: Number(row.created),
      });
    }
    return latest;
  }

  /** Per tile, its review state: the latest judgement of its predicted class (or of the tile as a whole). */
  async tileReviews(id: string): Promise<Map<string, Review>> {
    const byTile = new Map<string, Review>();
    for (const review of (await this.latestReviews(id)).values()) {
      if (review.target !== 'tile') continue;
      const previous = byTile.get(review.targetId);
      if (!previous || previous.id < review.id) byTile.set(review.targetId, review);
    }
    return byTile;
  }

  /** How much of a prediction has been reviewed and the precision the reviews estimate. */
  async reviewStatistics(id: string): Promise<ReviewStatistics> {
    const prediction = await this.getPrediction(id);
    const reviews = await this.tileReviews(id);
    const tiles = await this.listTiles(id, { status: 'done' });
    const perClass = prediction.classes.map((c) => ({ index: c.index, name: c.name, reviewed: 0, valid: 0, precision: null as number | null }));
    let valid = 0;
    for (const tile of tiles) {
      const review = reviews.get(tile.quadkey);
      if (!review) continue;
      if (review.valid) valid++;
      const entry = perClass.find((c) => c.index === (review.classIndex ?? tile.topClass));
      if (entry) {
        entry.reviewed++;
        if (review.valid) entry.valid++;
      }
    }
    for (const c of perClass) c.precision = c.reviewed ? c.valid / c.reviewed : null;
    const reviewed = tiles.filter((t) => reviews.has(t.quadkey)).length;
    return {
      tiles: tiles.length,
      reviewed,
      valid,
      invalid: reviewed - valid,
      reviewedShare: tiles.length ? reviewed / tiles.length : 0,
      precision: reviewed ? valid / reviewed : null,
      perClass,
    };
  }

  /** The active-learning queue: unreviewed done tiles, most uncertain first (highest entropy, or smallest gap between the top two scores). */
  async reviewQueue(id: string, options: { strategy?: 'entropy' | 'margin'; limit?: number; classIndex?: number } = {}): Promise<PredictionTile[]> {
    await this.getPrediction(id);
    const strategy = options.strategy ?? 'entropy';
    if (strategy !== 'entropy' && strategy !== 'margin') throw invalidParameter(`strategy must be entropy or margin, got ${JSON.stringify(strategy)}`);
    const limit = options.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidParameter('limit must be a whole number from 1 to 1000');
    let q = this.db
      .selectFrom('prediction_tiles as t')
      .select(['t.quadkey', 't.z', 't.x', 't.y', 't.status', 't.attempts', 't.error', 't.scores', 't.top_class', 't.top_score', 't.entropy', 't.margin'])
      .where('t.prediction_id', '=', id)
      .where('t.status', '=', 'done')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('prediction_reviews as r').select('r.review_id').where('r.prediction_id', '=', id).where('r.target', '=', 'tile').whereRef('r.target_id', '=', 't.quadkey'))),
      )
      .orderBy(strategy === 'entropy' ? 't.entropy' : 't.margin', 'desc')
      .orderBy('t.quadkey')
      .limit(limit);
    if (options.classIndex !== undefined) q = q.where('t.top_class', '=', options.classIndex);
    return (await q.execute()).map(toTile);
  }

  /** Features in id order after `afterId` (keyset paging: an export walks every feature without holding them all or re-scanning an offset). */
  async listFeaturesAfter(id: string, afterId: number, limit: number, query: Pick<FeatureQuery, 'classIndex' | 'minScore'> = {}): Promise<PredictionFeature[]> {
    let q = this.db.selectFrom('prediction_features').selectAll().where('prediction_id', '=', id).where('feature_id', '>', afterId).orderBy('feature_id').limit(limit);
    if (query.classIndex !== undefined) q = q.where('class_index', '=', query.classIndex);
    if (query.minScore !== undefined) q = q.where('score', '>=', query.minScore);
    return (await q.execute()).map((row) => ({
      id: Number(row.feature_id),
      quadkey: row.quadkey,
      classIndex: row.class_index,
      score: row.score,
      geometry: parseJson(row.geometry),
      bbox: [row.west, row.south, row.east, row.north],
    }));
  }
}

function count(rows: { status: string }[], status: string): number {
  return rows.reduce((n, r) => n + (r.status === status ? 1 : 0), 0);
}

/** Restricts a query to quadkeys that start with `prefix` (a range, so the index serves it). */
function whereQuadkeyPrefix<Q extends { where: (...args: any[]) => Q }>(query: Q, prefix: string): Q {
  if (!/^[0-3]{0,30}$/.test(prefix)) throw invalidParameter(`a quadkey is digits 0 to 3, got ${JSON.stringify(prefix)}`);
  if (!prefix) return query;
  return query.where('quadkey', '>=', prefix).where('quadkey', '<', `${prefix}4`);
}

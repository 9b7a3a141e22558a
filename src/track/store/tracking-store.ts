/**
 * The tracking store: experiments, runs, params, metrics, tags, dataset inputs and model outputs, with
 * MLflow's semantics. Validation happens here, before SQL, so SQLite and PostgreSQL behave alike; the
 * backends differ only in the hooks of `database.ts`.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import { alreadyExists, invalidParameter, notFound, TileflowError } from '../../core/errors.js';
import {
  RUN_STATUSES,
  type DatasetInput,
  type Experiment,
  type Metric,
  type MetricWithRunId,
  type Page,
  type Param,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
  type ViewType,
} from '../entities.js';
import { parseExperimentFilter, parseRunFilter, type Comparison } from '../search/filter.js';
import { parseExperimentOrderBy, parseRunOrderBy } from '../search/order-by.js';
import { decodePageToken, encodePageToken } from '../search/page-token.js';
import {
  LIMITS,
  normalizeParam,
  validateBatchLimits,
  validateExperimentName,
  validateMaxResults,
  validateMetric,
  validateRunId,
  validateTag,
} from '../validation.js';
import type { DialectHooks, TrackingDb } from './database.js';
import { hydrateRuns, metricValue, runInfoFromRow, storedValue } from './run-data.js';
import type { ExperimentsTable, TrackingDatabase } from './schema.js';
import { compare, keyValueExists, keyValueLookup, orderTerms, requireNumber } from './search-sql.js';
import { randomRunName } from './run-names.js';

/** The run tag MLflow keeps in step with the run's name. */
export const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';

export interface CreateRunInput {
  experimentId?: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: Tag[];
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface SearchExperimentsInput {
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Parses an experiment id; MLflow 3 answers 400 for ids that are not numbers. */
export function parseExperimentId(id: string | number | undefined): number {
  const text = String(id ?? '');
  if (!/^\d{1,15}$/.test(text)) throw invalidParameter(`Invalid experiment ID: '${text}'. Experiment IDs are non-negative integers.`);
  return Number(text);
}

function viewTypeStages(viewType: ViewType | undefined): string[] {
  if (viewType === 'DELETED_ONLY') return ['deleted'];
  if (viewType === 'ALL') return ['active', 'deleted'];
  return ['active'];
}

/** Keeps the largest (step, timestamp, value) point per key, MLflow's definition of "latest". */
function latestPerKey(metrics: Metric[]): Metric[] {
  const best = new Map<string, Metric>();
  const rank = (m: Metric) => [m.step, m.timestamp, Number.isNaN(m.value) ? 0 : m.value] as const;
  for (const m of metrics) {
    const current = best.get(m.key);
    if (!current) {
      best.set(m.key, m);
      continue;
    }
    const [a, b] = [rank(m), rank(current)];
    if (a[0] > b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] > b[2])))) best.set(m.key, m);
  }
  return [...best.values()];
}

/** Experiments, runs and their logged data in one metadata database. */
export class TrackingStore {
  private readonly db: Kysely<TrackingDatabase>;
  private readonly hooks: DialectHooks;

  constructor(database: TrackingDb) {
    this.db = database.db;
    this.hooks = database.hooks;
  }

  // ---- experiments -------------------------------------------------------------------------------

  /** Creates an experiment; its artifacts go to `artifactLocation` or `mlflow-artifacts:/<id>`. */
  async createExperiment(name: string, artifactLocation?: string, tags: Tag[] = []): Promise<string> {
    validateExperimentName(name);
    tags.forEach((t) => validateTag(t, LIMITS.maxExperimentTagValueLength));
    const now = Date.now();
    try {
      return await this.db.transaction().execute(async (trx) => {
        const { experiment_id: id } = await trx
          .insertInto('experiments')
          .values({ name, artifact_location: artifactLocation ?? '', lifecycle_stage: 'active', creation_time: now, last_update_time: now })
          .returning('experiment_id')
          .executeTakeFirstOrThrow();
        if (!artifactLocation) {
          await trx.updateTable('experiments').set({ artifact_location: `mlflow-artifacts:/${id}` }).where('experiment_id', '=', id).execute();
        }
        if (tags.length > 0) {
          await trx.insertInto('experiment_tags').values(tags.map((t) => ({ experiment_id: id, key: t.key, value: t.value }))).execute();
        }
        return String(id);
      });
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`Experiment(name=${name}) already exists.`);
      throw error;
    }
  }

  /** Gets an experiment by id, deleted or not. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    const id = parseExperimentId(experimentId);
    const row = await this.db.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return (await this.withExperimentTags([row]))[0];
  }

  /** Gets an experiment by its exact name. */
  async getExperimentByName(name: string): Promise<Experiment> {
    const row = await this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return (await this.withExperimentTags([row]))[0];
  }

  private async withExperimentTags(rows: Selectable<ExperimentsTable>[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const tags = await this.db
      .selectFrom('experiment_tags')
      .selectAll()
      .where('experiment_id', 'in', rows.map((r) => r.experiment_id))
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      lifecycleStage: r.lifecycle_stage as 'active' | 'deleted',
      creationTime: Number(r.creation_time),
      lastUpdateTime: Number(r.last_update_time),
      tags: tags.filter((t) => t.experiment_id === r.experiment_id).map(({ key, value }) => ({ key, value })),
    }));
  }

  /** Renames an active experiment. */
  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw invalidParameter(`Cannot rename a non-active experiment. ${experimentId} is in '${experiment.lifecycleStage}' state.`);
    }
    try {
      await this.db
        .updateTable('experiments')
        .set({ name: newName, last_update_time: Date.now() })
        .where('experiment_id', '=', parseExperimentId(experimentId))
        .execute();
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`Experiment(name=${newName}) already exists.`);
      throw error;
    }
  }

  /** Soft-deletes an experiment and its runs (MLflow keeps them restorable). */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.setExperimentStage(experimentId, 'deleted');
  }

  /** Restores a deleted experiment and the runs deleted with it. */
  async restoreExperiment(experimentId: string): Promise<void> {
    await this.setExperimentStage(experimentId, 'active');
  }

  private async setExperimentStage(experimentId: string, stage: 'active' | 'deleted'): Promise<void> {
    const experiment = await this.getExperiment(experimentId);
    if (stage === 'active' && experiment.lifecycleStage !== 'deleted') {
      throw invalidParameter(`Cannot restore an active experiment. ${experimentId} is in 'active' state.`);
    }
    const id = parseExperimentId(experimentId);
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('experiments').set({ lifecycle_stage: stage, last_update_time: now }).where('experiment_id', '=', id).execute();
      await trx
        .updateTable('runs')
        .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
        .where('experiment_id', '=', id)
        .where('lifecycle_stage', '=', stage === 'deleted' ? 'active' : 'deleted')
        .execute();
    });
  }

  /** Sets a tag on an experiment. */
  async setExperimentTag(experimentId: string, tag: Tag): Promise<void> {
    validateTag(tag, LIMITS.maxExperimentTagValueLength);
    await this.requireActiveExperiment(experimentId);
    await this.db
      .insertInto('experiment_tags')
      .values({ experiment_id: parseExperimentId(experimentId), key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  /** Deletes a tag from an experiment. */
  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.requireActiveExperiment(experimentId);
    const result = await this.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', parseExperimentId(experimentId))
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
  }

  private async requireActiveExperiment(experimentId: string): Promise<Experiment> {
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw invalidParameter(`The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`);
    }
    return experiment;
  }

  /** Searches experiments with MLflow's filter grammar, ordering and page tokens. */
  async searchExperiments(input: SearchExperimentsInput = {}): Promise<Page<Experiment>> {
    const maxResults = input.maxResults ?? LIMITS.searchExperimentsDefault;
    validateMaxResults(maxResults, LIMITS.searchExperimentsMax);
    const offset = decodePageToken(input.pageToken);
    const clauses = parseExperimentFilter(input.filter);
    const orderBy = parseExperimentOrderBy(input.orderBy);
    let query = this.db
      .selectFrom('experiments')
      .selectAll()
      .where('lifecycle_stage', 'in', viewTypeStages(input.viewType));
    for (const c of clauses) {
      if (c.type === 'tag') {
        query = query.where(keyValueExists(this.hooks, 'experiment_tags', 'experiment_id', 'experiments.experiment_id', c));
      } else {
        const column = sql.ref(`experiments.${c.key}`);
        query = query.where(compare(this.hooks, column, c.key === 'name' ? c : { ...c, value: requireNumber(c) }));
      }
    }
    for (const o of orderBy) for (const term of orderTerms(sql.ref(`experiments.${o.key}`), o.ascending)) query = query.orderBy(term);
    if (!orderBy.some((o) => o.key === 'experiment_id')) query = query.orderBy('experiment_id', 'desc');
    const rows = await query.limit(maxResults + 1).offset(offset).execute();
    const items = await this.withExperimentTags(rows.slice(0, maxResults));
    return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
  }

  /** Active run counts per experiment id, for overviews. */
  async countRunsByExperiment(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['experiment_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('lifecycle_stage', '=', 'active')
      .groupBy('experiment_id')
      .execute();
    return new Map(rows.map((r) => [String(r.experiment_id), Number(r.count)]));
  }

  // ---- runs --------------------------------------------------------------------------------------

  /** Creates a run in an active experiment ("0" when none is given). */
  async createRun(input: CreateRunInput): Promise<Run> {
    const experiment = await this.getExperiment(input.experimentId ?? '0');
    if (experiment.lifecycleStage !== 'active') {
      throw invalidParameter(`The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`);
    }
    const tags = [...(input.tags ?? [])];
    tags.forEach((t) => validateTag(t));
    const nameTag = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && nameTag && input.runName !== nameTag) {
      throw invalidParameter(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${nameTag}').`);
    }
    const runName = input.runName || nameTag || randomRunName();
    if (!nameTag) tags.push({ key: RUN_NAME_TAG, value: runName });
    const userId = input.userId ?? tags.find((t) => t.key === USER_TAG)?.value ?? '';
    const runId = randomUUID().replace(/-/g, '');
    const location = experiment.artifactLocation.replace(/\/+$/, '');
    const row = {
      run_uuid: runId,
      name: runName,
      experiment_id: Number(experiment.experimentId),
      user_id: userId,
      status: 'RUNNING',
      start_time: input.startTime ?? Date.now(),
      end_time: null,
      deleted_time: null,
      artifact_uri: `${location}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('runs').values(row).execute();
      if (tags.length > 0) await trx.insertInto('tags').values(tags.map((t) => ({ run_uuid: runId, key: t.key, value: t.value }))).execute();
    });
    return (await hydrateRuns(this.db, [row]))[0];
  }

  /** Gets a run with all its data, deleted or not. */
  async getRun(runId: string): Promise<Run> {
    return (await hydrateRuns(this.db, [await this.runRow(runId)]))[0];
  }

  private async runRow(runId: string) {
    if (typeof runId !== 'string' || runId.length === 0) throw invalidParameter("Missing value for required parameter 'run_id'.");
    const row = await this.db.selectFrom('runs').selectAll().where('run_uuid', '=', runId).executeTakeFirst();
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  private async requireActiveRun(runId: string) {
    const row = await this.runRow(runId);
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  /** Updates a run's status, end time and name; returns its new info. */
  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const row = await this.requireActiveRun(runId);
    const changes: Partial<typeof row> = {};
    if (update.status && (RUN_STATUSES as readonly string[]).includes(update.status)) changes.status = update.status;
    if (update.endTime !== undefined) changes.end_time = update.endTime;
    if (update.runName) changes.name = update.runName;
    await this.db.transaction().execute(async (trx) => {
      if (Object.keys(changes).length > 0) await trx.updateTable('runs').set(changes).where('run_uuid', '=', runId).execute();
      if (update.runName) {
        await trx
          .insertInto('tags')
          .values({ run_uuid: runId, key: RUN_NAME_TAG, value: update.runName })
          .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value: update.runName! }))
          .execute();
      }
    });
    return runInfoFromRow({ ...row, ...changes });
  }

  /** Soft-deletes a run. */
  async deleteRun(runId: string): Promise<void> {
    await this.runRow(runId);
    await this.db.updateTable('runs').set({ lifecycle_stage: 'deleted', deleted_time: Date.now() }).where('run_uuid', '=', runId).execute();
  }

  /** Restores a soft-deleted run. */
  async restoreRun(runId: string): Promise<void> {
    await this.runRow(runId);
    await this.db.updateTable('runs').set({ lifecycle_stage: 'active', deleted_time: null }).where('run_uuid', '=', runId).execute();
  }

  /** Logs one metric point. */
  async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  /** Logs one param; the same value again is fine, a different one is an error. */
  async logParam(runId: string, param: Param): Promise<void> {
    await this.logBatch(runId, { params: [param] });
  }

  /** Sets one run tag (`mlflow.runName` also renames the run). */
  async setTag(runId: string, tag: Tag): Promise<void> {
    await this.logBatch(runId, { tags: [tag] });
  }

  /** Deletes a run tag. */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.requireActiveRun(runId);
    const result = await this.db.deleteFrom('tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  }

  /** Logs metrics, params and tags atomically, within MLflow's batch limits. */
  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: Param[]; tags?: Tag[] }): Promise<void> {
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? [];
    validateBatchLimits(metrics, batch.params ?? [], tags);
    metrics.forEach(validateMetric);
    const params = (batch.params ?? []).map(normalizeParam);
    tags.forEach((t) => validateTag(t));
    await this.requireActiveRun(runId);
    await this.db.transaction().execute(async (trx) => {
      if (params.length > 0) await this.insertParams(trx, runId, params);
      if (metrics.length > 0) await this.insertMetrics(trx, runId, metrics);
      for (const tag of tags) {
        await trx
          .insertInto('tags')
          .values({ run_uuid: runId, key: tag.key, value: tag.value })
          .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value: tag.value }))
          .execute();
        if (tag.key === RUN_NAME_TAG) await trx.updateTable('runs').set({ name: tag.value }).where('run_uuid', '=', runId).execute();
      }
    });
  }

  private async insertParams(trx: Kysely<TrackingDatabase>, runId: string, params: Param[]): Promise<void> {
    await trx
      .insertInto('params')
      .values(params.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
      .onConflict((oc) => oc.columns(['run_uuid', 'key']).doNothing())
      .execute();
    // Params are immutable: read back what is stored and refuse any change.
    const stored = await trx
      .selectFrom('params')
      .select(['key', 'value'])
      .where('run_uuid', '=', runId)
      .where('key', 'in', params.map((p) => p.key))
      .execute();
    const storedValues = new Map(stored.map((s) => [s.key, s.value]));
    for (const p of params) {
      const existing = storedValues.get(p.key);
      if (existing !== undefined && existing !== p.value) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
    }
  }

  private async insertMetrics(trx: Kysely<TrackingDatabase>, runId: string, metrics: Metric[]): Promise<void> {
    const rows = metrics.map((m) => ({
      run_uuid: runId,
      key: m.key,
      ...storedValue(m.value),
      timestamp: m.timestamp,
      step: m.step,
      model_id: m.modelId ?? null,
      dataset_name: m.datasetName ?? null,
      dataset_digest: m.datasetDigest ?? null,
    }));
    // Large batches go in slices: SQLite binds at most 32766 variables per statement.
    for (let i = 0; i < rows.length; i += 500) {
      await trx.insertInto('metrics').values(rows.slice(i, i + 500)).onConflict((oc) => oc.doNothing()).execute();
    }
    const latest = latestPerKey(metrics).map((m) => ({
      run_uuid: runId,
      key: m.key,
      ...storedValue(m.value),
      timestamp: m.timestamp,
      step: m.step,
    }));
    for (let i = 0; i < latest.length; i += 500) {
      await trx
        .insertInto('latest_metrics')
        .values(latest.slice(i, i + 500))
        .onConflict((oc) =>
          oc
            .columns(['run_uuid', 'key'])
            .doUpdateSet({
              value: (eb) => eb.ref('excluded.value'),
              is_nan: (eb) => eb.ref('excluded.is_nan'),
              timestamp: (eb) => eb.ref('excluded.timestamp'),
              step: (eb) => eb.ref('excluded.step'),
            })
            .where(
              sql<SqlBool>`(excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
            ),
        )
        .execute();
    }
  }

  /** Records datasets (and models) a run used; a dataset is stored once per experiment. */
  async logInputs(runId: string, datasets: DatasetInput[] = [], modelIds: string[] = []): Promise<void> {
    const run = await this.requireActiveRun(runId);
    for (const d of datasets) {
      if (!d?.dataset?.name || !d.dataset.digest) throw invalidParameter('Each dataset input needs a dataset with a name and a digest.');
      for (const t of d.tags ?? []) if (!t.key) throw invalidParameter('Dataset input tags need a key.');
    }
    await this.db.transaction().execute(async (trx) => {
      for (const d of datasets) {
        const ds = d.dataset;
        await trx
          .insertInto('datasets')
          .values({
            dataset_uuid: randomUUID(),
            experiment_id: run.experiment_id,
            name: ds.name,
            digest: ds.digest,
            dataset_source_type: ds.sourceType ?? '',
            dataset_source: ds.source ?? '',
            dataset_schema: ds.schema ?? null,
            dataset_profile: ds.profile ?? null,
          })
          .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
          .execute();
        const { dataset_uuid } = await trx
          .selectFrom('datasets')
          .select('dataset_uuid')
          .where('experiment_id', '=', run.experiment_id)
          .where('name', '=', ds.name)
          .where('digest', '=', ds.digest)
          .executeTakeFirstOrThrow();
        await this.linkInput(trx, 'DATASET', dataset_uuid, runId, d.tags ?? []);
      }
      for (const modelId of modelIds) await this.linkInput(trx, 'MODEL', modelId, runId, []);
    });
  }

  private async linkInput(trx: Kysely<TrackingDatabase>, sourceType: string, sourceId: string, runId: string, tags: Tag[]) {
    await trx
      .insertInto('inputs')
      .values({ input_uuid: randomUUID(), source_type: sourceType, source_id: sourceId, destination_type: 'RUN', destination_id: runId })
      .onConflict((oc) => oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing())
      .execute();
    const { input_uuid } = await trx
      .selectFrom('inputs')
      .select('input_uuid')
      .where('source_type', '=', sourceType)
      .where('source_id', '=', sourceId)
      .where('destination_type', '=', 'RUN')
      .where('destination_id', '=', runId)
      .executeTakeFirstOrThrow();
    for (const t of tags) {
      await trx
        .insertInto('input_tags')
        .values({ input_uuid, name: t.key, value: t.value })
        .onConflict((oc) => oc.columns(['input_uuid', 'name']).doUpdateSet({ value: t.value }))
        .execute();
    }
  }

  /** Records models a run produced (MLflow 3 `runs/outputs`). */
  async logOutputs(runId: string, outputs: { modelId: string; step: number }[]): Promise<void> {
    await this.requireActiveRun(runId);
    for (const o of outputs) if (!o.modelId) throw invalidParameter("Missing value for required parameter 'models.model_id'.");
    if (outputs.length === 0) return;
    await this.db
      .insertInto('run_outputs')
      .values(outputs.map((o) => ({ run_uuid: runId, model_id: o.modelId, step: o.step ?? 0 })))
      .onConflict((oc) => oc.columns(['run_uuid', 'model_id']).doUpdateSet({ step: (eb) => eb.ref('excluded.step') }))
      .execute();
  }

  // ---- metric history ----------------------------------------------------------------------------

  /** Every point of one metric of one run, by step then time; paged when `maxResults` is given. */
  async getMetricHistory(runId: string, key: string, maxResults?: number, pageToken?: string): Promise<Page<Metric>> {
    const offset = decodePageToken(pageToken);
    let query = this.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value');
    if (maxResults !== undefined) {
      if (!Number.isInteger(maxResults) || maxResults < 1) throw invalidParameter(`Invalid value ${maxResults} for parameter 'max_results' supplied.`);
      query = query.limit(maxResults + 1).offset(offset);
    }
    const rows = await query.execute();
    const items = rows.slice(0, maxResults ?? rows.length).map((r) => ({
      key: r.key,
      value: metricValue(r),
      timestamp: Number(r.timestamp),
      step: Number(r.step),
    }));
    return maxResults !== undefined && rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
  }

  /**
   * Metric history of several runs, sampled to at most `maxResults` steps per run in [startStep, endStep],
   * always keeping each run's first and last step (MLflow's `get-history-bulk-interval`).
   */
  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    opts: { startStep?: number; endStep?: number; maxResults?: number } = {},
  ): Promise<MetricWithRunId[]> {
    if (runIds.length === 0) throw invalidParameter('GetMetricHistoryBulkInterval request must specify at least one run_id.');
    if (runIds.length > LIMITS.historyBulkRunsMax) {
      throw invalidParameter(`GetMetricHistoryBulkInterval request cannot specify more than ${LIMITS.historyBulkRunsMax} run_ids. Received ${runIds.length} run_ids.`);
    }
    const maxResults = opts.maxResults ?? LIMITS.historyBulkResultsDefault;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIMITS.historyBulkResultsMax) {
      throw invalidParameter(`max_results must be between 1 and ${LIMITS.historyBulkResultsMax}.`);
    }
    if ((opts.startStep === undefined) !== (opts.endStep === undefined)) {
      throw invalidParameter('If either start step or end step are specified, both must be specified.');
    }
    if (opts.startStep !== undefined && opts.endStep !== undefined && opts.startStep > opts.endStep) {
      throw invalidParameter('end_step must be greater than start_step.');
    }
    const result: MetricWithRunId[] = [];
    for (const runId of [...new Set(runIds)].sort()) {
      let stepsQuery = this.db.selectFrom('metrics').select('step').distinct().where('run_uuid', '=', runId).where('key', '=', key);
      if (opts.startStep !== undefined) stepsQuery = stepsQuery.where('step', '>=', opts.startStep).where('step', '<=', opts.endStep!);
      const steps = (await stepsQuery.orderBy('step').execute()).map((r) => Number(r.step));
      if (steps.length === 0) continue;
      const chosen = sampleSteps(steps, maxResults);
      const rows = await this.db
        .selectFrom('metrics')
        .selectAll()
        .where('run_uuid', '=', runId)
        .where('key', '=', key)
        .where('step', 'in', chosen)
        .orderBy('step')
        .orderBy('timestamp')
        .execute();
      for (const r of rows) result.push({ runId, key: r.key, value: metricValue(r), timestamp: Number(r.timestamp), step: Number(r.step) });
    }
    return result;
  }

  // ---- search ------------------------------------------------------------------------------------

  /** Searches runs of some experiments with MLflow's filter grammar, `order_by` and page tokens. */
  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const maxResults = input.maxResults ?? LIMITS.searchRunsDefault;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIMITS.searchRunsMax) {
      throw invalidParameter(`Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${LIMITS.searchRunsMax}`);
    }
    const offset = decodePageToken(input.pageToken);
    const clauses = parseRunFilter(input.filter);
    const orderBy = parseRunOrderBy(input.orderBy);
    const experimentIds = input.experimentIds.map(parseExperimentId);
    if (experimentIds.length === 0) return { items: [] };
    let query = this.db
      .selectFrom('runs')
      .selectAll()
      .where('experiment_id', 'in', experimentIds)
      .where('lifecycle_stage', 'in', viewTypeStages(input.viewType));
    for (const c of clauses) query = query.where(this.runClause(c));
    for (const o of orderBy) {
      const expression =
        o.type === 'metric'
          ? sql`(SELECT kv.value FROM latest_metrics kv WHERE kv.run_uuid = runs.run_uuid AND kv.key = ${o.key} AND kv.is_nan = 0)`
          : o.type === 'param'
            ? keyValueLookup('params', 'run_uuid', 'runs.run_uuid', o.key)
            : o.type === 'tag'
              ? keyValueLookup('tags', 'run_uuid', 'runs.run_uuid', o.key)
              : sql.ref(`runs.${runColumn(o.key)}`);
      for (const term of orderTerms(expression, o.ascending)) query = query.orderBy(term);
    }
    query = query.orderBy('start_time', 'desc').orderBy('run_uuid');
    const rows = await query.limit(maxResults + 1).offset(offset).execute();
    const items = await hydrateRuns(this.db, rows.slice(0, maxResults));
    return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
  }

  private runClause(c: Comparison): RawBuilder<SqlBool> {
    switch (c.type) {
      case 'metric':
        return keyValueExists(this.hooks, 'latest_metrics', 'run_uuid', 'runs.run_uuid', { ...c, value: requireNumber(c) }, sql<SqlBool>`kv.is_nan = 0`);
      case 'param':
        return keyValueExists(this.hooks, 'params', 'run_uuid', 'runs.run_uuid', c);
      case 'tag':
        return keyValueExists(this.hooks, 'tags', 'run_uuid', 'runs.run_uuid', c);
      case 'dataset': {
        const column = c.key === 'context' ? sql.ref('it.value') : sql.ref(`d.${c.key}`);
        const contextJoin = c.key === 'context' ? sql`JOIN input_tags it ON it.input_uuid = i.input_uuid AND it.name = 'mlflow.data.context'` : sql``;
        return sql<SqlBool>`EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id ${contextJoin}
          WHERE i.destination_type = 'RUN' AND i.destination_id = runs.run_uuid AND i.source_type = 'DATASET' AND ${compare(this.hooks, column, c)})`;
      }
      case 'attribute': {
        const column = sql.ref(`runs.${runColumn(c.key)}`);
        if (c.key === 'start_time' || c.key === 'end_time') return compare(this.hooks, column, { ...c, value: requireNumber(c) });
        return compare(this.hooks, column, c);
      }
    }
  }
}

/** The runs-table column behind a run attribute name. */
function runColumn(attribute: string): string {
  const columns: Record<string, string> = {
    run_id: 'run_uuid',
    run_name: 'name',
    status: 'status',
    user_id: 'user_id',
    artifact_uri: 'artifact_uri',
    lifecycle_stage: 'lifecycle_stage',
    start_time: 'start_time',
    end_time: 'end_time',
  };
  const column = columns[attribute];
  if (!column) throw new TileflowError('INVALID_PARAMETER_VALUE', `Invalid attribute key '${attribute}' specified.`);
  return column;
}

/** Picks at most `max` of the sorted steps, evenly spread, always keeping the first and the last. */
export function sampleSteps(steps: number[], max: number): number[] {
  if (steps.length <= max) return steps;
  if (max === 1) return [steps[steps.length - 1]];
  const chosen = new Set<number>();
  for (let i = 0; i < max; i++) chosen.add(steps[Math.round((i * (steps.length - 1)) / (max - 1))]);
  return [...chosen].sort((a, b) => a - b);
}

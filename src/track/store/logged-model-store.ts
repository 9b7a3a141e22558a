/**
 * MLflow 3's logged models: a model logged by a run gets its own id (`m-<hex>`) and artifact folder,
 * and is finalized once its files are uploaded. The MLflow 3 client's `log_model` needs these.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { invalidParameter, notFound } from '../../core/errors.js';
import { LOGGED_MODEL_STATUSES, type LoggedModel, type LoggedModelStatus, type Page, type Param, type Tag } from '../entities.js';
import { parseLoggedModelFilter } from '../search/filter.js';
import { decodePageToken, encodePageToken } from '../search/page-token.js';
import { LIMITS, validateMaxResults, validateTag } from '../validation.js';
import type { DialectHooks, TrackingDb } from './database.js';
import { metricValue } from './run-data.js';
import { randomRunName } from './run-names.js';
import type { LoggedModelsTable, TrackingDatabase } from './schema.js';
import { compare, keyValueExists, orderTerms, requireNumber } from './search-sql.js';
import { parseExperimentId } from './tracking-store.js';

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Param[];
  tags?: Tag[];
}

/** Structured ordering of logged models, as MLflow 3 sends it. */
export interface LoggedModelOrderBy {
  fieldName: string;
  ascending?: boolean;
}

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  name: 'name',
  model_id: 'model_id',
  model_type: 'model_type',
  status: 'status',
  source_run_id: 'source_run_id',
  creation_timestamp: 'creation_timestamp_ms',
  creation_time: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
  last_updated_time: 'last_updated_timestamp_ms',
};

/** Parses a logged-model status given by name or number. */
export function parseLoggedModelStatus(status: string | number | undefined): LoggedModelStatus {
  const byNumber = typeof status === 'number' ? LOGGED_MODEL_STATUSES[status] : undefined;
  const found = byNumber ?? LOGGED_MODEL_STATUSES.find((s) => s === status);
  if (!found) throw invalidParameter(`Invalid logged model status '${String(status)}'. Valid values are ${LOGGED_MODEL_STATUSES.join(', ')}.`);
  return found;
}

/** Logged models in the metadata database. */
export class LoggedModelStore {
  private readonly db: Kysely<TrackingDatabase>;
  private readonly hooks: DialectHooks;

  constructor(database: TrackingDb) {
    this.db = database.db;
    this.hooks = database.hooks;
  }

  /** Creates a pending logged model in an experiment. */
  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const experimentId = parseExperimentId(input.experimentId);
    const experiment = await this.db.selectFrom('experiments').selectAll().where('experiment_id', '=', experimentId).executeTakeFirst();
    if (!experiment) throw notFound(`No Experiment with id=${input.experimentId} exists`);
    if (experiment.lifecycle_stage !== 'active') {
      throw invalidParameter(`The experiment ${input.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`);
    }
    if (input.sourceRunId) {
      const run = await this.db.selectFrom('runs').select('run_uuid').where('run_uuid', '=', input.sourceRunId).executeTakeFirst();
      if (!run) throw notFound(`Run with id=${input.sourceRunId} not found`);
    }
    (input.tags ?? []).forEach((t) => validateTag(t));
    const modelId = `m-${randomUUID().replace(/-/g, '')}`;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('logged_models')
        .values({
          model_id: modelId,
          experiment_id: experimentId,
          name: input.name || randomRunName(),
          artifact_location: `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
          creation_timestamp_ms: now,
          last_updated_timestamp_ms: now,
          status: 'LOGGED_MODEL_PENDING',
          lifecycle_stage: 'active',
          model_type: input.modelType ?? null,
          source_run_id: input.sourceRunId || null,
          status_message: null,
        })
        .execute();
      if (input.tags?.length) await trx.insertInto('logged_model_tags').values(input.tags.map((t) => ({ model_id: modelId, ...t }))).execute();
      if (input.params?.length) await trx.insertInto('logged_model_params').values(input.params.map((p) => ({ model_id: modelId, ...p }))).execute();
    });
    return this.get(modelId);
  }

  private async row(modelId: string): Promise<Selectable<LoggedModelsTable>> {
    const row = await this.db
      .selectFrom('logged_models')
      .selectAll()
      .where('model_id', '=', String(modelId ?? ''))
      .where('lifecycle_stage', '=', 'active')
      .executeTakeFirst();
    if (!row) throw notFound(`Logged model with ID '${modelId}' not found.`);
    return row;
  }

  /** Gets a logged model with its tags, params, metrics and registrations. */
  async get(modelId: string): Promise<LoggedModel> {
    return (await this.hydrate([await this.row(modelId)]))[0];
  }

  /** Sets the final status once the model's files are uploaded (or failed to). */
  async finalize(modelId: string, status: string | number | undefined): Promise<LoggedModel> {
    const parsed = parseLoggedModelStatus(status);
    await this.row(modelId);
    await this.db.updateTable('logged_models').set({ status: parsed, last_updated_timestamp_ms: Date.now() }).where('model_id', '=', modelId).execute();
    return this.get(modelId);
  }

  /** Soft-deletes a logged model. */
  async delete(modelId: string): Promise<void> {
    await this.row(modelId);
    await this.db.updateTable('logged_models').set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: Date.now() }).where('model_id', '=', modelId).execute();
  }

  /** Sets tags on a logged model. */
  async setTags(modelId: string, tags: Tag[]): Promise<LoggedModel> {
    tags.forEach((t) => validateTag(t));
    await this.row(modelId);
    for (const t of tags) {
      await this.db
        .insertInto('logged_model_tags')
        .values({ model_id: modelId, key: t.key, value: t.value })
        .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: t.value }))
        .execute();
    }
    return this.get(modelId);
  }

  /** Deletes a tag of a logged model. */
  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.row(modelId);
    const result = await this.db.deleteFrom('logged_model_tags').where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`No tag with key '${key}' found for logged model with ID '${modelId}'.`);
  }

  /** Logs params on a logged model. */
  async logParams(modelId: string, params: Param[]): Promise<void> {
    await this.row(modelId);
    for (const p of params) {
      if (!p.key) throw invalidParameter('Logged model params need a key.');
      await this.db
        .insertInto('logged_model_params')
        .values({ model_id: modelId, key: p.key, value: String(p.value ?? '') })
        .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: String(p.value ?? '') }))
        .execute();
    }
  }

  /** Searches logged models of experiments by attributes, metrics, params and tags. */
  async search(input: {
    experimentIds: string[];
    filter?: string;
    maxResults?: number;
    orderBy?: LoggedModelOrderBy[];
    pageToken?: string;
  }): Promise<Page<LoggedModel>> {
    const maxResults = input.maxResults ?? LIMITS.searchLoggedModelsDefault;
    validateMaxResults(maxResults, LIMITS.searchLoggedModelsMax);
    const offset = decodePageToken(input.pageToken);
    const ids = input.experimentIds.map(parseExperimentId);
    if (ids.length === 0) throw invalidParameter('At least one experiment ID must be specified.');
    let query = this.db.selectFrom('logged_models').selectAll().where('experiment_id', 'in', ids).where('lifecycle_stage', '=', 'active');
    for (const c of parseLoggedModelFilter(input.filter)) {
      if (c.type === 'metric') {
        const v = requireNumber(c);
        query = query.where(
          sql<SqlBool>`EXISTS (SELECT 1 FROM metrics kv WHERE kv.model_id = logged_models.model_id AND kv.key = ${c.key} AND kv.is_nan = 0 AND ${compare(this.hooks, sql.ref('kv.value'), { ...c, value: v })})`,
        );
      } else if (c.type === 'param') {
        query = query.where(keyValueExists(this.hooks, 'logged_model_params', 'model_id', 'logged_models.model_id', c));
      } else if (c.type === 'tag') {
        query = query.where(keyValueExists(this.hooks, 'logged_model_tags', 'model_id', 'logged_models.model_id', c));
      } else {
        const column = ATTRIBUTE_COLUMNS[c.key];
        if (!column) throw invalidParameter(`Invalid attribute key '${c.key}' specified.`);
        const numeric = column.endsWith('_ms');
        query = query.where(compare(this.hooks, sql.ref(`logged_models.${column}`), numeric ? { ...c, value: requireNumber(c) } : c));
      }
    }
    for (const o of input.orderBy ?? []) {
      const column = ATTRIBUTE_COLUMNS[o.fieldName];
      const expression = column
        ? sql.ref(`logged_models.${column}`)
        : sql`(SELECT max(kv.value) FROM metrics kv WHERE kv.model_id = logged_models.model_id AND kv.key = ${o.fieldName.replace(/^metrics\./, '')})`;
      for (const t of orderTerms(expression, o.ascending ?? true)) query = query.orderBy(t);
    }
    query = query.orderBy('creation_timestamp_ms', 'desc').orderBy('model_id');
    const rows = await query.limit(maxResults + 1).offset(offset).execute();
    const items = await this.hydrate(rows.slice(0, maxResults));
    return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
  }

  private async hydrate(rows: Selectable<LoggedModelsTable>[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.model_id);
    const [tags, params, metrics, versions] = await Promise.all([
      this.db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('metrics').selectAll().where('model_id', 'in', ids).orderBy('key').orderBy('step').execute(),
      this.db.selectFrom('model_versions').select(['name', 'version', 'model_id']).where('model_id', 'in', ids).execute(),
    ]);
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      creationTimestampMs: Number(r.creation_timestamp_ms),
      lastUpdatedTimestampMs: Number(r.last_updated_timestamp_ms),
      artifactUri: r.artifact_location,
      status: r.status as LoggedModelStatus,
      ...(r.status_message ? { statusMessage: r.status_message } : {}),
      ...(r.model_type ? { modelType: r.model_type } : {}),
      ...(r.source_run_id ? { sourceRunId: r.source_run_id } : {}),
      tags: tags.filter((t) => t.model_id === r.model_id).map(({ key, value }) => ({ key, value })),
      params: params.filter((p) => p.model_id === r.model_id).map(({ key, value }) => ({ key, value })),
      metrics: metrics
        .filter((m) => m.model_id === r.model_id)
        .map((m) => ({
          runId: m.run_uuid,
          key: m.key,
          value: metricValue(m),
          timestamp: Number(m.timestamp),
          step: Number(m.step),
          modelId: r.model_id,
          ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
          ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
        })),
      registrations: versions.filter((v) => v.model_id === r.model_id).map((v) => ({ name: v.name, version: String(v.version) })),
    }));
  }
}

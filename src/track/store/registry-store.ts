/**
 * The model registry: registered models, their numbered versions, tags, aliases and stages, with the
 * semantics of MLflow's SQL registry store (`mlflow/store/model_registry/sqlalchemy_store.py`).
 */
import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { alreadyExists, invalidParameter, notFound } from '../../core/errors.js';
import { MODEL_STAGES, type ModelStage, type ModelVersion, type Page, type RegisteredModel, type Tag } from '../entities.js';
import { parseModelVersionFilter, parseRegisteredModelFilter } from '../search/filter.js';
import { parseModelVersionOrderBy, parseRegisteredModelOrderBy } from '../search/order-by.js';
import { decodePageToken, encodePageToken } from '../search/page-token.js';
import { LIMITS, validateAlias, validateMaxResults, validateModelName, validateTag } from '../validation.js';
import type { DialectHooks, TrackingDb } from './database.js';
import type { ModelVersionsTable, RegisteredModelsTable, TrackingDatabase } from './schema.js';
import { compare, keyValueExists, orderTerms, requireNumber } from './search-sql.js';

export interface CreateModelVersionInput {
  name: string;
  source: string;
  runId?: string;
  tags?: Tag[];
  runLink?: string;
  description?: string;
  modelId?: string;
  userId?: string;
}

export interface SearchRegistryInput {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Parses a model version number given as a string or a number. */
export function parseVersion(version: string | number | undefined): number {
  const text = String(version ?? '');
  if (!/^\d{1,9}$/.test(text)) throw invalidParameter(`Parameter 'version' must be an integer, got '${text}'.`);
  return Number(text);
}

/** Canonical stage name, case-insensitively ("production" -> "Production"). */
export function parseStage(stage: string): ModelStage {
  const found = MODEL_STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
  if (!found) throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of ${MODEL_STAGES.join(', ')}.`);
  return found;
}

/** Registered models and model versions in the metadata database. */
export class RegistryStore {
  private readonly db: Kysely<TrackingDatabase>;
  private readonly hooks: DialectHooks;

  constructor(database: TrackingDb) {
    this.db = database.db;
    this.hooks = database.hooks;
  }

  /** Creates a registered model. */
  async createRegisteredModel(name: string, tags: Tag[] = [], description?: string, userId?: string): Promise<RegisteredModel> {
    validateModelName(name);
    tags.forEach((t) => validateTag(t, LIMITS.maxRegistryTagValueLength));
    const now = Date.now();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('registered_models')
          .values({ name, creation_time: now, last_updated_time: now, description: description ?? null, user_id: userId ?? null })
          .execute();
        if (tags.length > 0) await trx.insertInto('registered_model_tags').values(tags.map((t) => ({ name, key: t.key, value: t.value }))).execute();
      });
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      throw error;
    }
    return this.getRegisteredModel(name);
  }

  /** Gets a registered model with its latest version per stage, tags and aliases. */
  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const row = await this.modelRow(name);
    return (await this.hydrateModels([row]))[0];
  }

  private async modelRow(name: string): Promise<Selectable<RegisteredModelsTable>> {
    validateModelName(name);
    const row = await this.db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  /** Renames a registered model; its versions, tags and aliases follow. */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(newName);
    await this.modelRow(name);
    try {
      // ON UPDATE CASCADE carries versions, tags and aliases over to the new name.
      await this.db.updateTable('registered_models').set({ name: newName, last_updated_time: Date.now() }).where('name', '=', name).execute();
    } catch (error) {
      if (this.hooks.isUniqueViolation(error)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
      throw error;
    }
    return this.getRegisteredModel(newName);
  }

  /** Updates a registered model's description. */
  async updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    await this.modelRow(name);
    await this.db
      .updateTable('registered_models')
      .set({ description: description ?? null, last_updated_time: Date.now() })
      .where('name', '=', name)
      .execute();
    return this.getRegisteredModel(name);
  }

  /** Deletes a registered model with all its versions. */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.modelRow(name);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('model_version_tags').where('name', '=', name).execute();
      await trx.deleteFrom('registered_model_aliases').where('name', '=', name).execute();
      await trx.deleteFrom('model_versions').where('name', '=', name).execute();
      await trx.deleteFrom('registered_model_tags').where('name', '=', name).execute();
      await trx.deleteFrom('registered_models').where('name', '=', name).execute();
    });
  }

  /** Sets a tag on a registered model. */
  async setRegisteredModelTag(name: string, tag: Tag): Promise<void> {
    validateTag(tag, LIMITS.maxRegistryTagValueLength);
    await this.modelRow(name);
    await this.db
      .insertInto('registered_model_tags')
      .values({ name, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  /** Deletes a tag from a registered model (a missing tag is not an error, as in MLflow). */
  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.modelRow(name);
    await this.db.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute();
  }

  /** Searches registered models by name and tags. */
  async searchRegisteredModels(input: SearchRegistryInput = {}): Promise<Page<RegisteredModel>> {
    const maxResults = input.maxResults ?? LIMITS.searchRegisteredModelsDefault;
    validateMaxResults(maxResults, LIMITS.searchRegisteredModelsMax);
    const offset = decodePageToken(input.pageToken);
    let query = this.db.selectFrom('registered_models').selectAll();
    for (const c of parseRegisteredModelFilter(input.filter)) {
      query = query.where(
        c.type === 'tag'
          ? keyValueExists(this.hooks, 'registered_model_tags', 'name', 'registered_models.name', c)
          : compare(this.hooks, sql.ref('registered_models.name'), c),
      );
    }
    const columns: Record<string, string> = { name: 'name', creation_timestamp: 'creation_time', last_updated_timestamp: 'last_updated_time' };
    const orderBy = parseRegisteredModelOrderBy(input.orderBy);
    for (const o of orderBy) for (const t of orderTerms(sql.ref(`registered_models.${columns[o.key] ?? 'name'}`), o.ascending)) query = query.orderBy(t);
    query = query.orderBy('name');
    const rows = await query.limit(maxResults + 1).offset(offset).execute();
    const items = await this.hydrateModels(rows.slice(0, maxResults));
    return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
  }

  private async hydrateModels(rows: Selectable<RegisteredModelsTable>[]): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name);
    const [tags, aliases, versions] = await Promise.all([
      this.db.selectFrom('registered_model_tags').selectAll().where('name', 'in', names).orderBy('key').execute(),
      this.db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
      this.db.selectFrom('model_versions').selectAll().where('name', 'in', names).orderBy('version').execute(),
    ]);
    const hydratedVersions = await this.hydrateVersions(latestPerStage(versions));
    return rows.map((r) => ({
      name: r.name,
      creationTimestamp: Number(r.creation_time),
      lastUpdatedTimestamp: Number(r.last_updated_time),
      ...(r.user_id ? { userId: r.user_id } : {}),
      ...(r.description != null ? { description: r.description } : {}),
      latestVersions: hydratedVersions.filter((v) => v.name === r.name),
      tags: tags.filter((t) => t.name === r.name).map(({ key, value }) => ({ key, value })),
      aliases: aliases.filter((a) => a.name === r.name).map((a) => ({ alias: a.alias, version: String(a.version) })),
    }));
  }

  // ---- model versions ----------------------------------------------------------------------------

  /** Registers a new version of a model: the next number after the highest ever used. */
  async createModelVersion(input: CreateModelVersionInput, storageLocation?: string): Promise<ModelVersion> {
    validateModelName(input.name);
    validateSource(input.source);
    (input.tags ?? []).forEach((t) => validateTag(t, LIMITS.maxRegistryTagValueLength));
    await this.modelRow(input.name);
    const version = await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      // One atomic increment hands out the number: concurrent registrations never collide.
      const { max_version: next } = await trx
        .updateTable('registered_models')
        .set((eb) => ({ max_version: eb('max_version', '+', 1), last_updated_time: now }))
        .where('name', '=', input.name)
        .returning('max_version')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('model_versions')
        .values({
          name: input.name,
          version: next,
          creation_time: now,
          last_updated_time: now,
          description: input.description ?? null,
          user_id: input.userId ?? null,
          current_stage: 'None',
          source: input.source,
          storage_location: storageLocation ?? null,
          run_id: input.runId || null,
          run_link: input.runLink || null,
          status: 'READY',
          status_message: null,
          model_id: input.modelId || null,
        })
        .execute();
      if (input.tags?.length) {
        await trx
          .insertInto('model_version_tags')
          .values(input.tags.map((t) => ({ name: input.name, version: next, key: t.key, value: t.value })))
          .execute();
      }
      return next;
    });
    return this.getModelVersion(input.name, version);
  }

  private async versionRow(name: string, version: string | number): Promise<Selectable<ModelVersionsTable>> {
    const v = parseVersion(version);
    const row = await this.db.selectFrom('model_versions').selectAll().where('name', '=', name).where('version', '=', v).executeTakeFirst();
    if (!row) throw notFound(`Model Version (name=${name}, version=${String(version)}) not found`);
    return row;
  }

  /** Gets one model version. */
  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return (await this.hydrateVersions([await this.versionRow(name, version)]))[0];
  }

  /** Updates a model version's description. */
  async updateModelVersion(name: string, version: string, description: string | undefined): Promise<ModelVersion> {
    const row = await this.versionRow(name, version);
    await this.db
      .updateTable('model_versions')
      .set({ description: description ?? null, last_updated_time: Date.now() })
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    return this.getModelVersion(name, row.version);
  }

  /** Moves a version to a stage; optionally archives the versions already in that stage. */
  async transitionStage(name: string, version: string, stage: string, archiveExistingVersions = false): Promise<ModelVersion> {
    const target = parseStage(stage);
    const row = await this.versionRow(name, version);
    if (archiveExistingVersions && target !== 'Staging' && target !== 'Production') {
      throw invalidParameter(`Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are Staging, Production`);
    }
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      if (archiveExistingVersions) {
        await trx
          .updateTable('model_versions')
          .set({ current_stage: 'Archived', last_updated_time: now })
          .where('name', '=', name)
          .where('current_stage', '=', target)
          .where('version', '<>', row.version)
          .execute();
      }
      await trx
        .updateTable('model_versions')
        .set({ current_stage: target, last_updated_time: now })
        .where('name', '=', name)
        .where('version', '=', row.version)
        .execute();
      await trx.updateTable('registered_models').set({ last_updated_time: now }).where('name', '=', name).execute();
    });
    return this.getModelVersion(name, row.version);
  }

  /** Deletes a model version and the aliases pointing at it. */
  async deleteModelVersion(name: string, version: string): Promise<void> {
    const row = await this.versionRow(name, version);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('registered_model_aliases').where('name', '=', name).where('version', '=', row.version).execute();
      await trx.deleteFrom('model_version_tags').where('name', '=', name).where('version', '=', row.version).execute();
      await trx.deleteFrom('model_versions').where('name', '=', name).where('version', '=', row.version).execute();
      await trx.updateTable('registered_models').set({ last_updated_time: Date.now() }).where('name', '=', name).execute();
    });
  }

  /** The latest version in each of the given stages (every stage when none is given). */
  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    await this.modelRow(name);
    const wanted = stages.map(parseStage);
    const rows = await this.db.selectFrom('model_versions').selectAll().where('name', '=', name).orderBy('version').execute();
    const latest = latestPerStage(rows).filter((r) => wanted.length === 0 || wanted.includes(r.current_stage as ModelStage));
    return this.hydrateVersions(latest);
  }

  /** Where a version's files are: the resolved storage location, or its source. */
  async getDownloadUri(name: string, version: string): Promise<string> {
    const row = await this.versionRow(name, version);
    return row.storage_location ?? row.source;
  }

  /** Sets a tag on a model version. */
  async setModelVersionTag(name: string, version: string, tag: Tag): Promise<void> {
    validateTag(tag, LIMITS.maxRegistryTagValueLength);
    const row = await this.versionRow(name, version);
    await this.db
      .insertInto('model_version_tags')
      .values({ name, version: row.version, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  /** Deletes a tag from a model version (a missing tag is not an error, as in MLflow). */
  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    const row = await this.versionRow(name, version);
    await this.db.deleteFrom('model_version_tags').where('name', '=', name).where('version', '=', row.version).where('key', '=', key).execute();
  }

  /** Points an alias at a version, moving it if it pointed elsewhere. */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    const row = await this.versionRow(name, version);
    await this.db
      .insertInto('registered_model_aliases')
      .values({ name, alias, version: row.version })
      .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version: row.version }))
      .execute();
  }

  /** Removes an alias. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.modelRow(name);
    await this.db.deleteFrom('registered_model_aliases').where('name', '=', name).where('alias', '=', alias).execute();
  }

  /** The version an alias points at; a missing alias is 400, as in MLflow. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    await this.modelRow(name);
    const row = await this.db.selectFrom('registered_model_aliases').selectAll().where('name', '=', name).where('alias', '=', alias).executeTakeFirst();
    if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, row.version);
  }

  /** Searches model versions by name, run, source, version number and tags. */
  async searchModelVersions(input: SearchRegistryInput = {}): Promise<Page<ModelVersion>> {
    const maxResults = input.maxResults ?? LIMITS.searchModelVersionsDefault;
    validateMaxResults(maxResults, LIMITS.searchModelVersionsMax);
    const offset = decodePageToken(input.pageToken);
    let query = this.db.selectFrom('model_versions').selectAll();
    const columns: Record<string, string> = {
      name: 'name',
      run_id: 'run_id',
      source_path: 'source',
      version_number: 'version',
      creation_timestamp: 'creation_time',
      last_updated_timestamp: 'last_updated_time',
    };
    for (const c of parseModelVersionFilter(input.filter)) {
      if (c.type === 'tag') {
        query = query.where(
          sql<SqlBool>`EXISTS (SELECT 1 FROM model_version_tags kv WHERE kv.name = model_versions.name AND kv.version = model_versions.version AND kv.key = ${c.key} AND ${compare(this.hooks, sql.ref('kv.value'), c)})`,
        );
      } else {
        const column = sql.ref(`model_versions.${columns[c.key] ?? c.key}`);
        query = query.where(compare(this.hooks, column, c.key === 'version_number' ? { ...c, value: requireNumber(c) } : c));
      }
    }
    for (const o of parseModelVersionOrderBy(input.orderBy)) {
      for (const t of orderTerms(sql.ref(`model_versions.${columns[o.key] ?? 'name'}`), o.ascending)) query = query.orderBy(t);
    }
    query = query.orderBy('name').orderBy('version', 'desc');
    const rows = await query.limit(maxResults + 1).offset(offset).execute();
    const items = await this.hydrateVersions(rows.slice(0, maxResults));
    return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
  }

  private async hydrateVersions(rows: Selectable<ModelVersionsTable>[]): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const names = [...new Set(rows.map((r) => r.name))];
    const [tags, aliases] = await Promise.all([
      this.db.selectFrom('model_version_tags').selectAll().where('name', 'in', names).orderBy('key').execute(),
      this.db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
    ]);
    return rows.map((r) => ({
      name: r.name,
      version: String(r.version),
      creationTimestamp: Number(r.creation_time),
      lastUpdatedTimestamp: Number(r.last_updated_time),
      ...(r.user_id ? { userId: r.user_id } : {}),
      currentStage: r.current_stage as ModelStage,
      ...(r.description != null ? { description: r.description } : {}),
      source: r.source,
      ...(r.run_id ? { runId: r.run_id } : {}),
      ...(r.run_link ? { runLink: r.run_link } : {}),
      status: r.status as ModelVersion['status'],
      ...(r.status_message ? { statusMessage: r.status_message } : {}),
      ...(r.model_id ? { modelId: r.model_id } : {}),
      tags: tags.filter((t) => t.name === r.name && t.version === r.version).map(({ key, value }) => ({ key, value })),
      aliases: aliases.filter((a) => a.name === r.name && a.version === r.version).map((a) => a.alias),
    }));
  }
}

/** Of versions sorted by number, the highest in each stage per model. */
function latestPerStage(rows: Selectable<ModelVersionsTable>[]): Selectable<ModelVersionsTable>[] {
  const latest = new Map<string, Selectable<ModelVersionsTable>>();
  for (const r of rows) {
    const key = `${r.name}\u0000${r.current_stage}`;
    const current = latest.get(key);
    if (!current || r.version > current.version) latest.set(key, r);
  }
  return [...latest.values()].sort((a, b) => (a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1));
}

/** A version's source must be a URI or path that does not climb out of where it points. */
function validateSource(source: string): void {
  if (typeof source !== 'string' || source.length === 0) throw invalidParameter("Missing value for required parameter 'source'.");
  const pathPart = source.replace(/^[a-z][\w+.-]*:(\/\/[^/]*)?/i, '');
  let decoded = pathPart;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    throw invalidParameter(`Invalid model version source: '${source}'. It is not a valid URI.`);
  }
  if (decoded.split(/[\\/]/).includes('..')) {
    throw invalidParameter(`Invalid model version source: '${source}'. The source must not contain '..' path segments.`);
  }
}

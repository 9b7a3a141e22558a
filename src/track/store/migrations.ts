/**
 * Versioned schema migrations, applied in order by Kysely's Migrator and recorded in
 * `kysely_migration`. Never edit a released migration: add the next one.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from './database.js';

/** Builds the migrations for one dialect (only the auto-increment id differs). */
export function trackingMigrations(kind: DialectKind): Record<string, Migration> {
  return {
    '0001_tracking': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('experiments')
          .addColumn('experiment_id', kind === 'postgres' ? 'serial' : 'integer', (c) =>
            kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('name', 'varchar(500)', (c) => c.notNull().unique())
          .addColumn('artifact_location', 'text', (c) => c.notNull())
          .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
          .addColumn('creation_time', 'bigint', (c) => c.notNull())
          .addColumn('last_update_time', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('experiment_tags')
          .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
          .execute();

        await db.schema
          .createTable('runs')
          .addColumn('run_uuid', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('name', 'varchar(250)', (c) => c.notNull())
          .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
          .addColumn('user_id', 'varchar(256)', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('start_time', 'bigint', (c) => c.notNull())
          .addColumn('end_time', 'bigint')
          .addColumn('deleted_time', 'bigint')
          .addColumn('artifact_uri', 'text', (c) => c.notNull())
          .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('runs_experiment_start').on('runs').columns(['experiment_id', 'start_time']).execute();

        for (const table of ['params', 'tags'] as const) {
          await db.schema
            .createTable(table)
            .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
            .addColumn('key', 'varchar(250)', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint(`${table}_pk`, ['run_uuid', 'key'])
            .execute();
          await db.schema.createIndex(`${table}_key_value`).on(table).columns(['key', 'run_uuid']).execute();
        }

        await db.schema
          .createTable('metrics')
          .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'double precision', (c) => c.notNull())
          .addColumn('is_nan', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('timestamp', 'bigint', (c) => c.notNull())
          .addColumn('step', 'bigint', (c) => c.notNull())
          .addColumn('model_id', 'varchar(64)')
          .addColumn('dataset_name', 'varchar(500)')
          .addColumn('dataset_digest', 'varchar(36)')
          .execute();
        // History reads go by (run, key, step); identical points are logged once, as in MLflow.
        await db.schema.createIndex('metrics_run_key_step').on('metrics').columns(['run_uuid', 'key', 'step']).execute();
        await sql`CREATE UNIQUE INDEX metrics_point ON metrics (run_uuid, key, timestamp, step, value, is_nan)`.execute(db);

        await db.schema
          .createTable('latest_metrics')
          .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'double precision', (c) => c.notNull())
          .addColumn('is_nan', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('timestamp', 'bigint', (c) => c.notNull())
          .addColumn('step', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key'])
          .execute();
        await db.schema.createIndex('latest_metrics_key_value').on('latest_metrics').columns(['key', 'value']).execute();

        await db.schema
          .createTable('datasets')
          .addColumn('dataset_uuid', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
          .addColumn('name', 'varchar(500)', (c) => c.notNull())
          .addColumn('digest', 'varchar(36)', (c) => c.notNull())
          .addColumn('dataset_source_type', 'varchar(36)', (c) => c.notNull())
          .addColumn('dataset_source', 'text', (c) => c.notNull())
          .addColumn('dataset_schema', 'text')
          .addColumn('dataset_profile', 'text')
          .addUniqueConstraint('datasets_unique', ['experiment_id', 'name', 'digest'])
          .execute();
        await db.schema
          .createTable('inputs')
          .addColumn('input_uuid', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('source_type', 'varchar(36)', (c) => c.notNull())
          .addColumn('source_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('destination_type', 'varchar(36)', (c) => c.notNull())
          .addColumn('destination_id', 'varchar(36)', (c) => c.notNull())
          .addUniqueConstraint('inputs_unique', ['source_type', 'source_id', 'destination_type', 'destination_id'])
          .execute();
        await db.schema.createIndex('inputs_destination').on('inputs').columns(['destination_type', 'destination_id']).execute();
        await db.schema
          .createTable('input_tags')
          .addColumn('input_uuid', 'varchar(36)', (c) => c.notNull().references('inputs.input_uuid').onDelete('cascade'))
          .addColumn('name', 'varchar(255)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('input_tags_pk', ['input_uuid', 'name'])
          .execute();

        await db.schema
          .createTable('logged_models')
          .addColumn('model_id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
          .addColumn('name', 'varchar(500)', (c) => c.notNull())
          .addColumn('artifact_location', 'text', (c) => c.notNull())
          .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
          .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
          .addColumn('status', 'varchar(48)', (c) => c.notNull())
          .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
          .addColumn('model_type', 'varchar(500)')
          .addColumn('source_run_id', 'varchar(32)')
          .addColumn('status_message', 'text')
          .execute();
        for (const table of ['logged_model_tags', 'logged_model_params'] as const) {
          await db.schema
            .createTable(table)
            .addColumn('model_id', 'varchar(64)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
            .addColumn('key', 'varchar(255)', (c) => c.notNull())
            .addColumn('value', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
            .execute();
        }
        await db.schema
          .createTable('run_outputs')
          .addColumn('run_uuid', 'varchar(32)', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
          .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('step', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('run_outputs_pk', ['run_uuid', 'model_id'])
          .execute();

        await db.schema
          .createTable('registered_models')
          .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
          .addColumn('creation_time', 'bigint', (c) => c.notNull())
          .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('user_id', 'varchar(256)')
          // Highest version number ever given: numbers of deleted versions are never reused.
          .addColumn('max_version', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('registered_model_tags')
          .addColumn('name', 'varchar(256)', (c) =>
            c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
          )
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
          .execute();
        await db.schema
          .createTable('model_versions')
          .addColumn('name', 'varchar(256)', (c) =>
            c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
          )
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('creation_time', 'bigint', (c) => c.notNull())
          .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('user_id', 'varchar(256)')
          .addColumn('current_stage', 'varchar(20)', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('storage_location', 'text')
          .addColumn('run_id', 'varchar(32)')
          .addColumn('run_link', 'text')
          .addColumn('status', 'varchar(20)', (c) => c.notNull())
          .addColumn('status_message', 'text')
          .addColumn('model_id', 'varchar(64)')
          .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
          .execute();
        await db.schema
          .createTable('model_version_tags')
          .addColumn('name', 'varchar(256)', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
          .addForeignKeyConstraint('model_version_tags_fk', ['name', 'version'], 'model_versions', ['name', 'version'], (c) =>
            c.onDelete('cascade').onUpdate('cascade'),
          )
          .execute();
        await db.schema
          .createTable('registered_model_aliases')
          .addColumn('name', 'varchar(256)', (c) =>
            c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
          )
          .addColumn('alias', 'varchar(256)', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('registered_model_aliases_pk', ['name', 'alias'])
          .execute();
      },
    },
  };
}

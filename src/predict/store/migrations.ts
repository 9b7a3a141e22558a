/**
 * Versioned migrations of the prediction tables, recorded in their own `predict_migration` table so
 * that the tracking schema and this one evolve apart. Never edit a released migration: add the next.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../../track/store/database.js';

function predictMigrations(kind: DialectKind): Record<string, Migration> {
  const blob = kind === 'postgres' ? 'bytea' : 'blob';
  const serial = (c: any) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());
  const serialType = kind === 'postgres' ? 'serial' : 'integer';
  return {
    '0001_predict': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('predict_projects')
          .addColumn('project_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('project_url', 'text', (c) => c.notNull())
          .addColumn('access', 'varchar(16)', (c) => c.notNull())
          .addColumn('archived', 'integer', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('updated', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('predict_project_models')
          .addColumn('project_id', 'varchar(32)', (c) => c.notNull().references('predict_projects.project_id').onDelete('cascade'))
          .addColumn('model_name', 'varchar(256)', (c) => c.notNull())
          .addColumn('model_version', 'varchar(16)', (c) => c.notNull())
          .addColumn('mlm', 'text', (c) => c.notNull())
          .addColumn('added', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('predict_project_models_pk', ['project_id', 'model_name', 'model_version'])
          .execute();
        await db.schema
          .createTable('predict_imagery')
          .addColumn('imagery_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('project_id', 'varchar(32)', (c) => c.notNull().references('predict_projects.project_id').onDelete('cascade'))
          .addColumn('name', 'varchar(200)', (c) => c.notNull())
          .addColumn('uri', 'text', (c) => c.notNull())
          .addColumn('options', 'text', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('predict_aois')
          .addColumn('aoi_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('project_id', 'varchar(32)', (c) => c.notNull().references('predict_projects.project_id').onDelete('cascade'))
          .addColumn('name', 'varchar(200)', (c) => c.notNull())
          .addColumn('geometry', 'text', (c) => c.notNull())
          .addColumn('bbox', 'text', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('predictions')
          .addColumn('prediction_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('project_id', 'varchar(32)', (c) => c.notNull().references('predict_projects.project_id').onDelete('cascade'))
          .addColumn('model_name', 'varchar(256)', (c) => c.notNull())
          .addColumn('model_version', 'varchar(16)', (c) => c.notNull())
          .addColumn('imagery_id', 'varchar(32)', (c) => c.notNull())
          .addColumn('aoi_id', 'varchar(32)')
          .addColumn('aoi', 'text', (c) => c.notNull())
          .addColumn('zoom', 'integer', (c) => c.notNull())
          .addColumn('overlap', 'integer', (c) => c.notNull())
          .addColumn('task', 'varchar(32)', (c) => c.notNull())
          .addColumn('classes', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('tiles_total', 'integer', (c) => c.notNull())
          .addColumn('tiles_done', 'integer', (c) => c.notNull())
          .addColumn('tiles_failed', 'integer', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('run_id', 'varchar(32)')
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('started', 'bigint')
          .addColumn('finished', 'bigint')
          .execute();
        await db.schema.createIndex('predictions_project').on('predictions').columns(['project_id', 'created']).execute();
        await db.schema
          .createTable('prediction_tiles')
          .addColumn('prediction_id', 'varchar(32)', (c) => c.notNull().references('predictions.prediction_id').onDelete('cascade'))
          .addColumn('quadkey', 'varchar(32)', (c) => c.notNull())
          .addColumn('z', 'integer', (c) => c.notNull())
          .addColumn('x', 'integer', (c) => c.notNull())
          .addColumn('y', 'integer', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('scores', 'text')
          .addColumn('top_class', 'integer')
          .addColumn('top_score', 'double precision')
          .addColumn('entropy', 'double precision')
          .addColumn('margin', 'double precision')
          .addColumn('mask', blob)
          .addColumn('updated', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('prediction_tiles_pk', ['prediction_id', 'quadkey'])
          .execute();
        await db.schema.createIndex('prediction_tiles_status').on('prediction_tiles').columns(['prediction_id', 'status']).execute();
        await db.schema
          .createTable('prediction_features')
          .addColumn('feature_id', serialType, serial)
          .addColumn('prediction_id', 'varchar(32)', (c) => c.notNull().references('predictions.prediction_id').onDelete('cascade'))
          .addColumn('quadkey', 'varchar(32)', (c) => c.notNull())
          .addColumn('class_index', 'integer', (c) => c.notNull())
          .addColumn('score', 'double precision', (c) => c.notNull())
          .addColumn('geometry', 'text', (c) => c.notNull())
          .addColumn('west', 'double precision', (c) => c.notNull())
          .addColumn('south', 'double precision', (c) => c.notNull())
          .addColumn('east', 'double precision', (c) => c.notNull())
          .addColumn('north', 'double precision', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('prediction_features_quadkey').on('prediction_features').columns(['prediction_id', 'quadkey']).execute();
        await db.schema
          .createTable('prediction_reviews')
          .addColumn('review_id', serialType, serial)
          .addColumn('prediction_id', 'varchar(32)', (c) => c.notNull().references('predictions.prediction_id').onDelete('cascade'))
          .addColumn('target', 'varchar(16)', (c) => c.notNull())
          .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('class_index', 'integer')
          .addColumn('valid', 'integer', (c) => c.notNull())
          .addColumn('reviewer', 'varchar(256)', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('prediction_reviews_target').on('prediction_reviews').columns(['prediction_id', 'target', 'target_id']).execute();
      },
    },
  };
}

/** Brings the prediction tables to the latest migration. */
export async function migratePredict(db: Kysely<any>, kind: DialectKind): Promise<void> {
  const migrations = predictMigrations(kind);
  const migrator = new Migrator({
    db,
    migrationTableName: 'predict_migration',
    migrationLockTableName: 'predict_migration_lock',
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} of the prediction tables failed: ${(error as Error).message}`, { cause: error });
  }
}

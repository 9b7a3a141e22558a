/**
 * Opens the metadata database named by a URL and migrates it. The backends are chosen here and only
 * here, by URL scheme: `sqlite:` (embedded, better-sqlite3 in WAL mode) and `postgres://` (team).
 * Each backend fills the few hooks where SQL dialects differ; all queries are shared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Expression, type SqlBool, type Migration } from 'kysely';
import type { TrackingDatabase } from './schema.js';
import { trackingMigrations } from './migrations.js';

export type DialectKind = 'sqlite' | 'postgres';

/** The places where SQLite and PostgreSQL differ, filled by each backend. */
export interface DialectHooks {
  kind: DialectKind;
  /** A case-sensitive LIKE (SQLite's LIKE ignores ASCII case). */
  likeCaseSensitive(column: Expression<unknown>, pattern: string): Expression<SqlBool>;
  /** Whether a driver error is a unique or primary-key violation. */
  isUniqueViolation(error: unknown): boolean;
}

/** An open, migrated metadata database. */
export interface TrackingDb {
  db: Kysely<TrackingDatabase>;
  hooks: DialectHooks;
  close(): Promise<void>;
}

interface Backend {
  open(url: string): Promise<{ db: Kysely<TrackingDatabase>; hooks: DialectHooks }>;
}

const sqliteBackend: Backend = {
  async open(url) {
    const { default: Database } = await import('better-sqlite3');
    const file = url.replace(/^sqlite:(\/\/)?/, '');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const database = new Database(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // Other processes (a second server, the CLI) may write too: wait for their lock instead of failing.
    database.pragma('busy_timeout = 10000');
    const db = new Kysely<TrackingDatabase>({ dialect: new SqliteDialect({ database }) });
    return {
      db,
      hooks: {
        kind: 'sqlite',
        // GLOB is SQLite's case-sensitive matcher; translate the LIKE pattern into it.
        likeCaseSensitive: (column, pattern) => sql<SqlBool>`${column} GLOB ${likeToGlob(pattern)}`,
        isUniqueViolation: (error) =>
          typeof (error as { code?: unknown })?.code === 'string' &&
          /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code: string }).code),
      },
    };
  },
};

const postgresBackend: Backend = {
  async open(url) {
    const pg = await import('pg');
    // int8 (timestamps, steps, counts) as numbers: every value we store fits a double exactly.
    pg.default.types.setTypeParser(20, (value: string) => Number(value));
    const pool = new pg.default.Pool({ connectionString: url, max: 10 });
    const db = new Kysely<TrackingDatabase>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      hooks: {
        kind: 'postgres',
        likeCaseSensitive: (column, pattern) => sql<SqlBool>`${column} LIKE ${pattern}`,
        isUniqueViolation: (error) => (error as { code?: unknown })?.code === '23505',
      },
    };
  },
};

const BACKENDS: Record<string, Backend> = {
  'sqlite:': sqliteBackend,
  'postgres:': postgresBackend,
  'postgresql:': postgresBackend,
};

/** Opens and migrates the database at `url` (`sqlite:PATH`, `postgres://…`). */
export async function openTrackingDb(url: string): Promise<TrackingDb> {
  const scheme = /^[a-z]+:/i.exec(url)?.[0]?.toLowerCase() ?? '';
  const backend = BACKENDS[scheme];
  if (!backend) {
    throw new Error(`Unsupported database URL '${redactUrl(url)}': use sqlite:PATH or postgres://USER@HOST/DB`);
  }
  const { db, hooks } = await backend.open(url);
  try {
    await migrate(db, hooks.kind);
    await ensureDefaultExperiment(db, hooks);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, hooks, close: () => db.destroy() };
}

async function migrate(db: Kysely<TrackingDatabase>, kind: DialectKind): Promise<void> {
  const migrations = trackingMigrations(kind);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** MLflow databases always have experiment "0", named Default. */
async function ensureDefaultExperiment(db: Kysely<TrackingDatabase>, hooks: DialectHooks): Promise<void> {
  const now = Date.now();
  try {
    await db
      .insertInto('experiments')
      .values({
        experiment_id: 0,
        name: 'Default',
        artifact_location: 'mlflow-artifacts:/0',
        lifecycle_stage: 'active',
        creation_time: now,
        last_update_time: now,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  } catch (error) {
    // Another process created it, or a user renamed another experiment to "Default": both are fine.
    if (!hooks.isUniqueViolation(error)) throw error;
  }
}

/** Translates a SQL LIKE pattern (`%`, `_`) into a GLOB pattern (`*`, `?`), escaping GLOB's own specials. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[' || ch === ']') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

/** Hides a password in a database URL before it goes into a message. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

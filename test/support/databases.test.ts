// Proves the test harness itself: both backends are really there, databases are
// isolated, and dropping them cleans up. Fails when PostgreSQL is not running,
// which is the point: store tests must never silently skip it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { TEST_BACKENDS, createTestDatabase, tempDir, testPostgresUrl } from './databases.js';

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await query(testPostgresUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length > 0;
}

describe('test databases', () => {
  it('covers both backends', () => {
    assert.deepEqual([...TEST_BACKENDS].sort(), ['postgres', 'sqlite']);
  });

  for (const kind of TEST_BACKENDS) {
    it(`${kind}: creates a usable, empty database and drops it`, async () => {
      const db = await createTestDatabase(kind);
      assert.equal(db.kind, kind);
      if (kind === 'postgres') {
        assert.match(db.url, /^postgres:\/\//);
        const name = databaseName(db.url);
        assert.match(name, /^tf_[0-9a-f]+$/);
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
          assert.equal((await client.query('SELECT current_database() AS db')).rows[0].db, name);
          const tables = await client.query(
            "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
          );
          assert.equal(tables.rows[0].n, 0, 'a fresh database has no tables');
          await client.query('CREATE TABLE runs (id text PRIMARY KEY, metric double precision)');
          await client.query('INSERT INTO runs VALUES ($1, $2), ($3, $4)', ['a', 0.5, 'b', 0.75]);
          const rows = await client.query('SELECT id, metric FROM runs ORDER BY id');
          assert.deepEqual(rows.rows, [
            { id: 'a', metric: 0.5 },
            { id: 'b', metric: 0.75 },
          ]);
        } finally {
          await client.end();
        }
        assert.equal(await databaseExists(name), true);
        await db.drop();
        assert.equal(await databaseExists(name), false, 'the database is gone after drop()');
      } else {
        assert.match(db.url, /^sqlite:\//);
        const file = db.url.slice('sqlite:'.length);
        const sqlite = new Database(file);
        try {
          sqlite.exec('CREATE TABLE runs (id TEXT PRIMARY KEY, metric REAL)');
          sqlite.prepare('INSERT INTO runs VALUES (?, ?)').run('a', 0.5);
          assert.deepEqual(sqlite.prepare('SELECT id, metric FROM runs').all(), [{ id: 'a', metric: 0.5 }]);
        } finally {
          sqlite.close();
        }
        assert.equal(fs.existsSync(file), true);
        await db.drop();
        assert.equal(fs.existsSync(path.dirname(file)), false, 'the temp dir is gone after drop()');
      }
      await db.drop(); // a second drop (e.g. in an after hook) is harmless
    });
  }

  it('postgres: databases are isolated from each other', async () => {
    const [a, b] = await Promise.all([createTestDatabase('postgres'), createTestDatabase('postgres')]);
    try {
      assert.notEqual(a.url, b.url);
      await query(a.url, 'CREATE TABLE only_in_a (x int)');
      const rows = await query(b.url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'only_in_a'");
      assert.equal(rows.length, 0);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('postgres: drop() succeeds while a connection is still open', async () => {
    const db = await createTestDatabase('postgres');
    const leaked = new pg.Client({ connectionString: db.url });
    const errors: Error[] = [];
    leaked.on('error', (error) => errors.push(error)); // the terminated connection reports here
    await leaked.connect();
    await leaked.query('SELECT 1');
    await db.drop();
    assert.equal(await databaseExists(databaseName(db.url)), false);
    await leaked.end().catch(() => {});
  });

  it('postgres: refuses to run without the server npm test starts', async () => {
    const saved = process.env.TILEFLOW_TEST_PG_URL;
    delete process.env.TILEFLOW_TEST_PG_URL;
    try {
      await assert.rejects(createTestDatabase('postgres'), /npm test/);
    } finally {
      process.env.TILEFLOW_TEST_PG_URL = saved;
    }
  });

  it('tempDir creates a directory that cleanup removes', () => {
    const dir = tempDir();
    assert.equal(fs.statSync(dir.path).isDirectory(), true);
    fs.writeFileSync(path.join(dir.path, 'f'), 'x');
    dir.cleanup();
    assert.equal(fs.existsSync(dir.path), false);
  });
});

// Fresh, isolated databases for tests, so that every store test runs against each
// backend tileflow supports (embedded SQLite and team PostgreSQL) without tests
// seeing each other's data. PostgreSQL comes from the server `npm test` starts
// (scripts/test.mjs) and is named by TILEFLOW_TEST_PG_URL.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type TestBackend = 'sqlite' | 'postgres';

/** A database a test can use, created fresh for that test. */
export interface TestDatabase {
  kind: TestBackend;
  url: string;
  drop(): Promise<void>;
}

/** The backends every store test runs against: an SQLite file in a temp dir and a fresh PostgreSQL database. */
export const TEST_BACKENDS: readonly TestBackend[] = ['sqlite', 'postgres'];

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'tileflow-test-'): { path: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The server `npm test` started; tests must not quietly fall back to SQLite-only. */
export function testPostgresUrl(): string {
  const url = process.env.TILEFLOW_TEST_PG_URL;
  if (!url) {
    throw new Error(
      'TILEFLOW_TEST_PG_URL is not set: run the tests via `npm test` (it starts a throwaway PostgreSQL server), ' +
        'or set TILEFLOW_TEST_PG_URL to a server where this role may CREATE DATABASE.',
    );
  }
  return url;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database of that kind. */
export async function createTestDatabase(kind: TestBackend): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = tempDir('tileflow-sqlite-');
    return {
      kind,
      url: `sqlite:${path.join(dir.path, 'tileflow.db')}`,
      drop: async () => dir.cleanup(),
    };
  }

  const serverUrl = testPostgresUrl();
  // Random hex: safe to use unquoted, and unique across concurrently running test files.
  const name = `tf_${randomBytes(8).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    kind,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, async (client) => {
        // A test that forgot to close a pool must not make DROP DATABASE fail.
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      });
    },
  };
}

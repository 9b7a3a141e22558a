/**
 * The DuckDB session a label source queries through: one in-memory database per source, SQL quoting,
 * DuckDB's errors turned into TileflowErrors, and DuckDB's JS values turned into plain JSON-able ones.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBResult } from '@duckdb/node-api';
import { invalidParameter } from '../../core/errors.js';

/** An open in-memory DuckDB database and its connection. */
export interface DuckSession {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Opens an in-memory DuckDB. GeoParquet conversion is off so geometry columns arrive as their raw
 * Parquet values (WKB bytes, GeoArrow structs): DuckDB's own conversion rejects older GeoParquet
 * metadata (0.1, 0.3, 0.4) that we can read ourselves.
 */
export async function openDuckSession(): Promise<DuckSession> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // A SET, not an instance option: the option is refused before the parquet extension has loaded.
  await connection.run('SET enable_geoparquet_conversion = false');
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL identifier, quoted so any column name works. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Runs one SQL statement built around a caller's `where` clause. DuckDB's parse and bind errors (an
 * unknown column, a syntax error) are the caller's fault and become invalid-parameter errors; a second
 * statement smuggled in through the clause is refused before anything runs. Rows stream in chunks, so
 * a limit stops reading early.
 */
export async function runQuery(session: DuckSession, sql: string, what: string): Promise<DuckDBResult> {
  let statements;
  try {
    statements = await session.connection.extractStatements(sql);
  } catch (error) {
    throw invalidParameter(`${what}: ${firstLine(error)}`);
  }
  if (statements.count !== 1) throw invalidParameter(`${what}: the filter must be one SQL expression, not several statements`);
  try {
    return await session.connection.stream(sql);
  } catch (error) {
    const message = firstLine(error);
    if (/^(Parser|Binder|Conversion|Invalid Input|Catalog) Error/.test(message)) throw invalidParameter(`${what}: ${message}`);
    throw error;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** A DuckDB JS value as plain JSON-able data: safe BIGINTs as numbers (larger ones as strings), dates as ISO text. */
export function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}

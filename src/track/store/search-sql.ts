/**
 * Turns parsed search clauses (`../search/filter.ts`, `../search/order-by.ts`) into SQL expressions.
 * Key/value entities (metrics, params, tags) become correlated EXISTS subqueries, so a filter costs an
 * index lookup per candidate row and never multiplies rows.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { invalidParameter } from '../../core/errors.js';
import type { Comparison } from '../search/filter.js';
import type { DialectHooks } from './database.js';

/** Compares a SQL expression with a clause's value using the clause's comparator. */
export function compare(hooks: DialectHooks, column: Expression<unknown>, c: Pick<Comparison, 'comparator' | 'value'>): RawBuilder<SqlBool> {
  const v = c.value;
  switch (c.comparator) {
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      return sql<SqlBool>`${column} ${sql.raw(c.comparator === '!=' ? '<>' : c.comparator)} ${v}`;
    case 'LIKE':
      return sql<SqlBool>`${hooks.likeCaseSensitive(column, String(v))}`;
    case 'ILIKE':
      return sql<SqlBool>`lower(${column}) LIKE lower(${String(v)})`;
    case 'IN':
    case 'NOT IN': {
      const list = Array.isArray(v) ? v : [String(v)];
      if (list.length === 0) return c.comparator === 'IN' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
      return sql<SqlBool>`${column} ${sql.raw(c.comparator)} (${sql.join(list)})`;
    }
    case 'IS NULL':
      return sql<SqlBool>`${column} IS NULL`;
    case 'IS NOT NULL':
      return sql<SqlBool>`${column} IS NOT NULL`;
  }
}

/**
 * A clause over a key/value child table: `EXISTS (SELECT 1 FROM table WHERE owner = outer AND key = k AND value op v)`.
 * `IS NULL` means the key was never logged on that owner.
 */
export function keyValueExists(
  hooks: DialectHooks,
  table: string,
  ownerColumn: string,
  outerOwner: string,
  c: Comparison,
  extraCondition: RawBuilder<SqlBool> = sql<SqlBool>`1 = 1`,
): RawBuilder<SqlBool> {
  const owner = sql`${sql.ref(`kv.${ownerColumn}`)} = ${sql.ref(outerOwner)}`;
  const keyMatch = sql`kv.key = ${c.key}`;
  if (c.comparator === 'IS NULL') {
    return sql<SqlBool>`NOT EXISTS (SELECT 1 FROM ${sql.table(table)} kv WHERE ${owner} AND ${keyMatch})`;
  }
  if (c.comparator === 'IS NOT NULL') {
    return sql<SqlBool>`EXISTS (SELECT 1 FROM ${sql.table(table)} kv WHERE ${owner} AND ${keyMatch})`;
  }
  return sql<SqlBool>`EXISTS (SELECT 1 FROM ${sql.table(table)} kv WHERE ${owner} AND ${keyMatch} AND ${extraCondition} AND ${compare(hooks, sql.ref('kv.value'), c)})`;
}

/** A scalar subquery reading one key's value from a key/value child table (for ORDER BY). */
export function keyValueLookup(table: string, ownerColumn: string, outerOwner: string, key: string): RawBuilder<unknown> {
  return sql`(SELECT kv.value FROM ${sql.table(table)} kv WHERE ${sql.ref(`kv.${ownerColumn}`)} = ${sql.ref(outerOwner)} AND kv.key = ${key})`;
}

/** ORDER BY terms for one key: rows without the key go last whatever the direction, as in MLflow. */
export function orderTerms(expression: Expression<unknown>, ascending: boolean): RawBuilder<unknown>[] {
  return [sql`CASE WHEN ${expression} IS NULL THEN 1 ELSE 0 END`, sql`${expression} ${sql.raw(ascending ? 'ASC' : 'DESC')}`];
}

/** Rejects a clause's value type where the column needs another. */
export function requireNumber(c: Comparison): number {
  if (typeof c.value !== 'number') throw invalidParameter(`Expected numeric value type for ${c.key}. Found '${String(c.value)}'`);
  return c.value;
}

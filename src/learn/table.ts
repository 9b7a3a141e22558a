/**
 * Training tables for classical estimators: a CSV or Parquet file (through DuckDB) becomes a feature
 * matrix, a target, and optionally group ids and coordinates for grouped or spatial cross-validation.
 *
 * The task follows the target column's type: text, boolean or integer columns are classes, floating
 * point and decimal columns are regression, unless the caller says (scikit-learn's `type_of_target`
 * looks at values instead, and would call a float column of whole numbers classes). Classes are ordered as `np.unique`
 * orders them (numbers ascending, text by code point), so class indices and probability columns line
 * up with scikit-learn's. Missing or non-finite feature values are an error that names the column and
 * row unless `missing: 'drop'` is asked for, in which case the dropped count is reported.
 */
import fs from 'node:fs';
import { invalidParameter, notFound } from '../core/errors.js';
import { openDuckSession, plainValue, sqlIdentifier, sqlString } from '../data/labels/duckdb.js';
import { matrix, type Matrix } from './classical/estimator.js';

/** What to read from a table. */
export interface TableOptions {
  /** The target column. */
  target: string;
  /**
   * Feature columns (default: every numeric column except target, group and coordinate columns, and
   * except `x`, `y`, `row` and `col` when all four are present: the position columns of a pixel table).
   */
  features?: string[];
  /** A column of group ids (group k-fold, leave-one-group-out). */
  groupColumn?: string;
  /** Columns of x and y coordinates in one projected CRS (spatial k-fold). */
  coordinateColumns?: [string, string];
  /** Force the task instead of inferring it from the target. */
  task?: 'classification' | 'regression';
  /** What to do with rows holding a missing or non-finite value (default 'error'). */
  missing?: 'error' | 'drop';
}

/** A table ready for estimators. */
export interface Table {
  X: Matrix;
  featureNames: string[];
  task: 'classification' | 'regression';
  /** Class indices (classification) or values (regression). */
  y: Int32Array | Float64Array;
  /** Class labels in index order (classification only). */
  classes: string[];
  groups?: (string | number)[];
  coordinates?: { x: Float64Array; y: Float64Array };
  /** Rows read from the file, and rows dropped for missing values. */
  rowsRead: number;
  rowsDropped: number;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/;

/** Reads a CSV or Parquet file into a table (the format from the extension: .csv, .tsv, .parquet, .geoparquet). */
export async function readTable(file: string, options: TableOptions): Promise<Table> {
  if (!fs.existsSync(file)) throw notFound(`no table at ${file}`);
  const reader = /\.(geo)?parquet$/i.test(file) ? 'read_parquet' : /\.(csv|tsv|txt)$/i.test(file) ? 'read_csv' : null;
  if (!reader) throw invalidParameter(`cannot tell the format of ${file}: name it .csv, .tsv or .parquet`);
  const session = await openDuckSession();
  try {
    const source = `${reader}(${sqlString(file)})`;
    let described: Record<string, unknown>[];
    try {
      described = (await (await session.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS()) as Record<string, unknown>[];
    } catch (error) {
      throw invalidParameter(`cannot read ${file} as a table: ${(error as Error).message.split('\n')[0]}`);
    }
    const types = new Map(described.map((row) => [String(row.column_name), String(row.column_type)]));
    const need = (column: string, role: string) => {
      if (!types.has(column)) throw invalidParameter(`${file} has no ${role} column ${JSON.stringify(column)}; its columns are ${[...types.keys()].join(', ')}`);
    };
    need(options.target, 'target');
    if (options.groupColumn) need(options.groupColumn, 'group');
    for (const c of options.coordinateColumns ?? []) need(c, 'coordinate');
    const reserved = new Set([options.target, options.groupColumn, ...(options.coordinateColumns ?? [])]);
    let featureNames: string[];
    if (options.features?.length) {
      featureNames = options.features;
      for (const name of featureNames) {
        need(name, 'feature');
        if (reserved.has(name)) throw invalidParameter(`${name} cannot be both a feature and the target, group or coordinate column`);
        if (!NUMERIC.test(types.get(name) as string)) throw invalidParameter(`feature ${name} is ${types.get(name)}, not numeric: estimators need numbers (encode categories first)`);
      }
    } else {
      const pixelTable = ['x', 'y', 'row', 'col'].every((c) => types.has(c));
      const position = new Set(pixelTable ? ['x', 'y', 'row', 'col'] : []);
      featureNames = [...types].filter(([name, type]) => !reserved.has(name) && !position.has(name) && NUMERIC.test(type)).map(([name]) => name);
      if (featureNames.length === 0) throw invalidParameter(`${file} has no numeric column besides the target to use as features`);
    }
    for (const c of options.coordinateColumns ?? []) if (!NUMERIC.test(types.get(c) as string)) throw invalidParameter(`coordinate column ${c} is ${types.get(c)}, not numeric`);

    const columns = [...featureNames, options.target, ...(options.groupColumn ? [options.groupColumn] : []), ...(options.coordinateColumns ?? [])];
    const result = await session.connection.runAndReadAll(`SELECT ${columns.map((c) => `${sqlIdentifier(c)}::${c === options.target || c === options.groupColumn ? types.get(c) : 'DOUBLE'}`).join(', ')} FROM ${source}`);
    const values = result.getColumnsJS().map((column) => column.map(plainValue));
    const rowsRead = result.currentRowCount;
    if (rowsRead === 0) throw invalidParameter(`${file} has no rows`);

    // Rows to keep: every feature and coordinate finite, target and group present.
    const keep: number[] = [];
    const numericColumns = [...featureNames.map((_, i) => i), ...(options.coordinateColumns ?? []).map((_, i) => columns.length - (options.coordinateColumns as string[]).length + i)];
    const targetIndex = featureNames.length;
    const groupIndex = options.groupColumn ? targetIndex + 1 : -1;
    for (let r = 0; r < rowsRead; r++) {
      let bad: string | null = null;
      for (const c of numericColumns) {
        const v = values[c][r];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          bad = `${columns[c]} is ${v === null ? 'missing' : String(v)}`;
          break;
        }
      }
      if (!bad && (values[targetIndex][r] === null || values[targetIndex][r] === undefined)) bad = `the target ${options.target} is missing`;
      if (!bad && groupIndex >= 0 && values[groupIndex][r] === null) bad = `the group ${options.groupColumn} is missing`;
      if (bad) {
        if (options.missing !== 'drop') throw invalidParameter(`row ${r + 1} of ${file}: ${bad} (pass missing: 'drop' / --drop-missing to skip such rows)`);
        continue;
      }
      keep.push(r);
    }
    if (keep.length === 0) throw invalidParameter(`every row of ${file} has a missing value`);

    const X = new Float64Array(keep.length * featureNames.length);
    keep.forEach((r, i) => {
      for (let c = 0; c < featureNames.length; c++) X[i * featureNames.length + c] = values[c][r] as number;
    });
    const rawTarget = keep.map((r) => values[targetIndex][r]);
    const task = options.task ?? inferTask(types.get(options.target) as string);
    let y: Int32Array | Float64Array;
    let classes: string[] = [];
    if (task === 'classification') {
      ({ y, classes } = encodeClasses(rawTarget));
      if (classes.length < 2) throw invalidParameter(`the target ${options.target} has a single class (${classes[0]}): classification needs at least two`);
    } else {
      y = Float64Array.from(rawTarget, (v, i) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (!Number.isFinite(n)) throw invalidParameter(`row ${keep[i] + 1}: the regression target ${options.target} is ${JSON.stringify(v)}, not a number`);
        return n;
      });
    }
    const table: Table = { X: matrix(X, keep.length, featureNames.length), featureNames, task, y, classes, rowsRead, rowsDropped: rowsRead - keep.length };
    if (groupIndex >= 0) table.groups = keep.map((r) => values[groupIndex][r] as string | number);
    if (options.coordinateColumns) {
      const [cx, cy] = [columns.length - 2, columns.length - 1];
      table.coordinates = { x: Float64Array.from(keep, (r) => values[cx][r] as number), y: Float64Array.from(keep, (r) => values[cy][r] as number) };
    }
    return table;
  } finally {
    session.close();
  }
}

/** The task a target column's SQL type implies: floating point and decimals are regression, the rest classes. */
export function inferTask(sqlType: string): 'classification' | 'regression' {
  return /^(FLOAT|DOUBLE|REAL|DECIMAL)/.test(sqlType) ? 'regression' : 'classification';
}

/** Class indices in `np.unique` order: numbers ascending when every label is a number, else text order. */
export function encodeClasses(target: readonly unknown[]): { y: Int32Array; classes: string[] } {
  const distinct = [...new Set(target.map((v) => (typeof v === 'number' ? v : String(v))))];
  const numeric = distinct.every((v) => typeof v === 'number');
  distinct.sort(numeric ? (a, b) => (a as number) - (b as number) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  const index = new Map(distinct.map((v, i) => [v, i]));
  return { y: Int32Array.from(target, (v) => index.get(typeof v === 'number' ? v : String(v)) as number), classes: distinct.map(String) };
}

/**
 * Options the classical-ML commands share: which table columns to read, hyper-parameters given as
 * `--param MODEL.NAME=VALUE`, search grids from a file, and the cross-validation scheme flags.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import type { Params } from '../learn/classical/estimator.js';
import type { SplitScheme } from '../learn/evaluate/splits.js';
import type { TableOptions } from '../learn/table.js';
import { CliError } from './errors.js';
import { number } from './options.js';

/** Table flags as commander hands them over. */
export interface TableFlags {
  data: string;
  target: string;
  features?: string;
  groupCol?: string;
  spatial?: string;
  task?: string;
  dropMissing?: boolean;
}

/** Comma-separated names, trimmed, empty ones dropped. */
export function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The table reader's options from flags. */
export function tableOptions(flags: TableFlags): TableOptions {
  if (flags.task !== undefined && flags.task !== 'classification' && flags.task !== 'regression') throw new CliError(`--task must be classification or regression, got ${flags.task}`, 2);
  let coordinateColumns: [string, string] | undefined;
  if (flags.spatial !== undefined) {
    const cols = list(flags.spatial);
    if (cols.length !== 2) throw new CliError(`--spatial takes the x and y coordinate columns as X,Y, got ${JSON.stringify(flags.spatial)}`, 2);
    coordinateColumns = [cols[0], cols[1]];
  }
  return {
    target: flags.target,
    features: flags.features ? list(flags.features) : undefined,
    groupColumn: flags.groupCol,
    coordinateColumns,
    task: flags.task as TableOptions['task'],
    missing: flags.dropMissing ? 'drop' : 'error',
  };
}

/** A flag value as JSON when it parses (numbers, booleans, null, lists), else the text itself. */
function parseValue(text: string): Params[string] {
  try {
    const value = JSON.parse(text);
    if (value === null || ['number', 'string', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'number'))) return value;
  } catch {
    // Not JSON: a bare word such as `sqrt` or `entropy`.
  }
  return text;
}

/** Hyper-parameters per model from repeated `--param MODEL.NAME=VALUE` (MODEL may be omitted when one model is used). */
export function parseParams(entries: string[], models: string[]): Record<string, Params> {
  const out: Record<string, Params> = {};
  for (const entry of entries) {
    const match = /^(?:([a-z]+)\.)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(entry);
    if (!match) throw new CliError(`--param takes MODEL.NAME=VALUE (e.g. rf.n_estimators=200), got ${JSON.stringify(entry)}`, 2);
    const model = match[1] ?? (models.length === 1 ? models[0] : undefined);
    if (!model) throw new CliError(`--param ${entry}: name the model (e.g. rf.${match[2]}=…) when several models run`, 2);
    if (!models.includes(model)) throw new CliError(`--param ${entry}: ${model} is not among the models (${models.join(', ')})`, 2);
    (out[model] ??= {})[match[2]] = parseValue(match[3]);
  }
  return out;
}

/** Search grids per model from a YAML or JSON file: `{ rf: { max_depth: [4, 8, null] }, svm: { C: [0.1, 1, 10] } }`. */
export function readGrids(file: string): Record<string, Record<string, (number | string | boolean | null)[]>> {
  let parsed: unknown;
  try {
    parsed = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read the search grid ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${file} must map model names to grids of hyper-parameter lists`);
  for (const [model, grid] of Object.entries(parsed as Record<string, unknown>)) {
    if (!grid || typeof grid !== 'object' || Array.isArray(grid)) throw new CliError(`${file}: the grid for ${model} must map hyper-parameter names to lists`);
    for (const [name, values] of Object.entries(grid as Record<string, unknown>)) {
      if (!Array.isArray(values) || values.length === 0) throw new CliError(`${file}: ${model}.${name} must be a non-empty list of values`);
    }
  }
  return parsed as Record<string, Record<string, (number | string | boolean | null)[]>>;
}

/** Scheme flags as commander hands them over. */
export interface SchemeFlags {
  folds?: string;
  stratified?: boolean;
  shuffle?: boolean;
  seed?: string;
  repeats?: string;
  loo?: boolean;
  logo?: boolean;
  groupCol?: string;
  spatial?: string;
  blockSize?: string;
}

/** The cross-validation scheme the flags ask for; stratified k-fold is the default for classes, as scikit-learn's `cv=K`. */
export function schemeFrom(flags: SchemeFlags, task: 'classification' | 'regression'): SplitScheme {
  const folds = number(flags.folds, '--folds', { integer: true, min: 2 }) ?? 5;
  const seed = number(flags.seed, '--seed', { integer: true }) ?? 0;
  const repeats = number(flags.repeats, '--repeats', { integer: true, min: 1 });
  const chosen = [flags.loo && '--loo', flags.logo && '--logo', flags.groupCol && !flags.logo && '--group-col', flags.spatial && '--spatial', repeats && '--repeats'].filter(Boolean);
  if (chosen.length > 1) throw new CliError(`choose one cross-validation scheme, not ${chosen.join(' and ')}`, 2);
  if (flags.stratified && task === 'regression') throw new CliError('--stratified needs classes; the target is continuous', 2);
  if (flags.loo) return { kind: 'loo' };
  if (flags.logo) {
    if (!flags.groupCol) throw new CliError('--logo needs --group-col', 2);
    return { kind: 'logo' };
  }
  if (flags.groupCol) return { kind: 'group', folds };
  if (flags.spatial) {
    const blockSize = number(flags.blockSize, '--block-size', { min: 0 });
    if (!blockSize) throw new CliError('--spatial needs --block-size: the side of a block, in the coordinates\' units', 2);
    return { kind: 'spatial', folds, blockSize, seed };
  }
  if (repeats) return { kind: 'repeated', folds, repeats, stratified: task === 'classification', seed };
  return task === 'classification' ? { kind: 'stratified', folds, shuffle: flags.shuffle, seed } : { kind: 'kfold', folds, shuffle: flags.shuffle, seed };
}

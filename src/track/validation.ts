/**
 * MLflow's validation rules (mlflow/utils/validation.py): names, lengths and batch limits. The store
 * calls these before touching the database so that both backends reject the same input the same way.
 */
import { invalidParameter } from '../core/errors.js';
import type { Metric, Param, Tag } from './entities.js';

export const LIMITS = {
  maxKeyLength: 250,
  maxParamValueLength: 6000,
  maxRunTagValueLength: 8000,
  maxExperimentTagValueLength: 5000,
  maxRegistryTagValueLength: 100_000,
  maxExperimentNameLength: 500,
  maxBatchMetrics: 1000,
  maxBatchParams: 100,
  maxBatchTags: 100,
  maxBatchEntities: 1000,
  maxBatchRequestBytes: 1_000_000,
  maxAliasLength: 255,
  searchRunsDefault: 1000,
  searchRunsMax: 50_000,
  searchExperimentsDefault: 1000,
  searchExperimentsMax: 50_000,
  searchRegisteredModelsDefault: 100,
  searchRegisteredModelsMax: 1000,
  searchModelVersionsDefault: 10_000,
  searchModelVersionsMax: 200_000,
  searchLoggedModelsDefault: 100,
  searchLoggedModelsMax: 1000,
  historyBulkRunsMax: 100,
  historyBulkResultsDefault: 2500,
  historyBulkResultsMax: 2500,
} as const;

const NAME_PATTERN = /^[/\w.\- :]*$/;
const RUN_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,255}$/;

function validateName(kind: string, key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalidParameter(`Invalid ${kind} name: '${String(key)}'. Names must be non-empty strings.`);
  }
  if (!NAME_PATTERN.test(key)) {
    throw invalidParameter(
      `Invalid value "${key}" for parameter 'name' supplied: Names may only contain alphanumerics, ` +
        `underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  // A key must not climb out of its folder when MLflow's file store maps it to a path.
  const parts = key.split('/');
  if (key.startsWith('/') || parts.some((p) => p === '..' || p === '.') || key.includes('//')) {
    throw invalidParameter(`Invalid value "${key}" for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${parts.filter((p) => p && p !== '.').join('/')}'`);
  }
  if (key.length > LIMITS.maxKeyLength) {
    throw invalidParameter(`'${kind}' key '${key.slice(0, 32)}…' had length ${key.length}, which exceeded length limit of ${LIMITS.maxKeyLength}`);
  }
}

/** Checks a metric's key and that its value and step are numbers. */
export function validateMetric(metric: Metric): void {
  validateName('metric', metric.key);
  if (typeof metric.value !== 'number') {
    throw invalidParameter(`Got invalid value ${String(metric.value)} for metric '${metric.key}' (timestamp=${metric.timestamp}). Please specify value as a valid double (64-bit floating point)`);
  }
  if (!Number.isSafeInteger(metric.timestamp)) {
    throw invalidParameter(`Got invalid timestamp ${String(metric.timestamp)} for metric '${metric.key}' (value=${metric.value}). Timestamp must be a nonnegative long (64-bit integer)`);
  }
  if (!Number.isSafeInteger(metric.step)) {
    throw invalidParameter(`Got invalid step ${String(metric.step)} for metric '${metric.key}' (value=${metric.value}). Step must be a valid long (64-bit integer).`);
  }
}

/** Checks a param key; long values are truncated to MLflow's limit, as MLflow does by default. */
export function normalizeParam(param: Param): Param {
  validateName('param', param.key);
  if (typeof param.value !== 'string') throw invalidParameter(`Param '${param.key}' must have a string value`);
  return param.value.length > LIMITS.maxParamValueLength
    ? { key: param.key, value: param.value.slice(0, LIMITS.maxParamValueLength) }
    : param;
}

/** Checks a tag's key and the length of its value against `maxValueLength`. */
export function validateTag(tag: Tag, maxValueLength: number = LIMITS.maxRunTagValueLength): void {
  validateName('tag', tag.key);
  if (typeof tag.value !== 'string') throw invalidParameter(`Tag '${tag.key}' must have a string value`);
  if (tag.value.length > maxValueLength) {
    throw invalidParameter(`'tag' value '${tag.key}' had length ${tag.value.length}, which exceeded length limit of ${maxValueLength}`);
  }
}

/** Checks a run id's shape before it reaches SQL. */
export function validateRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) throw invalidParameter(`Invalid run ID: '${runId}'`);
}

/** Checks an experiment name: non-empty and within MLflow's length. */
export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw invalidParameter("Invalid experiment name: ''. Experiment names must be non-empty strings.");
  }
  if (name.length > LIMITS.maxExperimentNameLength) {
    throw invalidParameter(`Experiment name ${name.slice(0, 32)}… had length ${name.length}, which exceeded length limit of ${LIMITS.maxExperimentNameLength}`);
  }
}

/** Checks `log-batch` against MLflow's per-request limits and duplicate param keys. */
export function validateBatchLimits(metrics: Metric[], params: Param[], tags: Tag[]): void {
  const over = (what: string, got: number, max: number) =>
    invalidParameter(`A batch logging request can contain at most ${max} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`);
  if (metrics.length > LIMITS.maxBatchMetrics) throw over('metrics', metrics.length, LIMITS.maxBatchMetrics);
  if (params.length > LIMITS.maxBatchParams) throw over('params', params.length, LIMITS.maxBatchParams);
  if (tags.length > LIMITS.maxBatchTags) throw over('tags', tags.length, LIMITS.maxBatchTags);
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.maxBatchEntities) {
    throw invalidParameter(`A batch logging request can contain at most ${LIMITS.maxBatchEntities} metrics, params, and tags in total. Got ${total} in total. Please split up entries across multiple requests and try again.`);
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const p of params) (seen.has(p.key) ? duplicates : seen).add(p.key);
  if (duplicates.size > 0) {
    throw invalidParameter(`Duplicate parameter keys have been submitted: [${[...duplicates].map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`);
  }
}

/** Checks `max_results` against a maximum. */
export function validateMaxResults(value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidParameter(`Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${max}`);
  }
}

/** Checks a registered-model alias: MLflow reserves `latest` and `v<digits>`. */
export function validateAlias(alias: string): void {
  if (alias.length === 0 || alias.length > LIMITS.maxAliasLength || !/^[\w-]*$/.test(alias)) {
    throw invalidParameter(`Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-), up to ${LIMITS.maxAliasLength} characters.`);
  }
  if (alias.toLowerCase() === 'latest') throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  if (/^v\d+$/i.test(alias)) throw invalidParameter(`Version alias name '${alias}' is reserved.`);
}

/** Checks a registered model name. */
export function validateModelName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw invalidParameter("Registered model name cannot be empty.");
  }
  if (name.length > 256) throw invalidParameter(`Registered model name '${name.slice(0, 32)}…' is longer than 256 characters.`);
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import {
  parseExperimentOrderBy,
  parseModelVersionOrderBy,
  parseRegisteredModelOrderBy,
  parseRunOrderBy,
  type OrderByClause,
} from './order-by.js';

const rejects = rejectsInvalidParameter;

const attr = (key: string, ascending = true): OrderByClause => ({ type: 'attribute', key, ascending });

describe('parseRunOrderBy', () => {
  const KEYS = "{'Created', 'artifact_uri', 'created', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id'}";

  test('no items is no clauses', () => {
    assert.deepEqual(parseRunOrderBy(undefined), []);
    assert.deepEqual(parseRunOrderBy([]), []);
  });

  test('ASC by default; ASC and DESC in any case', () => {
    assert.deepEqual(parseRunOrderBy(['metrics.acc', 'metrics.acc ASC', 'metrics.acc DESC', 'metrics.acc desc', 'metrics.acc Asc']), [
      { type: 'metric', key: 'acc', ascending: true },
      { type: 'metric', key: 'acc', ascending: true },
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'metric', key: 'acc', ascending: true },
    ]);
  });

  test('metrics, params and tags under every prefix alias', () => {
    assert.deepEqual(parseRunOrderBy(['metric.a', 'params.b DESC', 'parameter.c', 'param.d', 'parameters.e', 'tags.f', 'tag.g']), [
      { type: 'metric', key: 'a', ascending: true },
      { type: 'param', key: 'b', ascending: false },
      { type: 'param', key: 'c', ascending: true },
      { type: 'param', key: 'd', ascending: true },
      { type: 'param', key: 'e', ascending: true },
      { type: 'tag', key: 'f', ascending: true },
      { type: 'tag', key: 'g', ascending: true },
    ]);
  });

  test('quoted and dotted keys', () => {
    assert.deepEqual(parseRunOrderBy(['metrics.`my-metric` DESC', 'params."a b"', 'tags.mlflow.runName', 'tags.`a.b` asc']), [
      { type: 'metric', key: 'my-metric', ascending: false },
      { type: 'param', key: 'a b', ascending: true },
      { type: 'tag', key: 'mlflow.runName', ascending: true },
      { type: 'tag', key: 'a.b', ascending: true },
    ]);
  });

  test('every attribute, bare or prefixed', () => {
    const keys = ['start_time', 'end_time', 'status', 'run_name', 'run_id', 'user_id', 'artifact_uri'];
    assert.deepEqual(parseRunOrderBy(keys), keys.map((k) => attr(k)));
    assert.deepEqual(parseRunOrderBy(keys.map((k) => `attributes.${k} DESC`)), keys.map((k) => attr(k, false)));
    assert.deepEqual(parseRunOrderBy(['attribute.status', 'attr.status', 'run.status']), [attr('status'), attr('status'), attr('status')]);
  });

  test('created, Created and timestamp sort by start_time', () => {
    assert.deepEqual(parseRunOrderBy(['created', 'Created DESC', 'timestamp', 'timestamp DESC']), [
      attr('start_time'),
      attr('start_time', false),
      attr('start_time'),
      attr('start_time', false),
    ]);
  });

  test('an unknown entity', () => {
    rejects(() => parseRunOrderBy(['foo.bar']), "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']");
  });

  test('datasets cannot be sorted on', () => {
    rejects(() => parseRunOrderBy(['datasets.name']), "Invalid order_by entity type 'dataset'");
  });

  test('an unknown attribute', () => {
    rejects(() => parseRunOrderBy(['foo']), `Invalid attribute key 'foo' specified. Valid keys are '${KEYS}'`);
    rejects(() => parseRunOrderBy(['attributes.lifecycle_stage DESC']), `Invalid attribute key 'lifecycle_stage' specified. Valid keys are '${KEYS}'`);
  });

  test('a word other than ASC or DESC', () => {
    rejects(() => parseRunOrderBy(['metrics.acc DESCENDING']), "Invalid ordering key in order_by clause 'metrics.acc DESCENDING'.");
    rejects(() => parseRunOrderBy(['metrics.acc up']), "Invalid ordering key in order_by clause 'metrics.acc up'.");
  });

  test('extra tokens, a missing key or unbalanced quotes cannot be parsed', () => {
    for (const item of ['', '   ', 'metrics.acc DESC extra', 'metrics.acc 1', "metrics.acc 'DESC'", 'metrics.a-b', 'metrics.`acc', 'DESC metrics.acc x', '(metrics.acc)', 'metrics.a, metrics.b']) {
      rejects(() => parseRunOrderBy([item]), `Invalid order_by clause '${item}'. Could not be parsed.`);
    }
  });

  test('the first bad item fails the whole list', () => {
    rejects(() => parseRunOrderBy(['metrics.acc', 'foo.x']), "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']");
  });
});

describe('parseExperimentOrderBy', () => {
  const KEYS = "{'name', 'experiment_id', 'creation_time', 'last_update_time'}";

  test('every attribute, bare or with the attribute prefix', () => {
    assert.deepEqual(parseExperimentOrderBy(['name', 'experiment_id DESC', 'creation_time asc', 'attribute.last_update_time DESC']), [
      attr('name'),
      attr('experiment_id', false),
      attr('creation_time'),
      attr('last_update_time', false),
    ]);
  });

  test('errors', () => {
    rejects(() => parseExperimentOrderBy(['foo']), `Invalid attribute key 'foo' specified. Valid keys are '${KEYS}'`);
    rejects(() => parseExperimentOrderBy(['tags.t']), 'Invalid order_by entity: tag');
    rejects(() => parseExperimentOrderBy(['attributes.name']), "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')");
    rejects(() => parseExperimentOrderBy(['name sideways']), "Invalid ordering key in order_by clause 'name sideways'.");
    rejects(() => parseExperimentOrderBy(['name DESC x']), "Invalid order_by clause 'name DESC x'. Could not be parsed.");
  });
});

describe('parseRegisteredModelOrderBy', () => {
  test('name, creation_timestamp (alias timestamp) and last_updated_timestamp', () => {
    assert.deepEqual(parseRegisteredModelOrderBy(['name', 'creation_timestamp DESC', 'timestamp desc', 'last_updated_timestamp ASC']), [
      attr('name'),
      attr('creation_timestamp', false),
      attr('creation_timestamp', false),
      attr('last_updated_timestamp'),
    ]);
  });

  test('errors', () => {
    rejects(() => parseRegisteredModelOrderBy(['version_number']), "Invalid attribute key 'version_number' specified. Valid keys are '{'name', 'creation_timestamp', 'last_updated_timestamp'}'");
    rejects(() => parseRegisteredModelOrderBy(['tags.t']), 'Invalid order_by entity: tag');
    rejects(() => parseRegisteredModelOrderBy(['metrics.m']), "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')");
  });
});

describe('parseModelVersionOrderBy', () => {
  test('name, version_number, creation_timestamp (alias timestamp) and last_updated_timestamp', () => {
    assert.deepEqual(parseModelVersionOrderBy(['name', 'version_number DESC', 'creation_timestamp', 'timestamp DESC', 'last_updated_timestamp']), [
      attr('name'),
      attr('version_number', false),
      attr('creation_timestamp'),
      attr('creation_timestamp', false),
      attr('last_updated_timestamp'),
    ]);
  });

  test('errors', () => {
    rejects(
      () => parseModelVersionOrderBy(['run_id']),
      "Invalid attribute key 'run_id' specified. Valid keys are '{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}'",
    );
    rejects(() => parseModelVersionOrderBy(['tag.t DESC']), 'Invalid order_by entity: tag');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import {
  parseExperimentFilter,
  parseLoggedModelFilter,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
  parseRunFilter,
  type Comparison,
} from './filter.js';

const rejects = rejectsInvalidParameter;

const one = (type: Comparison['type'], key: string, comparator: Comparison['comparator'], value: Comparison['value']): Comparison => ({
  type,
  key,
  comparator,
  value,
});

const RUN_KEYS =
  "{'Created', 'Run Name', 'Run name', 'artifact_uri', 'created', 'end_time', 'lifecycle_stage', 'run name', 'run_id', 'run_name', 'start_time', 'status', 'user_id'}";

describe('parseRunFilter: statement structure', () => {
  test('an empty, blank or missing filter is no clauses', () => {
    assert.deepEqual(parseRunFilter(undefined), []);
    assert.deepEqual(parseRunFilter(''), []);
    assert.deepEqual(parseRunFilter('  \n\t '), []);
  });

  test('comparisons are joined by AND in any case', () => {
    assert.deepEqual(parseRunFilter("metrics.a > 1 AND params.p = 'x' and tags.t != 'y' aNd status = 'FINISHED'"), [
      one('metric', 'a', '>', 1),
      one('param', 'p', '=', 'x'),
      one('tag', 't', '!=', 'y'),
      one('attribute', 'status', '=', 'FINISHED'),
    ]);
  });

  test('stray ANDs are skipped, as MLflow skips them', () => {
    assert.deepEqual(parseRunFilter("AND metrics.a > 1 AND AND metrics.b < 2 AND"), [one('metric', 'a', '>', 1), one('metric', 'b', '<', 2)]);
  });

  test('whitespace around operators is optional', () => {
    assert.deepEqual(parseRunFilter("metrics.a>=1 and params.p='x'"), [one('metric', 'a', '>=', 1), one('param', 'p', '=', 'x')]);
  });

  test('OR is an invalid clause', () => {
    rejects(() => parseRunFilter('metrics.a > 1 OR metrics.b < 2'), "Invalid clause(s) in filter string: 'OR'");
    rejects(() => parseRunFilter('metrics.a > 1 or metrics.b < 2'), "Invalid clause(s) in filter string: 'or'");
  });

  test('parentheses are an invalid clause', () => {
    rejects(() => parseRunFilter('(metrics.a > 1)'), "Invalid clause(s) in filter string: '(metrics.a > 1)'");
    rejects(
      () => parseRunFilter('metrics.a > 1 AND (metrics.b < 2 OR metrics.c = 3)'),
      "Invalid clause(s) in filter string: '(metrics.b < 2 OR metrics.c = 3)'",
    );
  });

  test('NOT outside NOT IN and IS NOT NULL is an invalid clause', () => {
    rejects(() => parseRunFilter("NOT params.p = 'x'"), "Invalid clause(s) in filter string: 'NOT'");
    rejects(() => parseRunFilter("params.p NOT LIKE 'x'"), "Invalid clause(s) in filter string: 'params.p', 'NOT', 'LIKE', ''x''");
  });

  test('trailing garbage and incomplete comparisons are invalid clauses, all of them named', () => {
    rejects(() => parseRunFilter('metrics.a > 1 junk'), "Invalid clause(s) in filter string: 'junk'");
    rejects(() => parseRunFilter('metrics.a >'), "Invalid clause(s) in filter string: 'metrics.a', '>'");
    rejects(() => parseRunFilter('metrics.a > 1 metrics.b'), "Invalid clause(s) in filter string: 'metrics.b'");
    rejects(() => parseRunFilter('metrics.a-b > 1'), "Invalid clause(s) in filter string: 'metrics.a', '-'");
    rejects(() => parseRunFilter("params.p = 'x' )"), "Invalid clause(s) in filter string: ')'");
  });

  test('an unterminated quote or parenthesis cannot be parsed', () => {
    rejects(() => parseRunFilter("params.p = 'abc"), "Invalid filter 'params.p = 'abc'. Could not be parsed.");
    rejects(() => parseRunFilter('params."p = 1'), "Invalid filter 'params.\"p = 1'. Could not be parsed.");
    rejects(() => parseRunFilter("run_id IN ('a'"), "Invalid filter 'run_id IN ('a''. Could not be parsed.");
  });

  test('several statements are refused', () => {
    rejects(
      () => parseRunFilter("metrics.a > 1; params.p = 'x'"),
      "Search filter contained multiple expression 'metrics.a > 1; params.p = 'x''. Provide AND-ed expression list.",
    );
    rejects(() => parseRunFilter('metrics.a > 1;'), "Invalid clause(s) in filter string: ';'");
  });

  test('a literal on the left-hand side is refused', () => {
    rejects(() => parseRunFilter("'a' = params.p"), "Invalid comparison clause. Expected 'Identifier' found ''a''");
    rejects(() => parseRunFilter('1 < metrics.a'), "Invalid comparison clause. Expected 'Identifier' found '1'");
  });
});

describe('parseRunFilter: entities and keys', () => {
  test('every entity prefix and alias', () => {
    const cases: [string, Comparison['type']][] = [
      ['metric', 'metric'],
      ['metrics', 'metric'],
      ['param', 'param'],
      ['params', 'param'],
      ['parameter', 'param'],
      ['parameters', 'param'],
      ['tag', 'tag'],
      ['tags', 'tag'],
    ];
    for (const [prefix, type] of cases) {
      const value = type === 'metric' ? '1' : "'v'";
      assert.deepEqual(parseRunFilter(`${prefix}.k = ${value}`), [one(type, 'k', '=', type === 'metric' ? 1 : 'v')], prefix);
    }
    for (const prefix of ['attribute', 'attributes', 'attr', 'run']) {
      assert.deepEqual(parseRunFilter(`${prefix}.status = 'RUNNING'`), [one('attribute', 'status', '=', 'RUNNING')], prefix);
    }
    for (const prefix of ['dataset', 'datasets']) {
      assert.deepEqual(parseRunFilter(`${prefix}.name = 'd'`), [one('dataset', 'name', '=', 'd')], prefix);
    }
  });

  test('a backticked entity prefix is accepted', () => {
    assert.deepEqual(parseRunFilter('`metrics`.a > 1'), [one('metric', 'a', '>', 1)]);
  });

  test('an unknown entity prefix', () => {
    rejects(() => parseRunFilter('foo.x = 1'), "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']");
    rejects(() => parseRunFilter('Metrics.x = 1'), "Invalid entity type 'Metrics'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']");
  });

  test('keys quoted with backticks or double quotes', () => {
    assert.deepEqual(parseRunFilter('metrics.`my-metric` > 1'), [one('metric', 'my-metric', '>', 1)]);
    assert.deepEqual(parseRunFilter(`params."a b" = 'x'`), [one('param', 'a b', '=', 'x')]);
    assert.deepEqual(parseRunFilter("tags.`a.b` = 'x'"), [one('tag', 'a.b', '=', 'x')]);
    assert.deepEqual(parseRunFilter('metrics.`1st` > 1'), [one('metric', '1st', '>', 1)]);
    assert.deepEqual(parseRunFilter('metrics.`a``b` > 1'), [one('metric', 'a`b', '>', 1)]);
  });

  test('unquoted keys: letters, digits and underscores, dots splitting only at the first one', () => {
    assert.deepEqual(parseRunFilter('metrics.train_loss_2 < 1'), [one('metric', 'train_loss_2', '<', 1)]);
    assert.deepEqual(parseRunFilter("tags.mlflow.runName = 'r'"), [one('tag', 'mlflow.runName', '=', 'r')]);
    assert.deepEqual(parseRunFilter("tags.mlflow.source.git.commit = 'abc'"), [one('tag', 'mlflow.source.git.commit', '=', 'abc')]);
  });

  test('unknown attribute keys list the valid ones', () => {
    rejects(() => parseRunFilter("foo = 'x'"), `Invalid attribute key 'foo' specified. Valid keys are '${RUN_KEYS}'`);
    rejects(() => parseRunFilter("attributes.experiment_id = '1'"), `Invalid attribute key 'experiment_id' specified. Valid keys are '${RUN_KEYS}'`);
  });

  test('unknown dataset keys list the valid ones', () => {
    rejects(() => parseRunFilter("datasets.foo = 'x'"), "Invalid dataset key 'foo' specified. Valid keys are '{'name', 'digest', 'context'}'");
  });
});

describe('parseRunFilter: metrics', () => {
  test('every numeric comparator', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      assert.deepEqual(parseRunFilter(`metrics.m ${op} 2`), [one('metric', 'm', op, 2)]);
    }
  });

  test('integers, floats, negatives and scientific notation', () => {
    const values: [string, number][] = [
      ['3', 3],
      ['0.25', 0.25],
      ['.5', 0.5],
      ['5.', 5],
      ['-2', -2],
      ['-0.5', -0.5],
      ['1e3', 1000],
      ['1.5E-3', 0.0015],
      ['2e+2', 200],
    ];
    for (const [text, value] of values) assert.deepEqual(parseRunFilter(`metrics.m > ${text}`), [one('metric', 'm', '>', value)], text);
  });

  test('a quoted or bare value is not a number', () => {
    rejects(() => parseRunFilter("metrics.acc = 'a'"), "Expected numeric value type for metric. Found 'a'");
    rejects(() => parseRunFilter('metrics.acc = "a"'), 'Expected numeric value type for metric. Found "a"');
    rejects(() => parseRunFilter("metrics.acc = '1'"), "Expected numeric value type for metric. Found '1'");
    rejects(() => parseRunFilter('metrics.acc = abc'), 'Expected numeric value type for metric. Found abc');
    rejects(() => parseRunFilter("metrics.acc IN ('1')"), "Expected numeric value type for metric. Found ('1')");
  });

  test('string comparators are refused', () => {
    rejects(() => parseRunFilter('metrics.acc LIKE 1'), "Invalid comparator 'LIKE' not one of '{'>', '>=', '!=', '=', '<', '<='}'");
    rejects(() => parseRunFilter('metrics.acc IS NULL'), "Invalid comparator 'IS NULL' not one of '{'>', '>=', '!=', '=', '<', '<='}'");
    rejects(() => parseRunFilter('metrics.acc == 1'), "Invalid comparator '==' not one of '{'>', '>=', '!=', '=', '<', '<='}'");
    rejects(() => parseRunFilter('metrics.acc <> 1'), "Invalid comparator '<>' not one of '{'>', '>=', '!=', '=', '<', '<='}'");
  });
});

describe('parseRunFilter: params and tags', () => {
  test('= != LIKE ILIKE with single- or double-quoted strings; LIKE and ILIKE in any case', () => {
    assert.deepEqual(parseRunFilter("params.p = 'a' and params.p != \"b\" and params.p like 'c%' and params.p ILIKE '%D'"), [
      one('param', 'p', '=', 'a'),
      one('param', 'p', '!=', 'b'),
      one('param', 'p', 'LIKE', 'c%'),
      one('param', 'p', 'ILIKE', '%D'),
    ]);
    assert.deepEqual(parseRunFilter("tags.t Like 'x_' and tags.t iLike 'Y'"), [one('tag', 't', 'LIKE', 'x_'), one('tag', 't', 'ILIKE', 'Y')]);
  });

  test('IS NULL and IS NOT NULL, in any case', () => {
    assert.deepEqual(parseRunFilter('params.p IS NULL and tags.t is not null and params.q Is Not Null'), [
      one('param', 'p', 'IS NULL', null),
      one('tag', 't', 'IS NOT NULL', null),
      one('param', 'q', 'IS NOT NULL', null),
    ]);
  });

  test('quoted strings: doubled quotes, other quotes, spaces and empty strings', () => {
    assert.deepEqual(parseRunFilter("params.p = 'it''s'"), [one('param', 'p', '=', "it's")]);
    assert.deepEqual(parseRunFilter(`params.p = "say ""hi"""`), [one('param', 'p', '=', 'say "hi"')]);
    assert.deepEqual(parseRunFilter(`params.p = 'a "b" c'`), [one('param', 'p', '=', 'a "b" c')]);
    assert.deepEqual(parseRunFilter("params.p = ''"), [one('param', 'p', '=', '')]);
    assert.deepEqual(parseRunFilter("params.p = 'AND OR 1'"), [one('param', 'p', '=', 'AND OR 1')]);
  });

  test('backslash escapes are kept verbatim, as MLflow keeps them', () => {
    assert.deepEqual(parseRunFilter(String.raw`params.p = 'a\'b'`), [one('param', 'p', '=', String.raw`a\'b`)]);
  });

  test('an unquoted value', () => {
    rejects(() => parseRunFilter('params.p = 1'), "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1");
    rejects(() => parseRunFilter('tags.t = 1.5'), "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1.5");
    rejects(() => parseRunFilter("params.p IN ('a')"), "Expected a quoted string value for parameter (e.g. 'my-value'). Got value ('a')");
  });

  test('a bare or backticked word', () => {
    rejects(
      () => parseRunFilter('params.p = abc'),
      'Parameter value is either not quoted or unidentified quote types used for string value abc. Use either single or double quotes.',
    );
    rejects(
      () => parseRunFilter('tags.t = `abc`'),
      'Parameter value is either not quoted or unidentified quote types used for string value `abc`. Use either single or double quotes.',
    );
  });

  test('numeric and list comparators are refused', () => {
    rejects(() => parseRunFilter("params.p > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'");
    rejects(() => parseRunFilter("tags.t <= 'a'"), "Invalid comparator '<=' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'");
  });
});

describe('parseRunFilter: attributes', () => {
  test('string attributes with = != LIKE ILIKE', () => {
    for (const key of ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage']) {
      assert.deepEqual(parseRunFilter(`attributes.${key} LIKE 'x%'`), [one('attribute', key, 'LIKE', 'x%')], key);
    }
    assert.deepEqual(parseRunFilter("run_name != \"a\" and user_id ILIKE 'Bob'"), [
      one('attribute', 'run_name', '!=', 'a'),
      one('attribute', 'user_id', 'ILIKE', 'Bob'),
    ]);
  });

  test('run_id IN and NOT IN a list', () => {
    assert.deepEqual(parseRunFilter("attributes.run_id IN ('a', 'b')"), [one('attribute', 'run_id', 'IN', ['a', 'b'])]);
    assert.deepEqual(parseRunFilter(`run_id not in ("a")`), [one('attribute', 'run_id', 'NOT IN', ['a'])]);
    assert.deepEqual(parseRunFilter("run_id IN ('a',)"), [one('attribute', 'run_id', 'IN', ['a'])]);
    assert.deepEqual(parseRunFilter("run_id IN('a','b','c')"), [one('attribute', 'run_id', 'IN', ['a', 'b', 'c'])]);
  });

  test('a list for another attribute', () => {
    rejects(() => parseRunFilter("status IN ('RUNNING')"), "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    rejects(() => parseRunFilter("run_name NOT IN ('a')"), "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
  });

  test('a list with a scalar comparator', () => {
    rejects(() => parseRunFilter("run_id = ('a')"), "Invalid comparator '=' for a list of values. Use one of '{'IN', 'NOT IN'}'");
  });

  test('malformed lists', () => {
    rejects(() => parseRunFilter('run_id IN ()'), 'While parsing a list in the query, expected a non-empty list of string values, but got empty list');
    rejects(
      () => parseRunFilter('run_id IN (1, 2)'),
      'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)',
    );
    rejects(
      () => parseRunFilter("run_id IN ('a', 2)"),
      "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 2)",
    );
    const illFormed = 'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.';
    rejects(() => parseRunFilter("run_id IN ('a' 'b')"), illFormed);
    rejects(() => parseRunFilter("run_id IN ('a',,'b')"), illFormed);
    rejects(() => parseRunFilter('run_id IN (,)'), illFormed);
    rejects(() => parseRunFilter('run_id IN (a)'), illFormed);
  });

  test('IN without a list is an invalid clause', () => {
    rejects(() => parseRunFilter("run_id IN 'a'"), "Invalid clause(s) in filter string: 'run_id', 'IN', ''a''");
  });

  test('string attribute values must be quoted', () => {
    rejects(() => parseRunFilter('status = 1'), 'Expected a quoted string value for attributes. Got value 1');
    rejects(
      () => parseRunFilter('status = RUNNING'),
      'Parameter value is either not quoted or unidentified quote types used for string value RUNNING. Use either single or double quotes.',
    );
  });

  test('string attributes refuse numeric comparators', () => {
    rejects(
      () => parseRunFilter("status > 'a'"),
      "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'",
    );
    rejects(() => parseRunFilter('run_id IS NULL'), "Invalid comparator 'IS NULL' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'");
  });

  test('numeric attributes with every numeric comparator', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      assert.deepEqual(parseRunFilter(`attributes.start_time ${op} 1700000000000`), [one('attribute', 'start_time', op, 1700000000000)]);
    }
    assert.deepEqual(parseRunFilter('end_time <= 5'), [one('attribute', 'end_time', '<=', 5)]);
  });

  test('numeric attribute values must be numbers', () => {
    rejects(() => parseRunFilter("start_time > '1'"), "Expected numeric value type for numeric attribute: start_time. Found '1'");
    rejects(() => parseRunFilter("created > 'x'"), "Expected numeric value type for numeric attribute: created. Found 'x'");
  });

  test('numeric attributes refuse string comparators', () => {
    rejects(() => parseRunFilter('end_time LIKE 1'), "Invalid comparator 'LIKE' not one of '{'>', '>=', '!=', '=', '<', '<='}'");
  });

  test('aliases resolve to the attribute they name', () => {
    assert.deepEqual(parseRunFilter('created > 1 and attributes.Created < 2'), [
      one('attribute', 'start_time', '>', 1),
      one('attribute', 'start_time', '<', 2),
    ]);
    assert.deepEqual(parseRunFilter("`run name` = 'a' and attributes.`Run name` = 'b' and `Run Name` LIKE 'c%' and \"Run Name\" = 'd'"), [
      one('attribute', 'run_name', '=', 'a'),
      one('attribute', 'run_name', '=', 'b'),
      one('attribute', 'run_name', 'LIKE', 'c%'),
      one('attribute', 'run_name', '=', 'd'),
    ]);
  });

  test('quoted attribute keys', () => {
    assert.deepEqual(parseRunFilter("attributes.`status` = 'FAILED'"), [one('attribute', 'status', '=', 'FAILED')]);
  });
});

describe('parseRunFilter: datasets', () => {
  test('name, digest and context with string and list comparators', () => {
    assert.deepEqual(
      parseRunFilter("datasets.name = 'd' and datasets.digest != 'x' and dataset.context LIKE 'tr%' and datasets.name ILIKE 'D' and datasets.digest IN ('a', 'b') and datasets.context NOT IN ('eval')"),
      [
        one('dataset', 'name', '=', 'd'),
        one('dataset', 'digest', '!=', 'x'),
        one('dataset', 'context', 'LIKE', 'tr%'),
        one('dataset', 'name', 'ILIKE', 'D'),
        one('dataset', 'digest', 'IN', ['a', 'b']),
        one('dataset', 'context', 'NOT IN', ['eval']),
      ],
    );
  });

  test('unquoted values', () => {
    rejects(() => parseRunFilter('datasets.name = 1'), 'Expected a quoted string value for dataset attributes. Got value 1');
    rejects(
      () => parseRunFilter('datasets.name = d'),
      'Parameter value is either not quoted or unidentified quote types used for string value d. Use either single or double quotes.',
    );
  });

  test('numeric comparators are refused', () => {
    rejects(() => parseRunFilter("datasets.name > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'");
  });
});

describe('parseExperimentFilter', () => {
  const KEYS = "{'name', 'last_update_time', 'creation_time'}";

  test('name with string comparators, times with numeric ones, tags', () => {
    assert.deepEqual(
      parseExperimentFilter("name = 'a' and attribute.name != 'b' and name LIKE 'c%' and name ILIKE 'D' and creation_time > 1 and last_update_time <= 2 and tags.t = 'x' and tag.`a b` LIKE 'y'"),
      [
        one('attribute', 'name', '=', 'a'),
        one('attribute', 'name', '!=', 'b'),
        one('attribute', 'name', 'LIKE', 'c%'),
        one('attribute', 'name', 'ILIKE', 'D'),
        one('attribute', 'creation_time', '>', 1),
        one('attribute', 'last_update_time', '<=', 2),
        one('tag', 't', '=', 'x'),
        one('tag', 'a b', 'LIKE', 'y'),
      ],
    );
  });

  test('an unknown attribute, with the key list MLflow prints', () => {
    rejects(() => parseExperimentFilter("foo = 'x'"), `Invalid attribute key 'foo' specified. Valid keys are '${KEYS}'`);
    rejects(() => parseExperimentFilter("experiment_id = '1'"), `Invalid attribute key 'experiment_id' specified. Valid keys are '${KEYS}'`);
  });

  test('only attribute, tag and tags prefixes', () => {
    const message = (prefix: string) => `Invalid entity type '${prefix}'. Valid entity types are ('attribute', 'tag', 'tags')`;
    rejects(() => parseExperimentFilter("attributes.name = 'x'"), message('attributes'));
    rejects(() => parseExperimentFilter('metrics.m > 1'), message('metrics'));
    rejects(() => parseExperimentFilter("params.p = 'x'"), message('params'));
  });

  test('invalid clauses are listed without quotes', () => {
    rejects(() => parseExperimentFilter("name = 'a' OR name = 'b'"), 'Invalid clause(s) in filter string: OR');
    rejects(() => parseExperimentFilter("name = 'a' x y"), 'Invalid clause(s) in filter string: x, y');
  });

  test('value and comparator errors', () => {
    rejects(() => parseExperimentFilter('name = 1'), 'Expected a quoted string value for attributes. Got value 1');
    rejects(() => parseExperimentFilter("creation_time > 'x'"), "Expected numeric value type for numeric attribute: creation_time. Found 'x'");
    rejects(() => parseExperimentFilter('tags.t = 1'), "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1");
    rejects(() => parseExperimentFilter("name IN ('a')"), "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    rejects(() => parseExperimentFilter("tags.t IS NULL"), "Invalid comparator 'IS NULL' not one of '{'!=', '=', 'LIKE', 'ILIKE'}'");
    rejects(() => parseExperimentFilter("name > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'");
  });
});

describe('parseRegisteredModelFilter', () => {
  test('name with string comparators and tags', () => {
    assert.deepEqual(parseRegisteredModelFilter("name = 'm' and name LIKE 'a%' and name ILIKE 'B' and name != 'c' and tags.t = 'x' and tags.`mlflow.prompt.is_prompt` != 'true'"), [
      one('attribute', 'name', '=', 'm'),
      one('attribute', 'name', 'LIKE', 'a%'),
      one('attribute', 'name', 'ILIKE', 'B'),
      one('attribute', 'name', '!=', 'c'),
      one('tag', 't', '=', 'x'),
      one('tag', 'mlflow.prompt.is_prompt', '!=', 'true'),
    ]);
  });

  test('an unknown attribute', () => {
    rejects(() => parseRegisteredModelFilter("foo = 'x'"), "Invalid attribute key 'foo' specified. Valid keys are '{'name'}'");
  });

  test('an unknown prefix', () => {
    rejects(() => parseRegisteredModelFilter("params.p = 'x'"), "Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')");
  });

  test('value, list and comparator errors', () => {
    rejects(() => parseRegisteredModelFilter('name = 1'), 'Expected a quoted string value or a list of quoted string values for attributes. Got value 1');
    rejects(() => parseRegisteredModelFilter("name IN ('a')"), "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    rejects(() => parseRegisteredModelFilter('tags.t = 1'), "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1");
    rejects(() => parseRegisteredModelFilter("name > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'");
    rejects(() => parseRegisteredModelFilter("name = 'a' or name = 'b'"), 'Invalid clause(s) in filter string: or');
  });
});

describe('parseModelVersionFilter', () => {
  const KEYS = "{'name', 'run_id', 'source_path', 'version_number'}";

  test('every attribute and tags', () => {
    assert.deepEqual(
      parseModelVersionFilter("name = 'm' and run_id = 'r' and run_id IN ('a', 'b') and run_id NOT IN ('c') and source_path LIKE 's3://%' and source_path ILIKE '%X' and version_number >= 2 and tags.t != 'x'"),
      [
        one('attribute', 'name', '=', 'm'),
        one('attribute', 'run_id', '=', 'r'),
        one('attribute', 'run_id', 'IN', ['a', 'b']),
        one('attribute', 'run_id', 'NOT IN', ['c']),
        one('attribute', 'source_path', 'LIKE', 's3://%'),
        one('attribute', 'source_path', 'ILIKE', '%X'),
        one('attribute', 'version_number', '>=', 2),
        one('tag', 't', '!=', 'x'),
      ],
    );
  });

  test('a quoted version number is read as a number, as MLflow accepts it', () => {
    assert.deepEqual(parseModelVersionFilter("version_number = '3'"), [one('attribute', 'version_number', '=', 3)]);
    rejects(() => parseModelVersionFilter("version_number = 'x'"), "Expected numeric value type for numeric attribute: version_number. Found 'x'");
  });

  test('an unknown attribute, with the key list MLflow prints', () => {
    rejects(() => parseModelVersionFilter("foo = 'x'"), `Invalid attribute key 'foo' specified. Valid keys are '${KEYS}'`);
  });

  test('numbers for a string attribute', () => {
    rejects(
      () => parseModelVersionFilter('name = 1'),
      "Only the '{'version_number', 'creation_timestamp', 'last_updated_timestamp'}' attributes support comparison with numeric values.",
    );
  });

  test('value, list and comparator errors', () => {
    rejects(() => parseModelVersionFilter("name IN ('a')"), "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    rejects(() => parseModelVersionFilter('name = x'), 'Parameter value is either not quoted or unidentified quote types used for string value x. Use either single or double quotes.');
    rejects(() => parseModelVersionFilter("version_number LIKE '1'"), "Invalid comparator 'LIKE' not one of '{'>', '>=', '!=', '=', '<', '<='}'");
    rejects(() => parseModelVersionFilter("run_id > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'");
    rejects(() => parseModelVersionFilter("metrics.m > 1"), "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')");
  });
});

describe('parseLoggedModelFilter', () => {
  const KEYS =
    "{'creation_time', 'creation_timestamp', 'last_updated_time', 'last_updated_timestamp', 'model_id', 'model_type', 'name', 'source_run_id', 'status'}";

  test('string attributes, including lists for any of them', () => {
    assert.deepEqual(
      parseLoggedModelFilter("name = 'm' and model_id != 'x' and model_type LIKE 'sk%' and status IN ('READY', 'PENDING') and source_run_id NOT IN ('r') and attributes.name ILIKE 'M'"),
      [
        one('attribute', 'name', '=', 'm'),
        one('attribute', 'model_id', '!=', 'x'),
        one('attribute', 'model_type', 'LIKE', 'sk%'),
        one('attribute', 'status', 'IN', ['READY', 'PENDING']),
        one('attribute', 'source_run_id', 'NOT IN', ['r']),
        one('attribute', 'name', 'ILIKE', 'M'),
      ],
    );
  });

  test('numeric attributes and their aliases', () => {
    assert.deepEqual(parseLoggedModelFilter('creation_timestamp > 1 and creation_time < 2 and last_updated_timestamp >= 3 and last_updated_time != 4'), [
      one('attribute', 'creation_timestamp', '>', 1),
      one('attribute', 'creation_timestamp', '<', 2),
      one('attribute', 'last_updated_timestamp', '>=', 3),
      one('attribute', 'last_updated_timestamp', '!=', 4),
    ]);
  });

  test('metrics, params and tags', () => {
    assert.deepEqual(parseLoggedModelFilter("metrics.acc >= 0.9 and params.lr = '0.1' and tags.t LIKE 'a%' and params.p IS NULL"), [
      one('metric', 'acc', '>=', 0.9),
      one('param', 'lr', '=', '0.1'),
      one('tag', 't', 'LIKE', 'a%'),
      one('param', 'p', 'IS NULL', null),
    ]);
  });

  test('errors', () => {
    rejects(() => parseLoggedModelFilter('foo = 1'), `Invalid attribute key 'foo' specified. Valid keys are '${KEYS}'`);
    rejects(() => parseLoggedModelFilter("datasets.name = 'd'"), "Invalid entity type 'datasets'. Valid values are ['metric', 'parameter', 'tag', 'attribute']");
    rejects(() => parseLoggedModelFilter("metrics.acc > 'a'"), "Expected numeric value type for metric. Found 'a'");
    rejects(() => parseLoggedModelFilter("creation_time > 'a'"), "Expected numeric value type for numeric attribute: creation_time. Found 'a'");
    rejects(() => parseLoggedModelFilter("name OR name = 'a'"), "Invalid clause(s) in filter string: 'name', 'OR'");
  });
});

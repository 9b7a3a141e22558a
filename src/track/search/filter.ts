/**
 * MLflow's search filter grammar (`SearchUtils.parse_search_filter` and its subclasses in
 * mlflow/utils/search_utils.py) as a pure parser: a filter is comparisons joined by AND, each
 * `<entity>.<key> <comparator> <value>`. Errors carry MLflow's own messages, because clients and
 * users match on them. The store translates the returned clauses into SQL.
 */
import { invalidParameter } from '../../core/errors.js';
import {
  LOGGED_MODEL_ENTITIES,
  REGISTRY_ENTITIES,
  RUN_ENTITIES,
  pythonSet,
  resolveIdentifier,
  type EntityType,
  type EntityVocabulary,
} from './identifier.js';
import { keywordOf, tokenize, type Token } from './tokenizer.js';

/** What a search key refers to: a metric, param, tag, attribute or dataset field. */
export type { EntityType } from './identifier.js';

/** The comparators of the grammar, upper-cased. */
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

/** One `<entity>.<key> <op> <value>` comparison; a filter is the AND of these. */
export interface Comparison {
  type: EntityType;
  /** Unquoted key; attribute aliases (`created`, `` `Run Name` ``…) are replaced by the attribute they name. */
  key: string;
  comparator: Comparator;
  /** A number for numeric comparisons, a string for string ones, a list for IN / NOT IN, null for IS [NOT] NULL. */
  value: number | string | string[] | null;
}

/** Parses a `runs/search` filter. */
export function parseRunFilter(filter: string | undefined): Comparison[] {
  return parseFilter(filter, RUNS);
}

/** Parses an `experiments/search` filter. */
export function parseExperimentFilter(filter: string | undefined): Comparison[] {
  return parseFilter(filter, EXPERIMENTS);
}

/** Parses a `registered-models/search` filter. */
export function parseRegisteredModelFilter(filter: string | undefined): Comparison[] {
  return parseFilter(filter, REGISTERED_MODELS);
}

/** Parses a `model-versions/search` filter. */
export function parseModelVersionFilter(filter: string | undefined): Comparison[] {
  return parseFilter(filter, MODEL_VERSIONS);
}

/** Parses a `logged-models/search` filter. */
export function parseLoggedModelFilter(filter: string | undefined): Comparison[] {
  return parseFilter(filter, LOGGED_MODELS);
}

// ---- what each search accepts ----------------------------------------------------------------------

// Listed in the order of MLflow's set literals, so messages read like MLflow's.
const NUMERIC_COMPARATORS: readonly Comparator[] = ['>', '>=', '!=', '=', '<', '<='];
const STRING_COMPARATORS: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE'];
const NULL_COMPARATORS: readonly Comparator[] = ['IS NULL', 'IS NOT NULL'];
const LIST_COMPARATORS: readonly Comparator[] = ['IN', 'NOT IN'];
const DATASET_KEYS = ['name', 'digest', 'context'];

/** Everything that differs between MLflow's searches. */
interface FilterGrammar {
  entities: EntityVocabulary;
  stringAttributes: readonly string[];
  numericAttributes: readonly string[];
  /** Alternative attribute names, mapped to the attribute they stand for. */
  aliases: Readonly<Record<string, string>>;
  /** The valid attribute keys as MLflow prints them (a Python set, in the order observed on real servers). */
  validKeysText: string;
  /** Attributes that take a list value; MLflow allows only `run_id`, except for logged models. */
  listAttributes: 'run_id' | 'all';
  /** Whether params and tags accept IS NULL / IS NOT NULL (MLflow 3 run and logged-model searches). */
  nullChecks: boolean;
  /** Runs quote each rejected clause in "Invalid clause(s)"; the registry and experiment searches do not. */
  quoteInvalidClauses: boolean;
  /**
   * `tracking`: SearchUtils._get_value (runs, experiments, logged models). `registry`: the model
   * registry's variant, which words attribute errors differently and reads numbers itself.
   */
  values: 'tracking' | 'registry';
  /** The registry's "Only the '…' attributes support comparison with numeric values." set; absent where numbers are refused outright. */
  numericOnlyText?: string;
}

const RUN_ALIASES: Record<string, string> = {
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};

const RUNS: FilterGrammar = {
  entities: RUN_ENTITIES,
  stringAttributes: ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage'],
  numericAttributes: ['start_time', 'end_time'],
  aliases: RUN_ALIASES,
  validKeysText: pythonSet(
    ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage', 'start_time', 'end_time', ...Object.keys(RUN_ALIASES)].sort(),
  ),
  listAttributes: 'run_id',
  nullChecks: true,
  quoteInvalidClauses: true,
  values: 'tracking',
};

const EXPERIMENTS: FilterGrammar = {
  entities: REGISTRY_ENTITIES,
  stringAttributes: ['name'],
  numericAttributes: ['creation_time', 'last_update_time'],
  aliases: {},
  validKeysText: pythonSet(['name', 'last_update_time', 'creation_time']),
  listAttributes: 'run_id',
  nullChecks: false,
  quoteInvalidClauses: false,
  values: 'tracking',
};

const REGISTERED_MODELS: FilterGrammar = {
  entities: REGISTRY_ENTITIES,
  stringAttributes: ['name'],
  numericAttributes: [],
  aliases: {},
  validKeysText: pythonSet(['name']),
  listAttributes: 'run_id',
  nullChecks: false,
  quoteInvalidClauses: false,
  values: 'registry',
};

const MODEL_VERSIONS: FilterGrammar = {
  entities: REGISTRY_ENTITIES,
  stringAttributes: ['name', 'run_id', 'source_path'],
  numericAttributes: ['version_number'],
  aliases: {},
  validKeysText: pythonSet(['name', 'run_id', 'source_path', 'version_number']),
  listAttributes: 'run_id',
  nullChecks: false,
  quoteInvalidClauses: false,
  values: 'registry',
  numericOnlyText: pythonSet(['version_number', 'creation_timestamp', 'last_updated_timestamp']),
};

const LOGGED_MODEL_ALIASES: Record<string, string> = {
  creation_time: 'creation_timestamp',
  last_updated_time: 'last_updated_timestamp',
};

const LOGGED_MODELS: FilterGrammar = {
  entities: LOGGED_MODEL_ENTITIES,
  stringAttributes: ['name', 'model_id', 'model_type', 'status', 'source_run_id'],
  numericAttributes: ['creation_timestamp', 'last_updated_timestamp'],
  aliases: LOGGED_MODEL_ALIASES,
  validKeysText: pythonSet(
    ['name', 'model_id', 'model_type', 'status', 'source_run_id', 'creation_timestamp', 'last_updated_timestamp', ...Object.keys(LOGGED_MODEL_ALIASES)].sort(),
  ),
  listAttributes: 'all',
  nullChecks: true,
  quoteInvalidClauses: true,
  values: 'tracking',
};

// ---- statement level -------------------------------------------------------------------------------

/** A comparison as written, before its parts are checked against the search's vocabulary. */
interface RawComparison {
  lhs: Token;
  comparator: string;
  /** Absent for IS [NOT] NULL. */
  rhs?: Token;
}

/**
 * Splits the token stream into comparisons and AND keywords; anything else is an invalid clause.
 * As in MLflow, every invalid clause is reported before any comparison is examined, and stray ANDs
 * are tolerated (sqlparse leaves them as keywords, which MLflow skips).
 */
function parseFilter(filter: string | undefined, grammar: FilterGrammar): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  if (!tokens) throw invalidParameter(`Invalid filter '${filter}'. Could not be parsed.`);
  const semicolon = tokens.findIndex((t) => t.raw === ';');
  if (semicolon >= 0 && semicolon < tokens.length - 1) {
    throw invalidParameter(`Search filter contained multiple expression '${filter}'. Provide AND-ed expression list.`);
  }

  const raw: RawComparison[] = [];
  const invalid: Token[] = [];
  for (let i = 0; i < tokens.length; ) {
    if (keywordOf(tokens[i]) === 'AND') {
      i++;
      continue;
    }
    const match = matchComparison(tokens, i);
    if (match) {
      raw.push(match.comparison);
      i = match.next;
    } else {
      invalid.push(tokens[i++]);
    }
  }
  if (invalid.length > 0) {
    const clauses = invalid.map((t) => (grammar.quoteInvalidClauses ? `'${t.raw}'` : t.raw)).join(', ');
    throw invalidParameter(`Invalid clause(s) in filter string: ${clauses}`);
  }
  return raw.map((c) => toComparison(c, grammar));
}

/** Recognises one comparison starting at `i`, in any of the grammar's four shapes. */
function matchComparison(tokens: Token[], i: number): { comparison: RawComparison; next: number } | undefined {
  const lhs = tokens[i];
  const words = [1, 2, 3].map((n) => keywordOf(tokens[i + n]));
  const isName = lhs.kind === 'identifier' && keywordOf(lhs) === undefined;

  // <lhs> <op> <value>; a literal on the left is matched too, so that MLflow's own error names it.
  const op = tokens[i + 1];
  const operator = op?.kind === 'operator' ? op.raw : words[0] === 'LIKE' || words[0] === 'ILIKE' ? words[0] : undefined;
  if (operator && (isName || lhs.kind === 'string' || lhs.kind === 'number') && isValueToken(tokens[i + 2])) {
    return { comparison: { lhs, comparator: operator, rhs: tokens[i + 2] }, next: i + 3 };
  }
  if (!isName) return undefined;
  if (words[0] === 'IN' && tokens[i + 2]?.kind === 'group') {
    return { comparison: { lhs, comparator: 'IN', rhs: tokens[i + 2] }, next: i + 3 };
  }
  if (words[0] === 'NOT' && words[1] === 'IN' && tokens[i + 3]?.kind === 'group') {
    return { comparison: { lhs, comparator: 'NOT IN', rhs: tokens[i + 3] }, next: i + 4 };
  }
  if (words[0] === 'IS' && words[1] === 'NULL') return { comparison: { lhs, comparator: 'IS NULL' }, next: i + 3 };
  if (words[0] === 'IS' && words[1] === 'NOT' && words[2] === 'NULL') {
    return { comparison: { lhs, comparator: 'IS NOT NULL' }, next: i + 4 };
  }
  return undefined;
}

/** Tokens sqlparse would accept on the right of a comparison (a bare AND/OR starts the next clause instead). */
function isValueToken(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.kind === 'identifier') return keywordOf(token) !== 'AND' && keywordOf(token) !== 'OR';
  return token.kind === 'string' || token.kind === 'number' || token.kind === 'group';
}

// ---- one comparison ------------------------------------------------------------------------------

/**
 * Checks a comparison in MLflow's order: the left-hand side, then the value's type, then the
 * comparator (which MLflow checks later, in the store, but with the same messages).
 */
function toComparison(raw: RawComparison, grammar: FilterGrammar): Comparison {
  if (raw.lhs.kind !== 'identifier') {
    throw invalidParameter(`Invalid comparison clause. Expected 'Identifier' found '${raw.lhs.raw}'`);
  }
  const { type, key: writtenKey } = resolveIdentifier(raw.lhs, grammar.entities);
  let key = writtenKey;
  let numeric = false;
  if (type === 'attribute') {
    key = grammar.aliases[writtenKey] ?? writtenKey;
    numeric = grammar.numericAttributes.includes(key);
    if (!numeric && !grammar.stringAttributes.includes(key)) {
      throw invalidParameter(`Invalid attribute key '${writtenKey}' specified. Valid keys are '${grammar.validKeysText}'`);
    }
  } else if (type === 'dataset' && !DATASET_KEYS.includes(key)) {
    throw invalidParameter(`Invalid dataset key '${key}' specified. Valid keys are '${pythonSet(DATASET_KEYS)}'`);
  }

  const comparator = raw.comparator.toUpperCase();
  const value = raw.rhs === undefined ? null : readValue(raw.rhs, type, writtenKey, key, numeric, grammar);
  const allowed = comparatorsFor(type, numeric, grammar);
  if (!(allowed as readonly string[]).includes(comparator)) {
    throw invalidParameter(`Invalid comparator '${comparator}' not one of '${pythonSet(allowed)}'`);
  }
  // sqlparse groups `x = ('a')` as a comparison and MLflow hands the list to SQL's `=`; refuse it here instead.
  if (Array.isArray(value) && !LIST_COMPARATORS.includes(comparator as Comparator)) {
    throw invalidParameter(`Invalid comparator '${comparator}' for a list of values. Use one of '${pythonSet(LIST_COMPARATORS)}'`);
  }
  return { type, key, comparator: comparator as Comparator, value };
}

function comparatorsFor(type: EntityType, numeric: boolean, grammar: FilterGrammar): readonly Comparator[] {
  switch (type) {
    case 'metric':
      return NUMERIC_COMPARATORS;
    case 'param':
    case 'tag':
      return grammar.nullChecks ? [...STRING_COMPARATORS, ...NULL_COMPARATORS] : STRING_COMPARATORS;
    case 'attribute':
      return numeric ? NUMERIC_COMPARATORS : [...STRING_COMPARATORS, ...LIST_COMPARATORS];
    case 'dataset':
      return [...STRING_COMPARATORS, ...LIST_COMPARATORS];
  }
}

// ---- values ----------------------------------------------------------------------------------------

/**
 * Reads the right-hand side with `SearchUtils._get_value`'s rules and messages. `writtenKey` is the
 * attribute as the user wrote it (MLflow names it so in errors); `key` is the resolved attribute.
 */
function readValue(
  token: Token,
  type: EntityType,
  writtenKey: string,
  key: string,
  numeric: boolean,
  grammar: FilterGrammar,
): number | string | string[] {
  switch (type) {
    case 'metric':
      if (token.kind !== 'number') throw invalidParameter(`Expected numeric value type for metric. Found ${token.raw}`);
      return token.value;
    case 'param':
    case 'tag':
      return quotedString(token, () => `Expected a quoted string value for ${type === 'param' ? 'parameter' : 'tag'} (e.g. 'my-value'). Got value ${token.raw}`);
    case 'dataset':
      if (token.kind === 'group') return stringList(token);
      return quotedString(token, () => `Expected a quoted string value for dataset attributes. Got value ${token.raw}`);
    case 'attribute':
      return grammar.values === 'tracking'
        ? trackingAttributeValue(token, writtenKey, key, numeric, grammar)
        : registryAttributeValue(token, writtenKey, key, numeric, grammar);
  }
}

function trackingAttributeValue(token: Token, writtenKey: string, key: string, numeric: boolean, grammar: FilterGrammar): number | string | string[] {
  if (numeric) {
    if (token.kind !== 'number') throw invalidParameter(`Expected numeric value type for numeric attribute: ${writtenKey}. Found ${token.raw}`);
    return token.value;
  }
  if (token.kind === 'group') {
    requireListAttribute(key, grammar);
    return stringList(token);
  }
  return quotedString(token, () => `Expected a quoted string value for attributes. Got value ${token.raw}`);
}

/** The registry reads numbers only for its numeric attributes, and accepts a quoted number there as MLflow does. */
function registryAttributeValue(token: Token, writtenKey: string, key: string, numeric: boolean, grammar: FilterGrammar): number | string | string[] {
  const expected = () => `Expected a quoted string value or a list of quoted string values for attributes. Got value ${token.raw}`;
  if (token.kind === 'number') {
    if (grammar.numericOnlyText === undefined) throw invalidParameter(expected());
    if (!numeric) throw invalidParameter(`Only the '${grammar.numericOnlyText}' attributes support comparison with numeric values.`);
    return token.value;
  }
  if (token.kind === 'group') {
    requireListAttribute(key, grammar);
    return stringList(token);
  }
  const text = quotedString(token, expected);
  if (!numeric) return text;
  const number = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(number)) throw invalidParameter(`Expected numeric value type for numeric attribute: ${writtenKey}. Found ${token.raw}`);
  return number;
}

function requireListAttribute(key: string, grammar: FilterGrammar): void {
  if (grammar.listAttributes === 'run_id' && key !== 'run_id') {
    throw invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
  }
}

/**
 * A '…' string, or a "…" one (sqlparse reads that as an identifier, which MLflow unquotes). Any other
 * identifier is a bare or backticked word, which `_strip_quotes` rejects with its own message.
 */
function quotedString(token: Token, otherwise: () => string): string {
  if (token.kind === 'string') return token.value;
  if (token.kind === 'identifier') {
    if (token.parts.length === 1 && token.parts[0].quote === '"') return token.parts[0].text;
    throw invalidParameter(
      `Parameter value is either not quoted or unidentified quote types used for string value ${token.raw}. Use either single or double quotes.`,
    );
  }
  throw invalidParameter(otherwise());
}

/** A parenthesised list of quoted strings, `('a', "b")`, with MLflow's three list errors. */
function stringList(group: Extract<Token, { kind: 'group' }>): string[] {
  const illFormed = () => invalidParameter('While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.');
  const items: Token[] = [];
  const inner = group.tokens;
  for (let i = 0; i < inner.length; i += 2) {
    items.push(inner[i]);
    const separator = inner[i + 1];
    if (separator !== undefined && separator.kind !== 'comma') throw illFormed();
  }
  if (items.length === 0) {
    throw invalidParameter('While parsing a list in the query, expected a non-empty list of string values, but got empty list');
  }
  const isString = (t: Token) => t.kind === 'string' || (t.kind === 'identifier' && t.parts.length === 1 && t.parts[0].quote === '"');
  if (!items.every((t) => isString(t) || t.kind === 'number')) throw illFormed();
  if (!items.every(isString)) {
    throw invalidParameter(
      `While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${group.raw}`,
    );
  }
  return items.map((t) => quotedString(t, () => ''));
}

/**
 * MLflow's `order_by` items (`SearchUtils._parse_order_by_string` and the per-search
 * `parse_order_by_for_search_*`): each item is `<entity>.<key> [ASC|DESC]`, ascending by default.
 */
import { invalidParameter } from '../../core/errors.js';
import { REGISTRY_ENTITIES, RUN_ENTITIES, pythonSet, resolveIdentifier, type EntityVocabulary } from './identifier.js';
import type { EntityType } from './filter.js';
import { bareWordOf, tokenize } from './tokenizer.js';

/** One parsed order_by item. */
export interface OrderByClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

/** Parses `runs/search` order_by items. */
export function parseRunOrderBy(orderBy: string[] | undefined): OrderByClause[] {
  return parseOrderBy(orderBy, RUNS);
}

/** Parses `experiments/search` order_by items. */
export function parseExperimentOrderBy(orderBy: string[] | undefined): OrderByClause[] {
  return parseOrderBy(orderBy, EXPERIMENTS);
}

/** Parses `registered-models/search` order_by items. */
export function parseRegisteredModelOrderBy(orderBy: string[] | undefined): OrderByClause[] {
  return parseOrderBy(orderBy, REGISTERED_MODELS);
}

/** Parses `model-versions/search` order_by items. */
export function parseModelVersionOrderBy(orderBy: string[] | undefined): OrderByClause[] {
  return parseOrderBy(orderBy, MODEL_VERSIONS);
}

/** What one search can be ordered by. */
interface OrderGrammar {
  entities: EntityVocabulary;
  /** Entities other than attributes that the search can sort on. */
  keyValueEntities: readonly EntityType[];
  /** MLflow's error for an entity the search cannot sort on. */
  invalidEntity(type: EntityType): string;
  attributes: readonly string[];
  /** Alternative attribute names, mapped to the attribute they stand for. */
  aliases: Readonly<Record<string, string>>;
  /** The valid attribute keys as MLflow prints them. */
  validKeysText: string;
}

const RUN_ATTRIBUTES = ['start_time', 'end_time', 'status', 'run_name', 'run_id', 'user_id', 'artifact_uri'];

const RUNS: OrderGrammar = {
  entities: RUN_ENTITIES,
  keyValueEntities: ['metric', 'param', 'tag'],
  invalidEntity: (type) => `Invalid order_by entity type '${type}'`,
  attributes: RUN_ATTRIBUTES,
  // `timestamp` is MLflow's registry spelling; runs accept it too rather than fail a shared client habit.
  aliases: { created: 'start_time', Created: 'start_time', timestamp: 'start_time' },
  validKeysText: pythonSet([...RUN_ATTRIBUTES, 'created', 'Created'].sort()),
};

// The registry and experiment stores refuse non-attribute entities with this message.
const attributesOnly = (type: EntityType) => `Invalid order_by entity: ${type}`;

const EXPERIMENT_ATTRIBUTES = ['name', 'experiment_id', 'creation_time', 'last_update_time'];

const EXPERIMENTS: OrderGrammar = {
  entities: REGISTRY_ENTITIES,
  keyValueEntities: [],
  invalidEntity: attributesOnly,
  attributes: EXPERIMENT_ATTRIBUTES,
  aliases: {},
  validKeysText: pythonSet(EXPERIMENT_ATTRIBUTES),
};

const REGISTERED_MODEL_ATTRIBUTES = ['name', 'creation_timestamp', 'last_updated_timestamp'];

const REGISTERED_MODELS: OrderGrammar = {
  entities: REGISTRY_ENTITIES,
  keyValueEntities: [],
  invalidEntity: attributesOnly,
  attributes: REGISTERED_MODEL_ATTRIBUTES,
  aliases: { timestamp: 'creation_timestamp' },
  validKeysText: pythonSet(REGISTERED_MODEL_ATTRIBUTES),
};

const MODEL_VERSION_ATTRIBUTES = ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'];

const MODEL_VERSIONS: OrderGrammar = {
  entities: REGISTRY_ENTITIES,
  keyValueEntities: [],
  invalidEntity: attributesOnly,
  attributes: MODEL_VERSION_ATTRIBUTES,
  aliases: { timestamp: 'creation_timestamp' },
  validKeysText: pythonSet(MODEL_VERSION_ATTRIBUTES),
};

function parseOrderBy(orderBy: string[] | undefined, grammar: OrderGrammar): OrderByClause[] {
  return (orderBy ?? []).map((item) => parseItem(item, grammar));
}

/**
 * One item must lex to an identifier and at most one more bare word. MLflow (through sqlparse)
 * reads any second word as an alias, so a word other than ASC/DESC gets its "ordering key" message,
 * while anything else is unparsable.
 */
function parseItem(item: string, grammar: OrderGrammar): OrderByClause {
  const unparsable = () => invalidParameter(`Invalid order_by clause '${item}'. Could not be parsed.`);
  const tokens = tokenize(item);
  if (!tokens || tokens.length === 0 || tokens.length > 2 || tokens[0].kind !== 'identifier') throw unparsable();
  let ascending = true;
  if (tokens.length === 2) {
    const direction = bareWordOf(tokens[1]);
    if (direction === undefined) throw unparsable();
    if (direction !== 'ASC' && direction !== 'DESC') throw invalidParameter(`Invalid ordering key in order_by clause '${item}'.`);
    ascending = direction === 'ASC';
  }

  const { type, key: writtenKey } = resolveIdentifier(tokens[0], grammar.entities);
  if (type !== 'attribute') {
    if (!grammar.keyValueEntities.includes(type)) throw invalidParameter(grammar.invalidEntity(type));
    return { type, key: writtenKey, ascending };
  }
  const key = grammar.aliases[writtenKey] ?? writtenKey;
  if (!grammar.attributes.includes(key)) {
    throw invalidParameter(`Invalid attribute key '${writtenKey}' specified. Valid keys are '${grammar.validKeysText}'`);
  }
  return { type, key, ascending };
}

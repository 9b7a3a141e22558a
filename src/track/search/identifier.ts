/**
 * The left-hand side of a filter comparison or an order_by item: `<entity>.<key>`, or a bare
 * attribute key. Each search accepts its own entity prefixes and words its rejection in its own way,
 * because MLflow's searches inherit from different `SearchUtils` classes.
 */
import { invalidParameter } from '../../core/errors.js';
import type { IdentifierToken } from './tokenizer.js';

/** What a search key refers to. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/** The entity prefixes one search accepts, and its error for any other prefix. */
export interface EntityVocabulary {
  prefixes: ReadonlyMap<string, EntityType>;
  invalidEntity(prefix: string): string;
}

const TRACKING_PREFIXES: [string, EntityType][] = [
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['parameter', 'param'],
  ['parameters', 'param'],
  ['param', 'param'],
  ['params', 'param'],
  ['tag', 'tag'],
  ['tags', 'tag'],
  ['attribute', 'attribute'],
  ['attributes', 'attribute'],
  ['attr', 'attribute'],
  ['run', 'attribute'],
  ['dataset', 'dataset'],
  ['datasets', 'dataset'],
];

/** Runs: `SearchUtils._valid_entity_type`. */
export const RUN_ENTITIES: EntityVocabulary = {
  prefixes: new Map(TRACKING_PREFIXES),
  invalidEntity: (prefix) => `Invalid entity type '${prefix}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`,
};

/** Logged models: the run prefixes without datasets, which a logged model does not have. */
export const LOGGED_MODEL_ENTITIES: EntityVocabulary = {
  prefixes: new Map(TRACKING_PREFIXES.filter(([, type]) => type !== 'dataset')),
  invalidEntity: (prefix) => `Invalid entity type '${prefix}'. Valid values are ['metric', 'parameter', 'tag', 'attribute']`,
};

/** Experiments, registered models and model versions: `SearchExperimentsUtils._get_identifier`. */
export const REGISTRY_ENTITIES: EntityVocabulary = {
  prefixes: new Map<string, EntityType>([
    ['attribute', 'attribute'],
    ['tag', 'tag'],
    ['tags', 'tag'],
  ]),
  invalidEntity: (prefix) => `Invalid entity type '${prefix}'. Valid entity types are ('attribute', 'tag', 'tags')`,
};

/** An identifier split into its entity and its key, quotes removed. */
export interface ResolvedIdentifier {
  type: EntityType;
  key: string;
}

/** Splits an identifier into its entity (attribute when there is no prefix) and its unquoted key. */
export function resolveIdentifier(token: IdentifierToken, vocabulary: EntityVocabulary): ResolvedIdentifier {
  // MLflow splits at the first dot only, so `tags.mlflow.runName` is the tag `mlflow.runName`; a lone
  // quoted key (``metrics.`a.b` ``) loses its quotes, and the entity may be backticked (`_trim_backticks`).
  const [first, ...rest] = token.parts;
  if (rest.length === 0) return { type: 'attribute', key: first.text };
  const prefix = first.quote === '`' ? first.text : first.raw;
  const type = vocabulary.prefixes.get(prefix);
  if (!type) throw invalidParameter(vocabulary.invalidEntity(prefix));
  const key = rest.length === 1 ? rest[0].text : rest.map((p) => p.raw).join('.');
  return { type, key };
}

/** Renders names the way Python prints a set of strings, which is how MLflow lists valid choices. */
export function pythonSet(items: readonly string[]): string {
  return `{${items.map((item) => `'${item}'`).join(', ')}}`;
}

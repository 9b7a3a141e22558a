/**
 * Reads an MLflow RPC request against its schema. Each route declares a TypeBox schema (types derive
 * from it); this module applies MLflow's wire leniencies (GET query strings, int64 sent as strings,
 * "NaN" doubles, numeric experiment ids, a JSON body sent as a JSON string) and then answers bad input
 * with MLflow's own messages: "Missing value for required parameter 'x'" and "Invalid value … Hint: …".
 */
import { Kind, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { TypeSystemPolicy } from '@sinclair/typebox/system';
import { invalidParameter } from '../../core/errors.js';
import { parseWireDouble } from '../../track/wire.js';

// MLflow accepts NaN metric values (sent as "NaN"); TypeBox refuses NaN unless told otherwise.
TypeSystemPolicy.AllowNaN = true;

const API_DOCS = 'See the API docs for more information about request parameters.';

/** Python's name for a JSON value's type, as MLflow's hints print it. */
function pythonType(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  return 'dict';
}

/** Brings a raw value towards the schema's type the way protobuf's JSON parser would. */
function coerce(schema: TSchema, value: unknown, fromQuery: boolean): unknown {
  if (value === undefined || value === null) return undefined;
  switch (schema[Kind]) {
    case 'Object': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      const props = (schema as TObject).properties;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const propSchema = props[k];
        const coerced = propSchema ? coerce(propSchema, v, fromQuery) : v;
        if (coerced !== undefined) out[k] = coerced;
      }
      return out;
    }
    case 'Array': {
      const list = Array.isArray(value) ? value : fromQuery ? [value] : value;
      return Array.isArray(list) ? list.map((item) => coerce(schema.items as TSchema, item, fromQuery)) : list;
    }
    case 'Integer':
      return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    case 'Number':
      return parseWireDouble(value) ?? value;
    case 'Boolean':
      if (value === 'true' || value === 'True') return true;
      if (value === 'false' || value === 'False') return false;
      return value;
    case 'String':
      // Experiment ids are strings in the proto, yet old clients send numbers.
      if (schema.idLike && typeof value === 'number' && Number.isInteger(value)) return String(value);
      return value;
    case 'Union':
      // Enums: MLflow silently drops an enum value protobuf cannot parse.
      if (schema.enumLike) {
        const allowed = (schema.anyOf as TSchema[]).map((s) => s.const);
        if (typeof value === 'number' && schema.enumNumbers?.[value]) return schema.enumNumbers[value];
        return allowed.includes(value) ? value : undefined;
      }
      return value;
    default:
      return value;
  }
}

/** Renders a JSON value the way MLflow's messages quote it. */
function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** Validates `raw` against the RPC's schema and returns it typed; bad input throws INVALID_PARAMETER_VALUE. */
export function readRpcInput<S extends TObject>(schema: S, raw: unknown, fromQuery: boolean): Static<S> {
  let input = raw;
  // Old clients send the body JSON-encoded twice.
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      input = {};
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) input = {};
  const coerced = coerce(schema, input, fromQuery) as Record<string, unknown>;
  // Empty strings count as missing for required strings, as in MLflow's `_assert_required`.
  for (const name of schema.required ?? []) if (coerced[name] === '') delete coerced[name];
  const first = Value.Errors(schema, coerced).First();
  if (first) {
    const name = first.path.replace(/^\//, '').replace(/\//g, '.');
    if (first.type === ValueErrorType.ObjectRequiredProperty) {
      throw invalidParameter(`Missing value for required parameter '${name}'. ${API_DOCS}`);
    }
    throw invalidParameter(`Invalid value ${show(first.value)} for parameter '${name}' supplied: Hint: Value was of type '${pythonType(first.value)}'. ${API_DOCS}`);
  }
  return coerced as Static<S>;
}

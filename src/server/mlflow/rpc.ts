/**
 * An MLflow RPC route: method, path, request schema, handler. Route files list these in tables; the
 * plugin in `index.ts` mounts every table under MLflow's prefixes. Handlers return the response body.
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tracking } from '../../track/service.js';

/** What a handler may use besides its parsed input. */
export interface RpcContext {
  tracking: Tracking;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One RPC binding. */
export interface RpcRoute {
  method: HttpMethod;
  /** Path below the prefix, e.g. `/runs/create` or `/logged-models/:model_id`. */
  path: string;
  schema: TObject;
  handle(input: any, ctx: RpcContext): Promise<object>;
}

/** Declares an RPC route whose input type derives from its schema. */
export function rpc<S extends TObject>(
  method: HttpMethod,
  path: string,
  schema: S,
  handle: (input: Static<S>, ctx: RpcContext) => Promise<object>,
): RpcRoute {
  return { method, path, schema, handle };
}

// ---- schema fragments shared by the route tables --------------------------------------------------

/** A string id that old clients may send as a number (experiment ids). */
export const Id = (options: object = {}) => Type.String({ ...options, idLike: true });

/** An enum by name (or by proto number); unknown values are dropped, as protobuf's parser does. */
export function Enum<const T extends readonly string[]>(values: T, numbers?: Record<number, T[number]>) {
  return Type.Union(
    values.map((v) => Type.Literal(v)) as unknown as [TSchema, ...TSchema[]],
    { enumLike: true, enumNumbers: numbers },
  ) as unknown as TSchema & { static: T[number] };
}

export const TagSchema = Type.Object({ key: Type.String(), value: Type.String() });
export const ViewTypeSchema = Enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const, { 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' });
export const MetricSchema = Type.Object({
  key: Type.String(),
  value: Type.Number(),
  timestamp: Type.Integer(),
  step: Type.Optional(Type.Integer()),
  model_id: Type.Optional(Type.String()),
  dataset_name: Type.Optional(Type.String()),
  dataset_digest: Type.Optional(Type.String()),
});
export const ParamSchema = Type.Object({ key: Type.String(), value: Type.String() });

/** Tags as domain objects. */
export const toTags = (tags: { key: string; value: string }[] | undefined) => (tags ?? []).map((t) => ({ key: t.key, value: t.value }));

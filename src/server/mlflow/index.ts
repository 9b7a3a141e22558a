/**
 * Mounts MLflow's REST API: every RPC table under `/api/2.0/mlflow`, `/ajax-api/2.0/mlflow` (MLflow's
 * UI) and the `3.0` prefixes, plus the artifact proxy. JSON parsing follows MLflow's server: a body
 * that is not JSON counts as `{}` (so the client hears which field is missing), and any content type
 * other than JSON is refused.
 */
import type { FastifyInstance } from 'fastify';
import { invalidParameter } from '../../core/errors.js';
import type { Tracking } from '../../track/service.js';
import { stringifyWire } from '../../track/wire.js';
import { artifactRoutes } from './artifact-routes.js';
import { loggedModelRoutes } from './logged-model-routes.js';
import { registryRoutes } from './registry-routes.js';
import { readRpcInput } from './request.js';
import type { RpcRoute } from './rpc.js';
import { trackingRoutes } from './tracking-routes.js';

/** Every MLflow RPC route tileflow serves. */
export const MLFLOW_RPC_ROUTES: RpcRoute[] = [...trackingRoutes, ...registryRoutes, ...loggedModelRoutes];
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow', '/api/3.0/mlflow', '/ajax-api/3.0/mlflow'];

async function rpcRoutes(app: FastifyInstance, opts: { tracking: Tracking }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, body.length ? JSON.parse(body as string) : {});
    } catch {
      done(null, {});
    }
  });
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(invalidParameter("Bad Request. Content-Type must be one of ['application/json']."), undefined);
  });

  for (const prefix of MLFLOW_PREFIXES) {
    for (const route of MLFLOW_RPC_ROUTES) {
      app.route({
        method: route.method,
        url: `${prefix}${route.path}`,
        handler: async (request, reply) => {
          const fromQuery = route.method === 'GET';
          const raw = fromQuery ? request.query : request.body;
          const merged = { ...(typeof raw === 'object' && raw !== null ? raw : {}), ...(request.params as object) };
          const input = readRpcInput(route.schema, typeof raw === 'string' ? raw : merged, fromQuery);
          const body = await route.handle(input, { tracking: opts.tracking, request, reply });
          return reply.type('application/json').send(stringifyWire(body));
        },
      });
    }
  }
}

/** Registers MLflow's REST API and artifact proxy on the app. */
export async function mlflowApi(app: FastifyInstance, opts: { tracking: Tracking }): Promise<void> {
  await app.register(rpcRoutes, opts);
  await app.register(artifactRoutes, opts);
}

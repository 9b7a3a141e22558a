/**
 * The HTTP application factory. `buildApp` wires routes to an open `Tracking`; tests call it and use
 * `inject()`, and `tileflow up` listens on a socket. Errors are rendered in one place, as MLflow JSON.
 */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import fs from 'node:fs';
import { ImageryRegistry } from '../data/raster/imagery-registry.js';
import type { PredictService } from '../predict/service.js';
import type { Tracking } from '../track/service.js';
import { predictRoutes } from './api/predict-routes.js';
import { errorResponse } from './errors.js';
import { homePage } from './home.js';
import { MLFLOW_PREFIXES, MLFLOW_RPC_ROUTES, mlflowApi } from './mlflow/index.js';
import { imageryRoutes } from './tiles/imagery-routes.js';
import { predictionTileRoutes } from './tiles/prediction-routes.js';
import { DEFAULT_WEB_ROOT, isUiNavigation, loadWebUi, registerWebUi, sendUiPage } from './web-ui.js';

export interface AppOptions {
  tracking: Tracking;
  /** Fastify's logger: false in tests, true for `tileflow up`. */
  logger?: boolean;
  /** Imagery served at /tiles/imagery/…; the caller owns it and closes it. Empty unless given. */
  imagery?: ImageryRegistry;
  /** The prediction service behind `/api/…`; its routes are served only when given. The caller closes it. */
  predict?: PredictService;
  /** Shown on the home page: where metadata lives. */
  storeDescription?: string;
  /**
   * The built web UI served at `/` (default: `web/dist` of this package); null serves the plain home
   * page instead, as does a folder without a build.
   */
  webRoot?: string | null;
}

/** The package version, read once (same relative path from src/ and dist/). */
const VERSION: string = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** Path patterns served by the RPC tables, to tell a wrong method (405) from an unknown path (404). */
function knownPathPatterns(): RegExp[] {
  return MLFLOW_PREFIXES.flatMap((prefix) =>
    MLFLOW_RPC_ROUTES.map((r) => new RegExp(`^${(prefix + r.path).replace(/:[a-z_]+/g, '[^/]+')}$`)),
  );
}

/** Builds the tileflow HTTP app (not listening yet). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 16 * 1024 * 1024, routerOptions: { maxParamLength: 2048 } });
  const known = knownPathPatterns();
  const webRoot = options.webRoot === undefined ? DEFAULT_WEB_ROOT : options.webRoot;
  const ui = webRoot === null ? null : loadWebUi(webRoot);

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorResponse(error, (e) => request.log.error(e));
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (ui && isUiNavigation(request)) return sendUiPage(reply, ui);
    const path = request.url.split('?')[0];
    if (known.some((pattern) => pattern.test(path))) {
      return reply.code(405).send({ error_code: 'BAD_REQUEST', message: `Method ${request.method} is not allowed for ${path}.` });
    }
    return reply.code(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint at ${request.method} ${path}.` });
  });

  // The OpenAPI document describes every route registered after it; the UI is served offline from the package.
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'tileflow', version: VERSION, description: "tileflow's platform API (/api) beside MLflow's REST API (/api/2.0/mlflow)" },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(multipart, { limits: { fileSize: 512 * 1024 * 1024 } });
  await app.register(mlflowApi, { tracking: options.tracking });
  if (options.predict) {
    await app.register(predictRoutes, { predict: options.predict });
    await app.register(predictionTileRoutes, { predict: options.predict.store });
  }
  // A project's imagery is served as map tiles by its id too, beside the registered sources.
  const projectImagery = options.predict?.store;
  const imagery = options.imagery ?? new ImageryRegistry();
  // A registry made here is the app's own: it closes with the app.
  if (!options.imagery) app.addHook('onClose', () => imagery.close());
  await app.register(imageryRoutes, {
    imagery,
    lookup: projectImagery && (async (id) => projectImagery.findImagery(id)),
  });
  app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(VERSION));
  if (ui) await registerWebUi(app, ui);
  else {
    const note = webRoot === null ? undefined : 'The web UI is not built here: run <code>npm run build:web</code> and restart.';
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(await homePage(options.tracking, options.storeDescription, note)));
  }
  return app;
}

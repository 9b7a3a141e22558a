/**
 * The web UI (`web/`, built by `npm run build:web` into `web/dist`) at `/`: its files as static
 * routes, and `index.html` for any other address a browser navigates to, so the UI's client-side
 * routes (`/experiments/1/runs/…`) work when opened directly or shared. API paths keep their own
 * JSON 404s.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built UI to serve: $TILEFLOW_WEB_ROOT (a UI built elsewhere, e.g. `vite build web --outDir …`),
 * else where `npm run build:web` writes it (the same relative path from src/server and dist/server).
 */
export const DEFAULT_WEB_ROOT = process.env.TILEFLOW_WEB_ROOT || fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths the server itself answers: a request under them never gets the UI's page. */
const SERVER_PATHS = ['/api', '/ajax-api', '/get-artifact', '/tiles', '/docs', '/health', '/version'];

/** A built UI, ready to serve. */
export interface WebUi {
  root: string;
  /** `index.html`, read once: it is small and changes only with a new build (and a restart). */
  indexHtml: string;
}

/** Reads the built UI under `root`, or null when it has not been built. */
export function loadWebUi(root: string): WebUi | null {
  try {
    return { root, indexHtml: fs.readFileSync(path.join(root, 'index.html'), 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Serves the UI's files, one route per file found at start-up (no catch-all route, so unknown API
 * paths fall through to the app's 404). Hashed bundles are cached for a year; the page never is.
 */
export async function registerWebUi(app: FastifyInstance, ui: WebUi): Promise<void> {
  await app.register(fastifyStatic, {
    root: ui.root,
    prefix: '/',
    wildcard: false,
    cacheControl: false,
    setHeaders(reply, file) {
      const hashed = file.split(path.sep).includes('assets');
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

/** Whether an unmatched request is a browser opening a UI address (it accepts HTML, outside the API paths). */
export function isUiNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const urlPath = request.url.split('?')[0];
  if (SERVER_PATHS.some((p) => urlPath === p || urlPath.startsWith(`${p}/`))) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

/** Answers with the UI's page; its scripts then route by the address. */
export function sendUiPage(reply: FastifyReply, ui: WebUi): FastifyReply {
  return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(ui.indexHtml);
}

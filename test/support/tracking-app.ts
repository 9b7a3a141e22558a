// A real tileflow app over a fresh database of one backend, for endpoint tests: the same test body
// runs against embedded SQLite and team PostgreSQL, through Fastify's inject() (no socket needed).
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { buildApp } from '../../src/server/app.js';
import { openTracking, type Tracking } from '../../src/track/service.js';
import { createTestDatabase, tempDir, type TestBackend } from './databases.js';

/** A response as tests read it. */
export interface CallResult {
  status: number;
  body: any;
  text: string;
  headers: Record<string, unknown>;
}

/** An app under test with helpers to call MLflow RPCs. */
export interface TrackingApp {
  app: FastifyInstance;
  tracking: Tracking;
  artifactsRoot: string;
  /** Calls an RPC: GET sends `input` as a query string (arrays as repeated keys), others as JSON. */
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, input?: Record<string, unknown>): Promise<CallResult>;
  close(): Promise<void>;
}

function queryString(input: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Opens a fresh store of `backend` and builds the app over it. */
export async function openTrackingApp(backend: TestBackend): Promise<TrackingApp> {
  const database = await createTestDatabase(backend);
  const dir = tempDir('tileflow-artifacts-');
  const artifactsRoot = path.join(dir.path, 'artifacts');
  const tracking = await openTracking({ databaseUrl: database.url, artifactsRoot });
  const app = await buildApp({ tracking });
  return {
    app,
    tracking,
    artifactsRoot,
    async call(method, urlPath, input = {}) {
      const prefixed = urlPath.startsWith('/') ? urlPath : `/api/2.0/mlflow/${urlPath}`;
      const response =
        method === 'GET'
          ? await app.inject({ method, url: prefixed + queryString(input) })
          : await app.inject({ method, url: prefixed, payload: JSON.stringify(input), headers: { 'content-type': 'application/json' } });
      let body: unknown;
      try {
        body = response.json();
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, body, text: response.body, headers: response.headers };
    },
    async close() {
      await app.close();
      await tracking.close();
      await database.drop();
      dir.cleanup();
    },
  };
}

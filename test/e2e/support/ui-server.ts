// A real tileflow server for the UI tests: `tileflow up` itself (src/cli/main.ts run through tsx, so
// no build of the server is needed), in its own process as users run it, on a loopback port over a
// fresh SQLite store, serving the built web UI. Its own process also keeps its work off the test's
// event loop, which times the browser.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { DEFAULT_WEB_ROOT, loadWebUi } from '../../../src/server/web-ui.js';
import { TrackingClient } from '../../../src/track/client.js';
import { tempDir } from '../../support/databases.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'src', 'cli', 'main.ts');
const START_TIMEOUT_MS = 60_000;

export interface UiServerOptions {
  /** The store to serve (e.g. one a test filled beforehand); a fresh SQLite file when absent. */
  databaseUrl?: string;
  artifactsRoot?: string;
}

export interface UiServer {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  /** Talks to the server over its REST API, as an MLflow client would. */
  client: TrackingClient;
  close(): Promise<void>;
}

/** Resolves with the URL `tileflow up` prints once it listens; rejects with its stderr if it exits first. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let found = false;
    const timer = setTimeout(() => reject(new Error(`tileflow up did not listen within ${START_TIMEOUT_MS} ms:\n${err}`)), START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    // Request logs follow; they are read and dropped, so the pipe never fills.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (found) return;
      out += chunk.toString();
      const match = /tileflow listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        found = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tileflow up exited (${signal ?? code}) before listening:\n${err}`));
    });
  });
}

/** Starts `tileflow up`; fails with the build command when the UI has not been built. */
export async function startUiServer(options: UiServerOptions = {}): Promise<UiServer> {
  if (!loadWebUi(DEFAULT_WEB_ROOT)) {
    throw new Error(`The web UI is not built (no ${path.join(DEFAULT_WEB_ROOT, 'index.html')}): run \`npm run build:web\` (scripts/setup.sh does) first.`);
  }
  const dir = tempDir('tileflow-e2e-');
  const args = ['--import', 'tsx', CLI, 'up', '--host', '127.0.0.1', '--port', '0', '--home', dir.path];
  if (options.databaseUrl) args.push('--database-url', options.databaseUrl);
  if (options.artifactsRoot) args.push('--artifacts-root', options.artifactsRoot);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let url: string;
  try {
    url = await listening(child);
  } catch (error) {
    child.kill('SIGKILL');
    dir.cleanup();
    throw error;
  }
  return {
    url,
    client: new TrackingClient(url, { retries: 0 }),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      dir.cleanup();
    },
  };
}

/** A JSON request to the server's API; fails the test on an error status. */
export async function api<T>(server: UiServer, method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(server.url + url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${url}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

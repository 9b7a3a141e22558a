/**
 * Where the CLI reads tracking data from. A tracking URI picks the source in one table: `http(s)://`
 * talks to a tileflow (or MLflow) server through `TrackingClient`; `sqlite:` and `postgres://`, or
 * no URI at all (the embedded store under `$TILEFLOW_HOME`), open the stores in-process. Commands see
 * one small `TrackingReader` and never branch on the mode.
 */
import path from 'node:path';
import { loadConfig } from '../core/config.js';
import type { Experiment, Page, Run } from '../track/entities.js';
import { TrackingClient } from '../track/client.js';
import type { SearchExperimentsInput, SearchRunsInput } from '../track/store/tracking-store.js';
import { CliError } from './errors.js';

/** The read side of tracking that the CLI needs. */
export interface TrackingReader {
  /** Where the data comes from, for messages: `http://host:5000`, `sqlite /path/tileflow.db`. */
  readonly description: string;
  searchExperiments(query: SearchExperimentsInput): Promise<Page<Experiment>>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment>;
  searchRuns(query: SearchRunsInput): Promise<Page<Run>>;
  getRun(runId: string): Promise<Run>;
  close(): Promise<void>;
}

/** A reader over a tracking server's REST API. */
export function httpReader(client: TrackingClient): TrackingReader {
  return {
    description: client.baseUrl,
    searchExperiments: (query) => client.searchExperiments(query),
    getExperiment: (id) => client.getExperiment(id),
    getExperimentByName: (name) => client.getExperimentByName(name),
    searchRuns: (query) => client.searchRuns(query),
    getRun: (runId) => client.getRun(runId),
    close: async () => {},
  };
}

/** A reader over a database opened in this process. */
export async function localReader(databaseUrl: string, artifactsRoot: string): Promise<TrackingReader> {
  // Loaded on demand: a CLI talking to a server never needs the database drivers.
  const { openTracking } = await import('../track/service.js');
  const tracking = await openTracking({ databaseUrl, artifactsRoot });
  return {
    description: describeDatabaseUrl(databaseUrl),
    searchExperiments: (query) => tracking.runs.searchExperiments(query),
    getExperiment: (id) => tracking.runs.getExperiment(id),
    getExperimentByName: (name) => tracking.runs.getExperimentByName(name),
    searchRuns: (query) => tracking.runs.searchRuns(query),
    getRun: (runId) => tracking.runs.getRun(runId),
    close: () => tracking.close(),
  };
}

type Opener = (uri: string, env: NodeJS.ProcessEnv) => Promise<TrackingReader>;

const openLocal: Opener = async (uri, env) => {
  const config = loadConfig({ databaseUrl: uri }, env);
  return localReader(config.databaseUrl, config.artifactsRoot);
};
// The CLI answers a person waiting at a prompt: a couple of quick retries, not MLflow's minute.
const openHttp: Opener = async (uri) => httpReader(new TrackingClient(uri, { retries: 2, backoffMs: 300, timeoutMs: 30_000 }));

/** The one table from tracking-URI scheme to source. */
const OPENERS: Record<string, Opener> = {
  'http:': openHttp,
  'https:': openHttp,
  'sqlite:': openLocal,
  'postgres:': openLocal,
  'postgresql:': openLocal,
};

/** The tracking URI in effect: the flag, else `$MLFLOW_TRACKING_URI`, else `$TILEFLOW_TRACKING_URI`. */
export function trackingUriFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag || env.MLFLOW_TRACKING_URI || env.TILEFLOW_TRACKING_URI || undefined;
}

/** Opens the source a tracking URI names; no URI means the embedded store of `loadConfig()`. */
export async function openTrackingReader(uri: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<TrackingReader> {
  if (!uri) {
    const config = loadConfig({}, env);
    return localReader(config.databaseUrl, config.artifactsRoot);
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(uri)?.[0]?.toLowerCase() ?? '';
  const open = OPENERS[scheme];
  if (!open) {
    throw new CliError(`unsupported tracking URI '${redactPassword(uri)}': use http(s)://HOST:PORT, sqlite:PATH or postgres://USER@HOST/DB`);
  }
  return open(uri, env);
}

/** Runs `fn` with the reader a tracking URI names, and closes it afterwards. */
export async function withTrackingReader<T>(uri: string | undefined, fn: (reader: TrackingReader) => Promise<T>): Promise<T> {
  const reader = await openTrackingReader(uri);
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

/** Follows page tokens until `limit` items are in hand; `more` says whether the source had others. */
export async function collectPages<T>(fetchPage: (pageToken?: string) => Promise<Page<T>>, limit = Number.POSITIVE_INFINITY): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await fetchPage(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && items.length < limit);
  return { items: items.slice(0, limit), more: items.length > limit || Boolean(pageToken) };
}

/** Hides the password of a URL with credentials. */
function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** A metadata store for people: `sqlite /abs/path.db` or `postgres host:port/db` (never credentials). */
export function describeDatabaseUrl(databaseUrl: string): string {
  if (/^sqlite:/i.test(databaseUrl)) {
    const file = databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
    return `sqlite ${file === ':memory:' ? file : path.resolve(file)}`;
  }
  try {
    const url = new URL(databaseUrl);
    const scheme = url.protocol.replace(/:$/, '').replace(/^postgresql$/, 'postgres');
    return `${scheme} ${url.host}${url.pathname}`;
  } catch {
    return redactPassword(databaseUrl);
  }
}

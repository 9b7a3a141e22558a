/**
 * Tracked runs for tileflow's own trainers: the `RunRecorder` the deep layer asks for, over the
 * tracking store in this process (sqlite:, postgres:, or the embedded store) or a tracking server's
 * REST API (http(s)://, tileflow's or MLflow's). Picks the mode from the tracking URI as the read side does.
 */
import { loadConfig } from '../core/config.js';
import { TileflowError } from '../core/errors.js';
import type { RunRecorder } from '../core/run-recorder.js';
import { startTrackedRun, type RunTarget } from '../track/recorder.js';
import { TrackingClient } from '../track/client.js';
import { CliError } from './errors.js';

export type { RunTarget };

/** An open recorder and how to let go of its store. */
export interface OpenRecorder {
  recorder: RunRecorder;
  /** Where runs go, for messages. */
  description: string;
  close(): Promise<void>;
}

const toParams = (params: Record<string, string | number | boolean>) => Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
const toTags = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

function isAlreadyExists(error: unknown): boolean {
  return error instanceof TileflowError && error.code === 'RESOURCE_ALREADY_EXISTS';
}

/** A recorder over the stores opened in this process. */
async function localRecorder(databaseUrl: string, artifactsRoot: string, target: RunTarget): Promise<OpenRecorder> {
  const { openTracking } = await import('../track/service.js');
  const { describeDatabaseUrl } = await import('./tracking-source.js');
  const tracking = await openTracking({ databaseUrl, artifactsRoot });
  try {
    const recorder = await startTrackedRun(tracking, target);
    return { recorder, description: describeDatabaseUrl(databaseUrl), close: () => tracking.close() };
  } catch (error) {
    await tracking.close();
    throw error;
  }
}

/** A recorder over a tracking server's REST API. */
async function httpRecorder(uri: string, target: RunTarget): Promise<OpenRecorder> {
  const client = new TrackingClient(uri, { retries: 2, backoffMs: 300, timeoutMs: 120_000 });
  let experimentId: string;
  try {
    experimentId = (await client.getExperimentByName(target.experiment)).experimentId;
  } catch (error) {
    if (!(error instanceof TileflowError && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
    experimentId = await client.createExperiment(target.experiment);
  }
  const run = await client.createRun({ experimentId, runName: target.runName, startTime: Date.now(), tags: target.tags });
  const runId = run.info.runId;
  const recorder: RunRecorder = {
    runId,
    logParams: (params) => client.logBatch(runId, { params: toParams(params) }),
    logMetrics: (metrics, step) => client.logBatch(runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step })) }),
    setTags: (tags) => client.logBatch(runId, { tags }),
    logArtifact: (relativePath, bytes) => client.uploadArtifact(run, relativePath, bytes),
    registerModel: async (name, artifactPath, tags = {}, description) => {
      try {
        await client.createRegisteredModel(name);
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
      const version = await client.createModelVersion({ name, source: `runs:/${runId}/${artifactPath}`, runId, tags, description });
      return version.version;
    },
    end: async (status) => {
      await client.updateRun(runId, { status, endTime: Date.now() });
    },
  };
  return { recorder, description: uri, close: async () => {} };
}

/** Opens a new run where the tracking URI points (no URI: the embedded store of `loadConfig()`). */
export async function openRunRecorder(uri: string | undefined, target: RunTarget, env: NodeJS.ProcessEnv = process.env): Promise<OpenRecorder> {
  if (!uri) {
    const config = loadConfig({}, env);
    return localRecorder(config.databaseUrl, config.artifactsRoot, target);
  }
  if (/^https?:\/\//i.test(uri)) return httpRecorder(uri, target);
  if (/^(sqlite|postgres|postgresql):/i.test(uri)) {
    const config = loadConfig({ databaseUrl: uri }, env);
    return localRecorder(config.databaseUrl, config.artifactsRoot, target);
  }
  throw new CliError(`unsupported tracking URI '${uri.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}': use http(s)://HOST:PORT, sqlite:PATH or postgres://USER@HOST/DB`);
}

/**
 * A `RunRecorder` over an open `Tracking`: what trainers, fits and predictions use to record a run in
 * this process's stores. (The CLI adds a recorder over a tracking server's REST API beside it.)
 */
import { Readable } from 'node:stream';
import { TileflowError } from '../core/errors.js';
import type { RunRecorder } from '../core/run-recorder.js';
import { proxiedArtifactPath } from './artifacts/artifact-store.js';
import type { Tracking } from './service.js';

/** Where to put a run. */
export interface RunTarget {
  experiment: string;
  runName?: string;
  tags?: Record<string, string>;
}

const toParams = (params: Record<string, string | number | boolean>) => Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
const toTags = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

function hasCode(error: unknown, code: string): boolean {
  return error instanceof TileflowError && error.code === code;
}

/** The id of the experiment named `name`, created when missing. */
export async function experimentIdFor(tracking: Tracking, name: string): Promise<string> {
  try {
    return (await tracking.runs.getExperimentByName(name)).experimentId;
  } catch (error) {
    if (!hasCode(error, 'RESOURCE_DOES_NOT_EXIST')) throw error;
    try {
      return await tracking.runs.createExperiment(name);
    } catch (again) {
      // Another process created it between the two calls.
      if (!hasCode(again, 'RESOURCE_ALREADY_EXISTS')) throw again;
      return (await tracking.runs.getExperimentByName(name)).experimentId;
    }
  }
}

/** Starts a run in `target.experiment` and returns its recorder; the caller keeps `tracking` open until `end`. */
export async function startTrackedRun(tracking: Tracking, target: RunTarget): Promise<RunRecorder> {
  const experimentId = await experimentIdFor(tracking, target.experiment);
  const run = await tracking.runs.createRun({ experimentId, runName: target.runName, startTime: Date.now(), tags: toTags(target.tags ?? {}) });
  return recorderFor(tracking, run.info.runId, run.info.artifactUri);
}

/** A recorder for an existing run (work that resumes), marked running again. */
export async function resumeTrackedRun(tracking: Tracking, runId: string): Promise<RunRecorder> {
  const run = await tracking.runs.getRun(runId);
  await tracking.runs.updateRun(runId, { status: 'RUNNING' });
  return recorderFor(tracking, runId, run.info.artifactUri);
}

function recorderFor(tracking: Tracking, runId: string, artifactUri: string): RunRecorder {
  const artifactRoot = proxiedArtifactPath(artifactUri);
  if (artifactRoot === null) throw new TileflowError('INVALID_STATE', `run ${runId} stores artifacts at ${artifactUri}, which tileflow does not write to`);
  return {
    runId,
    logParams: (params) => tracking.runs.logBatch(runId, { params: toParams(params) }),
    logMetrics: (metrics, step) => {
      const timestamp = Date.now();
      return tracking.runs.logBatch(runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp })) });
    },
    setTags: (tags) => tracking.runs.logBatch(runId, { tags: toTags(tags) }),
    logArtifact: async (relativePath, bytes) => {
      await tracking.artifacts.put(`${artifactRoot}/${relativePath}`, Readable.from([Buffer.from(bytes)]));
    },
    registerModel: async (name, artifactPath, tags = {}, description) => {
      try {
        await tracking.registry.createRegisteredModel(name);
      } catch (error) {
        if (!hasCode(error, 'RESOURCE_ALREADY_EXISTS')) throw error;
      }
      const version = await tracking.createModelVersion({ name, source: `runs:/${runId}/${artifactPath}`, runId, tags: toTags(tags), description });
      return version.version;
    },
    end: async (status) => {
      await tracking.runs.updateRun(runId, { status, endTime: Date.now() });
    },
  };
}

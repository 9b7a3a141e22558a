/**
 * The MLflow REST calls the experiment, run and compare pages make (`/api/2.0/mlflow/…`), plus the
 * artifact download route MLflow's own UI uses (`/get-artifact`).
 */
import { getJson, postJson, send, withQuery } from './http';
import type { WireDouble, WireExperiment, WireFileInfo, WireMetric, WireRun } from './types';

const MLFLOW = '/api/2.0/mlflow';

/** Reads a wire double ("NaN", "Infinity" as strings) as a number. */
export function wireNumber(value: WireDouble): number {
  if (typeof value === 'number') return value;
  return value === 'NaN' ? Number.NaN : value === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Every active experiment, most recently updated first (pages followed to the end). */
export async function listExperiments(signal?: AbortSignal): Promise<WireExperiment[]> {
  const all: WireExperiment[] = [];
  let pageToken: string | undefined;
  do {
    const page = await postJson<{ experiments?: WireExperiment[]; next_page_token?: string }>(
      `${MLFLOW}/experiments/search`,
      { max_results: 1000, order_by: ['last_update_time DESC'], page_token: pageToken },
      signal,
    );
    all.push(...(page.experiments ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  return all;
}

/** One experiment by id. */
export async function getExperiment(experimentId: string, signal?: AbortSignal): Promise<WireExperiment> {
  return (await getJson<{ experiment: WireExperiment }>(`${MLFLOW}/experiments/get`, { experiment_id: experimentId }, signal)).experiment;
}

/** What the runs table asks for. */
export interface RunSearch {
  experimentIds: readonly string[];
  filter: string;
  orderBy: readonly string[];
  maxResults: number;
  pageToken?: string;
}

/** One page of `runs/search`. */
export interface RunPage {
  runs: WireRun[];
  nextPageToken?: string;
}

/** One page of runs matching MLflow's filter grammar. */
export async function searchRuns(search: RunSearch, signal?: AbortSignal): Promise<RunPage> {
  const page = await postJson<{ runs?: WireRun[]; next_page_token?: string }>(
    `${MLFLOW}/runs/search`,
    {
      experiment_ids: search.experimentIds,
      filter: search.filter || undefined,
      order_by: search.orderBy,
      max_results: search.maxResults,
      page_token: search.pageToken,
    },
    signal,
  );
  return { runs: page.runs ?? [], nextPageToken: page.next_page_token };
}

/** One run with its params, tags and latest metrics. */
export async function getRun(runId: string, signal?: AbortSignal): Promise<WireRun> {
  return (await getJson<{ run: WireRun }>(`${MLFLOW}/runs/get`, { run_id: runId }, signal)).run;
}

/** Every point of one metric of one run, by step. */
export async function getMetricHistory(runId: string, key: string, signal?: AbortSignal): Promise<WireMetric[]> {
  const body = await getJson<{ metrics?: WireMetric[] }>(`${MLFLOW}/metrics/get-history`, { run_id: runId, metric_key: key }, signal);
  return body.metrics ?? [];
}

/** Up to 2,500 points per run (evenly sampled by step) of one metric of several runs. */
export async function getMetricHistoryBulk(runIds: readonly string[], key: string, signal?: AbortSignal): Promise<WireMetric[]> {
  const body = await getJson<{ metrics?: WireMetric[] }>(
    `${MLFLOW}/metrics/get-history-bulk-interval`,
    { run_ids: runIds, metric_key: key, max_results: 2500 },
    signal,
  );
  return body.metrics ?? [];
}

/** The artifacts directly under `path` (the run's artifact root when empty). */
export async function listArtifacts(runId: string, path: string, signal?: AbortSignal): Promise<WireFileInfo[]> {
  const body = await getJson<{ files?: WireFileInfo[] }>(`${MLFLOW}/artifacts/list`, { run_id: runId, path: path || undefined }, signal);
  return body.files ?? [];
}

/** Where a run's artifact can be downloaded (also usable as an <img> source). */
export function artifactUrl(runId: string, path: string): string {
  return withQuery('/get-artifact', { run_id: runId, path });
}

/** The start of a text artifact, and whether there is more of it. */
export interface TextPreview {
  text: string;
  /** The whole file's size in bytes. */
  size: number;
  truncated: boolean;
}

/**
 * The start of a text artifact: the whole file when it is at most `maxBytes` long, else its first
 * `maxBytes` through a Range request, so large logs stay cheap.
 */
export async function readArtifactText(runId: string, path: string, size: number, maxBytes: number, signal?: AbortSignal): Promise<TextPreview> {
  if (size === 0) return { text: '', size, truncated: false };
  const ranged = size > maxBytes;
  const response = await send(artifactUrl(runId, path), { signal, headers: ranged ? { range: `bytes=0-${maxBytes - 1}` } : {} });
  return { text: await response.text(), size, truncated: ranged && response.status === 206 };
}

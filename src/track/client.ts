/**
 * A typed client of tileflow's (= MLflow's) REST API over `fetch`. It speaks the wire format through
 * `wire.ts`, so it returns the same domain entities the stores do. Like MLflow's Python client it
 * retries 429, 5xx and connection failures with exponential backoff and never retries other 4xx; an
 * MLflow error body becomes a `TileflowError` with the server's code and message.
 */
import { Readable } from 'node:stream';
import { TileflowError, type ErrorCode } from '../core/errors.js';
import { proxiedArtifactPath } from './artifacts/artifact-store.js';
import { fetchTransport, withRetries, type HttpRequest, type HttpTransport } from './http-transport.js';
import type {
  DatasetInput,
  Experiment,
  FileInfo,
  LoggedModel,
  Metric,
  ModelVersion,
  Page,
  Param,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
  Tag,
} from './entities.js';
import type { SearchExperimentsInput, SearchRunsInput } from './store/tracking-store.js';
import {
  datasetInputToWire,
  experimentFromWire,
  fileInfoFromWire,
  loggedModelFromWire,
  metricFromWire,
  modelVersionFromWire,
  registeredModelFromWire,
  runFromWire,
  runInfoFromWire,
  stringifyWire,
} from './wire.js';

/** Options of a `TrackingClient`. */
export interface TrackingClientOptions {
  /** Longest wait, per attempt, for the server to answer or a transfer to make progress (default 120 s). */
  timeoutMs?: number;
  /** Attempts after the first for 429, 5xx and connection failures (default 4). */
  retries?: number;
  /** First backoff delay; it doubles on each retry, up to 30 s (default 500 ms). */
  backoffMs?: number;
}

/** Tags as a list or as a plain `{key: value}` object. */
export type TagsInput = Tag[] | Record<string, string>;

/** A metric to log; `timestamp` defaults to now and `step` to 0. */
export type MetricInput = Pick<Metric, 'key' | 'value'> & Partial<Omit<Metric, 'key' | 'value'>>;

/** Where a run's artifacts are: its artifact URI (`mlflow-artifacts:/…`), the run, or its info. */
export type ArtifactTarget = string | Run | RunInfo;

/** Bytes to upload. */
export type ArtifactBody = Buffer | Uint8Array | string | Readable;

type Json = Record<string, any>;

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';
const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_PARAMETER_VALUE',
  'RESOURCE_ALREADY_EXISTS',
  'BAD_REQUEST',
  'RESOURCE_DOES_NOT_EXIST',
  'ENDPOINT_NOT_FOUND',
  'PERMISSION_DENIED',
  'RESOURCE_CONFLICT',
  'REQUEST_LIMIT_EXCEEDED',
  'INVALID_STATE',
  'INTERNAL_ERROR',
  'NOT_IMPLEMENTED',
  'TEMPORARILY_UNAVAILABLE',
  'FEATURE_DISABLED',
]);

/** The code to report for an HTTP error whose body is not MLflow's error JSON. */
function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  if (status === 401 || status === 403) return 'PERMISSION_DENIED';
  if (status === 409) return 'RESOURCE_CONFLICT';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 501) return 'NOT_IMPLEMENTED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  return status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
}

/** Turns an HTTP error answer into a TileflowError: MLflow's `{error_code, message}` when the body is one. */
async function httpError(request: HttpRequest, response: Response): Promise<TileflowError> {
  const text = await response.text().catch(() => '');
  let body: Json | undefined;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = undefined;
  }
  if (body && typeof body.error_code === 'string' && typeof body.message === 'string') {
    return new TileflowError(KNOWN_CODES.has(body.error_code) ? (body.error_code as ErrorCode) : codeForStatus(response.status), body.message);
  }
  const detail = text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
  const path = new URL(request.url).pathname;
  return new TileflowError(codeForStatus(response.status), `HTTP ${response.status} ${response.statusText} from ${request.method} ${path}${detail}`);
}

const toTagList = (tags: TagsInput | undefined): Tag[] =>
  !tags ? [] : Array.isArray(tags) ? tags : Object.entries(tags).map(([key, value]) => ({ key, value }));
const tagsToWire = (tags: TagsInput | undefined) => toTagList(tags).map((t) => ({ key: t.key, value: t.value }));

function metricToInput(m: MetricInput, now: number) {
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp ?? now,
    step: m.step ?? 0,
    model_id: m.modelId,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
  };
}

/** A typed client of an MLflow-compatible tracking server (tileflow's own, or MLflow's). */
export class TrackingClient {
  /** The server's base URL, without a trailing slash. */
  readonly baseUrl: string;
  private readonly transport: HttpTransport;

  constructor(baseUrl: string, opts: TrackingClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new TileflowError('INVALID_PARAMETER_VALUE', `Invalid tracking server URL '${baseUrl}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TileflowError('INVALID_PARAMETER_VALUE', `Invalid tracking server URL '${baseUrl}': expected http:// or https://`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.transport = withRetries(fetchTransport({ timeoutMs: opts.timeoutMs ?? 120_000 }), {
      retries: opts.retries ?? 4,
      backoffMs: opts.backoffMs ?? 500,
    });
  }

  // ---- transport ---------------------------------------------------------------------------------

  private url(path: string, query?: Json): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  /** Sends a request; an answer other than 2xx becomes a TileflowError. */
  private async send(request: HttpRequest): Promise<Response> {
    const response = await this.transport.send(request);
    if (!response.ok) throw await httpError(request, response);
    return response;
  }

  /** Calls an RPC and returns its JSON answer; GET sends `input` as a query string, others as a JSON body. */
  private async rpc(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, input: Json = {}): Promise<Json> {
    const response = await this.send(
      method === 'GET'
        ? { method, url: this.url(`${API}${endpoint}`, input), replayable: true }
        : {
            method,
            url: this.url(`${API}${endpoint}`),
            headers: { 'Content-Type': 'application/json' },
            body: () => stringifyWire(input),
            replayable: true,
          },
    );
    const text = await response.text();
    try {
      return text ? (JSON.parse(text) as Json) : {};
    } catch {
      // A proxy's or another web app's page: the base URL is likely not a tracking server.
      throw new TileflowError('INTERNAL_ERROR', `${method} ${endpoint} at ${this.baseUrl} did not answer JSON; is this a tileflow or MLflow tracking server?`);
    }
  }

  // ---- experiments -------------------------------------------------------------------------------

  /** Creates an experiment and returns its id. */
  async createExperiment(name: string, opts: { artifactLocation?: string; tags?: TagsInput } = {}): Promise<string> {
    const body = await this.rpc('POST', '/experiments/create', { name, artifact_location: opts.artifactLocation, tags: tagsToWire(opts.tags) });
    return String(body.experiment_id);
  }

  /** Gets an experiment by id. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    return experimentFromWire((await this.rpc('GET', '/experiments/get', { experiment_id: experimentId })).experiment);
  }

  /** Gets an experiment by exact name; a missing one is RESOURCE_DOES_NOT_EXIST. */
  async getExperimentByName(name: string): Promise<Experiment> {
    return experimentFromWire((await this.rpc('GET', '/experiments/get-by-name', { experiment_name: name })).experiment);
  }

  /** Searches experiments (one page). */
  async searchExperiments(query: SearchExperimentsInput = {}): Promise<Page<Experiment>> {
    const body = await this.rpc('POST', '/experiments/search', {
      filter: query.filter,
      view_type: query.viewType,
      max_results: query.maxResults,
      order_by: query.orderBy,
      page_token: query.pageToken,
    });
    return { items: ((body.experiments as Json[]) ?? []).map(experimentFromWire), nextPageToken: body.next_page_token || undefined };
  }

  /** Soft-deletes an experiment and its runs. */
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.rpc('POST', '/experiments/delete', { experiment_id: experimentId });
  }

  /** Restores a deleted experiment. */
  async restoreExperiment(experimentId: string): Promise<void> {
    await this.rpc('POST', '/experiments/restore', { experiment_id: experimentId });
  }

  /** Sets a tag on an experiment. */
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.rpc('POST', '/experiments/set-experiment-tag', { experiment_id: experimentId, key, value });
  }

  // ---- runs --------------------------------------------------------------------------------------

  /** Creates a run (in experiment "0" when none is given). */
  async createRun(input: { experimentId?: string; runName?: string; startTime?: number; userId?: string; tags?: TagsInput } = {}): Promise<Run> {
    const body = await this.rpc('POST', '/runs/create', {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTime ?? Date.now(),
      user_id: input.userId,
      tags: tagsToWire(input.tags),
    });
    return runFromWire(body.run);
  }

  /** Gets a run with its params, latest metrics, tags and inputs. */
  async getRun(runId: string): Promise<Run> {
    return runFromWire((await this.rpc('GET', '/runs/get', { run_id: runId })).run);
  }

  /** Updates a run's status, end time or name; returns the new info. */
  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const body = await this.rpc('POST', '/runs/update', { run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName });
    return runInfoFromWire(body.run_info);
  }

  /** Soft-deletes a run. */
  async deleteRun(runId: string): Promise<void> {
    await this.rpc('POST', '/runs/delete', { run_id: runId });
  }

  /** Restores a deleted run. */
  async restoreRun(runId: string): Promise<void> {
    await this.rpc('POST', '/runs/restore', { run_id: runId });
  }

  /** Logs one metric point; NaN and ±Infinity travel as "NaN"/"Infinity". */
  async logMetric(runId: string, key: string, value: number, opts: { step?: number; timestamp?: number } = {}): Promise<void> {
    await this.rpc('POST', '/runs/log-metric', { run_id: runId, ...metricToInput({ key, value, ...opts }, Date.now()) });
  }

  /** Logs one param. */
  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.rpc('POST', '/runs/log-parameter', { run_id: runId, key, value: String(value) });
  }

  /** Sets one run tag. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.rpc('POST', '/runs/set-tag', { run_id: runId, key, value });
  }

  /** Deletes one run tag. */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.rpc('POST', '/runs/delete-tag', { run_id: runId, key });
  }

  /** Logs metrics, params and tags in one atomic request. */
  async logBatch(runId: string, batch: { metrics?: MetricInput[]; params?: Param[]; tags?: TagsInput }): Promise<void> {
    const now = Date.now();
    await this.rpc('POST', '/runs/log-batch', {
      run_id: runId,
      metrics: (batch.metrics ?? []).map((m) => metricToInput(m, now)),
      params: (batch.params ?? []).map((p) => ({ key: p.key, value: String(p.value) })),
      tags: tagsToWire(batch.tags),
    });
  }

  /** Records the datasets (and logged models) a run used. */
  async logInputs(runId: string, datasets: DatasetInput[], modelIds: string[] = []): Promise<void> {
    await this.rpc('POST', '/runs/log-inputs', {
      run_id: runId,
      datasets: datasets.map(datasetInputToWire),
      models: modelIds.map((id) => ({ model_id: id })),
    });
  }

  /** Records logged models a run produced. */
  async logOutputs(runId: string, models: { modelId: string; step?: number }[]): Promise<void> {
    await this.rpc('POST', '/runs/outputs', { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })) });
  }

  /** Searches runs of some experiments (one page) with MLflow's filter grammar and `order_by`. */
  async searchRuns(query: SearchRunsInput): Promise<Page<Run>> {
    const body = await this.rpc('POST', '/runs/search', {
      experiment_ids: query.experimentIds,
      filter: query.filter,
      run_view_type: query.viewType,
      max_results: query.maxResults,
      order_by: query.orderBy,
      page_token: query.pageToken,
    });
    return { items: ((body.runs as Json[]) ?? []).map(runFromWire), nextPageToken: body.next_page_token || undefined };
  }

  /** Every run matching a search, page after page (`maxResults` is the page size). */
  async *searchAllRuns(query: Omit<SearchRunsInput, 'pageToken'>): AsyncGenerator<Run, void, undefined> {
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({ ...query, pageToken });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Every point of one metric of a run, by step then time. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const points: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const body = await this.rpc('GET', '/metrics/get-history', { run_id: runId, metric_key: key, page_token: pageToken });
      points.push(...((body.metrics as Json[]) ?? []).map(metricFromWire));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return points;
  }

  // ---- logged models (MLflow 3) ------------------------------------------------------------------

  /** Creates a logged model (status pending until finalized). */
  async createLoggedModel(input: {
    experimentId: string;
    name?: string;
    modelType?: string;
    sourceRunId?: string;
    params?: Param[];
    tags?: TagsInput;
  }): Promise<LoggedModel> {
    const body = await this.rpc('POST', '/logged-models', {
      experiment_id: input.experimentId,
      name: input.name,
      model_type: input.modelType,
      source_run_id: input.sourceRunId,
      params: input.params,
      tags: tagsToWire(input.tags),
    });
    return loggedModelFromWire(body.model);
  }

  /** Gets a logged model. */
  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return loggedModelFromWire((await this.rpc('GET', `/logged-models/${encodeURIComponent(modelId)}`)).model);
  }

  /** Marks a logged model's upload as done (`LOGGED_MODEL_READY`) or failed. */
  async finalizeLoggedModel(modelId: string, status: 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'): Promise<LoggedModel> {
    return loggedModelFromWire((await this.rpc('PATCH', `/logged-models/${encodeURIComponent(modelId)}`, { status })).model);
  }

  // ---- model registry ----------------------------------------------------------------------------

  /** Creates a registered model. */
  async createRegisteredModel(name: string, opts: { tags?: TagsInput; description?: string } = {}): Promise<RegisteredModel> {
    const body = await this.rpc('POST', '/registered-models/create', { name, tags: tagsToWire(opts.tags), description: opts.description });
    return registeredModelFromWire(body.registered_model);
  }

  /** Gets a registered model with its latest version per stage and its aliases. */
  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return registeredModelFromWire((await this.rpc('GET', '/registered-models/get', { name })).registered_model);
  }

  /** Searches registered models (one page). */
  async searchRegisteredModels(query: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const body = await this.rpc('GET', '/registered-models/search', {
      filter: query.filter,
      max_results: query.maxResults,
      order_by: query.orderBy,
      page_token: query.pageToken,
    });
    return { items: ((body.registered_models as Json[]) ?? []).map(registeredModelFromWire), nextPageToken: body.next_page_token || undefined };
  }

  /** Deletes a registered model and all its versions. */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.rpc('DELETE', '/registered-models/delete', { name });
  }

  /** Registers a new version of a model from `source` (`runs:/<run>/<path>`, `models:/m-…` or a URI). */
  async createModelVersion(input: {
    name: string;
    source: string;
    runId?: string;
    tags?: TagsInput;
    runLink?: string;
    description?: string;
    modelId?: string;
  }): Promise<ModelVersion> {
    const body = await this.rpc('POST', '/model-versions/create', {
      name: input.name,
      source: input.source,
      run_id: input.runId,
      tags: tagsToWire(input.tags),
      run_link: input.runLink,
      description: input.description,
      model_id: input.modelId,
    });
    return modelVersionFromWire(body.model_version);
  }

  /** Gets one model version. */
  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return modelVersionFromWire((await this.rpc('GET', '/model-versions/get', { name, version: String(version) })).model_version);
  }

  /** Where a model version's files can be downloaded from. */
  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return String((await this.rpc('GET', '/model-versions/get-download-uri', { name, version: String(version) })).artifact_uri);
  }

  /** Points an alias (`champion`) at a version. */
  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    await this.rpc('POST', '/registered-models/alias', { name, alias, version: String(version) });
  }

  /** Removes an alias. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.rpc('DELETE', '/registered-models/alias', { name, alias });
  }

  /** The version an alias points at. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return modelVersionFromWire((await this.rpc('GET', '/registered-models/alias', { name, alias })).model_version);
  }

  /** Moves a version to a stage (None, Staging, Production, Archived). */
  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: string,
    opts: { archiveExistingVersions?: boolean } = {},
  ): Promise<ModelVersion> {
    const body = await this.rpc('POST', '/model-versions/transition-stage', {
      name,
      version: String(version),
      stage,
      archive_existing_versions: opts.archiveExistingVersions ?? false,
    });
    return modelVersionFromWire(body.model_version);
  }

  // ---- artifacts (MLflow's artifact proxy) -------------------------------------------------------

  /** The proxied root of a target, e.g. `1/<run>/artifacts` for `mlflow-artifacts:/1/<run>/artifacts`. */
  private artifactRoot(target: ArtifactTarget): string {
    const uri = typeof target === 'string' ? target : 'info' in target ? target.info.artifactUri : target.artifactUri;
    const root = proxiedArtifactPath(uri);
    if (root === null) {
      throw new TileflowError('INVALID_PARAMETER_VALUE', `Artifact URI '${uri}' is not served by the tracking server (expected mlflow-artifacts:/…)`);
    }
    return root.replace(/^\/+|\/+$/g, '');
  }

  /** The proxy path segments of `relativePath` under a target. */
  private artifactSegments(target: ArtifactTarget, relativePath: string): string[] {
    const parts = [...this.artifactRoot(target).split('/'), ...relativePath.split('/')].filter(Boolean);
    // URLs resolve dot segments on the client side, so they would silently address another file.
    if (parts.some((p) => p === '.' || p === '..')) throw new TileflowError('INVALID_PARAMETER_VALUE', `Invalid artifact path '${relativePath}'`);
    return parts;
  }

  /** The proxy URL path of `relativePath` under a target, each segment URL-encoded. */
  private artifactPath(target: ArtifactTarget, relativePath: string): string {
    return `${ARTIFACTS_API}/${this.artifactSegments(target, relativePath).map(encodeURIComponent).join('/')}`;
  }

  /** Uploads one file to `relativePath` under a run's artifact root; a stream is sent once, unretried. */
  async uploadArtifact(target: ArtifactTarget, relativePath: string, body: ArtifactBody): Promise<void> {
    if (!relativePath.replace(/\/+/g, '')) throw new TileflowError('INVALID_PARAMETER_VALUE', 'An artifact needs a file name');
    const stream = body instanceof Readable;
    const response = await this.send({
      method: 'PUT',
      url: this.url(this.artifactPath(target, relativePath)),
      headers: { 'Content-Type': 'application/octet-stream' },
      body: () => (stream ? (body as Readable) : typeof body === 'string' ? Buffer.from(body) : (body as Uint8Array)),
      replayable: !stream,
    });
    await response.body?.cancel();
  }

  /** Opens an artifact as a stream of bytes. */
  async openArtifact(target: ArtifactTarget, relativePath: string): Promise<Readable> {
    const response = await this.send({ method: 'GET', url: this.url(this.artifactPath(target, relativePath)), replayable: true });
    return response.body ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
  }

  /** Downloads an artifact into memory. */
  async downloadArtifact(target: ArtifactTarget, relativePath: string): Promise<Buffer> {
    const response = await this.send({ method: 'GET', url: this.url(this.artifactPath(target, relativePath)), replayable: true });
    return Buffer.from(await response.arrayBuffer());
  }

  /** Lists the direct children of a folder under a target; paths are relative to the target's root. */
  async listArtifacts(target: ArtifactTarget, relativePath = ''): Promise<FileInfo[]> {
    const folder = relativePath.replace(/^\/+|\/+$/g, '');
    const response = await this.send({
      method: 'GET',
      url: this.url(ARTIFACTS_API, { path: this.artifactSegments(target, folder).join('/') }),
      replayable: true,
    });
    const body = (await response.json()) as Json;
    // The proxy lists names relative to the folder asked for.
    return ((body.files as Json[]) ?? []).map((f) => {
      const file = fileInfoFromWire(f);
      return { ...file, path: folder ? `${folder}/${file.path}` : file.path };
    });
  }
}

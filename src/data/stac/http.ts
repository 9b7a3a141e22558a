/**
 * HTTP for STAC: one small fetch function (`HttpFetch`), Node's `fetch` behind it with a timeout, and
 * retries as a wrapper (`withRetries(httpFetch())`), so the API client, the catalog walker and the
 * schema loader only say what to fetch. Answers are read whole before they are returned: STAC
 * documents are small, and a timeout or a dropped connection in the middle of a body is then retried
 * like any other failure.
 */
import { TileflowError, invalidParameter, notFound, type ErrorCode } from '../../core/errors.js';

/** One HTTP request. */
export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A JSON or text body (POST). */
  body?: string;
  /** Cancels the request (and any retry waiting for its turn). */
  signal?: AbortSignal;
}

/** Sends a request; resolves with any HTTP answer (4xx and 5xx included), rejects when none came. */
export type HttpFetch = (request: HttpRequest) => Promise<Response>;

/** No answer came: connection refused or reset, DNS failure, or a timeout. Worth another try. */
export class ConnectionError extends TileflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TEMPORARILY_UNAVAILABLE', message, options);
    this.name = 'ConnectionError';
  }
}

/** Default time for one attempt, answer and body included. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Why no answer came, in a few words (`ECONNREFUSED`, `no answer within 30000 ms`). */
function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
}

/** Node's global `fetch`, bounded by `timeoutMs` per attempt; a caller's abort is passed through as it is. */
export function httpFetch(options: { timeoutMs?: number; userAgent?: string } = {}): HttpFetch {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (request) => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(request.signal ? [request.signal] : [])];
    const method = request.method ?? 'GET';
    try {
      const response = await fetch(request.url, {
        method,
        headers: { 'User-Agent': options.userAgent ?? 'tileflow', ...request.headers },
        body: request.body,
        signal: AbortSignal.any(signals),
      });
      const bytes = await response.arrayBuffer();
      return new Response(bytes.byteLength > 0 ? bytes : null, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new ConnectionError(`cannot reach ${request.url} (${method}: ${describeFailure(error, timeoutMs)})`, { cause: error });
    }
  };
}

/** Answers worth another try: rate limiting and transient server failures. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** How `withRetries` backs off. */
export interface RetryOptions {
  /** Further attempts after the first (default 3). */
  retries?: number;
  /** First backoff; doubled each attempt, with jitter (default 500 ms). */
  backoffMs?: number;
  /** Longest single wait, `Retry-After` included (default 30 s). */
  maxBackoffMs?: number;
}

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), if any. */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Retries connection failures and transient answers (408, 429, 5xx) with exponential backoff and
 * jitter, waiting at least what `Retry-After` asks; other answers pass through at once. After the last
 * attempt the transient answer itself is returned (or the connection error thrown).
 */
export function withRetries(inner: HttpFetch, options: RetryOptions = {}): HttpFetch {
  const retries = Math.max(0, options.retries ?? 3);
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const delay = (attempt: number, response?: Response) => {
    const base = Math.min(backoffMs * 2 ** attempt, maxBackoffMs);
    const jittered = base / 2 + Math.random() * (base / 2);
    const asked = response ? retryAfterMs(response) : undefined;
    return Math.min(Math.max(jittered, asked ?? 0), maxBackoffMs);
  };
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      let response: Response;
      try {
        response = await inner(request);
      } catch (error) {
        if (!(error instanceof ConnectionError)) throw error;
        if (last) throw retries > 0 ? new ConnectionError(`${error.message} after ${retries + 1} attempts`, { cause: error.cause }) : error;
        await sleep(delay(attempt), request.signal);
        continue;
      }
      if (last || !TRANSIENT_STATUSES.has(response.status)) return response;
      await sleep(delay(attempt, response), request.signal);
    }
  };
}

/** The error code for a final HTTP failure status. */
function codeFor(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'PERMISSION_DENIED';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status >= 500) return 'TEMPORARILY_UNAVAILABLE';
  return 'BAD_REQUEST';
}

/** What a failed answer says about itself: STAC API's `{code, description}`, or other common shapes. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const key of ['description', 'detail', 'message', 'error']) {
      const value = body[key];
      if (typeof value === 'string' && value) return value;
      if (value && typeof value === 'object') return JSON.stringify(value);
    }
  } catch {
    // Not JSON: the text itself, shortened, is the best message there is.
  }
  const trimmed = text.trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}

/** The error for a failed answer: 404 names the URL, 400 carries the API's own message. */
export async function httpError(response: Response, request: HttpRequest): Promise<TileflowError> {
  const what = `${request.method ?? 'GET'} ${request.url}`;
  const said = messageOf(await response.text());
  if (response.status === 404 || response.status === 410) return notFound(`not found: ${request.url}${said ? ` (${said})` : ''}`);
  if (response.status === 400 || response.status === 422) return invalidParameter(`${what} was rejected: ${said || response.statusText}`);
  return new TileflowError(codeFor(response.status), `${what} failed with HTTP ${response.status}${said ? `: ${said}` : ''}`);
}

/** Sends a request and parses the JSON answer; failed answers become `TileflowError`s. */
export async function fetchJson<T = unknown>(fetcher: HttpFetch, request: HttpRequest): Promise<T> {
  const response = await fetcher({ ...request, headers: { Accept: 'application/geo+json, application/json', ...request.headers } });
  if (!response.ok) throw await httpError(response, request);
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw invalidParameter(`${request.url} did not answer with JSON: ${(error as Error).message}`);
  }
}

/** The fetch function tileflow uses unless told otherwise: timeouts, then retries. */
export function defaultFetch(options: RetryOptions & { timeoutMs?: number } = {}): HttpFetch {
  return withRetries(httpFetch({ timeoutMs: options.timeoutMs }), options);
}

/**
 * The HTTP transport under `TrackingClient`: one small interface, a `fetch` implementation with an
 * idle timeout, and retries as a wrapper (`withRetries(transport)`), so the client itself only maps
 * RPCs to requests and answers to entities.
 */
import { TileflowError } from '../core/errors.js';

/** A request body: bytes, or a stream of chunks (sent once, so never replayed). */
export type HttpBody = string | Uint8Array | AsyncIterable<Uint8Array>;

/** One HTTP request; `body` is called once per attempt. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: () => HttpBody | undefined;
  /** False for stream bodies: they cannot be sent twice, so a failure is final. */
  replayable: boolean;
}

/** Sends requests; resolves with any HTTP answer (4xx and 5xx included), rejects only when none came. */
export interface HttpTransport {
  send(request: HttpRequest): Promise<Response>;
}

/** No answer came from the server: connection refused or reset, DNS failure, or a timeout. */
export class ConnectionError extends TileflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TEMPORARILY_UNAVAILABLE', message, options);
    this.name = 'ConnectionError';
  }
}

/** The reason a request was aborted for lack of progress. */
class IdleTimeout extends Error {
  constructor(ms: number) {
    super(`no progress within ${ms} ms`);
    this.name = 'IdleTimeout';
  }
}

/** Aborts a request when no progress was made for `ms`; `touch()` marks progress. */
class IdleTimer {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    this.touch();
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new IdleTimeout(this.ms)), this.ms);
    // The request itself keeps the process alive; a forgotten timer must not.
    this.timer.unref();
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

/** Passes a stream body through, marking progress at each chunk. */
async function* withProgress(source: AsyncIterable<Uint8Array | string>, timer: IdleTimer): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    timer.touch();
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
}

/** Why no answer came, in a few words (`ECONNREFUSED`, `no progress within 120000 ms`). */
function describeFailure(error: unknown): string {
  if (error instanceof IdleTimeout) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause instanceof IdleTimeout) return cause.message;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

/**
 * The transport over Node's `fetch`. `timeoutMs` bounds the time without progress (waiting for the
 * answer, or between chunks of an upload or a download), so large transfers are not cut off.
 */
export function fetchTransport(opts: { timeoutMs: number }): HttpTransport {
  return {
    async send(request) {
      const timer = new IdleTimer(opts.timeoutMs);
      const raw = request.body?.();
      const streamed = raw !== undefined && typeof raw === 'object' && Symbol.asyncIterator in raw;
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: { 'User-Agent': 'tileflow-client', ...request.headers },
          body: (streamed ? withProgress(raw as AsyncIterable<Uint8Array>, timer) : raw) as BodyInit | undefined,
          signal: timer.controller.signal,
          // Node's fetch streams a request body only in half-duplex mode.
          ...(streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (error) {
        timer.clear();
        const url = new URL(request.url);
        throw new ConnectionError(`cannot reach ${url.origin} (${request.method} ${url.pathname}: ${describeFailure(error)})`, { cause: error });
      }
      if (!response.body) {
        timer.clear();
        return response;
      }
      const monitored = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            timer.touch();
            controller.enqueue(chunk);
          },
          flush() {
            timer.clear();
          },
        }),
      );
      return new Response(monitored, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
}

/** MLflow's `_TRANSIENT_FAILURE_RESPONSE_CODES`: worth another try. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries connection failures and transient statuses (429, 5xx) with exponential backoff and
 * jitter, honouring `Retry-After`; other answers, 4xx included, pass through at once. After the last
 * attempt the transient answer itself is returned (or the connection error thrown).
 */
export function withRetries(inner: HttpTransport, opts: { retries: number; backoffMs: number }): HttpTransport {
  const delay = (attempt: number, response?: Response) => {
    const retryAfter = Number(response?.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter * 1000, MAX_BACKOFF_MS);
    const base = Math.min(opts.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
    return base / 2 + Math.random() * (base / 2);
  };
  return {
    async send(request) {
      const attempts = request.replayable ? Math.max(0, opts.retries) + 1 : 1;
      for (let attempt = 0; ; attempt++) {
        const last = attempt + 1 >= attempts;
        let response: Response;
        try {
          response = await inner.send(request);
        } catch (error) {
          if (!(error instanceof ConnectionError)) throw error;
          if (last) {
            throw attempts > 1 ? new ConnectionError(`${error.message} after ${attempts} attempts`, { cause: error.cause }) : error;
          }
          await sleep(delay(attempt));
          continue;
        }
        if (last || !TRANSIENT_STATUSES.has(response.status)) return response;
        await response.body?.cancel();
        await sleep(delay(attempt, response));
      }
    },
  };
}

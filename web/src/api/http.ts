/**
 * The one way the UI talks to the server: JSON over `fetch`, with MLflow's `{error_code, message}`
 * errors turned into `ApiError`, so every page shows the server's own message.
 */

/** An error answered by the server, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Query values; arrays become repeated keys, as MLflow's GET routes expect. */
export type Query = Record<string, string | number | readonly string[] | undefined>;

/** Builds `path?query`, leaving out undefined values. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Reads an error body as MLflow writes it, or falls back to the status line. */
async function errorOf(response: Response, what: string): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = `${what}: HTTP ${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error_code?: string; message?: string };
    if (body.error_code) code = body.error_code;
    if (body.message) message = body.message;
  } catch {
    // Not JSON (a proxy's HTML page): the status line says enough.
  }
  return new ApiError(message, response.status, code);
}

/** Sends a request and resolves with the raw response when it is 2xx. */
export async function send(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(`Cannot reach the tileflow server (${(error as Error).message}).`, 0, 'NETWORK_ERROR');
  }
  if (!response.ok) throw await errorOf(response, `${init.method ?? 'GET'} ${path.split('?')[0]}`);
  return response;
}

/** GETs JSON. */
export async function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const response = await send(withQuery(path, query), { signal, headers: { accept: 'application/json' } });
  return (await response.json()) as T;
}

/** POSTs a JSON body and reads JSON back. */
export async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
}

/** Sends a JSON body with any method (MLflow's PATCH and DELETE read theirs from the body) and reads JSON back. */
export async function sendJson<T>(method: 'PATCH' | 'DELETE' | 'POST', path: string, body: unknown): Promise<T> {
  const response = await send(path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

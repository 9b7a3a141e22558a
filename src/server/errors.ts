/**
 * The one catalog from error codes to HTTP statuses (MLflow's `ERROR_CODE_TO_HTTP_STATUS`), and the
 * translation of any thrown error into MLflow's error JSON. A client's mistake is always a 4xx: MLflow
 * clients retry 5xx for about a minute before they show the error.
 */
import type { FastifyError } from 'fastify';
import { TileflowError, type ErrorCode } from '../core/errors.js';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  FEATURE_DISABLED: 501,
};

/** The HTTP status for an error code. */
export function httpStatus(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Fastify's own request errors that are the client's fault, with the message to show. */
function clientErrorFromFastify(error: FastifyError): TileflowError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TileflowError('INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json'].");
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TileflowError('INVALID_PARAMETER_VALUE', `Request body is larger than the server accepts (${error.message}).`);
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return new TileflowError('BAD_REQUEST', error.message);
      }
      return null;
  }
}

/** The status and MLflow error body for anything a handler threw; unexpected errors are logged, not shown. */
export function errorResponse(error: unknown, log: (error: unknown) => void): { status: number; body: { error_code: string; message: string } } {
  const known = error instanceof TileflowError ? error : clientErrorFromFastify(error as FastifyError);
  if (known) return { status: httpStatus(known.code), body: { error_code: known.code, message: known.message } };
  log(error);
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'Internal server error: the server logged the details.' } };
}

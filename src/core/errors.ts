/**
 * Typed errors. Every error a client can cause carries one of MLflow's `ErrorCode` names, so the HTTP
 * layer maps codes to statuses in one catalog (`src/server/errors.ts`) and clients see MLflow's codes.
 */

/** MLflow's error codes (databricks.proto `ErrorCode`) that tileflow raises. */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'BAD_REQUEST'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_CONFLICT'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'FEATURE_DISABLED';

/** An error with a stable code; the message is safe to show to a client (no SQL, no stack). */
export class TileflowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TileflowError';
    this.code = code;
  }
}

/** The caller sent a value that cannot be accepted. */
export function invalidParameter(message: string): TileflowError {
  return new TileflowError('INVALID_PARAMETER_VALUE', message);
}

/** The named thing does not exist. */
export function notFound(message: string): TileflowError {
  return new TileflowError('RESOURCE_DOES_NOT_EXIST', message);
}

/** The named thing exists already. */
export function alreadyExists(message: string): TileflowError {
  return new TileflowError('RESOURCE_ALREADY_EXISTS', message);
}

/** Errors the CLI shows as one line (`error: …`) with an exit code, never with a stack trace. */

/** A failure the user can act on (port in use, bad tracking URI); `exitCode` is 1 unless said otherwise. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

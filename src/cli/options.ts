/** Parsing of command-line option values, with usage errors that name the option. */
import { CliError } from './errors.js';

/** A number option, or a usage error naming it. */
export function number(text: string | undefined, option: string, { integer = false, min = -Infinity } = {}): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    throw new CliError(`${option} must be ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` of at least ${min}` : ''}, got ${JSON.stringify(text)}`, 2);
  }
  return value;
}

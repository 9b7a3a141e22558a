// Assertions shared by tests of code that rejects user input with a TileflowError.
import assert from 'node:assert/strict';
import { TileflowError } from '../../src/core/errors.js';

/** Asserts that `run` throws INVALID_PARAMETER_VALUE with exactly `message`. */
export function rejectsInvalidParameter(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TileflowError, `expected a TileflowError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    assert.equal(error.message, message);
    return true;
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanDuration, isoTime, json, metricValue, runDuration, table } from './format.js';

test('humanDuration picks the unit a person reads', () => {
  assert.equal(humanDuration(850), '850ms');
  assert.equal(humanDuration(12_345), '12s');
  assert.equal(humanDuration(4_300), '4.3s');
  assert.equal(humanDuration(125_000), '2m 05s');
  assert.equal(humanDuration(2 * 3600_000 + 3 * 60_000 + 59_000), '2h 03m');
  assert.equal(humanDuration(3 * 86400_000 + 4 * 3600_000), '3d 4h');
  assert.equal(humanDuration(-1), '-');
});

test('isoTime is UTC to the second, "-" when unset', () => {
  assert.equal(isoTime(Date.UTC(2024, 4, 1, 12, 0, 0, 123)), '2024-05-01T12:00:00Z');
  assert.equal(isoTime(null), '-');
  assert.equal(isoTime(0), '-');
});

test('runDuration: finished, running, unknown', () => {
  assert.equal(runDuration({ startTime: 1000, endTime: 6000, status: 'FINISHED' }), '5.0s');
  assert.equal(runDuration({ startTime: 1000, endTime: null, status: 'RUNNING' }, 3000), '2.0s+');
  assert.equal(runDuration({ startTime: 1000, endTime: null, status: 'KILLED' }), '-');
});

test('metricValue keeps integers and trims floats to 6 significant digits', () => {
  assert.equal(metricValue(3), '3');
  assert.equal(metricValue(0.123456789), '0.123457');
  assert.equal(metricValue(Number.NaN), 'NaN');
  assert.equal(metricValue(Number.NEGATIVE_INFINITY), '-Infinity');
});

test('json writes non-finite numbers as strings', () => {
  assert.deepEqual(JSON.parse(json({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: 1 })), { a: 'NaN', b: 'Infinity', c: 1 });
});

test('table renders a header and rows without colour codes', () => {
  const out = table(['key', 'value'], [['lr', '0.01']]);
  assert.ok(!out.includes('\u001b['), 'no ANSI escapes');
  assert.match(out, /│ key │ value │/);
  assert.match(out, /│ lr  │ 0\.01  │/);
});

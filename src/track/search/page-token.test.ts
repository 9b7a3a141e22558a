import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { decodePageToken, encodePageToken } from './page-token.js';

const rejects = rejectsInvalidParameter;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('encodePageToken', () => {
  test("produces MLflow's exact token: base64 of Python's json.dumps({'offset': N})", () => {
    assert.equal(encodePageToken(100), 'eyJvZmZzZXQiOiAxMDB9');
    assert.equal(Buffer.from(encodePageToken(7), 'base64').toString('utf8'), '{"offset": 7}');
  });

  test('round-trips through decodePageToken', () => {
    for (const offset of [0, 1, 50, 1000, 123456789]) assert.equal(decodePageToken(encodePageToken(offset)), offset);
  });

  test('refuses an offset that is not a non-negative integer (a programming error, not user input)', () => {
    for (const offset of [-1, 1.5, Number.NaN]) assert.throws(() => encodePageToken(offset), RangeError);
  });
});

describe('decodePageToken', () => {
  test('no token is offset 0', () => {
    assert.equal(decodePageToken(undefined), 0);
    assert.equal(decodePageToken(''), 0);
  });

  test('reads compact JSON, other fields and a digit-string offset', () => {
    assert.equal(decodePageToken(b64('{"offset":25}')), 25);
    assert.equal(decodePageToken(b64('{"offset": 3, "other": true}')), 3);
    assert.equal(decodePageToken(b64('{"offset": "40"}')), 40);
  });

  test('ignores characters outside the base64 alphabet, as Python does', () => {
    assert.equal(decodePageToken(' eyJvZmZz\nZXQiOiAxMDB9 '), 100);
  });

  test('bad base64', () => {
    for (const token of ['abc', 'a', 'eyJvZmZzZXQiOiAxMDB']) rejects(() => decodePageToken(token), 'Invalid page token, could not base64-decode');
  });

  test('decodes but is not JSON', () => {
    rejects(() => decodePageToken(b64('hello')), "Invalid page token, decoded value=b'hello'");
    rejects(() => decodePageToken('!!!!'), "Invalid page token, decoded value=b''");
    rejects(() => decodePageToken(b64("it's")), `Invalid page token, decoded value=b"it's"`);
    rejects(() => decodePageToken(Buffer.from([0xff, 0x0a]).toString('base64')), String.raw`Invalid page token, decoded value=b'\xff\n'`);
  });

  test('JSON without a non-negative integer offset', () => {
    const cases = ['{}', '{"offset": -1}', '{"offset": 1.5}', '{"offset": null}', '{"offset": "x"}', '[1]', '5', '"offset"'];
    for (const json of cases) rejects(() => decodePageToken(b64(json)), `Invalid page token, decoded value=b'${json}'`);
  });
});

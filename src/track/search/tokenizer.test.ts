import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bareWordOf, keywordOf, tokenize, type Token } from './tokenizer.js';

const kinds = (input: string) => tokenize(input)?.map((t: Token) => [t.kind, t.raw]);

describe('tokenize', () => {
  test('identifiers keep their parts, quotes and raw text', () => {
    const [token] = tokenize('tags.`a.b`') ?? [];
    assert.deepEqual(token, {
      kind: 'identifier',
      raw: 'tags.`a.b`',
      parts: [
        { raw: 'tags', text: 'tags', quote: '' },
        { raw: '`a.b`', text: 'a.b', quote: '`' },
      ],
    });
    assert.deepEqual(kinds('tags.mlflow.runName'), [['identifier', 'tags.mlflow.runName']]);
    assert.deepEqual(kinds('params."x y"'), [['identifier', 'params."x y"']]);
  });

  test('a trailing dot ends the identifier', () => {
    assert.deepEqual(kinds('metrics. x'), [
      ['identifier', 'metrics'],
      ['other', '.'],
      ['identifier', 'x'],
    ]);
  });

  test('strings, numbers, operators, commas and groups', () => {
    assert.deepEqual(kinds("a>=-1.5e3 AND b != 'x''y' AND c IN ('p', 'q')"), [
      ['identifier', 'a'],
      ['operator', '>='],
      ['number', '-1.5e3'],
      ['identifier', 'AND'],
      ['identifier', 'b'],
      ['operator', '!='],
      ['string', "'x''y'"],
      ['identifier', 'AND'],
      ['identifier', 'c'],
      ['identifier', 'IN'],
      ['group', "('p', 'q')"],
    ]);
    const group = tokenize("('p', 'q')")?.[0];
    assert.equal(group?.kind, 'group');
    assert.deepEqual(group?.kind === 'group' && group.tokens.map((t) => t.kind), ['string', 'comma', 'string']);
  });

  test("string values unescape doubled quotes and keep backslash pairs verbatim", () => {
    assert.deepEqual(tokenize("'it''s'")?.[0], { kind: 'string', raw: "'it''s'", value: "it's" });
    assert.deepEqual(tokenize(String.raw`'a\'b'`)?.[0], { kind: 'string', raw: String.raw`'a\'b'`, value: String.raw`a\'b` });
  });

  test('a number glued to letters is one other token', () => {
    assert.deepEqual(kinds('1abc'), [['other', '1abc']]);
  });

  test('unknown characters become other tokens, a stray ) too', () => {
    assert.deepEqual(kinds('a % ) ;'), [
      ['identifier', 'a'],
      ['other', '%'],
      ['other', ')'],
      ['other', ';'],
    ]);
  });

  test('unterminated quotes and parentheses cannot be lexed', () => {
    for (const input of ["'abc", '"abc', '`abc', '(a', "('a', 'b'", 'a.`b']) assert.equal(tokenize(input), undefined, input);
  });
});

describe('keywordOf and bareWordOf', () => {
  test('keywords are reserved bare words in any case; other bare words are names', () => {
    const [and, status, quoted, dotted] = tokenize('and status `AND` a.and') ?? [];
    assert.equal(keywordOf(and), 'AND');
    assert.equal(keywordOf(status), undefined);
    assert.equal(bareWordOf(status), 'STATUS');
    assert.equal(keywordOf(quoted), undefined);
    assert.equal(bareWordOf(dotted), undefined);
    assert.equal(keywordOf(undefined), undefined);
  });
});

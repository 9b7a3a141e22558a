/**
 * The lexer shared by the filter and order_by parsers. MLflow lexes both with `sqlparse`; this
 * reproduces the token boundaries that matter to MLflow's grammar (dotted identifiers, quoted
 * strings, numbers, comparison operators, parenthesised lists) and nothing of the rest of SQL.
 */

/** One dot-separated segment of an identifier, such as `metrics` or `` `my-metric` `` in ``metrics.`my-metric` ``. */
export interface IdentifierPart {
  /** The segment as written, quotes included. */
  raw: string;
  /** The segment without its quotes, a doubled quote character read as one. */
  text: string;
  /** The quote character around the segment, or '' when it was written bare. */
  quote: '' | '"' | '`';
}

/** A lexical token; `raw` is always the exact source text, which is what MLflow's messages quote. */
export type Token =
  | { kind: 'identifier'; raw: string; parts: IdentifierPart[] }
  | { kind: 'string'; raw: string; value: string }
  | { kind: 'number'; raw: string; value: number }
  | { kind: 'operator'; raw: string }
  | { kind: 'group'; raw: string; tokens: Token[] }
  | { kind: 'comma'; raw: string }
  | { kind: 'other'; raw: string };

/** The token shape of an identifier, for code that has already checked the kind. */
export type IdentifierToken = Extract<Token, { kind: 'identifier' }>;

const NAME_START = /[\p{L}_]/u;
const NAME_CHAR = /[\p{L}\p{N}_$]/u;
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const OPERATOR = /[<>=!~]+/y;

/** Thrown inside the lexer only; `tokenize` turns it into `undefined`. */
class Unparsable extends Error {}

/** Splits `input` into tokens; undefined when it cannot be lexed (an unterminated quote or parenthesis). */
export function tokenize(input: string): Token[] | undefined {
  // Characters outside the grammar become `other` tokens rather than failures, so that the parser
  // can name them in an "Invalid clause(s)" message as MLflow does.
  try {
    const lexer = new Lexer(input);
    return lexer.tokens(false);
  } catch (error) {
    if (error instanceof Unparsable) return undefined;
    throw error;
  }
}

/** The filter grammar's reserved words; any other bare word is a name (`status`, `name`…). */
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'ILIKE']);

/** The upper-cased word when `token` is a bare, single-part identifier, such as `desc` or `status`. */
export function bareWordOf(token: Token | undefined): string | undefined {
  if (token?.kind !== 'identifier' || token.parts.length !== 1 || token.parts[0].quote !== '') return undefined;
  return token.raw.toUpperCase();
}

/** The upper-cased keyword (AND, OR, NOT, IN, IS, NULL, LIKE, ILIKE) when `token` is one, otherwise undefined. */
export function keywordOf(token: Token | undefined): string | undefined {
  const word = bareWordOf(token);
  return word !== undefined && KEYWORDS.has(word) ? word : undefined;
}

class Lexer {
  private pos = 0;

  constructor(private readonly src: string) {}

  /** Reads tokens up to the end of input, or up to the `)` closing a group when `inGroup`. */
  tokens(inGroup: boolean): Token[] {
    const out: Token[] = [];
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= this.src.length) {
        if (inGroup) throw new Unparsable();
        return out;
      }
      const ch = this.src[this.pos];
      if (ch === ')') {
        if (inGroup) return out;
        out.push(this.single('other'));
      } else if (ch === '(') {
        out.push(this.group());
      } else if (ch === ',') {
        out.push(this.single('comma'));
      } else if (ch === "'") {
        const start = this.pos;
        const value = this.quoted("'");
        out.push({ kind: 'string', raw: this.src.slice(start, this.pos), value });
      } else if (ch === '"' || ch === '`' || NAME_START.test(ch)) {
        out.push(this.identifier());
      } else if (this.startsNumber()) {
        out.push(this.number());
      } else if ('<>=!~'.includes(ch)) {
        out.push({ kind: 'operator', raw: this.sticky(OPERATOR) });
      } else {
        out.push(this.single('other'));
      }
    }
  }

  private skipWhitespace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private single(kind: 'comma' | 'other'): Token {
    return { kind, raw: this.src[this.pos++] };
  }

  private sticky(re: RegExp): string {
    re.lastIndex = this.pos;
    const match = re.exec(this.src);
    if (!match) throw new Unparsable();
    this.pos += match[0].length;
    return match[0];
  }

  private group(): Token {
    const start = this.pos++;
    const tokens = this.tokens(true);
    this.pos++; // the closing ')'
    return { kind: 'group', raw: this.src.slice(start, this.pos), tokens };
  }

  /**
   * Reads a quoted run starting at the opening quote. A doubled quote stands for one quote. Inside
   * '…' and "…" a backslash also escapes the next character, as sqlparse lexes it, but the pair is
   * kept verbatim because MLflow never unescapes it either.
   */
  private quoted(quote: "'" | '"' | '`'): string {
    let text = '';
    this.pos++;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '\\' && quote !== '`' && this.pos + 1 < this.src.length) {
        text += this.src.slice(this.pos, this.pos + 2);
        this.pos += 2;
      } else if (ch === quote && this.src[this.pos + 1] === quote) {
        text += quote;
        this.pos += 2;
      } else if (ch === quote) {
        this.pos++;
        return text;
      } else {
        text += ch;
        this.pos++;
      }
    }
    throw new Unparsable();
  }

  /**
   * Reads `part(.part)*`. The first bare part must start like a SQL name; later parts may start with
   * a digit, since MLflow keys (`tags.mlflow.1x`) are not SQL names. A dot not followed by a part
   * ends the identifier.
   */
  private identifier(): Token {
    const start = this.pos;
    const parts: IdentifierPart[] = [this.part(true)];
    while (this.src[this.pos] === '.' && this.startsPart(this.src[this.pos + 1])) {
      this.pos++;
      parts.push(this.part(false));
    }
    return { kind: 'identifier', raw: this.src.slice(start, this.pos), parts };
  }

  private startsPart(ch: string | undefined): boolean {
    return ch !== undefined && (ch === '"' || ch === '`' || NAME_CHAR.test(ch));
  }

  private part(first: boolean): IdentifierPart {
    const start = this.pos;
    const ch = this.src[this.pos];
    if (ch === '"' || ch === '`') {
      const text = this.quoted(ch);
      return { raw: this.src.slice(start, this.pos), text, quote: ch };
    }
    if (first && !NAME_START.test(ch)) throw new Unparsable();
    while (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos])) this.pos++;
    const raw = this.src.slice(start, this.pos);
    return { raw, text: raw, quote: '' };
  }

  private startsNumber(): boolean {
    const rest = this.src.slice(this.pos, this.pos + 3);
    return /^(?:-?\d|-?\.\d)/.test(rest);
  }

  /** A number glued to letters (`1abc`) is one `other` token, so it is never half-read as a number. */
  private number(): Token {
    const start = this.pos;
    const raw = this.sticky(NUMBER);
    if (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos])) {
      while (this.pos < this.src.length && NAME_CHAR.test(this.src[this.pos])) this.pos++;
      return { kind: 'other', raw: this.src.slice(start, this.pos) };
    }
    return { kind: 'number', raw, value: Number(raw) };
  }
}

/**
 * A strict JSON reader for hand-edited config files. JSON.parse is not enough here: its error
 * messages differ between Node versions and often carry no position, and it silently keeps the
 * last of two duplicate keys (a classic copy-paste mistake in a wiring file). This reader
 * reports the line and column of the first syntax error, in words, and lists duplicate keys.
 */

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JsonSyntaxError {
  line: number;
  column: number;
  message: string;
}

export interface JsonReadResult {
  value?: JsonValue;
  error?: JsonSyntaxError;
  /** Paths (`$.a.b`) of keys that appear twice in one object; the last one wins. */
  duplicateKeys: string[];
  /**
   * Where the value at a path (`$.a.b[0]`) starts, or with `key` its key; for a path the
   * document does not have, its nearest ancestor that it has. Undefined for a syntax error.
   */
  locate?: (path: string, key?: boolean) => { line: number; column: number } | undefined;
}

/** `$.a.b[2]` → `$.a.b`; `$` → null. */
export function parentPath(path: string): string | null {
  const m = /(\.[A-Za-z_$][A-Za-z0-9_$]*|\[[0-9]+\]|\["(?:[^"\\]|\\.)*"\])$/.exec(path);
  return m ? path.slice(0, m.index) : null;
}

class SyntaxProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** `$.a.b[2]`, quoting keys that are not plain identifiers. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function describeChar(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the file';
  const c = text[offset];
  if (c === '\n' || c === '\r') return 'the end of the line';
  return JSON.stringify(c);
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const MAX_DEPTH = 64;

class Reader {
  private pos = 0;
  readonly duplicates: string[] = [];
  /** Path → offset of its value; of its key (the last one written, as for the value). */
  readonly values = new Map<string, number>();
  readonly keys = new Map<string, number>();

  constructor(private readonly text: string) {}

  read(): JsonValue {
    this.skipSpace();
    if (this.pos >= this.text.length) throw new SyntaxProblem(this.pos, 'the file is empty');
    const value = this.value([]);
    this.skipSpace();
    if (this.pos < this.text.length) {
      throw new SyntaxProblem(
        this.pos,
        `unexpected ${describeChar(this.text, this.pos)} after the end of the document`,
      );
    }
    return value;
  }

  private fail(expected: string): never {
    throw new SyntaxProblem(
      this.pos,
      `expected ${expected} but found ${describeChar(this.text, this.pos)}`,
    );
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '/' && (this.text[this.pos + 1] === '/' || this.text[this.pos + 1] === '*')) {
        throw new SyntaxProblem(this.pos, 'comments are not allowed in JSON');
      } else return;
    }
  }

  private value(path: (string | number)[]): JsonValue {
    // A config is a few levels deep; the limit keeps hostile input from overflowing the stack.
    if (path.length > MAX_DEPTH)
      throw new SyntaxProblem(this.pos, 'the document is nested too deeply');
    this.values.set(jsonPath(path), this.pos);
    const c = this.text[this.pos];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    if (c === "'") throw new SyntaxProblem(this.pos, 'strings must use double quotes (")');
    return this.fail('a value (object, array, string, number, true, false or null)');
  }

  private object(path: (string | number)[]): JsonValue {
    const out: { [key: string]: JsonValue } = {};
    const seen = new Set<string>();
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        throw new SyntaxProblem(this.pos, 'trailing comma before "}"');
      }
      if (this.text[this.pos] !== '"') {
        if (this.text[this.pos] === "'") {
          throw new SyntaxProblem(this.pos, 'keys must use double quotes (")');
        }
        this.fail('a key in double quotes');
      }
      const keyAt = this.pos;
      const key = this.string();
      if (seen.has(key)) this.duplicates.push(jsonPath([...path, key]));
      this.keys.set(jsonPath([...path, key]), keyAt);
      seen.add(key);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail(`":" after the key "${key}"`);
      this.pos++;
      this.skipSpace();
      // defineProperty: a key named __proto__ must stay a plain key, not replace the prototype.
      Object.defineProperty(out, key, {
        value: this.value([...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') this.pos++;
      else if (c === '}') {
        this.pos++;
        return out;
      } else this.fail('"," or "}"');
    }
  }

  private array(path: (string | number)[]): JsonValue {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ']')
        throw new SyntaxProblem(this.pos, 'trailing comma before "]"');
      out.push(this.value([...path, out.length]));
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') this.pos++;
      else if (c === ']') {
        this.pos++;
        return out;
      } else this.fail('"," or "]"');
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw new SyntaxProblem(start, 'this string is never closed');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxProblem(this.pos, 'bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          this.pos += 2;
        } else throw new SyntaxProblem(this.pos, 'unknown escape sequence in a string');
      } else if (c < ' ') {
        throw new SyntaxProblem(this.pos, 'control character (e.g. a line break) inside a string');
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  private number(): number {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('a number');
    this.pos += m[0].length;
    const c = this.text[this.pos];
    if (c !== undefined && /[0-9A-Za-z.]/.test(c)) this.fail('"," or the end of the number');
    return Number(m[0]);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Read a JSON document; never throws. A leading byte-order mark is ignored. */
export function readJson(text: string): JsonReadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const reader = new Reader(body);
  try {
    const value = reader.read();
    const locate = (path: string, key = false): { line: number; column: number } | undefined => {
      for (let p: string | null = path; p !== null; p = parentPath(p)) {
        const offset = p === path && key ? reader.keys.get(p) : reader.values.get(p);
        if (offset !== undefined) return lineAndColumn(body, offset);
      }
      return undefined;
    };
    return { value, duplicateKeys: reader.duplicates, locate };
  } catch (e) {
    if (!(e instanceof SyntaxProblem)) throw e;
    const where = lineAndColumn(body, e.offset);
    return { error: { ...where, message: e.message }, duplicateKeys: reader.duplicates };
  }
}

/**
 * Where a JSON text first goes wrong, as a line and column. `JSON.parse` does not say reliably:
 * on Node 20 many of its messages carry no position at all, and the ones that quote the text would
 * copy a connection string (with its password) into the error. So when `JSON.parse` has failed,
 * this small scanner walks the grammar (RFC 8259) and reports the first offending character.
 */

export interface JsonErrorLocation {
  offset: number;
  line: number;
  column: number;
  /** `unexpected "}"` or `unexpected end of file`. */
  problem: string;
}

/** Thrown inside the scanner only, to unwind to `run` with the offset of the error. */
class Stop extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at offset ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Scanner {
  private i = 0;
  constructor(private readonly text: string) {}

  /** The offset of the first error, or undefined when the text is valid JSON. */
  run(): number | undefined {
    try {
      this.ws();
      this.value();
      this.ws();
      if (this.i < this.text.length) throw new Stop(this.i);
      return undefined;
    } catch (error) {
      if (error instanceof Stop) return error.offset;
      throw error;
    }
  }

  private ws() {
    while (/[ \t\n\r]/.test(this.text[this.i] ?? '')) this.i++;
  }

  private expect(char: string) {
    if (this.text[this.i] !== char) throw new Stop(this.i);
    this.i++;
  }

  private value(): void {
    const char = this.text[this.i];
    if (char === '{') return this.container('}', () => this.member());
    if (char === '[') return this.container(']', () => this.value());
    if (char === '"') return this.string();
    for (const literal of ['true', 'false', 'null']) {
      if (char === literal[0]) return this.literal(literal);
    }
    NUMBER.lastIndex = this.i;
    if (!NUMBER.test(this.text)) throw new Stop(this.i);
    this.i = NUMBER.lastIndex;
  }

  private container(close: string, item: () => void) {
    this.i++;
    this.ws();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      item();
      this.ws();
      if (this.text[this.i] === close) {
        this.i++;
        return;
      }
      this.expect(',');
    }
  }

  private member() {
    if (this.text[this.i] !== '"') throw new Stop(this.i);
    this.string();
    this.ws();
    this.expect(':');
    this.ws();
    this.value();
  }

  private literal(word: string) {
    for (const char of word) this.expect(char);
  }

  private string() {
    this.i++;
    for (;;) {
      const char = this.text[this.i];
      if (char === undefined || char < ' ') throw new Stop(this.i);
      if (char === '"') {
        this.i++;
        return;
      }
      if (char === '\\') {
        const escape = this.text[this.i + 1] ?? '';
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) {
            throw new Stop(this.i);
          }
          this.i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escape) || escape === '') throw new Stop(this.i + 1);
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }
}

export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const offset = new Scanner(text).run();
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  const char = text[offset];
  const problem =
    char === undefined ? 'unexpected end of file' : `unexpected ${JSON.stringify(char)}`;
  return { offset, line, column, problem };
}

/**
 * Finds where SQL statements end the way psql does, fed one line at a time (a terminal gives lines, a
 * file can be fed line by line too): a semicolon ends a statement except inside quotes ('…', E'…', "…",
 * $tag$…$tag$), comments (--, nested /* *\/), parentheses and SQL-standard routine bodies (BEGIN ATOMIC …
 * END). A backslash outside quotes starts a psql meta-command, which takes the rest of its line.
 * Whitespace and `--` comments before a statement are dropped; inside one they are kept, as psql 15
 * sends them. `:name`, `:'name'` and `:"name"` are replaced by variables when a lookup is given.
 */

export type ScanEvent =
  | { kind: 'statement'; sql: string /** 1-based input line its text starts on */; line: number }
  | {
      kind: 'meta';
      name: string;
      args: string /** the text before it on its line, for \copy's parsing */;
      line: string;
    };

type Mode = 'code' | 'quote' | 'escape-quote' | 'ident' | 'dollar' | 'comment';

/** Meta-commands whose argument is the whole rest of the line, backslashes included. */
const WHOLE_LINE = new Set(['copy', '!']);

const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentChar = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

export function quoteLiteral(value: string): string {
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

export function quoteIdent(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

export class SqlLexer {
  private buf = '';
  private newlines = 0;
  private mode: Mode = 'code';
  private dollarTag = '';
  private commentDepth = 0;
  private parens = 0;
  private words: string[] = [];
  private lastWord = '';
  private atomicDepth = 0;
  /** Lines scanned so far, where the statement began, and where the open quote or comment began. */
  private lineNo = 0;
  private startLine = 0;
  private openedAt = 0;

  constructor(private readonly variable?: (name: string) => string | undefined) {}

  /** The statement text collected so far (psql's query buffer). */
  get pending(): string {
    return this.buf;
  }

  /** What an unfinished statement waits for, as psql's continuation prompt shows it (%R). */
  get promptChar(): string {
    if (this.mode === 'quote' || this.mode === 'escape-quote') return "'";
    if (this.mode === 'ident') return '"';
    if (this.mode === 'dollar') return '$';
    if (this.mode === 'comment') return '*';
    return this.parens > 0 ? '(' : '-';
  }

  /** An open quote or comment (what, and the line it began on), or null. */
  get unterminated(): { what: string; line: number } | null {
    const what: Record<Mode, string | null> = {
      code: null,
      quote: 'quoted string',
      'escape-quote': 'quoted string',
      ident: 'quoted identifier',
      dollar: 'dollar-quoted string',
      comment: 'comment',
    };
    const w = what[this.mode];
    return w ? { what: w, line: this.openedAt } : null;
  }

  /** The line the pending statement began on. */
  get pendingLine(): number {
    return this.startLine;
  }

  reset(): void {
    this.buf = '';
    this.newlines = 0;
    this.mode = 'code';
    this.commentDepth = 0;
    this.parens = 0;
    this.words = [];
    this.lastWord = '';
    this.atomicDepth = 0;
  }

  /** Scan one line of input (without its newline). */
  // Long on purpose: one pass with the lexical states side by side; split up, each piece needs them all.
  line(text: string): ScanEvent[] {
    const events: ScanEvent[] = [];
    // The line break joins this line to the statement only once something of the line goes in (a
    // meta-command such as \g after it leaves the statement as it was, as in psql).
    if (this.buf !== '') this.newlines++;
    this.lineNo++;
    let i = 0;
    const emit = (to: number) => {
      if (to > i) this.flushNewlines();
      if (this.buf === '' && to > i) this.startLine = this.lineNo;
      this.buf += text.slice(i, to);
      i = to;
    };
    while (i < text.length) {
      const c = text[i]!;
      const next = text[i + 1];
      if (this.mode === 'comment') {
        const end = this.scanComment(text, i);
        emit(end);
        continue;
      }
      if (this.mode === 'quote' || this.mode === 'escape-quote' || this.mode === 'ident') {
        emit(this.scanQuote(text, i));
        continue;
      }
      if (this.mode === 'dollar') {
        const close = text.indexOf(this.dollarTag, i);
        if (close < 0) emit(text.length);
        else {
          emit(close + this.dollarTag.length);
          this.mode = 'code';
        }
        continue;
      }
      if (/\s/.test(c)) {
        if (this.buf === '') i++;
        else emit(i + 1);
      } else if (c === '-' && next === '-') {
        if (this.buf === '') i = text.length;
        else emit(text.length);
      } else if (c === '/' && next === '*') {
        this.mode = 'comment';
        this.openedAt = this.lineNo;
        this.commentDepth = 1;
        emit(i + 2);
      } else if (c === "'") {
        this.mode = /^[Ee]$/.test(this.lastWord) && text[i - 1] === this.lastWord ? 'escape-quote' : 'quote';
        this.openedAt = this.lineNo;
        this.lastWord = '';
        emit(i + 1);
      } else if (c === '"') {
        this.mode = 'ident';
        this.openedAt = this.lineNo;
        this.lastWord = '';
        emit(i + 1);
      } else if (c === '$' && !(i > 0 && isIdentChar(text[i - 1]!) && this.buf !== '')) {
        const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 80));
        if (tag) {
          this.mode = 'dollar';
          this.openedAt = this.lineNo;
          this.dollarTag = tag[0];
          emit(i + tag[0].length);
        } else emit(i + 1);
        this.lastWord = '';
      } else if (c === ':' && next === ':') {
        emit(i + 2);
      } else if (c === ':' && this.variable && this.interpolate(text, i) > i) {
        i = this.interpolate(text, i, true);
      } else if (c === '(' || c === ')') {
        this.parens = Math.max(0, this.parens + (c === '(' ? 1 : -1));
        this.lastWord = '';
        emit(i + 1);
      } else if (c === ';') {
        if (this.parens > 0 || this.atomicDepth > 0) emit(i + 1);
        else if (this.buf === '') i++;
        else {
          emit(i + 1);
          events.push({ kind: 'statement', sql: this.buf, line: this.startLine });
          this.reset();
        }
      } else if (c === '\\') {
        const name = /^\\([A-Za-z][A-Za-z0-9_+]*|[?!.;])?/.exec(text.slice(i))![1] ?? '';
        const from = i + 1 + name.length;
        const end = WHOLE_LINE.has(name) ? text.length : argsEnd(text, from);
        events.push({ kind: 'meta', name, args: text.slice(from, end), line: text });
        this.newlines = 0;
        i = end;
        if (text.startsWith('\\\\', i)) i += 2; // `\\` separates a meta-command from SQL after it
      } else if (isIdentStart(c)) {
        let k = i + 1;
        while (k < text.length && isIdentChar(text[k]!)) k++;
        this.word(text.slice(i, k));
        emit(k);
      } else {
        this.lastWord = '';
        emit(i + 1);
      }
    }
    return events;
  }

  private flushNewlines(): void {
    if (this.newlines > 0) this.buf += '\n'.repeat(this.newlines);
    this.newlines = 0;
  }

  private scanComment(text: string, from: number): number {
    let k = from;
    while (k < text.length) {
      if (text[k] === '/' && text[k + 1] === '*') {
        this.commentDepth++;
        k += 2;
      } else if (text[k] === '*' && text[k + 1] === '/') {
        k += 2;
        if (--this.commentDepth === 0) {
          this.mode = 'code';
          return k;
        }
      } else k++;
    }
    return k;
  }

  /** Up to and including the closing quote, or the end of the line. */
  private scanQuote(text: string, from: number): number {
    const q = this.mode === 'ident' ? '"' : "'";
    let k = from;
    while (k < text.length) {
      if (this.mode === 'escape-quote' && text[k] === '\\') k += 2;
      else if (text[k] === q) {
        if (text[k + 1] === q) k += 2;
        else {
          this.mode = 'code';
          return k + 1;
        }
      } else k++;
    }
    return Math.min(k, text.length);
  }

  /** Replace `:name`, `:'name'` or `:"name"` at `i`; returns where scanning goes on (`i` when none applies). */
  private interpolate(text: string, i: number, apply = false): number {
    const m = /^:(?:([A-Za-z0-9_]+)|'([A-Za-z0-9_]+)'|"([A-Za-z0-9_]+)")/.exec(text.slice(i));
    const name = m && (m[1] ?? m[2] ?? m[3])!;
    const value = name === null || name === undefined ? undefined : this.variable!(name);
    if (!m || value === undefined) return i;
    if (apply) {
      this.flushNewlines();
      if (this.buf === '') this.startLine = this.lineNo;
      this.buf += m[1] ? value : m[2] ? quoteLiteral(value) : quoteIdent(value);
      this.lastWord = '';
    }
    return i + m[0].length;
  }

  /** Track CREATE FUNCTION/PROCEDURE … BEGIN ATOMIC … END, whose body holds semicolons. */
  private word(word: string): void {
    const upper = word.toUpperCase();
    if (this.words.length < 4) this.words.push(upper);
    const w = this.words;
    const kind = w[1] === 'OR' && w[2] === 'REPLACE' ? w[3] : w[1];
    if (w[0] === 'CREATE' && (kind === 'FUNCTION' || kind === 'PROCEDURE')) {
      if (upper === 'ATOMIC' && this.lastWord.toUpperCase() === 'BEGIN') this.atomicDepth++;
      else if (this.atomicDepth > 0 && upper === 'CASE') this.atomicDepth++;
      else if (this.atomicDepth > 0 && upper === 'END') this.atomicDepth--;
    }
    this.lastWord = word;
  }
}

/** Where a meta-command's arguments end: the end of the line or an unquoted backslash. */
function argsEnd(text: string, from: number): number {
  let k = from;
  while (k < text.length) {
    const c = text[k]!;
    if (c === "'") {
      k++;
      while (k < text.length && text[k] !== "'") k += text[k] === '\\' ? 2 : 1;
      k++;
    } else if (c === '"' || c === '`') {
      const close = text.indexOf(c, k + 1);
      k = close < 0 ? text.length : close + 1;
    } else if (c === '\\') return k;
    else k++;
  }
  return k;
}

/**
 * Splits a .sql file into statements the way psql does, without psql (the embedded PostgreSQL has
 * none): semicolons end statements except inside quotes ('…', E'…', "…", $tag$…$tag$), comments
 * (--, nested /* *\/) and SQL-standard routine bodies (BEGIN ATOMIC … END). `COPY … FROM stdin`
 * takes the data lines after it up to `\.`, as in pg_dump's plain output.
 */
export interface Statement {
  /** The statement as sent: from its first token up to (not including) the semicolon. */
  sql: string;
  /** 1-based line of the statement's first token. */
  line: number;
  /** The rows of a `COPY … FROM stdin`, each ending in a newline. */
  copyData?: string;
  /** 1-based line of the first COPY row. */
  copyLine?: number;
}

/** A problem in the file itself, before anything reaches the server. */
export class ScriptError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * psql meta-commands that pg_dump writes (since 17.6 / 16.10 / 15.14) to stop psql from running
 * other meta-commands: we run none at all, so they can be skipped.
 */
const SKIPPED_META = new Set(['restrict', 'unrestrict']);

const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentChar = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

// Long on purpose: one pass over the text with its lexical states side by side (quotes, dollar quotes,
// comments, psql meta-commands); split up, each piece would need the whole state.
export function splitSql(text: string): Statement[] {
  const out: Statement[] = [];
  let i = 0;
  let line = 1;
  let start = -1; // index where the current statement began
  let startLine = 0;
  let words: string[] = []; // the statement's first keywords (routine detection)
  let atomicDepth = 0; // inside BEGIN ATOMIC … END
  let lastWord = '';

  const advance = (to: number) => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  const begin = () => {
    if (start < 0) {
      start = i;
      startLine = line;
      words = [];
      atomicDepth = 0;
      lastWord = '';
    }
  };
  const unterminated = (what: string, from: number) => {
    throw new ScriptError(from, `unterminated ${what} starting at line ${from}`);
  };
  const restOfLine = () => {
    const nl = text.indexOf('\n', i);
    return nl < 0 ? text.length : nl;
  };
  const finish = (end: number) => {
    const sql = text.slice(start, end).trimEnd();
    const stmt: Statement = { sql, line: startLine };
    start = -1;
    out.push(stmt);
    return stmt;
  };

  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      advance(i + 1);
    } else if (c === '-' && next === '-') {
      advance(restOfLine());
    } else if (c === '/' && next === '*') {
      const from = line;
      let depth = 0;
      let k = i;
      while (k < text.length) {
        if (text[k] === '/' && text[k + 1] === '*') {
          depth++;
          k += 2;
        } else if (text[k] === '*' && text[k + 1] === '/') {
          depth--;
          k += 2;
          if (depth === 0) break;
        } else k++;
      }
      if (depth > 0) unterminated('comment', from);
      advance(k);
    } else if (c === "'") {
      begin();
      // E'…' (escape string): a backslash escapes the next character; elsewhere only '' does.
      const escapes = /^[Ee]$/.test(lastWord) && text[i - 1] === lastWord;
      const from = line;
      let k = i + 1;
      for (;;) {
        if (k >= text.length) unterminated('quoted string', from);
        if (escapes && text[k] === '\\') k += 2;
        else if (text[k] === "'") {
          if (text[k + 1] === "'") k += 2;
          else break;
        } else k++;
      }
      advance(k + 1);
      lastWord = '';
    } else if (c === '"') {
      begin();
      const from = line;
      let k = i + 1;
      for (;;) {
        if (k >= text.length) unterminated('quoted identifier', from);
        if (text[k] === '"') {
          if (text[k + 1] === '"') k += 2;
          else break;
        } else k++;
      }
      advance(k + 1);
      lastWord = '';
    } else if (c === '$' && !(i > 0 && isIdentChar(text[i - 1]!) && start >= 0 && i > start)) {
      begin();
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 80));
      if (!tag) {
        advance(i + 1); // $1 and friends
        continue;
      }
      const from = line;
      const close = text.indexOf(tag[0], i + tag[0].length);
      if (close < 0) unterminated('dollar-quoted string', from);
      advance(close + tag[0].length);
      lastWord = '';
    } else if (c === ';') {
      if (start < 0) {
        advance(i + 1); // an empty statement
      } else if (atomicDepth > 0) {
        advance(i + 1);
      } else {
        const stmt = finish(i);
        advance(i + 1);
        if (/^copy\b/i.test(stmt.sql) && /\bfrom\s+stdin\b/i.test(stmt.sql)) readCopyData(stmt);
      }
    } else if (c === '\\') {
      const name = /^\\([A-Za-z!?.]*)/.exec(text.slice(i, i + 40))![1] ?? '';
      if (start < 0 && SKIPPED_META.has(name)) {
        advance(restOfLine());
        continue;
      }
      throw new ScriptError(
        line,
        `psql meta-command \\${name || c} is not supported: setup SQL files are plain SQL (run psql from a ` +
          `{"command": ...} step for meta-commands)`,
      );
    } else if (isIdentStart(c)) {
      begin();
      let k = i + 1;
      while (k < text.length && isIdentChar(text[k]!)) k++;
      const word = text.slice(i, k);
      const upper = word.toUpperCase();
      if (words.length < 4) words.push(upper);
      if (isRoutine(words)) {
        if (upper === 'ATOMIC' && lastWord.toUpperCase() === 'BEGIN') atomicDepth++;
        else if (atomicDepth > 0 && upper === 'CASE') atomicDepth++;
        else if (atomicDepth > 0 && upper === 'END') atomicDepth--;
      }
      lastWord = word;
      advance(k);
    } else {
      begin();
      lastWord = '';
      advance(i + 1);
    }
  }
  if (start >= 0) {
    const stmt = finish(text.length);
    if (/^copy\b/i.test(stmt.sql) && /\bfrom\s+stdin\b/i.test(stmt.sql)) readCopyData(stmt);
  }
  return out;

  /** The data lines after `COPY … FROM stdin;` (the rest of its own line is ignored, as psql does). */
  function readCopyData(stmt: Statement) {
    advance(Math.min(restOfLine() + 1, text.length));
    stmt.copyLine = line;
    const rows: string[] = [];
    while (i < text.length) {
      const end = restOfLine();
      const row = text.slice(i, end).replace(/\r$/, '');
      advance(Math.min(end + 1, text.length));
      if (row === '\\.') break;
      rows.push(`${row}\n`);
    }
    stmt.copyData = rows.join('');
  }
}

function isRoutine(words: string[]): boolean {
  if (words[0] !== 'CREATE') return false;
  const kind = words[1] === 'OR' && words[2] === 'REPLACE' ? words[3] : words[1];
  return kind === 'FUNCTION' || kind === 'PROCEDURE';
}

/** The file line a server error's `position` (1-based, in characters of the statement) points at. */
export function lineOfPosition(stmt: Statement, position: number | undefined): number {
  if (!position || position < 1) return stmt.line;
  const before = Array.from(stmt.sql)
    .slice(0, position - 1)
    .join('');
  return stmt.line + (before.match(/\n/g)?.length ?? 0);
}

/**
 * Splits a .sql file into statements the way psql does, without psql (the embedded PostgreSQL has
 * none), with the lexer of the built-in shell: semicolons end statements except inside quotes,
 * comments, parentheses and BEGIN ATOMIC … END bodies. `COPY … FROM stdin` takes the data lines
 * after it up to `\.`, as in pg_dump's plain output.
 */
import { SqlLexer } from './sql-lexer.js';

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

/** The statement as a setup step runs it: no semicolon, no comments before its first token. */
function statementAt(sql: string, line: number): Statement {
  let text = sql.replace(/;$/, '').trimEnd();
  let at = line;
  for (;;) {
    const lead = /^\s*/.exec(text)![0];
    if (!text.startsWith('/*', lead.length)) break;
    let depth = 0;
    let k = lead.length;
    while (k < text.length) {
      if (text.startsWith('/*', k)) {
        depth++;
        k += 2;
      } else if (text.startsWith('*/', k)) {
        k += 2;
        if (--depth === 0) break;
      } else k++;
    }
    at += (text.slice(0, k).match(/\n/g) ?? []).length;
    text = text.slice(k);
  }
  const lead = /^\s*/.exec(text)![0];
  return { sql: text.slice(lead.length), line: at + (lead.match(/\n/g) ?? []).length };
}

const isCopyFromStdin = (sql: string) => /^copy\b/i.test(sql) && /\bfrom\s+stdin\b/i.test(sql);

/** Splits a whole file with the lexer psql's own shell uses (sql-lexer.ts), refusing meta-commands. */
export function splitSql(text: string): Statement[] {
  const lexer = new SqlLexer();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: Statement[] = [];
  for (let n = 0; n < lines.length; n++) {
    for (const ev of lexer.line(lines[n]!)) {
      if (ev.kind === 'meta') {
        if (lexer.pending === '' && SKIPPED_META.has(ev.name)) continue;
        throw new ScriptError(
          n + 1,
          `psql meta-command \\${ev.name} is not supported: setup SQL files are plain SQL (run psql from a ` +
            '{"command": ...} step for meta-commands)',
        );
      }
      const stmt = statementAt(ev.sql, ev.line);
      out.push(stmt);
      if (isCopyFromStdin(stmt.sql)) {
        // The rows follow on the next lines up to \. (the rest of the COPY's own line is ignored, as psql does).
        const rows: string[] = [];
        stmt.copyLine = n + 2;
        while (++n < lines.length && lines[n]!.replace(/\r$/, '') !== '\\.')
          rows.push(`${lines[n]!.replace(/\r$/, '')}\n`);
        stmt.copyData = rows.join('');
        break;
      }
    }
  }
  const open = lexer.unterminated;
  if (open) throw new ScriptError(open.line, `unterminated ${open.what} starting at line ${open.line}`);
  if (lexer.pending.trim() !== '') {
    const stmt = statementAt(lexer.pending, lexer.pendingLine);
    if (stmt.sql !== '') out.push(stmt);
  }
  return out;
}

/** A statement's leading words, lower-case, past comments: enough to tell what kind of statement it is. */
function leadingWords(sql: string, count: number): string[] {
  let text = sql;
  for (;;) {
    const t = text.trimStart();
    if (t.startsWith('--')) text = t.slice(t.indexOf('\n') === -1 ? t.length : t.indexOf('\n'));
    else if (t.startsWith('/*')) text = t.slice(t.indexOf('*/') === -1 ? t.length : t.indexOf('*/') + 2);
    else {
      text = t;
      break;
    }
  }
  return (text.match(/[A-Za-z_]+/g) ?? []).slice(0, count).map((w) => w.toLowerCase());
}

/**
 * The first statement of the file that ends, begins or aborts a transaction itself (`BEGIN`, `COMMIT`,
 * `END`, `ROLLBACK`, `START TRANSACTION`, `PREPARE TRANSACTION`, …), or null. Such a file cannot run
 * inside one transaction of ours: its COMMIT would end ours midway.
 */
export function transactionControl(statements: Statement[]): Statement | null {
  return (
    statements.find((s) => {
      const [first, second] = leadingWords(s.sql, 2);
      if (['begin', 'commit', 'end', 'rollback', 'abort'].includes(first ?? '')) return true;
      return (first === 'start' || first === 'prepare') && second === 'transaction';
    }) ?? null
  );
}

/** The file line a server error's `position` (1-based, in characters of the statement) points at. */
export function lineOfPosition(stmt: Statement, position: number | undefined): number {
  if (!position || position < 1) return stmt.line;
  const before = Array.from(stmt.sql)
    .slice(0, position - 1)
    .join('');
  return stmt.line + (before.match(/\n/g)?.length ?? 0);
}

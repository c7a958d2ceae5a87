// The line-by-line lexer the built-in shell (and setup's splitSql) uses: where statements end, what the
// continuation prompt shows, meta-commands, variables.
import { expect, test } from 'vitest';
import { type ScanEvent, SqlLexer } from '../../src/postgres/sql-lexer.js';

function feed(lexer: SqlLexer, ...lines: string[]): ScanEvent[] {
  return lines.flatMap((l) => lexer.line(l));
}

test('a statement spans lines until its semicolon; the prompt shows what it waits for', () => {
  const lexer = new SqlLexer();
  expect(feed(lexer, 'select (1,')).toEqual([]);
  expect(lexer.promptChar).toBe('(');
  expect(feed(lexer, "2); select 'a")).toEqual([{ kind: 'statement', sql: 'select (1,\n2);', line: 1 }]);
  expect(lexer.promptChar).toBe("'");
  expect(feed(lexer, "b' || $x$")).toEqual([]);
  expect(lexer.promptChar).toBe('$');
  expect(feed(lexer, 'in;side$x$ /* open')).toEqual([]);
  expect(lexer.promptChar).toBe('*');
  expect(feed(lexer, 'comment */ as "c', 'd";')).toEqual([
    { kind: 'statement', sql: `select 'a\nb' || $x$\nin;side$x$ /* open\ncomment */ as "c\nd";`, line: 2 },
  ]);
  expect(lexer.pending).toBe('');
  expect(lexer.promptChar).toBe('-');
});

test('leading whitespace and -- comments are dropped; inside a statement they are kept', () => {
  const lexer = new SqlLexer();
  expect(feed(lexer, '  -- note', '', 'select 1 -- one', '  ;')).toEqual([
    { kind: 'statement', sql: 'select 1 -- one\n  ;', line: 3 },
  ]);
});

test('meta-commands end at an unquoted backslash (\\copy takes its whole line); the statement stays', () => {
  const lexer = new SqlLexer();
  expect(feed(lexer, 'select 1')).toEqual([]);
  const [meta] = feed(lexer, "\\echo 'a\\' b' \\p");
  expect(meta).toEqual({ kind: 'meta', name: 'echo', args: " 'a\\' b' ", line: "\\echo 'a\\' b' \\p" });
  expect(lexer.pending).toBe('select 1');
  const copy = new SqlLexer().line("\\copy t from 'a\\b.csv'");
  expect(copy).toEqual([{ kind: 'meta', name: 'copy', args: " t from 'a\\b.csv'", line: "\\copy t from 'a\\b.csv'" }]);
});

test('variables are put in outside quotes: :name, :\'name\' as a literal, :"name" as an identifier; :: stays', () => {
  const vars: Record<string, string> = { id: '42', who: "O'Brien", tbl: 'My Table' };
  const lexer = new SqlLexer((n) => vars[n]);
  expect(feed(lexer, `select :id::int, :'who', ':id' from :"tbl" where x = :nope;`)).toEqual([
    { kind: 'statement', sql: `select 42::int, 'O''Brien', ':id' from "My Table" where x = :nope;`, line: 1 },
  ]);
});

test('BEGIN ATOMIC bodies keep their semicolons', () => {
  const lexer = new SqlLexer();
  const events = feed(
    lexer,
    'create function f() returns int language sql',
    'begin atomic select case when true then 1 end; select 2;',
    'end;',
  );
  expect(events).toHaveLength(1);
  expect((events[0] as { sql: string }).sql.endsWith('end;')).toBe(true);
});

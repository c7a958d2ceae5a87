import { expect, test } from 'vitest';
import { lineOfPosition, ScriptError, splitSql, transactionControl } from '../../src/postgres/sql-script.js';

const sqls = (text: string) => splitSql(text).map((s) => s.sql);

test('semicolons inside quotes, identifiers, dollar quotes and comments do not end a statement', () => {
  const text = [
    "SELECT 'a;b', 'it''s;';",
    'SELECT "odd;name" FROM t;',
    "SELECT E'esc\\';still', e'\\\\';",
    'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;',
    'SELECT $$x;y$$, $1;',
    '-- a comment; with a semicolon',
    '/* block; /* nested; */ still comment; */ SELECT 2;',
    'SELECT 3',
  ].join('\n');
  expect(sqls(text)).toEqual([
    "SELECT 'a;b', 'it''s;'",
    'SELECT "odd;name" FROM t',
    "SELECT E'esc\\';still', e'\\\\'",
    'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql',
    'SELECT $$x;y$$, $1',
    'SELECT 2',
    'SELECT 3',
  ]);
});

test('a plain string ends at a quote after a backslash (standard strings have no backslash escapes)', () => {
  expect(sqls("SELECT 'C:\\'; SELECT 1;")).toEqual(["SELECT 'C:\\'", 'SELECT 1']);
});

test('SQL-standard routine bodies (BEGIN ATOMIC … END) keep their semicolons', () => {
  const text = `CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
  SELECT a;
END;
SELECT 1;`;
  const out = splitSql(text);
  expect(out).toHaveLength(2);
  expect(out[0]!.sql.endsWith('END')).toBe(true);
  expect(out[1]).toMatchObject({ sql: 'SELECT 1', line: 6 });
});

test('statement lines, and a server position pins the line inside a statement', () => {
  const text = '\n-- header\n\nSELECT 1;\nINSERT INTO t\n  VALUES (1),\n  (oops);\n';
  const [a, b] = splitSql(text);
  expect(a!.line).toBe(4);
  expect(b!.line).toBe(5);
  expect(lineOfPosition(b!, b!.sql.indexOf('oops') + 1)).toBe(7);
  expect(lineOfPosition(b!, undefined)).toBe(5);
});

test('COPY … FROM stdin takes the rows up to \\. (pg_dump plain format), and \\restrict lines are skipped', () => {
  const text = [
    '\\restrict abc123',
    "SET client_encoding = 'UTF8';",
    'COPY public.t (id, name) FROM stdin;',
    '1\tone; not a statement',
    "2\tit's",
    '\\.',
    'SELECT 1;',
    '\\unrestrict abc123',
  ].join('\n');
  const out = splitSql(text);
  expect(out.map((s) => s.sql)).toEqual([
    "SET client_encoding = 'UTF8'",
    'COPY public.t (id, name) FROM stdin',
    'SELECT 1',
  ]);
  expect(out[1]!.copyData).toBe("1\tone; not a statement\n2\tit's\n");
  expect(out[1]!.copyLine).toBe(4);
});

test('psql meta-commands and unterminated quotes are errors with their line', () => {
  const meta = () => splitSql('SELECT 1;\n\\connect other\nSELECT 2;');
  expect(meta).toThrow(ScriptError);
  expect(meta).toThrow(/meta-command \\connect is not supported/);
  try {
    meta();
  } catch (err) {
    expect((err as ScriptError).line).toBe(2);
  }
  expect(() => splitSql("SELECT 1;\nSELECT 'open\n")).toThrow(/unterminated quoted string starting at line 2/);
  expect(() => splitSql('SELECT $x$ open')).toThrow(/unterminated dollar-quoted string/);
  expect(() => splitSql('/* /* */ SELECT 1')).toThrow(/unterminated comment/);
});

test('statements that manage a transaction are found past comments; BEGIN inside a body is not one', () => {
  const own = (text: string) => transactionControl(splitSql(text))?.line ?? null;
  expect(own('CREATE TABLE t (a int);\n-- note\n/* x */ -- y\n  commit;\n')).toBe(3);
  expect(own('SELECT 1;\nstart  transaction isolation level serializable;\n')).toBe(2);
  expect(own('SELECT 1;\nEND;\n')).toBe(2);
  expect(own("PREPARE TRANSACTION 'x';\n")).toBe(1);
  expect(
    own('DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n'),
  ).toBe(null);
  expect(own('PREPARE q AS SELECT 1;\nSELECT begin FROM t;\n')).toBe(null);
});

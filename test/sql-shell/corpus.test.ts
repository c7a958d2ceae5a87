// The built-in SQL shell against the real psql 15: the same arguments (and input) through `devenv psql`
// (system psql) and `devenv psql --builtin`, on one server for the whole file; stdout, stderr and the
// exit code must be equal byte for byte.
//
// Intended differences (also in the README, "No psql installed"), none of which this corpus exercises:
// - the interactive banner names the built-in shell and the server version;
// - `\?`, `help` and `\h` print the shell's own short texts (no SQL syntax help);
// - describe commands show what psql 15 shows for tables, views, indexes, sequences, partitions, inheritance,
//   triggers and policies; the rarer footers (statistics objects, rules, publications, tablespaces) and
//   `\dx+`'s object lists are left out;
// - border styles other than 1, the wrapped/html/latex formats, `\o`, `\e`, a pager and connection strings
//   as the database argument are not available (refused with one line);
// - history is kept per line in devenv's state dir (psql: per statement in ~/.psql_history).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupProject, devenv, postgresProcessesUnder, tempDir } from '../helpers/project.js';

interface Case {
  name: string;
  args: string[];
  input?: string;
  /** Files written (same content) into each side's working directory first. */
  files?: Record<string, string>;
  /** A file each side writes: compared too. */
  writes?: string;
}

const LONG =
  "select 'this is a long line with lots of text that goes on and on', 'and more text after it', nosuchcolumn;";

const CASES: Case[] = [
  { name: 'integers, numeric, text, NULL', args: ['-c', "select 1 as a, 2.50::numeric as n, null as z, 'x' as t"] },
  { name: 'no columns', args: ['-c', 'select'] },
  { name: 'empty result', args: ['-c', 'select * from customers where false'] },
  { name: 'table with newlines and wide characters', args: ['-c', 'select * from customers order by id'] },
  {
    name: 'types: bool, json, arrays, timestamps, money, oid, float',
    args: [
      '-c',
      "select true as b, '{\"a\": [1, 2]}'::json as j, array[1,2,3] as arr, array['x y', null] as txt, " +
        "'2024-05-06 07:08:09.123+02'::timestamptz at time zone 'UTC' as ts, '2024-05-06'::date as d, " +
        "12.5::money as m, 26::oid as o, 1.5::float8 as f, 3::int2 as s, '1 day'::interval as i",
    ],
  },
  { name: 'jsonb and interval from a table', args: ['-c', 'table app.settings'] },
  {
    name: 'control characters, tabs, carriage returns, combining and emoji',
    args: ['-c', "select E'a\\tb' as tab, E'x\\ry' as cr, E'\\x01' as ctl, E'e\\u0301' as comb, '😀 ｱ Ａ' as mixed"],
  },
  { name: 'multi-line column names', args: ['-c', 'select 1 as "one\ntwo", 2 as "x"'] },
  { name: 'several statements in one -c', args: ['-c', 'select 1 as a; select 2 as b; select 3 as c'] },
  { name: 'repeated -c in order', args: ['-c', 'select 1 as first', '-c', 'select 2 as second'] },
  { name: 'error after a result in one -c', args: ['-c', 'select 1 as a; select 1/0; select 3'] },
  {
    name: 'command tags',
    args: [
      '-c',
      'create temp table t (a int)',
      '-c',
      'insert into t values (1), (2)',
      '-c',
      'update t set a = a + 1',
      '-c',
      'delete from t where a = 2',
      '-c',
      'drop table t',
    ],
  },
  {
    name: 'INSERT … RETURNING prints rows and the tag',
    args: ['-c', 'create temp table t (a int); insert into t values (7) returning a, a * 2 as b'],
  },
  { name: 'syntax error with caret', args: ['-c', 'select * fromm customers'] },
  { name: 'unknown column on line 2', args: ['-c', 'select id,\n  nosuch from customers'] },
  { name: 'error at end of input', args: ['-c', 'select 1 +'] },
  { name: 'long line cut around the caret', args: ['-c', LONG] },
  { name: 'caret after tabs and wide characters', args: ['-c', "select\t'日本語', 'x',\tnosuch"] },
  {
    name: 'comments are sent along and counted in LINE',
    args: ['-f', 'c.sql'],
    files: { 'c.sql': '-- lead\nselect 1 -- one\n  + nosuch;\n' },
  },
  {
    name: 'EXPLAIN, SHOW, SET, VACUUM',
    args: [
      '-c',
      'explain select 1',
      '-c',
      'explain (costs off) select * from generate_series(1, 3) g where g > 1',
      '-c',
      'show datestyle',
      '-c',
      'set work_mem = 4096',
      '-c',
      'create temp table v (a int); vacuum v',
    ],
  },
  { name: 'numeric, identity and generated columns', args: ['-c', 'select * from orders order by id'] },
  {
    name: '-1 rolls back a script stopped by ON_ERROR_STOP',
    args: ['-1', '-v', 'ON_ERROR_STOP=1', '-f', 'one.sql', '-c', "select count(*) from customers where name = 'temp'"],
    files: { 'one.sql': "insert into customers (name) values ('temp');\nselect 1/0;\n" },
  },
  {
    name: 'inline \\g, \\echo of an unset variable, -v without a value',
    args: ['-v', 'empty', '-f', 'g.sql'],
    files: { 'g.sql': 'select 1 as one \\g\n\\echo :nope [:empty]\n' },
  },
  { name: '\\l and \\du with patterns', args: ['-c', '\\l postgres', '-c', '\\du writer'] },
  { name: 'long line cut on the right', args: ['-c', `select nosuch, ${LONG.slice(7)}`] },
  {
    name: 'a failed transaction, \\g, \\p, \\r and \\c in a script',
    args: ['-f', 'tx.sql'],
    files: {
      'tx.sql':
        'begin;\nselect 1/0;\nselect 1;\nrollback;\nselect 2 as two\n\\g\n\\p\nselect 3\n\\r\n\\p\n' +
        '\\c postgres\nselect current_database();\n\\c - writer\nselect current_user;\n' +
        '\\c nosuchdb\nselect 4 as still;\n',
    },
  },
  { name: 'error with DETAIL and HINT', args: ['-c', "insert into customers (id, name) values (1, 'dup')"] },
  {
    name: 'NOTICE, WARNING and an error from a DO block',
    args: [
      '-c',
      "do $$begin raise notice 'hello %', 42; raise warning 'careful';\n" +
        "raise exception 'boom' using detail = 'd', hint = 'h'; end$$",
    ],
  },
  { name: 'error inside PL/pgSQL shows QUERY and CONTEXT', args: ['-c', 'do $$begin perform nosuch; end$$'] },
  { name: '\\x expanded', args: ['-c', '\\x', '-c', 'select * from customers order by id'] },
  { name: '-x with an empty result', args: ['-x', '-c', 'select 1 as a where false'] },
  { name: '-A -F', args: ['-A', '-F', ';', '-c', 'select id, name, note from customers order by id'] },
  { name: '-t', args: ['-t', '-c', 'select id, name from customers order by id'] },
  { name: '-A -t', args: ['-At', '-c', 'select id, email from customers order by id'] },
  { name: '-A -x', args: ['-Ax', '-c', 'select id, name from customers order by id'] },
  { name: '-t -x', args: ['-tx', '-c', 'select id, name from customers order by id'] },
  {
    name: '--csv',
    args: ['--csv', '-c', "select id, name, note, '' as empty, 'a,b' as comma from customers order by id"],
  },
  { name: '-q hides tags', args: ['-q', '-c', 'create temp table t (a int)', '-c', 'select 1'] },
  { name: '-R and -P null', args: ['-A', '-R', '#', '-P', 'null=(null)', '-c', 'select 1 as a, null as b'] },
  {
    name: '\\pset format and footer',
    args: ['-c', '\\pset footer off', '-c', '\\pset format unaligned', '-c', 'select 1 as a'],
  },
  { name: '\\d of a table with indexes and constraints', args: ['-c', '\\d customers'] },
  { name: '\\d of a table with identity, generated and FK', args: ['-c', '\\d orders'] },
  { name: '\\d+ of a table', args: ['-c', '\\d+ customers'] },
  { name: '\\d of a view, \\d+ with its definition', args: ['-c', '\\d big_orders', '-c', '\\d+ big_orders'] },
  { name: '\\d of a materialized view', args: ['-c', '\\d order_totals'] },
  {
    name: '\\d of an index and a sequence',
    args: ['-c', '\\d customers_pkey', '-c', '\\d invoice_seq', '-c', '\\d orders_status_total'],
  },
  { name: '\\d of an owned sequence', args: ['-c', '\\d customers_id_seq'] },
  { name: '\\d of a schema-qualified table with a policy', args: ['-c', '\\d app.settings'] },
  { name: '\\d of partitioned tables', args: ['-c', '\\d events', '-c', '\\d+ events', '-c', '\\d events_2024'] },
  { name: '\\d of inheritance', args: ['-c', '\\d base', '-c', '\\d child'] },
  { name: '\\d with a pattern', args: ['-c', '\\d cust*'] },
  { name: '\\d of nothing', args: ['-c', '\\d nosuch'] },
  { name: '\\d lists relations', args: ['-c', '\\d'] },
  { name: '\\dt \\di \\dv \\ds', args: ['-c', '\\dt', '-c', '\\di', '-c', '\\dv', '-c', '\\ds'] },
  { name: '\\dt+ and \\dt with a schema pattern', args: ['-c', '\\dt app.*', '-c', '\\dt nosuch'] },
  { name: '\\dt+ \\di+ \\df+', args: ['-c', '\\dt+', '-c', '\\di+ customers*', '-c', '\\df+ add'] },
  { name: '\\l and -l', args: ['-c', '\\l', '-l'] },
  { name: '\\du', args: ['-c', '\\du'] },
  { name: '\\dn and \\dn+', args: ['-c', '\\dn', '-c', '\\dn+'] },
  { name: '\\df', args: ['-c', '\\df', '-c', '\\df ad*'] },
  { name: '\\dx', args: ['-c', '\\dx'] },
  { name: '\\conninfo', args: ['-c', '\\conninfo'] },
  { name: '\\echo and variables', args: ['-v', 'who=world', '-c', '\\echo hello :who'] },
  {
    name: 'a script: variables, \\set, NOTICE and errors with file prefix, unfinished last statement',
    args: ['-v', 'lim=2', '-f', 'script.sql'],
    files: {
      'script.sql':
        "\\set greeting 'hi there'\nselect :'greeting' as g, :lim as lim;\n" +
        'select id\n  from customers\n  order by id limit :lim;\n' +
        "do $$begin raise notice 'from a script'; end$$;\nselect nosuch;\n" +
        '\\echo still running\n\\x\nselect 1 as a, 2 as b\n',
    },
  },
  {
    name: 'ON_ERROR_STOP stops a script with exit code 3',
    args: ['-v', 'ON_ERROR_STOP=1', '-f', 'stop.sql'],
    files: { 'stop.sql': 'select 1 as before;\nselect 1/0;\nselect 2 as after;\n' },
  },
  {
    name: 'ON_ERROR_STOP with -c exits 1',
    args: ['-v', 'ON_ERROR_STOP=1', '-c', 'select 1/0', '-c', 'select 2'],
  },
  {
    name: 'a script with errors and no ON_ERROR_STOP exits 0',
    args: ['-f', 'stop.sql'],
    files: { 'stop.sql': 'select 1/0;\nselect 2 as after;\n' },
  },
  { name: 'a missing script', args: ['-f', 'nosuch.sql'] },
  { name: 'a database that does not exist exits 2', args: ['-d', 'nosuchdb', '-c', 'select 1'] },
  { name: 'a database as the first argument', args: ['postgres', '-c', 'select current_database()'] },
  { name: 'a user with -U', args: ['-U', 'writer', '-c', 'select current_user'] },
  {
    name: 'COPY FROM STDIN inside a script (-f)',
    args: ['-f', 'copy.sql'],
    files: {
      'copy.sql':
        'create temp table t (a int, b text);\ncopy t from stdin;\n1\tone\n2\t\\N\n\\.\nselect * from t order by a;\n' +
        'copy t to stdout;\ncopy t from stdin with (format csv);\n3,"x,y"\n\\.\nselect count(*) from t;\n',
    },
  },
  {
    name: 'COPY FROM STDIN with -c reads stdin',
    args: ['-c', 'create temp table t (a int)', '-c', 'copy t from stdin', '-c', 'select sum(a) from t'],
    input: '1\n2\n3\n',
  },
  {
    name: '\\copy from a file and to a file',
    args: [
      '-c',
      'create temp table t (a int, b text)',
      '-c',
      "\\copy t from 'in.csv' with (format csv, header)",
      '-c',
      "\\copy (select * from t order by a) to 'out.tsv'",
      '-c',
      '\\copy t to stdout with csv',
    ],
    files: { 'in.csv': 'a,b\n1,first\n2,"with, comma"\n' },
    writes: 'out.tsv',
  },
  {
    name: '\\copy from a missing file',
    args: ['-c', 'create temp table t (a int)', '-c', "\\copy t from 'nofile.csv'"],
  },
  { name: 'an unknown meta-command', args: ['-c', '\\nosuch'] },
  {
    name: 'piped stdin runs as a script',
    args: [],
    input: 'select 1 as a;\nselect 1/0;\n\\echo after\nselect 2 as b\n',
  },
  {
    name: '\\i runs a file; its errors carry its name',
    args: ['-c', '\\i inc.sql', '-c', '\\i nofile.sql'],
    files: { 'inc.sql': 'select 42 as answer;\nselect nosuch;\n' },
  },
];

describe('the built-in shell prints what psql 15 prints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('sql-shell');
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { binaries: 'system' } }));
    for (const side of ['real', 'ours']) mkdirSync(path.join(dir, side));
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const fixture = path.join(import.meta.dirname, 'fixture.sql');
    const load = await devenv(dir, ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', fixture]);
    expect(load.code, load.stderr).toBe(0);
  });
  afterAll(async () => {
    await devenv(dir, ['down']);
    expect(await cleanupProject(dir)).toEqual([]);
  });

  // Each case has its own sessions (temporary tables only), so they run side by side.
  it.concurrent.for(CASES)('$name', async (c, { expect }) => {
    const env = { LC_ALL: 'C.UTF-8', PGTZ: 'UTC' };
    // A directory per case and side: two cases write files of the same name (stop.sql) at the same time.
    const caseDir = (side: string) => path.join(dir, side, String(CASES.indexOf(c)));
    const run = (side: 'real' | 'ours') => {
      const cwd = caseDir(side);
      mkdirSync(cwd, { recursive: true });
      for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(path.join(cwd, name), text);
      const own = side === 'ours' ? ['--builtin'] : [];
      return devenv(cwd, ['psql', ...own, '-X', ...c.args], { input: c.input ?? '', env });
    };
    const [real, ours] = await Promise.all([run('real'), run('ours')]);
    expect(ours.stdout).toBe(real.stdout);
    expect(ours.stderr).toBe(real.stderr);
    expect(ours.code).toBe(real.code);
    if (c.writes) {
      const read = (side: string) => readFileSync(path.join(caseDir(side), c.writes!), 'utf8');
      expect(read('ours')).toBe(read('real'));
    }
  });

  it('leaves no postgres behind once down', async () => {
    await devenv(dir, ['down']);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { CLI, cleanupProject, devenv, FLAVOURS, postgresProcessesUnder, tempDir } from '../helpers/project.js';
import { need, needForEach } from '../helpers/tools.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) expect(await cleanupProject(d)).toEqual([]);
});

function project(label: string, config: object): string {
  const dir = tempDir(label);
  dirs.push(dir);
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: config }));
  return dir;
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

const psql = async (dir: string, sql: string) => (await devenv(dir, ['psql', '-XAtc', sql])).stdout.trim();

// Repeatable on purpose: a failed setup runs again from the first step.
const SCHEMA = `-- the schema
CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text NOT NULL);
CREATE OR REPLACE FUNCTION item_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM items); -- a semicolon inside the body
END $$;
`;
const SEED_1 = `TRUNCATE items;
COPY items (id, name) FROM stdin;
1\tone
2\ttwo; with a semicolon
\\.
`;
const SEED_2_BROKEN = `INSERT INTO items VALUES (3, 'three')
  ON CONFLICT DO NOTHING;
INSERT INTO items VALUES (4, 'four'),
  (5, E'five\\'s') ON CONFLICT DO NOTHING;
INSRT INTO items VALUES (6, 'six');
`;
const SEED_2 = SEED_2_BROKEN.replace('INSRT INTO items', 'INSERT INTO items');

describe.each(FLAVOURS)('postgres.setup on $name binaries', ({ bindir, needs }) => {
  needForEach(...needs);
  test('schema, seeds, command run once in order; a broken file: file:line, rolled back, rerun if fixed', async () => {
    const dir = project('setup', {
      binaries: bindir,
      // A command step may itself use devenv (it must not wait for the setup that runs it).
      setup: [
        'db/schema.sql',
        'db/seed',
        { command: `${CLI} exec -- psql -XAtc "select count(*) from items" >> setup-runs.txt` },
      ],
    });
    write(dir, 'db/schema.sql', SCHEMA);
    write(dir, 'db/seed/01-items.sql', SEED_1);
    write(dir, 'db/seed/02-more.sql', SEED_2_BROKEN);
    write(dir, 'db/seed/README', 'not sql: ignored');

    const broken = await devenv(dir, ['init']);
    expect(broken.code).toBe(1);
    const error = broken.stderr.trim().split('\n').pop()!;
    expect(error).toMatch(
      /^devenv: setup: db\/seed\/02-more\.sql:5: syntax error at or near "INSRT" \(this file was rolled back;/,
    );
    expect(existsSync(path.join(dir, '.pgres/devenv/state/setup-done'))).toBe(false);
    // The steps before it committed; the broken file left nothing; the command never ran.
    expect(await psql(dir, "select string_agg(id::text, ',' order by id) from items")).toBe('1,2');
    expect(existsSync(path.join(dir, 'setup-runs.txt'))).toBe(false);

    write(dir, 'db/seed/02-more.sql', SEED_2);
    const fixed = await devenv(dir, ['exec', '--', 'true']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain('setup: db/schema.sql (2 statements)');
    expect(fixed.stderr).toContain('setup: db/seed/01-items.sql (2 statements)');
    expect(fixed.stderr).toContain('setup: db/seed/02-more.sql (3 statements)');
    expect(await psql(dir, "select string_agg(name, '|' order by id) from items")).toBe(
      "one|two; with a semicolon|three|four|five's|six",
    );
    expect(readFileSync(path.join(dir, 'setup-runs.txt'), 'utf8')).toBe('6\n');

    // Set up: the next start runs nothing; `devenv setup` runs it all again.
    const again = await devenv(dir, ['exec', '--', 'true']);
    expect(again.stderr).not.toContain('setup:');
    const rerun = await devenv(dir, ['setup']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'setup-runs.txt'), 'utf8')).toBe('6\n6\n');
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

test('a psql meta-command is refused with file:line; a missing entry is named before anything runs', async () => {
  const dir = project('setup-meta', { setup: ['ok.sql', 'meta.sql'] });
  write(dir, 'ok.sql', 'CREATE TABLE t (a int);\n');
  write(dir, 'meta.sql', 'SELECT 1;\n\n\\set ON_ERROR_STOP on\n');
  const meta = await devenv(dir, ['exec', '--', 'true']);
  expect(meta.code).toBe(1);
  expect(meta.stderr.trim().split('\n').pop()).toMatch(
    /^devenv: setup: meta\.sql:3: psql meta-command \\set is not supported/,
  );

  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { setup: ['ok.sql', 'missing.sql'] } }));
  const missing = await devenv(dir, ['setup']);
  expect(missing.code).toBe(1);
  expect(missing.stderr.trim()).toMatch(/^devenv: postgres\.setup: missing\.sql does not exist/);
  // Checked before anything ran: ok.sql did not run again (its CREATE TABLE would fail the second time).
  expect(await psql(dir, "select count(*) from pg_tables where tablename = 't'")).toBe('1');
  expect(postgresProcessesUnder(dir)).toEqual([]);
});

test('a file with its own BEGIN/COMMIT runs as written; a failure says that what it committed stays', async () => {
  const dir = project('setup-tx', { setup: ['tx.sql'] });
  const file = (second: string) =>
    'BEGIN;\nCREATE TABLE IF NOT EXISTS a (v int);\nTRUNCATE a;\nINSERT INTO a VALUES (1);\nCOMMIT;\n\n' +
    `BEGIN;\nINSERT INTO a VALUES (2);\nINSERT INTO a VALUES (${second});\nCOMMIT;\n`;
  write(dir, 'tx.sql', file("'three'"));
  const broken = await devenv(dir, ['exec', '--', 'true']);
  expect(broken.code).toBe(1);
  expect(broken.stderr.trim().split('\n').pop()).toContain(
    'devenv: setup: tx.sql:9: invalid input syntax for type integer: "three" ' +
      '(this file manages its own transactions (line 1): what it committed before the error stays;',
  );
  // Its first transaction committed; the one that failed did not.
  expect(await psql(dir, "select string_agg(v::text, ',' order by v) from a")).toBe('1');

  write(dir, 'tx.sql', file('3'));
  const fixed = await devenv(dir, ['exec', '--', 'true']);
  expect(fixed.code, fixed.stderr).toBe(0);
  expect(fixed.stderr).toContain('setup: tx.sql (9 statements; it manages its own transactions)');
  expect(await psql(dir, "select string_agg(v::text, ',' order by v) from a")).toBe('1,2,3');
  expect(postgresProcessesUnder(dir)).toEqual([]);
});

test("pg_dump's plain output (COPY … FROM stdin, \\restrict) works as a seed file, across majors", async () => {
  need('system-postgres');
  const source = project('setup-dump-src', { binaries: 'system', setup: ['schema.sql', 'seed.sql'] });
  write(source, 'schema.sql', SCHEMA);
  write(source, 'seed.sql', SEED_1 + SEED_2);
  const dump = await devenv(source, ['exec', '--', 'pg_dump', '--no-owner', '--no-privileges']);
  expect(dump.code, dump.stderr).toBe(0);
  expect(dump.stdout).toMatch(/^COPY public\.items .* FROM stdin;$/m);

  const target = project('setup-dump-dst', { binaries: 'embedded', setup: ['dump.sql'] });
  write(target, 'dump.sql', dump.stdout);
  const r = await devenv(target, ['init']);
  expect(r.code, r.stderr).toBe(0);
  expect(await psql(target, "select item_count() || ':' || string_agg(name, '|' order by id) from items")).toBe(
    "6:one|two; with a semicolon|three|four|five's|six",
  );
  expect(await psql(target, "select current_setting('server_version_num')::int / 10000")).toBe('17');
});

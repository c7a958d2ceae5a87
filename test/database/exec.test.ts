import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { nodePgScript } from '../helpers/clients.js';
import { cleanupProject, devenv, FLAVOURS, postgresProcessesUnder, tempDir } from '../helpers/project.js';
import { need, needForEach, pythonWithPsycopg2 } from '../helpers/tools.js';

let dir: string;
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

describe.each(FLAVOURS)('exec on $name binaries', ({ bindir, needs }) => {
  needForEach(...needs);
  test('nothing running: psycopg2 and node-postgres reach it through DATABASE_URL; no postgres is left', async () => {
    dir = tempDir('exec');
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { binaries: bindir, database: 'shop' } }));
    need('psycopg2');
    const python = pythonWithPsycopg2()!;
    const node = nodePgScript(
      dir,
      'query.cjs',
      `return q({ connectionString: env.DATABASE_URL }, 'select current_database() as db, version() as v');`,
    );
    const py = `import os, psycopg2
c = psycopg2.connect(os.environ["DATABASE_URL"])
cur = c.cursor()
cur.execute("select current_database()")
print(cur.fetchone()[0])`;
    const r = await devenv(dir, ['exec', '--', 'sh', '-c', `"$1" -c "$2" && node "$3"`, 'sh', python, py, node]);
    expect(r.code, r.stderr).toBe(0);
    const [pyLine, nodeLine] = r.stdout.trim().split('\n');
    expect(pyLine).toBe('shop');
    const [row] = JSON.parse(nodeLine!);
    expect(row.db).toBe('shop');
    expect(row.v).toMatch(bindir === 'embedded' ? /^PostgreSQL 17\./ : /^PostgreSQL 15\./);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

test('exec --no-server starts nothing; --db must name a project database', async () => {
  dir = tempDir('exec-noserver');
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { databases: ['extra'] } }));
  const r = await devenv(dir, [
    'exec',
    '--no-server',
    '--db',
    'extra',
    '--',
    'sh',
    '-c',
    'test -e "$PGHOST/.s.PGSQL.$PGPORT" && echo socket; echo "$PGDATABASE"',
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('extra\n');
  expect(postgresProcessesUnder(dir)).toEqual([]);
  expect(existsSync(path.join(dir, '.pgres'))).toBe(false); // no server, so no cluster either
  const bad = await devenv(dir, ['exec', '--db', 'nope', '--', 'true']);
  expect(bad.code).toBe(1);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  expect(bad.stderr).toMatch(/--db nope: not a project database; use one of: .*extra/);
});

// postgres.branches "git" with real git and real postgres: a branch's database is a copy of the main
// one made on first use, env/exec/psql point at it, `devenv branch list|rm`, and a copy that another
// session blocks is one line.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { branchDatabaseName } from '../../src/project/branches.js';
import { git, gitRepo } from '../helpers/git.js';
import { baseEnv, CLI, cleanupProject, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

let dir: string;
let holder: ChildProcess | undefined;
afterEach(async () => {
  holder?.kill('SIGKILL');
  holder = undefined;
  expect(await cleanupProject(dir)).toEqual([]);
});

const SEED =
  'CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text);\n' +
  "TRUNCATE items;\nINSERT INTO items VALUES (1, 'one');\n";

async function sql(args: string[], query: string): Promise<string> {
  const r = await devenv(dir, ['exec', ...args, '--', 'psql', '-XAtc', query]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

const envJson = async () =>
  JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout) as Record<string, string>;

test('a branch gets a copy of the main database on first use; env, exec and psql follow the branch', async () => {
  dir = tempDir('branches');
  writeFileSync(
    path.join(dir, 'devenv.json'),
    JSON.stringify({ postgres: { database: 'shop', role: 'app', branches: 'git', setup: ['seed.sql'] } }),
  );
  writeFileSync(path.join(dir, 'seed.sql'), SEED);
  gitRepo(dir);
  expect(await sql([], "select current_database() || ':' || string_agg(name, ',') from items")).toBe('shop:one');

  git(dir, 'checkout', '-q', '-b', 'feature/Login');
  const login = branchDatabaseName('shop', 'feature/Login');
  const env = await envJson();
  expect(env.PGDATABASE).toBe(login);
  expect(env.DATABASE_URL).toContain(`@/${login}?`);
  const made = await devenv(dir, ['exec', '--', 'psql', '-XAtc', "insert into items values (2, 'two')"]);
  expect(made.code, made.stderr).toBe(0);
  expect(made.stderr).toContain(`created database "${login}" for git branch "feature/Login" (a copy of "shop")`);
  // The copy has the seeded rows and belongs to the role; the main database did not change.
  expect(await sql([], "select current_database() || ':' || string_agg(name, ',' order by id) from items")).toBe(
    `${login}:one,two`,
  );
  expect(await sql([], 'select pg_get_userbyid(datdba) from pg_database where datname = current_database()')).toBe(
    'app',
  );
  expect(await sql(['--db', 'shop'], 'select count(*) from items')).toBe('1');
  const psql = await devenv(dir, ['psql', '-XAtc', 'select current_database()']);
  expect(psql.stdout.trim()).toBe(login);

  // A plain branch name reads as itself; a detached HEAD uses the main database.
  git(dir, 'checkout', '-q', '-b', 'next');
  expect((await envJson()).PGDATABASE).toBe('shop__next');
  expect(await sql([], 'select count(*) from items')).toBe('1');
  git(dir, 'checkout', '-q', '--detach');
  expect((await envJson()).PGDATABASE).toBe('shop');
  git(dir, 'checkout', '-q', 'next');

  git(dir, 'branch', '-D', 'feature/Login');
  const list = await devenv(dir, ['branch', 'list', '--json']);
  expect(list.code, list.stderr).toBe(0);
  const rows = JSON.parse(list.stdout) as { branch: string; database: string; current: boolean; bytes: number }[];
  expect(rows.map((r) => [r.branch, r.database, r.current, r.bytes > 0])).toEqual([
    ['feature/Login', login, false, true],
    ['next', 'shop__next', true, true],
  ]);
  const table = await devenv(dir, ['branch', 'list']);
  expect(table.stdout).toMatch(/^ +feature\/Login \(deleted in git\) +shop__feature_login_\w+ +[\d.]+ MiB/m);
  expect(table.stdout).toMatch(/^\* +next +shop__next /m);

  const current = await devenv(dir, ['branch', 'rm', 'next']);
  expect(current.code).toBe(1);
  expect(current.stderr.trim()).toBe(
    'devenv: "next" is the branch checked out here, and its database is in use; switch to another branch first',
  );
  const rm = await devenv(dir, ['branch', 'rm', 'feature/Login']);
  expect(rm.code, rm.stderr).toBe(0);
  expect(await sql([], `select count(*) from pg_database where datname = '${login}'`)).toBe('0');
  const unknown = await devenv(dir, ['branch', 'rm', 'shop']);
  expect(unknown.stderr.trim()).toBe('devenv: no branch database for "shop"; `devenv branch list` shows them');
  expect(postgresProcessesUnder(dir)).toEqual([]);
});

test('a copy while another session uses the main database: one line naming it; then the copy is made', async () => {
  dir = tempDir('branches-busy');
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { database: 'shop', branches: 'git' } }));
  gitRepo(dir);
  expect((await devenv(dir, ['init'])).code).toBe(0);
  // A psql session on the main database (it keeps a server running while it lasts).
  need('psql');
  holder = spawn(CLI, ['psql', '-XAt', '-c', 'select pg_sleep(600)'], { cwd: dir, env: baseEnv(), stdio: 'ignore' });
  await waitFor(
    async () =>
      (
        await devenv(dir, [
          'psql',
          '-XAtc',
          "select count(*) from pg_stat_activity where query like 'select pg_sleep%'",
        ])
      ).stdout.trim() === '1',
    'the psql session',
    { timeoutMs: 20000, stepMs: 200 },
  );
  git(dir, 'checkout', '-q', '-b', 'other');
  const blocked = await devenv(dir, ['exec', '--', 'true']);
  expect(blocked.code).toBe(1);
  expect(blocked.stderr.trim().split('\n').pop()).toBe(
    'devenv: postgres.branches: cannot copy database "shop" for git branch "other" while 1 session (psql) uses it ' +
      '(a copy needs it idle); close them, then run the command again',
  );
  holder.kill('SIGTERM');
  await new Promise((r) => holder!.once('exit', r));
  holder = undefined;
  const r = await devenv(dir, ['exec', '--', 'sh', '-c', 'echo $PGDATABASE']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toBe('shop__other');
  expect(postgresProcessesUnder(dir)).toEqual([]);
});

test('branch databases never take a configured or another branch’s name; branch rm drops what it made', async () => {
  dir = tempDir('branches-names');
  const config = { postgres: { database: 'shop', databases: ['shop__qa'], branches: 'git' } };
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
  gitRepo(dir);
  await sql(['--db', 'shop__qa'], "create table keep as select 'qa data' as v");

  // Branch `qa` would be shop__qa, which devenv.json names: it gets a name of its own.
  git(dir, 'checkout', '-q', '-b', 'qa');
  const qa = (await envJson()).PGDATABASE!;
  expect(qa).toMatch(/^shop__qa_[0-9a-f]{6}$/);
  expect(await sql([], 'select current_database()')).toBe(qa);
  expect(await sql([], "select count(*) from pg_tables where tablename = 'keep'")).toBe('0');

  // A plain branch named like the hashed database of another: two databases.
  git(dir, 'checkout', '-q', '-b', 'feature/login');
  const login = branchDatabaseName('shop', 'feature/login');
  expect(await sql([], 'select current_database()')).toBe(login);
  await sql([], 'create table mark (v text)');
  const twin = login.slice('shop__'.length);
  git(dir, 'checkout', '-q', '-b', twin);
  const twinDb = (await envJson()).PGDATABASE!;
  expect(twinDb).not.toBe(login);
  expect(await sql([], "select current_database() || ':' || count(*) from pg_tables where tablename = 'mark'")).toBe(
    `${twinDb}:0`,
  );

  // A database made by hand that a branch's name meets: used, never dropped.
  await sql(['--db', 'shop'], 'create database shop__manual');
  git(dir, 'checkout', '-q', '-b', 'manual');
  const manual = await devenv(dir, ['exec', '--', 'psql', '-XAtc', 'select current_database()']);
  expect(manual.stdout.trim()).toBe('shop__manual');
  expect(manual.stderr).not.toMatch(/created database/);

  git(dir, 'checkout', '-q', 'main');
  const rows = JSON.parse((await devenv(dir, ['branch', 'list', '--json'])).stdout) as { branch: string }[];
  expect(rows.map((r) => r.branch).sort()).toEqual(['feature/login', 'manual', 'qa', twin].sort());
  for (const branch of ['qa', 'feature/login', 'manual']) {
    const r = await devenv(dir, ['branch', 'rm', branch]);
    expect(r.code, r.stderr).toBe(0);
  }
  expect((await devenv(dir, ['branch', 'rm', 'manual'])).stderr).toMatch(/no branch database for "manual"/);
  const left = "select string_agg(datname, ',' order by datname) from pg_database where datname like 'shop%'";
  expect(await sql([], left)).toBe(['shop', 'shop__manual', 'shop__qa', twinDb].sort().join(','));
  expect(await sql(['--db', 'shop__qa'], 'select v from keep')).toBe('qa data');
  expect(postgresProcessesUnder(dir)).toEqual([]);
});

// One PostgreSQL 15 cluster made once per test file (system binaries), with what an upgrade must keep:
// pgbench's TPC-B tables after some transactions, a role with a password and a grant, a table owned by the
// app role, pgcrypto (and data only it can read), an advanced sequence, and a git branch's database with a
// table of its own. Each test runs on a copy of the whole project (cp -a keeps the account's ownership).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { git, gitRepo } from '../helpers/git.js';
import { type CliResult, cleanupProject, devenv, tempDir } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

export const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
/** pgbench's scale: 2 is 200 000 accounts (-s 10 made every case several seconds slower; see the bench row). */
export const SCALE = 2;
export const BRANCH_DB = 'shop__feature';

const SETUP = `
create extension pgcrypto;
create role reader login password 'reader-pw';
grant select on pgbench_accounts to reader;
alter table pgbench_branches owner to app;
create sequence counter;
select setval('counter', 41);
select nextval('counter');
create table vault (id int primary key, secret bytea);
insert into vault values (1, pgp_sym_encrypt('kept', 'key'));
`;

/** One line that changes if anything the upgrade must keep is lost. */
export const FINGERPRINT = `select concat_ws(' ',
  (select sum(abalance) from pgbench_accounts), (select count(*) from pgbench_accounts),
  (select sum(bbalance) from pgbench_branches), (select sum(tbalance) from pgbench_tellers),
  (select count(*) from pgbench_history), (select last_value from counter),
  (select pgp_sym_decrypt(secret, 'key') from vault where id = 1),
  (select rolpassword from pg_authid where rolname = 'reader'),
  (select pg_get_userbyid(relowner) from pg_class where relname = 'pgbench_branches'),
  has_table_privilege('reader', 'pgbench_accounts', 'select'),
  (select string_agg(datname, ',' order by datname) from pg_database))`;

export function ok(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

export async function sql(dir: string, query: string, database = 'shop'): Promise<string> {
  const r = ok(await devenv(dir, ['psql', '-XAtq', '-d', database, '-c', query]), `psql ${query}`);
  return r.stdout.trim();
}

/** The fingerprint of the main database and the row count of the branch database's own table (one server start). */
export async function fingerprint(dir: string): Promise<string> {
  // exec's environment is the app role's (postgres.role): these read as the superuser.
  const script = 'psql -XAtq -U "$3" -d shop -c "$1" && psql -XAtq -U "$3" -d "$2" -c "select count(*) from only_here"';
  const args = ['exec', '--', 'sh', '-c', script, 'sh', FINGERPRINT, BRANCH_DB, userInfo().username];
  const r = ok(await devenv(dir, args), 'fingerprint');
  return r.stdout.trim().replace(/\n/g, ' / ');
}

export interface Status {
  major: number | null;
  clusterVersion: string | null;
  binaries: { source: string; version: string } | null;
  client: { kind: string };
  server: { state: string };
  supervisor: { pid: number } | null;
}

export async function status(dir: string): Promise<Status> {
  return JSON.parse(ok(await devenv(dir, ['status', '--json']), 'status').stdout) as Status;
}

/** Build the fixture in `dir` (the caller's, so it is removed even when this fails); returns its fingerprint. */
export async function makeFixture(dir: string): Promise<string> {
  need('system-postgres');
  need('psql');
  writeFileSync(
    path.join(dir, 'devenv.json'),
    JSON.stringify({ postgres: { database: 'shop', role: 'app', branches: 'git' } }),
  );
  gitRepo(dir);
  ok(await devenv(dir, ['init']), 'init');
  const pgbench = (args: string[]) => devenv(dir, ['exec', '--', PGBENCH, ...args]);
  ok(await pgbench(['-i', '-s', String(SCALE), '-q']), 'pgbench -i');
  // TPC-B transactions: the balances are no longer all zero.
  ok(await pgbench(['-n', '-t', '200', '-c', '1']), 'pgbench -t');
  ok(await devenv(dir, ['psql', '-Xq', '-v', 'ON_ERROR_STOP=1', '-c', SETUP]), 'setup sql');
  git(dir, 'checkout', '-q', '-b', 'feature');
  ok(
    await devenv(dir, ['exec', '--', 'psql', '-Xq', '-c', 'create table only_here as select generate_series(1, 3) x']),
    'branch database',
  );
  git(dir, 'checkout', '-q', 'main');
  const s = await status(dir);
  expect(s.major).toBe(15);
  return fingerprint(dir);
}

/** A copy of the fixture for one test, at a path of its own. */
export function copyFixture(fixture: string, label: string): string {
  const dir = tempDir(label);
  execFileSync('cp', ['-a', `${fixture}/.`, dir]);
  return dir;
}

/** Work dirs an upgrade (or its swap) left in the snapshots dir. */
export function workDirs(dir: string): string[] {
  const snapshots = path.join(dir, '.pgres', 'snapshots');
  if (!existsSync(snapshots)) return [];
  return readdirSync(snapshots).filter((n) => /^\.(upgrade|sockets|trash|restore)-/.test(n));
}

export async function removeProject(dir: string): Promise<void> {
  expect(await cleanupProject(dir)).toEqual([]);
}

import { spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import {
  baseEnv,
  CLI,
  cleanupProject,
  devenv,
  FLAVOURS,
  postgresProcessesUnder,
  runProcess,
  tempDir,
  waitFor,
} from '../helpers/project.js';

const USER = userInfo().username;
let dir: string;
let flavourEnv: Record<string, string> = {};
afterEach(async () => {
  if (dir) expect(await cleanupProject(dir, flavourEnv)).toEqual([]);
});

function setup(label: string, bindir = 'system'): void {
  dir = tempDir(label);
  flavourEnv = { PGRES_BINDIR: bindir };
}

const run = (args: string[]) => devenv(dir, args, { env: flavourEnv });

async function ok(args: string[]) {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`devenv ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** One query over the project's socket with node-postgres (a server must run); the first column of the last row. */
async function value(sql: string, database = USER): Promise<string> {
  const client = new pg.Client({ host: path.join(dir, '.pgres'), port: 5432, user: USER, database });
  await client.connect();
  try {
    const res = await client.query({ text: sql, rowMode: 'array' });
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    const row = last?.rows?.[last.rows.length - 1] as unknown[] | undefined;
    return row ? String(row[0]) : '';
  } finally {
    await client.end();
  }
}

async function runProcessOk(file: string, args: string[]) {
  const r = await runProcess(file, args, {});
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

interface Listed {
  name: string;
  major: number;
  serverVersion: string;
  bytes: number;
  method: string;
  databases: string[] | null;
  path: string;
}

async function listJson(): Promise<Listed[]> {
  return JSON.parse((await ok(['snapshot', 'list', '--json'])).stdout) as Listed[];
}

/** A user error: non-zero exit, one line on stderr, no stack trace. */
function oneLine(r: { code: number | null; stderr: string }): string {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const ITEMS = `select string_agg(id || ':' || note, ',' order by id) from items`;

describe.each(FLAVOURS)('$name binaries', (flavour) => {
  test('save while the server runs, change everything, restore: exactly the saved rows in both databases', async () => {
    setup(`snap-${flavour.name}`, flavour.bindir);
    await ok(['init']);
    await ok(['up', '-d']);
    await value(`create table items(id int primary key, note text);
      insert into items select g, 'v' || g from generate_series(1, 500) g`);
    await value('create database second');
    await value(`create table other(x text); insert into other values ('kept')`, 'second');
    const saved = await value(ITEMS);

    const save = await ok(['snapshot', 'save', 'before']);
    expect(save.stderr).toMatch(/saved snapshot "before" .*server kept running, in backup mode for/);

    // Committed changes after the snapshot, in both databases, and a new database.
    await value(
      `delete from items where id % 3 = 0; update items set note = 'changed'; insert into items values (9999, 'new')`,
    );
    await value('drop table other', 'second');
    await value('create database third');

    // Not under a running `up` (yet): one clear line, nothing touched.
    expect(oneLine(await run(['snapshot', 'restore', 'before', '--yes']))).toMatch(
      /devenv up is running .*stop it first/,
    );
    expect(await value('select count(*) from items')).not.toBe('500');

    await ok(['down']);
    const log = path.join(dir, '.pgres', 'devenv', 'logs', 'postgres.log');
    const logBefore = readFileSync(log);
    expect((await ok(['snapshot', 'restore', 'before', '--yes'])).stderr).toMatch(
      /restored snapshot "before" .*postgres was not running/,
    );

    await ok(['up', '-d']);
    expect(await value(ITEMS)).toBe(saved);
    expect(await value('select x from other', 'second')).toBe('kept');
    expect(
      await value(`select string_agg(datname, ',' order by datname) from pg_database where not datistemplate`),
    ).toBe(['postgres', USER, 'second'].sort().join(','));
    // A snapshot is recovered when it is saved: the restored cluster starts without recovery.
    expect(readFileSync(log, 'utf8').slice(logBefore.length)).not.toMatch(/recovery|interrupted/);
    // devenv's own files (.pgres/devenv: logs, state, settings) are not in a snapshot and stay as they were.
    expect(readFileSync(log).subarray(0, logBefore.length).equals(logBefore)).toBe(true);
    const copied = readdirSync(path.join(dir, '.pgres', 'snapshots', 'before', 'data'));
    expect(copied).toContain('PG_VERSION');
    expect(copied.filter((n) => n === 'devenv' || n.startsWith('.s.PGSQL.') || n.startsWith('postmaster.'))).toEqual(
      [],
    );

    const [entry] = await listJson();
    expect(entry).toMatchObject({ name: 'before', method: 'online' });
    expect(entry!.major).toBe(Number(await value(`select current_setting('server_version_num')::int / 10000`)));
    expect(entry!.databases).toEqual(expect.arrayContaining(['postgres', 'second']));
    await ok(['down']);
  });
});

// The backup code path is the same on both majors (above); one is enough for concurrent writes.
test('a save taken while a psql session commits transactions holds each of them entirely or not at all', async () => {
  setup('snap-writes');
  await ok(['init']);
  await ok(['up', '-d']);
  await value(`create table batches(id int primary key, n int); create table lines(batch int, k int);
    create table total(n bigint); insert into total values (0)`);
  // A real psql session; one transaction per batch: 20 lines, the batch row and the running total.
  const writer = spawn(
    CLI,
    [
      'psql',
      '-Xq',
      '-c',
      `do $$ begin for i in 1..1000000 loop
         insert into lines select i, k from generate_series(1, 20) k;
         insert into batches values (i, 20);
         update total set n = n + 20;
         commit;
         perform pg_sleep(0.001);
       end loop; end $$`,
    ],
    { cwd: dir, env: baseEnv(flavourEnv), stdio: 'ignore' },
  );
  const writerExit = new Promise((r) => writer.on('exit', r));
  const count = async () => Number(await value('select count(*) from batches'));
  expect(await waitFor(async () => (await count()) > 20, 30000, 50)).toBe(true);
  await ok(['snapshot', 'save', 'busy']);
  const afterSave = await count();
  expect(await waitFor(async () => (await count()) > afterSave + 20, 30000, 50)).toBe(true);
  await value(`select pg_terminate_backend(pid) from pg_stat_activity where query like 'do $$%'`);
  await writerExit;
  const final = await count();
  await ok(['down']);

  await ok(['snapshot', 'restore', 'busy', '--yes']);
  await ok(['up', '-d']);
  const [batches, maxId, lines, total, partial] = (
    await value(`select concat_ws(',', (select count(*) from batches), (select max(id) from batches),
      (select count(*) from lines), (select n from total),
      (select count(*) from (select batch from lines group by batch having count(*) <> 20) x))`)
  )
    .split(',')
    .map(Number);
  expect(batches).toBeGreaterThan(20);
  expect(batches).toBeLessThan(final);
  // One session commits in order: every batch up to the last one it had committed, none in part.
  expect(maxId).toBe(batches);
  expect(lines).toBe(batches! * 20);
  expect(total).toBe(batches! * 20);
  expect(partial).toBe(0);
  await ok(['down']);
});

test('list, rm, names, unknown names and a snapshot of another major', async () => {
  setup('snap-catalog');
  await ok(['init']);
  expect((await ok(['snapshot', 'list'])).stderr).toMatch(/no snapshots yet/);
  expect(await listJson()).toEqual([]);

  await ok(['snapshot', 'save', 'a']);
  await ok(['snapshot', 'save', 'b.2']);
  const dflt = await ok(['snapshot', 'save']);
  const defaultName = /snapshot "([^"]+)"/.exec(dflt.stderr)![1]!;
  expect(defaultName).toMatch(/^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  expect(dflt.stderr).toMatch(/the server was not running/);

  const table = (await ok(['snapshot', 'list'])).stdout.trim().split('\n');
  expect(table[0]).toMatch(/^NAME\s+TAKEN\s+SIZE\s+POSTGRESQL$/);
  expect(table.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['a', 'b.2', defaultName]);
  expect(table[1]).toMatch(/ MiB\s+15 \(15\.\d+\)$/);
  const listed = await listJson();
  expect(listed.map((s) => [s.name, s.major, s.method])).toEqual([
    ['a', 15, 'offline'],
    ['b.2', 15, 'offline'],
    [defaultName, 15, 'offline'],
  ]);

  expect(oneLine(await run(['snapshot', 'save', 'a']))).toMatch(/snapshot named "a" already exists/);
  expect(oneLine(await run(['snapshot', 'save', '.hidden']))).toMatch(/invalid snapshot name/);
  expect(oneLine(await run(['snapshot', 'save', '../up']))).toMatch(/invalid snapshot name/);
  expect(oneLine(await run(['snapshot', 'save', 'x'.repeat(65)]))).toMatch(/invalid snapshot name/);
  expect(oneLine(await run(['snapshot', 'restore', 'nope', '--yes']))).toBe(
    `devenv: no snapshot named "nope"; there are: a, b.2, ${defaultName}`,
  );
  expect(oneLine(await run(['snapshot', 'restore', 'a']))).toMatch(/without confirmation; run .*--yes/);

  // A snapshot recorded as made by another major is refused, and the cluster is left alone.
  const manifest = path.join(listed[1]!.path, 'snapshot.json');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"major": 15', '"major": 14'));
  const control = readFileSync(path.join(dir, '.pgres', 'global', 'pg_control'));
  expect(oneLine(await run(['snapshot', 'restore', 'b.2', '--yes']))).toMatch(
    /snapshot "b\.2" was made by PostgreSQL 14 .* this cluster runs PostgreSQL 15; it cannot be restored here/,
  );
  expect(readFileSync(path.join(dir, '.pgres', 'global', 'pg_control')).equals(control)).toBe(true);

  expect((await ok(['snapshot', 'rm', 'a'])).stderr).toMatch(/removed snapshot "a"/);
  expect((await listJson()).map((s) => s.name)).toEqual(['b.2', defaultName]);
  expect(existsSync(path.join(dir, '.pgres', 'snapshots', 'a'))).toBe(false);
  expect(oneLine(await run(['snapshot', 'rm', 'a']))).toBe(
    `devenv: no snapshot named "a"; there are: b.2, ${defaultName}`,
  );
  expect(postgresProcessesUnder(dir)).toEqual([]);
});

test('a save killed with SIGKILL leaves nothing listed; the next command removes its leftovers', async () => {
  setup('snap-kill');
  await ok(['init']);
  await ok(['up', '-d']);
  // Enough data that the copy goes on for a while after its work dir appears.
  await value(`create table filler as select g, repeat(md5(g::text), 8) as pad from generate_series(1, 60000) g`);
  const snapshots = path.join(dir, '.pgres', 'snapshots');
  const workDirs = () => {
    try {
      return readdirSync(snapshots).filter((n) => n.startsWith('.partial-'));
    } catch {
      return [];
    }
  };
  const save = spawn(CLI, ['snapshot', 'save', 'big'], { cwd: dir, env: baseEnv(flavourEnv), stdio: 'ignore' });
  const exited = new Promise((r) => save.on('exit', r));
  expect(await waitFor(() => workDirs().length > 0, 30000, 1)).toBe(true);
  save.kill('SIGKILL');
  await exited;
  expect(existsSync(path.join(snapshots, 'big'))).toBe(false);
  // The work dir is named for the process writing it (as root: the file worker, which ends with its parent).
  const writer = Number(workDirs()[0]!.split('-')[1]);
  expect(await waitFor(() => !existsSync(`/proc/${writer}`), 10000)).toBe(true);
  expect(await listJson()).toEqual([]);
  expect(workDirs()).toEqual([]);
  // Backup mode ended with the killed session: no replication slot is left on the server.
  expect(await value('select count(*) from pg_replication_slots')).toBe('0');
  await ok(['snapshot', 'save', 'big']);
  expect((await listJson()).map((s) => s.name)).toEqual(['big']);
  await ok(['down']);
});

test('restore with an open psql session: its server stops, the session loses its connection, nothing stays running', async () => {
  setup('snap-session');
  await ok(['init']);
  await ok(['up', '-d']);
  await value(`create table items(id int primary key, note text); insert into items values (1, 'one'), (2, 'two')`);
  await ok(['down']);
  await ok(['snapshot', 'save', 'two']);
  // A psql session starts the server it then shares with other sessions.
  const session = spawn(
    CLI,
    ['psql', '-Xq', '-c', `insert into items values (3, 'three')`, '-c', 'select pg_sleep(60)'],
    {
      cwd: dir,
      env: baseEnv(flavourEnv),
      stdio: 'ignore',
    },
  );
  const sessionExit = new Promise<number | null>((r) => session.on('exit', (code) => r(code)));
  expect(
    await waitFor(
      async () =>
        (await value(`select count(*) from pg_stat_activity where query like '%pg_sleep(60)'`).catch(() => '0')) ===
        '1',
      30000,
      50,
    ),
  ).toBe(true);
  expect(await value('select count(*) from items')).toBe('3');
  expect((await ok(['snapshot', 'restore', 'two', '--yes'])).stderr).toMatch(/restored snapshot "two"/);
  expect(await sessionExit).not.toBe(0); // its connection was cut by the stop
  expect(await waitFor(() => postgresProcessesUnder(dir).length === 0, 15000)).toBe(true);
  // The next session sees the snapshot (real psql through devenv psql, which starts and stops its server).
  const r = await run(['psql', '-XAtc', ITEMS]);
  expect(r.stdout.trim()).toBe('1:one,2:two');
});

test('a restore killed in the middle of its swap is finished by the next server start', async () => {
  setup('snap-swap');
  await ok(['init']);
  await ok(['up', '-d']);
  await value(`create table items(id int primary key, note text); insert into items values (1, 'saved')`);
  await ok(['snapshot', 'save', 'one']);
  await value(`update items set note = 'changed'`);
  await ok(['down']);
  // The state a restore leaves when killed mid-swap: staging copy made, half the cluster moved to the
  // trash, journal written, its processes gone (a pid that has exited).
  const pgdata = path.join(dir, '.pgres');
  const snapshots = path.join(pgdata, 'snapshots');
  const gone = spawn('true');
  await new Promise((r) => gone.on('exit', r));
  const staging = path.join(snapshots, `.restore-${gone.pid}-test`);
  const trash = path.join(snapshots, `.trash-${gone.pid}-test`);
  await runProcessOk('cp', ['-a', path.join(snapshots, 'one', 'data'), staging]);
  mkdirSync(trash, { mode: 0o700 });
  const owner = statSync(pgdata);
  chownSync(trash, owner.uid, owner.gid); // as root: the account postgres runs as does the renames
  const cluster = readdirSync(pgdata).filter((n) => n !== 'devenv' && n !== 'snapshots');
  for (const name of cluster.slice(0, Math.floor(cluster.length / 2)))
    renameSync(path.join(pgdata, name), path.join(trash, name));
  const journal = { format: 1, owner: gone.pid, worker: gone.pid, pgdata, staging, trash, phase: 'out' };
  writeFileSync(path.join(snapshots, '.swap.json'), JSON.stringify(journal));

  await ok(['up', '-d']); // finishes the swap before postgres starts on the files
  expect(await value(ITEMS)).toBe('1:saved');
  expect(readdirSync(snapshots).sort()).toEqual(['one']);
  await ok(['down']);
});

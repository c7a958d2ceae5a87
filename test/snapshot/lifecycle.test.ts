import { spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { baseEnv, CLI, postgresProcessesUnder, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import {
  ITEMS,
  jobsOf,
  listJson,
  ok,
  oneLine,
  project,
  run,
  runProcessOk,
  setup,
  useProjects,
  value,
} from './helpers.js';

useProjects();

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

  // A snapshot whose manifest names another major than its files is refused, and the cluster is left alone.
  const manifest = path.join(listed[1]!.path, 'snapshot.json');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"major": 15', '"major": 14'));
  const control = readFileSync(path.join(project.dir, '.pgres', 'global', 'pg_control'));
  expect(oneLine(await run(['snapshot', 'restore', 'b.2', '--yes']))).toMatch(
    /snapshot "b\.2" records PostgreSQL 14 but its files are of 15; it cannot be restored/,
  );
  expect(readFileSync(path.join(project.dir, '.pgres', 'global', 'pg_control')).equals(control)).toBe(true);

  expect((await ok(['snapshot', 'rm', 'a'])).stderr).toMatch(/removed snapshot "a"/);
  expect((await listJson()).map((s) => s.name)).toEqual(['b.2', defaultName]);
  expect(existsSync(path.join(project.dir, '.pgres', 'snapshots', 'a'))).toBe(false);
  expect(oneLine(await run(['snapshot', 'rm', 'a']))).toBe(
    `devenv: no snapshot named "a"; there are: b.2, ${defaultName}`,
  );
  expect(postgresProcessesUnder(project.dir)).toEqual([]);
});

test('a save killed with SIGKILL leaves nothing listed; the next command removes its leftovers', async () => {
  setup('snap-kill');
  await ok(['init']);
  await ok(['up', '-d']);
  // Enough data that the copy goes on for a while after its work dir appears.
  await value(`create table filler as select g, repeat(md5(g::text), 8) as pad from generate_series(1, 60000) g`);
  const snapshots = path.join(project.dir, '.pgres', 'snapshots');
  const workDirs = () => {
    try {
      return readdirSync(snapshots).filter((n) => n.startsWith('.partial-'));
    } catch {
      return [];
    }
  };
  const save = spawn(CLI, ['snapshot', 'save', 'big'], {
    cwd: project.dir,
    env: baseEnv(project.env),
    stdio: 'ignore',
  });
  const exited = new Promise((r) => save.on('exit', r));
  await waitFor(() => workDirs().length > 0, 'the save to start copying', { timeoutMs: 30000, stepMs: 1 });
  save.kill('SIGKILL');
  await exited;
  expect(existsSync(path.join(snapshots, 'big'))).toBe(false);
  // The work dir is named for the process writing it (as root: the file worker, which ends with its parent).
  const writer = Number(workDirs()[0]!.split('-')[1]);
  await waitFor(() => !existsSync(`/proc/${writer}`), 'the writer of the work dir to end');
  expect(await listJson()).toEqual([]);
  expect(workDirs()).toEqual([]);
  // Backup mode ended with the killed session: no replication slot is left on the server.
  expect(await value('select count(*) from pg_replication_slots')).toBe('0');
  await ok(['snapshot', 'save', 'big']);
  expect((await listJson()).map((s) => s.name)).toEqual(['big']);
  await ok(['down']);
});

test('restore with an open psql session: its server stops, the session loses its connection', async () => {
  setup('snap-session');
  await ok(['init']);
  await ok(['up', '-d']);
  await value(`create table items(id int primary key, note text); insert into items values (1, 'one'), (2, 'two')`);
  await ok(['down']);
  await ok(['snapshot', 'save', 'two']);
  // A psql session starts the server it then shares with other sessions.
  need('psql');
  const session = spawn(
    CLI,
    ['psql', '-Xq', '-c', `insert into items values (3, 'three')`, '-c', 'select pg_sleep(60)'],
    {
      cwd: project.dir,
      env: baseEnv(project.env),
      stdio: 'ignore',
    },
  );
  const sessionExit = new Promise<number | null>((r) => session.on('exit', (code) => r(code)));
  const sleeping = `select count(*) from pg_stat_activity where query like '%pg_sleep(60)'`;
  await waitFor(async () => (await value(sleeping).catch(() => '0')) === '1', 'the psql session', {
    timeoutMs: 30000,
    stepMs: 50,
  });
  expect(await value('select count(*) from items')).toBe('3');
  expect((await ok(['snapshot', 'restore', 'two', '--yes'])).stderr).toMatch(/restored snapshot "two"/);
  expect(await sessionExit).not.toBe(0); // its connection was cut by the stop
  await waitFor(() => postgresProcessesUnder(project.dir).length === 0, 'postgres to stop', { timeoutMs: 15000 });
  // The next session sees the snapshot (real psql through devenv psql, which starts and stops its server).
  const r = await run(['psql', '-XAtc', ITEMS]);
  expect(r.stdout.trim()).toBe('1:one,2:two');
});

test('a restore killed mid-swap: no server starts on its files until a snapshot command finishes it', async () => {
  setup('snap-swap');
  await ok(['init']);
  await ok(['up', '-d']);
  await value(`create table items(id int primary key, note text); insert into items values (1, 'saved')`);
  await ok(['snapshot', 'save', 'one']);
  await value(`update items set note = 'changed'`);
  await ok(['down']);
  // The state a restore leaves when killed mid-swap: staging copy made, half the cluster moved to the
  // trash, journal written, its processes gone (a pid that has exited).
  const pgdata = path.join(project.dir, '.pgres');
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

  // No server starts on half-swapped files; any snapshot command finishes the swap.
  expect(oneLine(await run(['up', '-d']))).toMatch(/snapshot restore was interrupted .*devenv snapshot list/);
  expect(postgresProcessesUnder(project.dir)).toEqual([]);
  expect((await ok(['snapshot', 'list'])).stderr).toMatch(/finished a snapshot restore that was interrupted/);
  await ok(['up', '-d']);
  expect(await value(ITEMS)).toBe('1:saved');
  expect(readdirSync(snapshots).sort()).toEqual(['one']);
  await ok(['down']);
});

test('with a ready copy (made in the background after a save or restore) a restore copies nothing', async () => {
  // Ready copies are on by default; the test environment turns spares off, this test back on.
  setup('snap-ready', 'system', { PGRES_NO_SPARES: undefined });
  await ok(['init']);
  await ok(['up', '-d']);
  await value(`create table items(id int primary key, note text); insert into items values (1, 'kept')`);
  await ok(['snapshot', 'save', 'one']);
  const snapshots = path.join(project.dir, '.pgres', 'snapshots');
  const ready = () => readdirSync(snapshots).filter((n) => n.startsWith('.ready-'));
  const { id } = JSON.parse(readFileSync(path.join(snapshots, 'one', 'snapshot.json'), 'utf8')) as { id: string };
  const readyMade = () => ready().length === 1 && jobsOf(project.dir).length === 0;
  await waitFor(readyMade, 'the ready copy', { timeoutMs: 30000 });
  expect(ready()).toEqual([`.ready-${id}`]);
  await value(`update items set note = 'changed'`);
  await ok(['down']);

  expect((await ok(['snapshot', 'restore', 'one', '--yes'])).stderr).toMatch(
    /restored snapshot "one" .* from its ready copy/,
  );
  await ok(['up', '-d']);
  expect(await value(ITEMS)).toBe('1:kept');
  // Used up, and made again for the next restore.
  await waitFor(readyMade, 'the next ready copy', { timeoutMs: 30000 });
  await ok(['down']);
  // Removing the snapshot removes its ready copy.
  await ok(['snapshot', 'rm', 'one']);
  expect(readdirSync(snapshots)).toEqual([]);
});

test('as root, a link the postgres account plants for .pgres/snapshots is not written or read through', async () => {
  need('root');
  setup('snap-link');
  await ok(['init']);
  // A directory of root's with what looks like a snapshot in it, and a link to it where the snapshots go
  // (the account owns .pgres, so it can put one there).
  const victim = mkdtempSync(path.join(tmpdir(), 'devenv-test-victim-'));
  mkdirSync(path.join(victim, 'fake', 'data'), { recursive: true });
  const manifest = { format: 1, id: 'ab', name: 'fake', createdAt: new Date().toISOString(), major: 15 };
  writeFileSync(path.join(victim, 'fake', 'snapshot.json'), JSON.stringify(manifest));
  const before = readdirSync(victim, { recursive: true }).sort();
  symlinkSync(victim, path.join(project.dir, '.pgres', 'snapshots'));
  try {
    expect(oneLine(await run(['snapshot', 'save', 'x']))).toMatch(/snapshots is not a directory/);
    expect(await listJson()).toEqual([]); // root's manifest is not the account's: not read
    expect(oneLine(await run(['snapshot', 'rm', 'fake']))).toMatch(/no snapshot named "fake"/);
    expect(readdirSync(victim, { recursive: true }).sort()).toEqual(before);
    expect(lstatSync(victim).uid).toBe(0);
  } finally {
    rmSync(victim, { recursive: true, force: true });
  }
});

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { baseEnv, CLI, FLAVOURS, waitFor } from '../helpers/project.js';
import { need, needForEach } from '../helpers/tools.js';
import { ITEMS, listJson, ok, project, setup, USER, useProjects, value } from './helpers.js';

useProjects();

describe.each(FLAVOURS)('$name binaries', (flavour) => {
  needForEach(...flavour.needs);
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

    // A stopped cluster (restoring under a running `up` is test/up/snapshot-restore.test.ts).
    await ok(['down']);
    const log = path.join(project.dir, '.pgres', 'devenv', 'logs', 'postgres.log');
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
    const copied = readdirSync(path.join(project.dir, '.pgres', 'snapshots', 'before', 'data'));
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
  need('psql');
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
    { cwd: project.dir, env: baseEnv(project.env), stdio: 'ignore' },
  );
  const writerExit = new Promise((r) => writer.on('exit', r));
  const count = async () => Number(await value('select count(*) from batches'));
  await waitFor(async () => (await count()) > 20, 'the first batches', { timeoutMs: 30000, stepMs: 50 });
  await ok(['snapshot', 'save', 'busy']);
  const afterSave = await count();
  await waitFor(async () => (await count()) > afterSave + 20, 'batches after the save', {
    timeoutMs: 30000,
    stepMs: 50,
  });
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

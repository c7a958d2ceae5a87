// The disk fills up under a running `devenv up`: postgres PANICs for its WAL and cannot restart,
// the supervisor's state and log writes fail. It says so once, naming the filesystem and its free
// space, keeps running (the app too), backs off, and says so in `status` and `logs`; no temporary
// file is left. Once there is space postgres comes back by itself, no committed row is lost, and
// the next `up` works.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { projectPaths } from '../../src/project/paths.js';
import { baseEnv, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { fillDisk, mountTmpfs, unmountWhenFree } from '../helpers/small-disk.js';
import { needForEach } from '../helpers/tools.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import { ForegroundUp, finish, pidAlive, writeFile } from './helpers.js';

// Where mounting is not allowed the test skips saying so, and under CI it fails (need('tmpfs')).
needForEach('tmpfs');

let outer = '';
afterAll(async () => {
  if (!outer) return;
  await unmountWhenFree(outer);
  rmSync(outer, { recursive: true, force: true });
});

/** One statement on its own connection; the error code when it fails (the server may be gone). */
async function sql(env: Record<string, string>, text: string): Promise<{ rows: unknown[] } | { error: string }> {
  const c = new pg.Client({ host: env.PGHOST, port: Number(env.PGPORT), user: env.PGUSER, database: env.PGDATABASE });
  c.on('error', () => {});
  try {
    await c.connect();
    return { rows: (await c.query(text)).rows };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    await c.end().catch(() => {});
  }
}

it('a full disk under up: one line naming the filesystem, postgres backs off, nothing crashes or is lost', async () => {
  outer = tempDir('up-diskfull');
  expect(mountTmpfs(outer, '64m')).toBe(true);
  const dir = path.join(outer, 'project');
  mkdirSync(dir);
  // As root devenv keeps its state and logs outside the project: on the small disk too, here.
  const state = path.join(outer, 'state');
  mkdirSync(state, { mode: 0o700 });
  const env = { XDG_STATE_HOME: state };
  const paths = projectPaths(dir, baseEnv(env));
  const cli = (args: string[]) => devenv(dir, args, { env });
  writeFile(
    dir,
    'devenv.json',
    JSON.stringify({ processes: { tick: { command: 'while :; do echo tick; sleep 0.2; done', watch: false } } }),
  );
  const groups = new Set<number>();
  const up = new ForegroundUp(dir, [], env);
  try {
    await up.waitOutput(/running 1 app process/, 60000);
    const tick = Number(/tick started \(pid (\d+)\)/.exec(up.output)![1]);
    groups.add(tick);
    const pgEnv = JSON.parse((await cli(['env', '--shell', 'json'])).stdout) as Record<string, string>;
    for (const stmt of ['create table s (n int)', 'insert into s values (0)', 'vacuum s', 'checkpoint']) {
      expect(await sql(pgEnv, stmt)).not.toHaveProperty('error');
    }
    expect(await sql(pgEnv, 'create table t as select generate_series(1, 1000) n')).not.toHaveProperty('error');

    const filler = path.join(outer, 'filler');
    fillDisk(filler);
    // Each update needs no new page, but the WAL switch after it needs a new segment: postgres PANICs.
    let committed = 0;
    for (let i = 0; i < 20; i++) {
      const r = await sql(pgEnv, 'update s set n = n + 1');
      if ('error' in r) break;
      committed++;
      if ('error' in (await sql(pgEnv, 'select pg_switch_wal()'))) break;
    }
    await up.waitOutput(
      /postgres exited with code \d+ \(PANIC: .*No space left on device\) unexpectedly; restarting in/,
    );
    const full = new RegExp(
      `disk full \\(.*\\): the filesystem at ${outer} ran out of space \\(now .* free of 64\\.0 MiB\\); ` +
        'devenv keeps running and retries; free some space',
    );
    await up.waitOutput(full);
    // It keeps running, the app too, and backs off.
    await up.waitOutput(/postgres failed to restart: .*No space left on device.*; restarting in/);
    expect(pidAlive(up.child.pid!)).toBe(true);
    expect(pidAlive(tick)).toBe(true);
    const status = await cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`disk +.* free of 64\\.0 MiB on ${outer} - full`));
    const logs = await cli(['logs', '-n', '1', 'tick']);
    expect(logs.stderr).toMatch(new RegExp(`note: the filesystem at ${outer} is full`));
    expect(readdirSync(paths.state).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    rmSync(filler);
    await up.waitOutput(/disk space is available again/, 60000);
    await up.waitOutput(/postgres restarted/, 60000);
    expect(up.output.match(full), 'the full disk is said once').toHaveLength(1);
    expect(await sql(pgEnv, 'select (select count(*) from t)::int as t, (select n from s) as s')).toEqual({
      rows: [{ t: 1000, s: committed }],
    });
    // What could not be written while the disk was full waited, and is in the log now.
    expect(readFileSync(path.join(paths.logs, 'devenv.log'), 'utf8')).toMatch(full);
    up.child.kill('SIGINT');
    expect(await up.closed).toEqual({ code: 0, signal: null });
    assertGroupGone(tick);
    expect(postgresProcessesUnder(dir)).toEqual([]);

    // The next `up` works, with every committed row.
    const again = await cli(['up', '-d']);
    expect(again.code, again.stderr).toBe(0);
    expect(await sql(pgEnv, 'select count(*)::int as n from t')).toEqual({ rows: [{ n: 1000 }] });
  } finally {
    if (up.child.exitCode === null) up.child.kill('SIGKILL');
    await waitFor(() => !pidAlive(up.child.pid!), 'foreground up gone');
    // The background `up` keeps its state where this test put it: stop it from there.
    expect((await cli(['down'])).code).toBe(0);
    await finish(dir, groups);
  }
});

// A real stack under `devenv up -d`, through its life: a migration (SQL into the project database through
// node-postgres) gates an HTTP server that reads its rows, whose readiness gates a worker. `up -d` returns
// once all three are there; `restart`, `stop`, `start` and `up NAME` act on one process while the others
// keep their pids; a failing migration is said with its last lines and keeps the running web serving; a
// renamed postgres.database is made and the apps move to it; with no `up`, the control commands say so.
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { devenv, REPO, waitFor } from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import { finish, logText, makeProject, type ProcessRow, statusJson, waitLog, writeFile } from './helpers.js';
import { BROKEN_MIGRATIONS, MIGRATIONS, stackConfig, stackFiles, startedGroups } from './stack-apps.js';

type Row = ProcessRow & { readiness: { state: string; text: string } | null; port: number | null };

function get(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', () => resolve(null));
  });
}

const port = await freePort();

describe('a stack under devenv up -d, and control of its processes', () => {
  const dir = makeProject('up-stack', stackFiles(port));
  afterAll(() => finish(dir, startedGroups(logText(dir, 'devenv'))));

  const rows = async () => (await statusJson(dir)).processes as Row[];
  const row = async (name: string) => (await rows()).find((p) => p.name === name)!;
  const pids = async () => Object.fromEntries((await rows()).map((p) => [p.name, p.pid]));
  const starts = (name: string) => logText(dir, 'devenv').split(`${name} started (pid`).length - 1;

  it('up -d returns once migrate completed, web answers with its rows and the worker got them', async () => {
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
    // Already there when up -d returns, not merely spawned.
    const status = await rows();
    expect(status.map((p) => [p.name, p.readiness?.state ?? null])).toEqual([
      ['postgres', null],
      ['migrate', 'completed'],
      ['web', 'ready'],
      ['worker', 'ready'],
    ]);
    const log = logText(dir, 'devenv');
    expect(log.indexOf('migrate exited')).toBeGreaterThan(-1);
    expect(log.indexOf('web started')).toBeGreaterThan(log.indexOf('migrate exited'));
    expect(log.indexOf('worker started')).toBeGreaterThan(log.indexOf('web started'));
    const db = (await statusJson(dir)) as unknown as { database: string };
    expect(await get(port)).toBe(`items=2 db=${db.database}`);
    await waitLog(dir, 'worker', /worker got: items=2/);
    const text = (await devenv(dir, ['status'])).stdout;
    expect(text).toMatch(new RegExp(`^ +web +running pid \\d+, ready, port ${port}, restarts 0, uptime`, 'm'));
  });

  it('restart web: a new instance, ready when the command returns; the others keep their pids', async () => {
    const before = await pids();
    const r = await devenv(dir, ['restart', 'web']);
    expect(r.code, r.stderr).toBe(0);
    const after = await pids();
    expect(r.stdout).toBe(`web: restarted, ready (pid ${after.web})\n`);
    expect(after.web).not.toBe(before.web);
    assertGroupGone(before.web!);
    expect({ ...after, web: 0 }).toEqual({ ...before, web: 0 });
    expect(await get(port)).toMatch(/^items=2/);
    expect(starts('migrate')).toBe(1);
  });

  it('stop web stops the worker first; start worker starts web again; up NAME starts one in this up', async () => {
    const before = await pids();
    const stop = await devenv(dir, ['stop', 'web']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe('worker: stopped (it needs web)\nweb: stopped\n');
    assertGroupGone(before.web!);
    assertGroupGone(before.worker!);
    expect((await rows()).map((p) => p.state)).toEqual(['running', 'exited', 'stopped', 'stopped']);

    const start = await devenv(dir, ['start', 'worker']);
    expect(start.code, start.stderr).toBe(0);
    const after = await pids();
    expect(start.stdout).toBe(
      `web: started (worker needs it), ready (pid ${after.web})\nworker: started, ready (pid ${after.worker})\n`,
    );
    expect(after.postgres).toBe(before.postgres);
    expect(starts('migrate')).toBe(1);

    expect((await devenv(dir, ['stop', 'worker'])).code).toBe(0);
    const up = await devenv(dir, ['up', 'worker']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^worker: started, ready \(pid \d+\)\n$/);
    const again = await devenv(dir, ['up', 'web']);
    expect(again.stdout).toBe(`web: already running, ready (pid ${after.web})\n`);
    // Without names, a second up is still refused.
    expect((await devenv(dir, ['up'])).stderr).toMatch(/^devenv: devenv up is already running for this project/);
  });

  it('a migration that fails: restart says why with its last lines; web keeps serving, its restart waits', async () => {
    const before = await pids();
    writeFile(dir, 'migrations.sql', BROKEN_MIGRATIONS);
    const r = await devenv(dir, ['restart', 'migrate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'devenv: migrate: restarted but exited 1; its last lines: migration failed: relation "nowhere" does not ' +
        'exist\n',
    );
    const web = await row('web');
    expect(web.readiness?.text).toBe('ready; its restart waits for migrate (exited 1)');
    expect(web.pid).toBe(before.web);
    expect(await get(port)).toMatch(/^items=2/);
    const text = (await devenv(dir, ['status'])).stdout;
    expect(text).toMatch(/^ +migrate +crashed, exited 1, restarts 1, .*last: .*migration failed: relation "nowhere"/m);

    // Fixed: it runs again, then web restarts after it (it consumed its result); the worker stays.
    writeFile(dir, 'migrations.sql', MIGRATIONS);
    const fixed = await devenv(dir, ['restart', 'migrate']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toBe('migrate: restarted, completed\n');
    await waitFor(
      async () => (await row('web')).readiness?.text === 'ready' && (await row('web')).pid !== before.web,
      'web restarted',
    );
    expect((await pids()).worker).toBe(before.worker);
  });

  it('unknown names are one line listing the processes; postgres restarts only when named', async () => {
    const typo = await devenv(dir, ['restart', 'wbe']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'devenv: no process "wbe" (did you mean "web"?); the processes are: postgres, migrate, web, worker\n',
    );
    expect((await devenv(dir, ['stop', 'postgres'])).stderr).toMatch(/^devenv: postgres runs as long as devenv up/);
    const before = await pids();
    const all = await devenv(dir, ['restart']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      /^migrate: restarted, completed\nweb: restarted, ready .*\nworker: restarted, ready .*\n$/,
    );
    expect((await pids()).postgres).toBe(before.postgres);
    const pg = await devenv(dir, ['restart', 'postgres']);
    expect(pg.code, pg.stderr).toBe(0);
    expect(pg.stdout).toBe('postgres: restarted (the apps stopped around it)\n');
    expect((await pids()).postgres).not.toBe(before.postgres);
  });

  it('postgres.database renamed under up: the database is made and the apps move to it', async () => {
    writeFile(dir, 'devenv.json', stackConfig(port, { database: 'renamed_db' }));
    // migrate's environment changed: it runs again, into the new database, before web restarts on it.
    await waitFor(async () => (await get(port)) === 'items=2 db=renamed_db', 'web on renamed_db', {
      timeoutMs: 20000,
      detail: () => logText(dir, 'devenv'),
    });
    expect(logText(dir, 'devenv')).toMatch(/postgres\.database changed: the apps move to database "renamed_db"/);
    expect(logText(dir, 'devenv')).not.toMatch(/run `devenv up` again/);
    const status = (await statusJson(dir)) as unknown as { database: string; pendingDatabases: string[] };
    expect(status).toMatchObject({ database: 'renamed_db', pendingDatabases: [] });
  });

  it('no up: control commands say so; a renamed database is not shown as there until exec makes it', async () => {
    expect((await devenv(dir, ['down'])).code).toBe(0);
    for (const args of [['restart'], ['stop', 'web'], ['start', 'web']]) {
      const r = await devenv(dir, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(
        'devenv: no devenv up is running for this project; `devenv up` (or `devenv up -d`) starts one\n',
      );
    }
    writeFile(dir, 'devenv.json', stackConfig(port, { database: 'later_db' }));
    const before = (await devenv(dir, ['status'])).stdout;
    expect(before).toMatch(
      /^database +later_db \(user \w+; not created yet: the next `devenv up`, `psql` or `exec` creates it\)$/m,
    );
    const pg = JSON.stringify(path.join(REPO, 'node_modules', 'pg'));
    const query = `const c = new (require(${pg}).Client)(process.env.DATABASE_URL);
      c.connect().then(() => c.query('select current_database() as d'))
        .then((r) => { console.log(r.rows[0].d); return c.end(); })`;
    const exec = await devenv(dir, ['exec', '--', 'node', '-e', query]);
    expect(exec.stdout, exec.stderr).toBe('later_db\n');
    expect((await devenv(dir, ['status'])).stdout).toMatch(/^database +later_db \(user \w+\)$/m);
  });

  it('up -d NAME starts it and what it needs, nothing else; a word that is no process points to --', async () => {
    const r = await devenv(dir, ['up', '-d', 'web']);
    expect(r.code, r.stderr).toBe(0);
    expect((await rows()).map((p) => [p.name, p.state, p.readiness?.text ?? null])).toEqual([
      ['postgres', 'running', null],
      ['migrate', 'exited', 'completed'],
      ['web', 'running', 'ready'],
      ['worker', 'pending', 'not started'],
    ]);
    // Every app that runs, not the one left out.
    const all = await devenv(dir, ['restart']);
    expect(all.stdout).toMatch(/^migrate: restarted, completed\nweb: restarted, ready \(pid \d+\)\n$/);
    expect((await row('worker')).state).toBe('pending');
    const bad = await devenv(dir, ['up', 'node', 'server.js']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'devenv: "node" is not a process of this project (its processes are: migrate, web, worker); ' +
        'to run a command, put it after `--`: devenv up -- node server.js\n',
    );
  });
});

// `devenv up -d` on one project through its whole life: status, logs, restarts on change, config
// and .env reloads, postgres settings, postgres killed, a second `up`, and `down`.
import { readlinkSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devenv, waitFor } from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import {
  environOf,
  finish,
  logText,
  makeProject,
  type ProcessRow,
  psql,
  statusJson,
  upState,
  waitLog,
  waitRunning,
  writeFile,
} from './helpers.js';

const config = (
  web: { env: Record<string, string> },
  extra: Record<string, unknown> = {},
  settings: Record<string, string> = {},
) =>
  JSON.stringify({
    postgres: { settings },
    processes: {
      // A grandchild behind the shell: the whole group must go on every restart.
      web: { command: 'echo "web up FOO=$FOO BAR=$BAR PORT=$PORT"; sleep 1000 & wait', port: 4567, env: web.env },
      ...extra,
    },
  });

describe('devenv up -d', () => {
  const dir = makeProject('up-bg', {
    'devenv.json': config({ env: { BAR: 'b1' } }),
    '.env': 'FOO=f1\n',
    'src/app.js': 'v1\n',
  });
  const groups = new Set<number>();
  let web: ProcessRow;
  const running = async (name: string, not?: number | null) => {
    const row = await waitRunning(dir, name, not);
    groups.add(row.pid!);
    return row;
  };
  /** Prove no restart is pending: one source change gives exactly one more restart. */
  const settle = async () => {
    const before = (await running('web')).pid;
    // Complete before it appears (an editor's safe save): a slow write's second event could come after
    // the restart it caused, and rightly give another.
    writeFile(dir, 'src/.sentinel.tmp', String(Date.now()));
    renameSync(path.join(dir, 'src/.sentinel.tmp'), path.join(dir, 'src/sentinel.js'));
    web = await running('web', before);
  };

  afterAll(() => finish(dir, groups));

  it(
    'returns once postgres is ready and the app started; status --json ' + 'lists processes; logs shows their lines',
    async () => {
      const r = await devenv(dir, ['up', '-d']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/running in the background \(pid \d+\)/);
      const status = await statusJson(dir);
      expect(status.supervisor?.phase).toBe('running');
      const names = status.processes.map((p) => [p.name, p.state, p.restarts]);
      expect(names).toEqual([
        ['postgres', 'running', 0],
        ['web', 'running', 0],
      ]);
      expect(status.processes[0]!.pid).toBe(status.server.pid);
      web = await running('web');
      expect(Date.parse(web.startedAt!)).not.toBeNaN();

      // The app's environment: the contract, .env, its own env, PORT; and no stdin.
      const contract = JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout) as Record<string, string>;
      const env = environOf(web.pid!);
      for (const key of ['PGDATA', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'DATABASE_URL'])
        expect(env[key], key).toBe(contract[key]);
      expect(env).toMatchObject({ FOO: 'f1', BAR: 'b1', PORT: '4567' });
      expect(readlinkSync(`/proc/${web.pid}/fd/0`)).toBe('/dev/null');

      await waitLog(dir, 'web', /web up FOO=f1 BAR=b1 PORT=4567/);
      const logs = await devenv(dir, ['logs', 'web']);
      expect(logs.code).toBe(0);
      expect(logs.stdout).toContain('web up FOO=f1 BAR=b1 PORT=4567');
      const all = await devenv(dir, ['logs']);
      expect(all.stdout).toMatch(/^postgres +\| .*ready to accept connections/m);
      expect(all.stdout).toMatch(/^web +\| web up FOO=f1/m);
    },
  );

  it('a second devenv up says one is running and exits non-zero', async () => {
    for (const args of [['up'], ['up', '-d']]) {
      const r = await devenv(dir, args);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toMatch(
        /^devenv: devenv up is already running for this project \(pid \d+, in the background\)/,
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a source change restarts the app: new pid, old group gone', async () => {
    const old = web.pid!;
    writeFile(dir, 'src/app.js', 'v2\n');
    web = await running('web', old);
    assertGroupGone(old);
  });

  it('a .env edit restarts the app once, with the new environment', async () => {
    const old = web.pid!;
    const restarts = web.restarts;
    writeFile(dir, '.env', 'FOO=f2\n');
    web = await running('web', old);
    assertGroupGone(old);
    expect(environOf(web.pid!).FOO).toBe('f2');
    await settle();
    // The reload and the sentinel: no extra restart with the old environment.
    expect(web.restarts).toBe(restarts + 2);
  });

  it(
    'a devenv.json edit restarts the app with its new env and starts an added process; ' +
      'an invalid one keeps the running config',
    async () => {
      const old = web.pid!;
      const restarts = web.restarts;
      writeFile(
        dir,
        'devenv.json',
        config({ env: { BAR: 'b2' } }, { worker: { command: 'sleep 1000', watch: false } }),
      );
      web = await running('web', old);
      expect(environOf(web.pid!).BAR).toBe('b2');
      const worker = await running('worker');
      await settle();
      expect(web.restarts).toBe(restarts + 2);

      writeFile(dir, 'devenv.json', '{ "processes": ');
      await waitLog(dir, 'devenv', /devenv\.json: invalid JSON.*; keeping the running configuration/);
      // The commands that look at what runs work from it, saying once that devenv.json is broken.
      const brokenNote = /devenv\.json: invalid JSON/g;
      const status = await devenv(dir, ['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const report = JSON.parse(status.stdout) as Awaited<ReturnType<typeof statusJson>> & { configError: string };
      expect(report.configError).toMatch(brokenNote);
      expect(report.server.pid).toBe(upState(dir).processes[0]!.pid);
      expect(report.processes.map((p) => [p.name, p.state, p.pid])).toEqual([
        ['postgres', 'running', expect.any(Number)],
        ['web', 'running', web.pid],
        ['worker', 'running', worker.pid],
      ]);
      const text = await devenv(dir, ['status']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout.match(brokenNote)).toHaveLength(1);
      expect(text.stdout).toMatch(/^ +web +running pid \d+/m);
      for (const args of [
        ['logs', '-n', '5', 'web'],
        ['snapshot', 'list'],
      ]) {
        const r = await devenv(dir, args);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr.match(brokenNote), r.stderr).toHaveLength(1);
      }
      expect((await devenv(dir, ['logs', '-n', '5', 'web'])).stdout).toMatch(/web up FOO=f2 BAR=b2/);

      writeFile(dir, 'devenv.json', config({ env: { BAR: 'b2' } }));
      await waitFor(async () => (await statusJson(dir)).processes.every((p) => p.name !== 'worker'), 'worker gone', {
        timeoutMs: 15000,
        stepMs: 100,
      });
      assertGroupGone(worker.pid!);
      expect((await statusJson(dir)).processes.find((p) => p.name === 'web')?.pid).toBe(web.pid);
    },
  );

  it('a postgres.settings edit restarts postgres with the new setting, and the apps around it', async () => {
    expect(await psql(dir, 'show work_mem')).toBe('4MB');
    const pgBefore = (await statusJson(dir)).server.pid;
    const old = web.pid!;
    writeFile(dir, 'devenv.json', config({ env: { BAR: 'b2' } }, {}, { work_mem: '7MB' }));
    await waitLog(dir, 'devenv', /postgres restarted/);
    web = await running('web', old);
    assertGroupGone(old);
    const status = await statusJson(dir);
    expect(status.server.pid).not.toBe(pgBefore);
    expect(status.processes[0]).toMatchObject({ name: 'postgres', state: 'running', restarts: 1 });
    expect(await psql(dir, 'show work_mem')).toBe('7MB');
  });

  it('postgres.settings that postgres refuses: one line, and it comes back with the previous ones', async () => {
    const old = web.pid!;
    writeFile(dir, 'devenv.json', config({ env: { BAR: 'b2' } }, {}, { work_mem: 'lots' }));
    await waitLog(
      dir,
      'devenv',
      /postgres did not start with the new postgres\.settings; restarting it with the previous ones/,
    );
    await waitLog(dir, 'devenv', /postgres restarted\n(.*\n)*.*postgres restarted\n/);
    web = await running('web', old);
    expect(await psql(dir, 'show work_mem')).toBe('7MB');
    writeFile(dir, 'devenv.json', config({ env: { BAR: 'b2' } }, {}, { work_mem: '7MB' }));
  });

  it('postgres killed with SIGKILL is restarted by the supervisor; committed rows survive', async () => {
    await psql(dir, 'create table t (n int); insert into t select generate_series(1, 100)');
    const pg = (await statusJson(dir)).server.pid!;
    process.kill(pg, 'SIGKILL');
    await waitLog(dir, 'devenv', /postgres killed by SIGKILL unexpectedly; restarting/);
    await waitFor(
      async () => {
        const s = await statusJson(dir);
        return s.processes[0]!.state === 'running' && s.server.pid !== null && s.server.pid !== pg;
      },
      'postgres running again',
      { timeoutMs: 20000, stepMs: 100, detail: () => logText(dir, 'devenv') },
    );
    expect(await psql(dir, 'select count(*) from t')).toBe('100');
  });

  it('devenv down stops the apps and postgres, even while devenv.json is broken', async () => {
    writeFile(dir, 'devenv.json', '{ "postgres": { "settings": ');
    const r = await devenv(dir, ['down']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/devenv\.json: invalid JSON.*stopping what runs anyway/g), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/stopped devenv up \(pid \d+\)/);
    for (const g of groups) assertGroupGone(g);
    expect((await statusJson(dir)).supervisor).toBeNull();
    expect(logText(dir, 'devenv')).toMatch(/all processes stopped\n$/);
  });
});

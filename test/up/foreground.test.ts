// `devenv up` in the foreground: Ctrl-C, a second Ctrl-C, Procfiles, broken configurations,
// and recovery after the supervisor was killed with SIGKILL.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devenv, postgresProcessesUnder, waitFor } from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import {
  ForegroundUp,
  finish,
  logText,
  makeProject,
  psql,
  statusJson,
  supervisorPid,
  waitLog,
  waitRunning,
  writeFile,
} from './helpers.js';

const projects: { dir: string; groups: Set<number> }[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await finish(p.dir, p.groups);
});

function project(label: string, files: Record<string, string>): { dir: string; groups: Set<number> } {
  const p = { dir: makeProject(label, files), groups: new Set<number>() };
  projects.push(p);
  return p;
}

/** Pids from "NAME started (pid N)" lines. */
function startedPids(output: string, name: string): number[] {
  return [...output.matchAll(new RegExp(`${name} started \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1]));
}

describe('devenv up (foreground)', () => {
  it('Ctrl-C stops the apps, then postgres, and exits 0 with nothing left; Procfile is used', async () => {
    const { dir, groups } = project('up-int', { Procfile: '# the app\nweb: sleep 1000 & wait\n' });
    const up = new ForegroundUp(dir);
    await up.waitOutput(/running 1 app process from Procfile; Ctrl-C stops everything/);
    const [pid] = startedPids(up.output, 'web');
    groups.add(pid!);
    up.child.kill('SIGINT');
    expect(await up.closed).toEqual({ code: 0, signal: null });
    const tail = up.output.slice(up.output.indexOf('SIGINT: stopping apps, then postgres'));
    // Postgres' own shutdown lines come through with its prefix, before the last line.
    expect(tail).toMatch(/^postgres +\| .*database system is shut down$/m);
    expect(tail.trimEnd()).toMatch(/devenv +\| all processes stopped$/);
    assertGroupGone(pid!);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('Ctrl-C while postgres is still starting stops it too', async () => {
    const { dir } = project('up-early-int', {});
    expect((await devenv(dir, ['init'])).code).toBe(0);
    for (let round = 0; round < 3; round++) {
      const up = new ForegroundUp(dir);
      // The moment postgres has written its pid file, before devenv has seen it become ready.
      await waitFor(() => existsSync(path.join(dir, '.pgres', 'postmaster.pid')), 'postmaster.pid', {
        timeoutMs: 20000,
        stepMs: 1,
      });
      up.child.kill('SIGINT');
      expect((await up.closed).code).toBe(0);
      expect(postgresProcessesUnder(dir)).toEqual([]);
    }
  });

  it('Ctrl-C while the apps are starting: the summary line never follows "shutting down"', async () => {
    // Many files: the watchers' first scan keeps the start-up going a while after the app started.
    const files: Record<string, string> = { Procfile: 'web: sleep 1000\n' };
    for (let i = 0; i < 3000; i++) files[`src/d${i % 100}/f${i}.js`] = '';
    const { dir, groups } = project('up-int-summary', files);
    const up = new ForegroundUp(dir);
    await up.waitOutput(/web started \(pid \d+\)/);
    groups.add(startedPids(up.output, 'web')[0]!);
    up.child.kill('SIGINT');
    expect(await up.closed).toEqual({ code: 0, signal: null });
    const after = up.output.slice(up.output.indexOf('shutting down'));
    expect(after).toMatch(/all processes stopped/);
    expect(after).not.toMatch(/running 1 app process|no app processes/);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('a second Ctrl-C kills at once an app that ignores SIGTERM; Procfile.dev wins over Procfile', async () => {
    const { dir, groups } = project('up-int2', {
      'Procfile.dev': "stubborn: trap '' TERM; sleep 1000 & wait\n",
      Procfile: 'web: exit 9\n',
    });
    const up = new ForegroundUp(dir);
    await up.waitOutput(/running 1 app process from Procfile\.dev/);
    const [pid] = startedPids(up.output, 'stubborn');
    groups.add(pid!);
    up.child.kill('SIGINT');
    await up.waitOutput(/shutting down \(again to kill at once\)/);
    up.child.kill('SIGINT');
    expect(await up.closed).toEqual({ code: 0, signal: null });
    expect(up.output).toMatch(/killing all processes now/);
    assertGroupGone(pid!);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('a missing command binary is one clear line; postgres still shuts down cleanly', async () => {
    const { dir } = project('up-missing', {});
    const up = new ForegroundUp(dir, ['--', 'devenv-no-such-command-x', '--flag']);
    await up.waitOutput(
      new RegExp(
        'app: command not found \\(exit 127\\): devenv-no-such-command-x --flag ' +
          '\\(check the command in your configuration\\); waiting for a file change',
      ),
    );
    up.child.kill('SIGINT');
    expect(await up.closed).toEqual({ code: 0, signal: null });
    expect(up.output).not.toMatch(/\n\s+at /); // no stack trace
    expect(up.output).toMatch(/database system is shut down/);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('bad process definitions: one clear line, non-zero, nothing started', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'devenv.json': '{"processes": {"web": {"cmd": "x"}}}' }, /devenv\.json: .*processes\.web.*command/],
      [
        { 'devenv.json': '{"processes": {"web": {"command": "x", "restart": "sometimes"}}}' },
        /devenv\.json: .*processes\.web\.restart/,
      ],
      [
        { 'devenv.json': '{"processes": {"web": {"command": "x", "cwd": "nowhere"}}}' },
        /processes\.web\.cwd: .*nowhere does not exist/,
      ],
      [{ 'devenv.json': '{"processes": {"postgres": {"command": "x"}}}' }, /the process name "postgres" is reserved/],
      [{ Procfile: 'web: ok\nthis line has no colon\n' }, /Procfile:2: expected "name: command"/],
      [{ Procfile: 'web: one\nweb: two\n' }, /Procfile:2: process "web" is already defined on line 1/],
    ];
    for (const [files, re] of cases) {
      const { dir } = project('up-bad', files);
      const r = await devenv(dir, ['up']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
      expect(postgresProcessesUnder(dir)).toEqual([]);
    }
  });

  it('up -d exits non-zero with the log tail when postgres cannot start, and leaves nothing running', async () => {
    const { dir } = project('up-d-fail', { Procfile: 'web: sleep 1000\n' });
    expect((await devenv(dir, ['init'])).code).toBe(0);
    writeFile(dir, 'devenv.json', '{"postgres": {"settings": {"work_mem": "lots"}}}');
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^devenv: devenv up did not start in the background \(exit 1\): .*invalid value for parameter "work_mem": "lots"/,
    );
    expect(supervisorPid(dir)).toBeNull();
    expect(logText(dir, 'devenv')).not.toMatch(/web started/);
    expect(postgresProcessesUnder(dir)).toEqual([]);
    // Again, and through psql's own server: each failure shows its own lines, none of the run before.
    for (const args of [
      ['up', '-d'],
      ['up', '-d'],
      ['psql', '-c', 'select 1'],
      ['psql', '-c', 'select 1'],
    ]) {
      const again = await devenv(dir, args);
      expect(again.code).toBe(1);
      // Its log line ("[pid] FATAL:  ..."), once; devenv's own line may repeat the reason.
      expect(again.stderr.match(/\] FATAL: +invalid value for parameter "work_mem"/g), again.stderr).toHaveLength(1);
    }
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('up -d exits non-zero naming an app that cannot start, and stops everything again', async () => {
    const { dir, groups } = project('up-d-app', { Procfile: 'web: no-such-command-xyz --serve\nok: sleep 1000\n' });
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^devenv: devenv up -d: web: .*127.*its last lines: .*no-such-command-xyz.*; everything was stopped again\n$/,
    );
    for (const pid of startedPids(logText(dir, 'devenv'), 'ok')) {
      groups.add(pid);
      assertGroupGone(pid);
    }
    expect(supervisorPid(dir)).toBeNull();
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it(
    'after SIGKILL of devenv up, psql works and the next up adopts postgres and replaces the orphaned app; ' +
      'reset cleans up after another SIGKILL',
    async () => {
      const { dir, groups } = project('up-kill', { Procfile: 'web: sleep 1000 & wait\n' });
      const first = await devenv(dir, ['up', '-d']);
      expect(first.code, first.stderr).toBe(0);
      const sup1 = supervisorPid(dir)!;
      const web1 = await waitRunning(dir, 'web');
      groups.add(web1.pid!);
      const pg = (await statusJson(dir)).server.pid!;
      process.kill(sup1, 'SIGKILL');

      // The cluster's server is still ours and usable without any manual step.
      expect(await psql(dir, 'select 41 + 1')).toBe('42');
      const second = await devenv(dir, ['up', '-d']);
      expect(second.code, second.stderr).toBe(0);
      const status = await statusJson(dir);
      expect(status.server.pid).toBe(pg);
      expect(status.processes[0]).toMatchObject({ name: 'postgres', state: 'running', pid: pg });
      const web2 = await waitRunning(dir, 'web', web1.pid);
      groups.add(web2.pid!);
      assertGroupGone(web1.pid!);
      expect(logText(dir, 'devenv')).toContain(
        `stopping web (pid ${web1.pid}), left running by a devenv up that was killed`,
      );
      await waitLog(dir, 'devenv', /using the postgres server already running on this cluster/);

      process.kill(supervisorPid(dir)!, 'SIGKILL');
      const reset = await devenv(dir, ['reset', '-y']);
      expect(reset.code, reset.stderr).toBe(0);
      expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
      expect(postgresProcessesUnder(dir)).toEqual([]);
    },
  );
});

// Closing the terminal of a foreground `devenv up`, or the pipe its output goes into, ends it like
// Ctrl-C: the apps (whole process groups, grandchildren too), then postgres; nothing left, the port
// free, and no crash on the way out.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupMembers } from '../helpers/proc.js';
import { baseEnv, CLI, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { assertGroupGone, assertPidGone, freePort } from '../supervisor/helpers.js';
import {
  finish,
  logText,
  makeProject,
  pidAlive,
  statusJson,
  supervisorPid,
  waitRunning,
  withoutTimes,
} from './helpers.js';

const SERVER =
  "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\n";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Running {
  dir: string;
  port: number;
  supervisor: number;
  postgres: number;
  /** The app's process group and its members (the shell's `sleep 1000` and `node server.js`). */
  group: number;
  members: number[];
}

/** A project whose app leaves a grandchild behind its shell and holds a TCP port. */
async function serverProject(label: string): Promise<{ dir: string; port: number }> {
  const port = await freePort();
  const dir = makeProject(label, {
    'server.js': SERVER,
    'devenv.json': JSON.stringify({ processes: { web: { command: 'sleep 1000 & node server.js', port } } }),
  });
  const groups = new Set<number>();
  cleanups.push(() => finish(dir, groups));
  return { dir, port };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Wait until the app answers on its port, and note every process that must be gone afterwards. */
async function whenRunning(dir: string, port: number): Promise<Running> {
  const web = await waitRunning(dir, 'web');
  await waitFor(() => answers(port), `web answering on port ${port}`, { timeoutMs: 20000, stepMs: 50 });
  const members = groupMembers(web.pid!).map((m) => m.pid);
  const cmdlines = members.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
  expect(cmdlines.some((c) => c.startsWith('sleep 1000'))).toBe(true);
  expect(cmdlines.some((c) => c.includes('server.js'))).toBe(true);
  return {
    dir,
    port,
    supervisor: supervisorPid(dir)!,
    postgres: (await statusJson(dir)).server.pid!,
    group: web.pid!,
    members,
  };
}

/** Everything `up` ran is gone, and it shut down in order rather than killing. */
async function assertAllGone(r: Running): Promise<void> {
  await waitFor(() => !pidAlive(r.supervisor), 'devenv up to exit', {
    timeoutMs: 30000,
    detail: () => logText(r.dir, 'devenv'),
  });
  expect(postgresProcessesUnder(r.dir)).toEqual([]);
  assertPidGone(r.postgres);
  assertGroupGone(r.group);
  for (const pid of r.members) assertPidGone(pid);
  expect(await answers(r.port), `port ${r.port} still answers`).toBe(false);
  const log = withoutTimes(logText(r.dir, 'devenv'));
  expect(log).toMatch(/shutting down \(again to kill at once\)\nall processes stopped\n$/);
  expect(log).not.toMatch(/killing all processes now/);
}

describe('devenv up when its terminal or output goes away', () => {
  it('closing the terminal (tmux kill-session) stops everything', async () => {
    need('tmux');
    const { dir, port } = await serverProject('up-hup');
    const side = tempDir('up-hup-side');
    cleanups.push(() => rmSync(side, { recursive: true, force: true }));
    const errFile = path.join(side, 'stderr');
    const socket = `devenv-test-hup-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const tm = (...args: string[]) =>
      execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env: baseEnv(), stdio: 'pipe' });
    cleanups.push(() => {
      try {
        tm('kill-server');
      } catch {
        // already gone: what the test expects
      }
    });
    // stdout (and stdin) on the terminal, stderr into a file we can read after the terminal is gone.
    tm('new-session', '-d', '-s', 't', '-x', '200', '-y', '50', '-c', dir, `'${CLI}' up 2>'${errFile}'`);
    const r = await whenRunning(dir, port);
    tm('kill-session', '-t', 't');
    await assertAllGone(r);
    expect(logText(dir, 'devenv')).toMatch(/(SIGHUP|stdout closed \(EIO\)): stopping apps, then postgres/);
    // No write error, and no abort from restoring the settings of a terminal that is gone.
    expect(readFileSync(errFile, 'utf8')).toBe('');
  });

  it('`devenv up | head -1` ends when head has its line, and leaves nothing', async () => {
    const { dir } = await serverProject('up-head');
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const sh = spawn('sh', ['-c', `'${CLI}' up | head -1`], {
        cwd: dir,
        env: baseEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      sh.stdout.on('data', (d) => (out += d));
      sh.stderr.on('data', (d) => (out += d));
      sh.on('close', (code) => resolve({ code, out }));
    });
    expect(r.out).toMatch(/^(devenv|postgres) +\| [^\n]*\n$/);
    expect(r.code).toBe(0);
    expect(postgresProcessesUnder(dir)).toEqual([]);
    expect(logText(dir, 'devenv')).toMatch(/stdout closed \(EPIPE\)(.|\n)*all processes stopped\n$/);
    expect((await statusJson(dir)).supervisor).toBeNull();
  });

  it('`devenv up | tee FILE` and Ctrl-C (SIGINT to the whole job) stops everything in order', async () => {
    const { dir, port } = await serverProject('up-tee');
    const side = tempDir('up-tee-side');
    cleanups.push(() => rmSync(side, { recursive: true, force: true }));
    const teeFile = path.join(side, 'out');
    // Its own process group, like a shell's foreground job: Ctrl-C reaches devenv and tee alike.
    const job = spawn('sh', ['-c', `'${CLI}' up | tee '${teeFile}' >/dev/null`], {
      cwd: dir,
      env: baseEnv(),
      stdio: 'ignore',
      detached: true,
    });
    const jobDone = new Promise((resolve) => job.on('close', resolve));
    const r = await whenRunning(dir, port);
    process.kill(-job.pid!, 'SIGINT');
    await assertAllGone(r);
    await jobDone;
    expect(logText(dir, 'devenv')).toMatch(/SIGINT: stopping apps, then postgres/);
    expect(readFileSync(teeFile, 'utf8')).toMatch(/running 1 app process from devenv\.json/);
    // The status after it: no supervisor, no server.
    const status = await devenv(dir, ['status', '--json']);
    expect(JSON.parse(status.stdout).supervisor).toBeNull();
  });
});

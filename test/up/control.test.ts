// The control channel into a running `devenv up`, with a real background `up`, real postgres and real
// apps: stop the apps (gone when the answer comes), start them again with a new environment, stop and
// start postgres around held apps, restart it; one client at a time; a client that dies leaves
// nothing held; a hung or dead supervisor is one line, not a hang.
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpControl } from '../../src/up/control-client.js';
import { upServerUsers } from '../../src/up/restore-under-up.js';
import { baseEnv, devenv, pathsOf, postgresProcessesUnder, REPO, waitFor } from '../helpers/project.js';
import { assertGroupGone } from '../supervisor/helpers.js';
import {
  environOf,
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

const CONFIG = JSON.stringify({
  processes: {
    web: { command: 'echo "web FOO=$FOO"; sleep 1000 & wait', watch: false },
    worker: { command: 'sleep 1000 & wait', watch: false },
  },
});

/** A client in its own process, holding what it was told to, until it is killed. */
const HOLDER = `import { UpControl } from ${JSON.stringify(path.join(REPO, 'dist/up/control-client.js'))};
import { projectAt } from ${JSON.stringify(path.join(REPO, 'dist/project/project.js'))};
const c = await UpControl.connect(projectAt(process.argv[2]).paths, 'test hold');
await c.stopApps();
if (process.argv[3] === 'postgres') await c.stopPostgres();
console.log('held');
setInterval(() => {}, 1 << 30);
`;

function holder(dir: string, what: 'apps' | 'postgres'): { child: ChildProcess; held: Promise<void> } {
  const child = spawn(process.execPath, [path.join(dir, 'holder.mjs'), dir, what], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: baseEnv(),
  });
  let out = '';
  const held = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('held')) resolve();
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', () => reject(new Error(`holder exited: ${out}`)));
  });
  return { child, held };
}

describe('the control channel of a running devenv up', () => {
  let dir: string;
  const groups = new Set<number>();
  const running = (name: string, not?: number | null) => waitRunning(dir, name, not, groups);
  const connect = async (purpose = 'test') => {
    const c = await UpControl.connect(pathsOf(dir), purpose);
    expect(c).not.toBeNull();
    return c!;
  };

  beforeAll(async () => {
    dir = makeProject('up-control', { 'devenv.json': CONFIG, '.env': 'FOO=one\n', 'holder.mjs': HOLDER });
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => finish(dir, groups));

  it('without a running up there is nothing to connect to', async () => {
    const other = makeProject('up-control-none', {});
    try {
      expect(await UpControl.connect(pathsOf(other), 'test')).toBeNull();
    } finally {
      await finish(other, []);
    }
  });

  it('stop-apps answers once the app groups are gone; start-apps brings them back with a new environment', async () => {
    const socket = statSync(pathsOf(dir).controlSocket);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    const web = await running('web');
    const worker = await running('worker');
    const pg = (await statusJson(dir)).server.pid;
    const c = await connect();
    try {
      await c.stopApps();
      // Gone when the answer came, not some time later.
      assertGroupGone(web.pid!);
      assertGroupGone(worker.pid!);
      const status = await statusJson(dir);
      expect(status.processes.map((p) => [p.name, p.state])).toEqual([
        ['postgres', 'running'],
        ['web', 'stopped'],
        ['worker', 'stopped'],
      ]);
      expect(status.server.pid).toBe(pg);
      await c.startApps({ DATABASE_URL: 'postgresql://someone@/elsewhere' });
      const web2 = await running('web', web.pid);
      const env = environOf(web2.pid!);
      expect(env.DATABASE_URL).toBe('postgresql://someone@/elsewhere');
      expect(env.PGDATABASE).toBe(environOf((await running('worker')).pid!).PGDATABASE);
      expect(env.FOO).toBe('one');
      // Apps that run: a new environment restarts them; an empty one gives the contract back.
      await c.startApps({});
      const web3 = await running('web', web2.pid);
      assertGroupGone(web2.pid!);
      const contract = JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout) as Record<string, string>;
      expect(environOf(web3.pid!).DATABASE_URL).toBe(contract.DATABASE_URL);
    } finally {
      c.close();
    }
    expect(logText(dir, 'devenv')).toMatch(/`devenv test` \(pid \d+\) asked: stopping the apps/);
  });

  it('postgres stops only while the apps are held; stopped, none of it runs; it starts, then the apps', async () => {
    const web = await running('web');
    const c = await connect();
    try {
      await expect(c.stopPostgres()).rejects.toThrow(/^stop the apps before postgres$/);
      await c.stopApps();
      await c.stopPostgres();
      expect(postgresProcessesUnder(dir)).toEqual([]);
      expect((await statusJson(dir)).processes[0]).toMatchObject({ name: 'postgres', state: 'stopped', pid: null });
      await expect(c.startApps()).rejects.toThrow(/postgres is stopped: start it before the apps/);
      await c.startPostgres();
      const pg = (await statusJson(dir)).server.pid!;
      expect(postgresProcessesUnder(dir)).toContain(pg);
      await c.startApps();
      await running('web', web.pid);
      assertGroupGone(web.pid!);
    } finally {
      c.close();
    }
  });

  it('a restore under up swaps with nothing of postgres or the apps running, then starts them again', async () => {
    const web = await running('web');
    const c = await connect();
    let during: { pg: number[]; states: string[] } | null = null;
    try {
      const result = await upServerUsers(c, pathsOf(dir)).around(async () => {
        during = {
          pg: postgresProcessesUnder(dir),
          states: (await statusJson(dir)).processes.map((p) => p.state),
        };
        return 42;
      });
      expect(result).toBe(42);
    } finally {
      c.close();
    }
    expect(during).toEqual({ pg: [], states: ['stopped', 'stopped', 'stopped'] });
    assertGroupGone(web.pid!);
    await running('web', web.pid);
    expect((await statusJson(dir)).processes[0]!.state).toBe('running');
  });

  it('restart-postgres restarts it with the apps stopped around it', async () => {
    const web = await running('web');
    const pg = (await statusJson(dir)).server.pid;
    const c = await connect();
    try {
      await c.request({ op: 'restart-postgres' });
    } finally {
      c.close();
    }
    const status = await statusJson(dir);
    expect(status.server.pid).not.toBe(pg);
    expect(postgresProcessesUnder(dir)).not.toContain(pg);
    const web2 = await running('web', web.pid);
    assertGroupGone(web.pid!);
    expect(web2.pid).not.toBe(web.pid);
  });

  it('one client at a time: a second one is told who is using it', async () => {
    const first = await connect('snapshot restore');
    try {
      await expect(UpControl.connect(pathsOf(dir), 'test')).rejects.toThrow(
        /^devenv up is busy with a request from `devenv snapshot restore` \(pid \d+\); try again once it is done$/,
      );
    } finally {
      first.close();
    }
    // Free again once the first has gone.
    await waitFor(
      async () => {
        try {
          (await connect()).close();
          return true;
        } catch {
          return false;
        }
      },
      'the channel to be free',
      { timeoutMs: 5000, stepMs: 50 },
    );
  });

  it('a config reload waits while a client has postgres stopped, and applies once it runs again', async () => {
    const web = await running('web');
    const c = await connect();
    try {
      await c.stopApps();
      await c.stopPostgres();
      // A settings change restarts postgres: not while the client has it stopped (its files may be changing).
      writeFile(
        dir,
        'devenv.json',
        CONFIG.replace('{"processes"', '{"postgres":{"settings":{"work_mem":"7MB"}},"processes"'),
      );
      writeFile(dir, '.env', 'FOO=two\n');
      await waitLog(dir, 'devenv', /another devenv command is using devenv up: the reload waits for it/);
      expect(postgresProcessesUnder(dir)).toEqual([]);
      expect((await statusJson(dir)).processes.map((p) => p.state)).toEqual(['stopped', 'stopped', 'stopped']);
      await c.startPostgres();
      await c.startApps();
    } finally {
      c.close();
    }
    await waitLog(dir, 'devenv', /postgres\.settings changed: restarting postgres/);
    await waitFor(async () => (await psql(dir, 'show work_mem')) === '7MB', 'work_mem 7MB', {
      timeoutMs: 15000,
      stepMs: 200,
    });
    const fooOfWeb = async () => {
      const row = await running('web', web.pid);
      try {
        return environOf(row.pid!).FOO;
      } catch {
        return undefined; // restarted meanwhile
      }
    };
    await waitFor(async () => (await fooOfWeb()) === 'two', 'web with FOO=two', { timeoutMs: 15000, stepMs: 100 });
  });

  for (const what of ['apps', 'postgres'] as const) {
    it(`a client killed while holding the ${what} leaves nothing held: up starts it all again`, async () => {
      const web = await running('web');
      const h = holder(dir, what);
      await h.held;
      assertGroupGone(web.pid!);
      if (what === 'postgres') expect(postgresProcessesUnder(dir)).toEqual([]);
      h.child.kill('SIGKILL');
      await running('web', web.pid);
      await waitFor(async () => (await statusJson(dir)).processes[0]?.state === 'running', 'postgres running', {
        timeoutMs: 15000,
        stepMs: 100,
      });
      expect(postgresProcessesUnder(dir).length).toBeGreaterThan(0);
      expect(logText(dir, 'devenv')).toMatch(
        what === 'apps'
          ? /`devenv test hold` \(pid \d+\) went away with the apps stopped: starting them again/
          : /`devenv test hold` \(pid \d+\) went away with postgres stopped: starting it again/,
      );
    });
  }

  it('a hung supervisor is one line after a few seconds, not a hang', async () => {
    const pid = supervisorPid(dir)!;
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(UpControl.connect(pathsOf(dir), 'test')).rejects.toThrow(
        new RegExp(`^devenv up \\(pid ${pid}\\) does not answer \\(is it hung\\? \`devenv down\` stops it\\)$`),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    (await connect()).close();
  });

  it('a supervisor killed with SIGKILL: no up to talk to; the next up clears its socket and answers', async () => {
    const pid = supervisorPid(dir)!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the supervisor to die');
    expect(await UpControl.connect(pathsOf(dir), 'test')).toBeNull();
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
    const c = await connect();
    expect(c.pid).toBe(supervisorPid(dir));
    c.close();
    await running('web');
  });
});

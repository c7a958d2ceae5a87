import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  baseEnv,
  CLI,
  cleanupProject,
  devenv,
  postgresProcessesUnder,
  REPO,
  runProcess,
  tempDir,
} from '../helpers/project.js';
import { need, needForEach, skipFor } from '../helpers/tools.js';

/**
 * CI runs as root, most users do not. As root, postgres must run as an
 * unprivileged account; as an ordinary user, as that user. Both are exercised here.
 */
const USER = 'devenvtest';

function accountUid(name: string): number | null {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

/** Can an ordinary account reach and run our CLI from where the repo is checked out? */
function repoReachableByOthers(): boolean {
  let dir = REPO;
  while (dir !== path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    dir = path.dirname(dir);
  }
  return true;
}

let dir: string;
beforeEach(() => {
  dir = tempDir('accounts');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

describe('as root', () => {
  needForEach('root');
  test('postgres runs as the unprivileged account that owns .pgres', async () => {
    expect((await devenv(dir, ['init'])).code).toBe(0);
    const owner = statSync(path.join(dir, '.pgres')).uid;
    expect(owner).not.toBe(0);
    expect(owner).toBe(accountUid('postgres') ?? accountUid('nobody'));
    const q = await devenv(dir, ['psql', '-XAt', '-c', 'select current_user', '-c', '\\! id -u']);
    expect(q.code).toBe(0);
    // The client is root (superuser "root"); the server is not.
    expect(q.stdout.split('\n')[0]).toBe('root');
  });

  test("root's secrets stay out of the environment of the server the account runs", async () => {
    const env = { DEVENV_TEST_SECRET: 'hunter2', AWS_SECRET_ACCESS_KEY: 'abc' };
    expect((await devenv(dir, ['up', '-d'], { env })).code).toBe(0);
    try {
      const [pid] = postgresProcessesUnder(dir);
      expect(pid).toBeGreaterThan(0);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ.some((e) => e.startsWith('PATH='))).toBe(true);
      expect(environ.filter((e) => /SECRET/.test(e))).toEqual([]);
    } finally {
      expect((await devenv(dir, ['down'])).code).toBe(0);
    }
  });

  test('a project below a directory the account cannot enter fails with that directory named', async () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(path.join(locked, 'proj'), { recursive: true });
    chmodSync(locked, 0o700);
    const r = await devenv(path.join(locked, 'proj'), ['init']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot enter ${locked} (mode 0700)`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('PGRES_RUN_AS naming a missing account is a clear error', async () => {
    const r = await devenv(dir, ['init'], { env: { PGRES_RUN_AS: 'no-such-account-xyz' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the account "no-such-account-xyz" .* does not exist/);
  });
});

describe('as an ordinary account', () => {
  const here = needForEach('root');
  const reachable = repoReachableByOthers();
  beforeEach(() => {
    if (!reachable) skipFor(`another account cannot reach this checkout (a directory above ${REPO} is not o+x)`);
  });
  let uid: number;
  let cache: string;
  beforeAll(() => {
    if (!here || !reachable) return;
    if (accountUid(USER) === null) {
      const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', USER], {
        encoding: 'utf8',
      });
      // Another test run on the machine may have made it meanwhile: what counts is that it exists.
      expect(accountUid(USER), r.stderr).not.toBeNull();
    }
    uid = accountUid(USER)!;
    cache = tempDir('usercache');
    chownSync(cache, uid, uid);
  });
  afterAll(async () => {
    await cleanupProject(cache);
  });

  // Its own home for its caches and trust store (this run's are root's).
  const userEnv = () =>
    baseEnv({
      PGRES_CACHE_DIR: cache,
      HOME: cache,
      USER,
      LOGNAME: USER,
      XDG_CACHE_HOME: undefined,
      XDG_DATA_HOME: undefined,
    });
  const asUser = (cwd: string, args: string[]) =>
    runProcess('runuser', ['-u', USER, '--', CLI, ...args], {
      cwd,
      env: userEnv(),
    });

  test.each(['system', 'embedded'])('init, psql and reset with %s binaries', async (bindir) => {
    chownSync(dir, uid, uid);
    const init = await runProcess('runuser', ['-u', USER, '--', 'env', `PGRES_BINDIR=${bindir}`, CLI, 'init'], {
      cwd: dir,
      env: userEnv(),
    });
    expect(init.stderr).toMatch(/initialised/);
    expect(statSync(path.join(dir, '.pgres')).uid).toBe(uid);
    need('psql');
    const q = await asUser(dir, ['psql', '-XAt', '-c', 'select current_user, current_database()', '-c', '\\! id -un']);
    expect(q.code).toBe(0);
    expect(q.stdout.split('\n').slice(0, 2)).toEqual([`${USER}|${USER}`, USER]);
    expect(postgresProcessesUnder(dir)).toEqual([]);
    const reset = await asUser(dir, ['reset', '-y']);
    expect(reset.code).toBe(0);
  });
});

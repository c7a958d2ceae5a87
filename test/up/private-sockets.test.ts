// A project whose path is too long for a Unix socket in it: postgres' socket dir and the control socket
// of `up` go to the user's private runtime dir. Another local account (nobody) that made the names it
// would guess first (in a sticky /tmp the owner could never remove them) locks nothing out: the project
// starts, serves psql, takes a snapshot restore through the control channel, and stops. A control
// channel that cannot be made is said by `up -d` on its terminal.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ProjectPaths, projectPaths, shortHash } from '../../src/project/paths.js';
import { baseEnv, devenv, tempDir } from '../helpers/project.js';
import { runSubdir } from '../helpers/run-dir.js';
import { needForEach } from '../helpers/tools.js';
import { finish, logText, waitRunning } from './helpers.js';

function nobodyIds(): number {
  return Number(/^nobody:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1] ?? 65534);
}

/** A directory (or file) made by the nobody account, open to everyone, as an attacker would leave it. */
function plantAsNobody(p: string, kind: 'dir' | 'file'): void {
  if (kind === 'dir') mkdirSync(p, { mode: 0o777 });
  else writeFileSync(p, '');
  chownSync(p, nobodyIds(), nobodyIds());
}

describe('sockets of a long project path, with their guessable names taken by another account', () => {
  needForEach('root', 'account:nobody');
  const planted: string[] = [];
  let dir = '';
  let env: Record<string, string> = {};
  let paths: ProjectPaths;
  const run = (args: string[]) => devenv(dir, args, { env });
  const groups = new Set<number>();

  afterAll(async () => {
    if (dir) await finish(dir, groups);
    for (const p of planted) rmSync(p, { recursive: true, force: true });
  });

  it('starts, serves psql and restores a snapshot through the control channel', async () => {
    // /tmp/devenv-test-…/<80 x>/<40 p>: too long for .pgres/.s.PGSQL.5432 (and the state's up.sock, below).
    const parent = path.join(tempDir('sockets'), 'x'.repeat(80));
    mkdirSync(parent, { mode: 0o755 });
    dir = path.join(parent, 'p'.repeat(40));
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(
      path.join(dir, 'devenv.json'),
      JSON.stringify({ processes: { web: { command: 'sleep 1000', watch: false } } }),
    );
    const tmp = mkdtempSync(path.join(runSubdir('sockets-tmp', 0o755), 't-'));
    chmodSync(tmp, 0o1777); // as /tmp: everyone may make entries, only their owner remove them
    planted.push(tmp);
    env = { TMPDIR: tmp };
    // Root's state (where up.sock goes when its path fits) deep enough that it never fits, whatever the OS's
    // limit and the temp dir's name: for this file's CLI runs and the helpers that read what they wrote.
    const state = path.join(runSubdir('sockets-state', 0o700), 's'.repeat(60));
    mkdirSync(state, { mode: 0o700 });
    process.env.PGRES_TEST_STATE_DIR = state;
    // What an older devenv (and a first guess) would use: taken by nobody.
    const uid = process.getuid!();
    plantAsNobody(path.join(tmp, `devenv-${uid}`), 'dir');
    for (const old of [`/tmp/devenv-${'p'.repeat(16)}-${shortHash(dir)}`, `/tmp/devenv-up-${shortHash(dir)}.sock`]) {
      plantAsNobody(old, old.endsWith('.sock') ? 'file' : 'dir');
      planted.push(old);
    }
    paths = projectPaths(dir, baseEnv(env));
    expect(paths.socketDirIsShort).toBe(true);
    const base = path.dirname(paths.socketDir);
    expect(path.dirname(paths.controlSocket)).toBe(base);
    expect(base).toMatch(new RegExp(`^${tmp}/devenv-${uid}-\\w{6}$`));
    planted.push(base);

    const up = await run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).not.toMatch(/control channel/);
    groups.add((await waitRunning(dir, 'web')).pid!);
    expect(lstatSync(paths.controlSocket).isSocket()).toBe(true);
    expect(lstatSync(path.join(paths.socketDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
    const q = await run(['psql', '-XAtc', 'select 1']);
    expect([q.code, q.stdout.trim()], q.stderr).toEqual([0, '1']);
    expect((await run(['snapshot', 'save', 's'])).code).toBe(0);
    const restore = await run(['snapshot', 'restore', 's', '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toMatch(/devenv up \(pid \d+\) had its apps and postgres down/);
    groups.add((await waitRunning(dir, 'web')).pid!);
    expect(logText(dir, 'devenv')).not.toMatch(/control channel off/);
  });

  it('up -d says on its terminal when the control channel cannot be made', async () => {
    expect((await run(['down'])).code).toBe(0);
    writeFileSync(paths.controlSocket, 'not a socket');
    const up = await run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/control channel off: .*up-\w+\.sock exists and is not a socket of ours; remove it/);
    groups.add((await waitRunning(dir, 'web')).pid!);
    expect((await run(['down'])).code).toBe(0);
    rmSync(paths.controlSocket);
  });
});

// Where a project's sockets go: in the project when the path fits a Unix socket, else in the user's
// private runtime dir (XDG_RUNTIME_DIR, else <tmp>/devenv-<uid>), never under a name another account
// can take first: a taken one is replaced by an unguessable directory, recorded and used from then on.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { controlSocketFor, MAX_SOCKET_PATH, socketDirFor, socketFile } from '../../src/project/paths.js';
import { runSubdir } from '../helpers/run-dir.js';
import { need } from '../helpers/tools.js';

const longRoot = `/tmp/${'x'.repeat(100)}/project`;
const uid = process.getuid!();
/** A temp dir of this test's own (TMPDIR for the code under test), sticky like /tmp. */
const tmp = mkdtempSync(path.join(runSubdir('paths-tmp', 0o755), 't-'));
chmodSync(tmp, 0o1777);
const state = mkdtempSync(path.join(runSubdir('paths-state', 0o700), 's-'));
const env = (extra: Record<string, string> = {}) => ({ TMPDIR: tmp, XDG_STATE_HOME: state, ...extra });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('a project path short enough keeps the socket in .pgres', () => {
  expect(socketDirFor('/srv/app', '/srv/app/.pgres', env(), false)).toEqual({ dir: '/srv/app/.pgres', short: false });
});

test('a long project path gets a dir in XDG_RUNTIME_DIR when it is there and private', () => {
  const runtime = mkdtempSync(path.join(tmp, 'run-'));
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, env({ XDG_RUNTIME_DIR: runtime }), false);
  expect(got).toEqual({ dir: expect.stringMatching(/\/pg-project-[0-9a-f]{10}$/), short: true });
  expect(path.dirname(got.dir)).toBe(runtime);
  // One others can write to is not private: the per-user dir instead.
  const open = socketDirFor(longRoot, `${longRoot}/.pgres`, env({ XDG_RUNTIME_DIR: '/tmp' }), false);
  expect(path.dirname(open.dir)).toBe(path.join(tmp, `devenv-${uid}`));
});

test('without a runtime dir: <tmp>/devenv-<uid>, a real directory of ours closed to others', () => {
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, env({ XDG_RUNTIME_DIR: '/nonexistent/run/user/1' }), false);
  const base = path.join(tmp, `devenv-${uid}`);
  expect(got).toEqual({ dir: path.join(base, path.basename(got.dir)), short: true });
  const st = lstatSync(base);
  expect([st.isDirectory(), st.uid, st.mode & 0o777]).toEqual([true, uid, uid === 0 ? 0o711 : 0o700]);
});

test('root never uses its runtime dir (the account running postgres cannot reach it)', () => {
  const runtime = mkdtempSync(path.join(tmp, 'run-'));
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, env({ XDG_RUNTIME_DIR: runtime }), true);
  expect(path.dirname(got.dir)).toBe(path.join(tmp, `devenv-${uid}`));
});

test('as root, a $TMPDIR the account running postgres cannot pass through is not used: /tmp is', () => {
  need('root');
  const closed = mkdtempSync(path.join(tmp, 'closed-')); // 0700
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, env({ TMPDIR: closed }), true);
  expect(path.dirname(got.dir)).toBe('/tmp/devenv-0');
  expect(lstatSync('/tmp/devenv-0').mode & 0o777).toBe(0o711);
});

test('the short dir is the same for a project every time, another for another project, and fits a socket', () => {
  const at = (root: string) => socketDirFor(root, `${root}/.pgres`, env(), false).dir;
  expect(at(longRoot)).toBe(at(longRoot));
  expect(at(`${longRoot}2`)).not.toBe(at(longRoot));
  expect(Buffer.byteLength(`${at(longRoot)}/${socketFile(65535)}`)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
});

test("up's control socket sits with its state, or in the private runtime dir when that path is too long", () => {
  expect(controlSocketFor('/srv/app', '/srv/app/.pgres/devenv/state', env(), false)).toBe(
    '/srv/app/.pgres/devenv/state/up.sock',
  );
  const long = controlSocketFor(longRoot, `${longRoot}/.pgres/devenv/state`, env(), false);
  expect(long).toBe(path.join(tmp, `devenv-${uid}`, path.basename(long)));
  expect(path.basename(long)).toMatch(/^up-[0-9a-f]{10}\.sock$/);
  expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
  expect(controlSocketFor(`${longRoot}2`, `${longRoot}2/.pgres/devenv/state`, env(), false)).not.toBe(long);
});

test('<tmp>/devenv-<uid> made first by another account, or a link: an unguessable dir instead, recorded', () => {
  need('root'); // a directory of another account
  const other = mkdtempSync(path.join(runSubdir('paths-tmp', 0o755), 't-'));
  chmodSync(other, 0o1777);
  const nobody = Number(/^nobody:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1] ?? 65534);
  mkdirSync(path.join(other, `devenv-${uid}`), { mode: 0o777 });
  chownSync(path.join(other, `devenv-${uid}`), nobody, nobody);
  const stateDir = mkdtempSync(path.join(runSubdir('paths-state', 0o700), 's-'));
  const taken = { TMPDIR: other, XDG_STATE_HOME: stateDir };
  const first = socketDirFor(longRoot, `${longRoot}/.pgres`, taken, false).dir;
  const base = path.dirname(first);
  expect(base).toMatch(new RegExp(`^${other}/devenv-${uid}-\\w{6}$`));
  expect(lstatSync(base).uid).toBe(uid);
  expect(readFileSync(path.join(stateDir, 'devenv', 'runtime-dir'), 'utf8').trim()).toBe(base);
  // The same from then on, for the control socket too.
  expect(socketDirFor(longRoot, `${longRoot}/.pgres`, taken, false).dir).toBe(first);
  expect(path.dirname(controlSocketFor(longRoot, `${longRoot}/.pgres/devenv/state`, taken, false))).toBe(base);
  // The recorded one replaced by a link: not followed, a new one is made.
  rmSync(base, { recursive: true });
  symlinkSync('/etc', base);
  const again = path.dirname(socketDirFor(longRoot, `${longRoot}/.pgres`, taken, false).dir);
  expect(again).not.toBe(base);
  expect(lstatSync(again).isDirectory()).toBe(true);
  rmSync(other, { recursive: true, force: true });
});

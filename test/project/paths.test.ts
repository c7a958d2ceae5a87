import { expect, test } from 'vitest';
import { controlSocketFor, MAX_SOCKET_PATH, socketDirFor, socketFile } from '../../src/project/paths.js';

const longRoot = `/tmp/${'x'.repeat(100)}/project`;

test('a project path short enough keeps the socket in .pgres', () => {
  expect(socketDirFor('/srv/app', '/srv/app/.pgres', {}, false)).toEqual({ dir: '/srv/app/.pgres', short: false });
});

test('a long project path gets a short dir under XDG_RUNTIME_DIR when it exists', () => {
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, { XDG_RUNTIME_DIR: '/tmp' }, false);
  expect(got.short).toBe(true);
  expect(got.dir).toMatch(/^\/tmp\/devenv-project-[0-9a-f]{10}$/);
});

test('an XDG_RUNTIME_DIR that does not exist falls back to /tmp', () => {
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, { XDG_RUNTIME_DIR: '/nonexistent/run/user/1000' }, false);
  expect(got).toEqual({ dir: expect.stringMatching(/^\/tmp\/devenv-project-[0-9a-f]{10}$/), short: true });
});

test('root never uses its runtime dir (the account running postgres cannot reach it)', () => {
  const got = socketDirFor(longRoot, `${longRoot}/.pgres`, { XDG_RUNTIME_DIR: '/run' }, true);
  expect(got.dir.startsWith('/tmp/')).toBe(true);
});

test('the short dir is the same for a project every time, another for another project, and fits a socket', () => {
  const at = (root: string) => socketDirFor(root, `${root}/.pgres`, {}, false).dir;
  expect(at(longRoot)).toBe(at(longRoot));
  expect(at(`${longRoot}2`)).not.toBe(at(longRoot));
  expect(Buffer.byteLength(`${at(longRoot)}/${socketFile(5432)}`)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
});

test("up's control socket sits with its state, or under a short per-project name when that path is too long", () => {
  expect(controlSocketFor('/srv/app', '/srv/app/.pgres/devenv/state', {}, false)).toBe(
    '/srv/app/.pgres/devenv/state/up.sock',
  );
  const long = controlSocketFor(longRoot, `${longRoot}/.pgres/devenv/state`, { XDG_RUNTIME_DIR: '/tmp' }, false);
  expect(long).toMatch(/^\/tmp\/devenv-up-[0-9a-f]{10}\.sock$/);
  expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
  expect(controlSocketFor(`${longRoot}2`, `${longRoot}2/.pgres/devenv/state`, {}, false)).not.toBe(long);
});

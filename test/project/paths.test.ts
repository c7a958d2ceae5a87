import { describe, expect, it } from 'vitest';
import { MAX_SOCKET_PATH, SOCKET_FILE, socketDirFor } from '../../src/project/paths.js';

describe('socketDirFor', () => {
  const runtime = { XDG_RUNTIME_DIR: '/run/user/1000' };

  it('keeps the socket in .pgres while the path fits', () => {
    const root = '/home/me/proj';
    expect(socketDirFor(root, `${root}/.pgres`, runtime, false)).toEqual({ dir: `${root}/.pgres`, short: false });
  });

  it('a project path too long for a socket gets a short per-project dir in the runtime dir, else /tmp', () => {
    const root = `/home/me/${'deep/'.repeat(20)}my project!`;
    const pgdata = `${root}/.pgres`;
    const user = socketDirFor(root, pgdata, runtime, false);
    expect(user.short).toBe(true);
    expect(user.dir).toMatch(/^\/run\/user\/1000\/devenv-myproject-[0-9a-f]{10}$/);
    expect(Buffer.byteLength(`${user.dir}/${SOCKET_FILE}`)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
    // The same project always gets the same dir; another project another one.
    expect(socketDirFor(root, pgdata, runtime, false)).toEqual(user);
    expect(socketDirFor(`${root}2`, `${root}2/.pgres`, runtime, false).dir).not.toBe(user.dir);
    // Root's runtime dir is out of reach of the account postgres runs as; a relative one is ignored.
    expect(socketDirFor(root, pgdata, runtime, true).dir).toMatch(/^\/tmp\/devenv-myproject-[0-9a-f]{10}$/);
    expect(socketDirFor(root, pgdata, { XDG_RUNTIME_DIR: 'run' }, false).dir).toMatch(/^\/tmp\//);
  });

  it('falls back to /tmp when the runtime dir itself is too long', () => {
    const root = `/srv/${'x'.repeat(120)}`;
    const longRuntime = { XDG_RUNTIME_DIR: `/run/${'r'.repeat(90)}` };
    expect(socketDirFor(root, `${root}/.pgres`, longRuntime, false).dir).toMatch(/^\/tmp\/devenv-x{16}-[0-9a-f]{10}$/);
  });
});

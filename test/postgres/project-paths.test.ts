// A project whose path is awkward for PostgreSQL: too long for a Unix socket (a short socket dir instead), or
// full of spaces, quotes, $ and UTF-8.
import { existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanupProject, devenv, tempDir } from '../helpers/project.js';
import { need, unmet } from '../helpers/tools.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('preflight');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

test('a project path too long for a Unix socket gets a short socket dir, removed by reset', async () => {
  const deep = path.join(dir, 'a-rather-long-directory-name-for-a-project'.repeat(2), 'and-then-some-more');
  mkdirSync(deep, { recursive: true });
  expect(Buffer.byteLength(path.join(deep, '.pgres', '.s.PGSQL.5432'))).toBeGreaterThan(107);
  expect((await devenv(deep, ['init'])).code).toBe(0);
  const vars = JSON.parse((await devenv(deep, ['env', '--shell', 'json'])).stdout);
  expect(vars.PGHOST).toMatch(/^\/(tmp|run)\/.*devenv-/);
  expect(Buffer.byteLength(path.join(vars.PGHOST, '.s.PGSQL.5432'))).toBeLessThanOrEqual(103);
  const q = await devenv(deep, ['psql', '-XAt', '-c', 'show unix_socket_directories']);
  expect(q.code).toBe(0);
  expect(q.stdout.trim()).toBe(vars.PGHOST);
  expect(statSync(vars.PGHOST).mode & 0o777).toBe(0o700);
  const status = await devenv(deep, ['status']);
  expect(status.stdout).toContain(vars.PGHOST);
  expect((await devenv(deep, ['reset', '-y'])).code).toBe(0);
  expect(existsSync(vars.PGHOST)).toBe(false);
});

test('a short socket dir that is a symlink is refused', async () => {
  const deep = path.join(dir, 'x'.repeat(100));
  mkdirSync(deep, { recursive: true });
  expect((await devenv(deep, ['init'])).code).toBe(0);
  const vars = JSON.parse((await devenv(deep, ['env', '--shell', 'json'])).stdout);
  symlinkSync(dir, vars.PGHOST);
  try {
    const r = await devenv(deep, ['psql', '-c', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/is a symlink; refusing/);
  } finally {
    await import('node:fs').then((fs) => fs.unlinkSync(vars.PGHOST));
  }
});

test('a project path with spaces, quotes, $ and UTF-8 works end to end', async () => {
  const odd = path.join(dir, `my "odd" proj's $HOME dir ü`);
  mkdirSync(odd);
  writeFileSync(path.join(odd, 'devenv.json'), JSON.stringify({ postgres: { database: `it's "odd" ü` } }));
  expect((await devenv(odd, ['init'])).code).toBe(0);
  const q = await devenv(odd, ['psql', '-XAt', '-c', 'select current_database()']);
  expect(q.stdout.trim()).toBe(`it's "odd" ü`);
  const viaUrl = await devenv(odd, [
    'exec',
    '--',
    'sh',
    '-c',
    'psql -XAt "$DATABASE_URL" -c "select 1" || echo no-server',
  ]);
  // No server is running for exec; the URL must still parse (libpq reports a connection failure, not a URL error).
  expect(viaUrl.stderr).not.toMatch(/invalid/i);
  const shells = ['bash', 'zsh', 'fish'];
  for (const shell of shells.filter((sh) => !unmet(sh))) {
    const printed = await devenv(odd, ['env', '--shell', shell]);
    const { spawnSync } = await import('node:child_process');
    const script = shell === 'fish' ? `${printed.stdout}; printf %s $PGDATA` : `${printed.stdout} printf %s "$PGDATA"`;
    const r = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
    expect(r.stdout).toBe(path.join(odd, '.pgres'));
  }
  expect((await devenv(odd, ['reset', '-y'])).code).toBe(0);
  // The shells that are here were checked; one that is not makes the test a skip (a failure under CI).
  need(...shells);
});

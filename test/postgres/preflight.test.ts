import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { processesUsing } from '../../src/util/path-users.js';
import { git, gitRepo } from '../helpers/git.js';
import { baseEnv, CLI, cleanupProject, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

let dir: string;
beforeEach(() => {
  dir = tempDir('preflight');
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

describe('a .pgres devenv did not make is refused and left intact', () => {
  test('a non-empty directory', async () => {
    mkdirSync(path.join(dir, '.pgres'));
    writeFileSync(path.join(dir, '.pgres', 'precious.txt'), 'keep me');
    for (const cmd of [['init'], ['psql', '-c', 'select 1'], ['reset', '-y']]) {
      const r = await devenv(dir, cmd);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/is not a devenv cluster/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(readFileSync(path.join(dir, '.pgres', 'precious.txt'), 'utf8')).toBe('keep me');
  });

  test('a file', async () => {
    writeFileSync(path.join(dir, '.pgres'), 'not a dir');
    const r = await devenv(dir, ['init']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/is not a directory/);
    expect(readFileSync(path.join(dir, '.pgres'), 'utf8')).toBe('not a dir');
  });

  test('a symlink, even to an empty dir, is never followed (init or reset)', async () => {
    const outside = tempDir('outside');
    try {
      writeFileSync(path.join(outside, 'data.txt'), 'outside');
      symlinkSync(outside, path.join(dir, '.pgres'));
      for (const cmd of [['init'], ['reset', '-y']]) {
        const r = await devenv(dir, cmd);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/symlink/);
      }
      expect(readdirSync(outside)).toEqual(['data.txt']);
    } finally {
      await cleanupProject(outside);
    }
  });
});

test('a cluster of another major is refused with both versions named, data intact', async () => {
  need('system-postgres');
  const init = await devenv(dir, ['init'], { env: { PGRES_BINDIR: 'embedded' } });
  expect(init.code).toBe(0);
  const embeddedMajor = Number(readFileSync(path.join(dir, '.pgres', 'PG_VERSION'), 'utf8'));
  const r = await devenv(dir, ['psql', '-c', 'select 1'], { env: { PGRES_BINDIR: 'system' } });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(
    new RegExp(`made by PostgreSQL ${embeddedMajor} but the server found is PostgreSQL (?!${embeddedMajor})\\d+`),
  );
  expect(r.stderr).toMatch(/devenv reset/);
  expect(existsSync(path.join(dir, '.pgres', 'devenv', 'cluster.json'))).toBe(true);
  // Without an override the matching binaries are preferred for an existing cluster.
  const ok = await devenv(dir, ['psql', '-XAt', '-c', 'show server_version_num']);
  expect(ok.code).toBe(0);
  expect(Math.floor(Number(ok.stdout.trim()) / 10000)).toBe(embeddedMajor);
});

test('postgres.version no system binaries satisfy lists what was found (binaries "system": no fetch)', async () => {
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version: 11, binaries: 'system' } }));
  const r = await devenv(dir, ['init']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/PostgreSQL 11 is required .* only found \d+\.\d+ at /);
  expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
});

test('an init killed half-way leaves no .pgres; the next init removes the leftovers and succeeds', async () => {
  const child = spawn(CLI, ['init'], {
    cwd: dir,
    env: baseEnv({ PGRES_NO_TEMPLATE: '1' }),
    detached: true,
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  // Wait until initdb has started writing, then kill the whole group like a terminal's Ctrl-C would.
  await waitFor(
    () => readdirSync(dir).some((n) => n.startsWith('.pgres.partial-') && existsSync(path.join(dir, n, 'global'))),
    'initdb writing',
    { timeoutMs: 20000, stepMs: 5 },
  );
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres gone');
  expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  expect(readdirSync(dir).filter((n) => n.startsWith('.pgres.partial-'))).toHaveLength(1);

  const r = await devenv(dir, ['init']);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/removed a half-made cluster/);
  expect(readdirSync(dir).filter((n) => n.startsWith('.pgres.partial-'))).toEqual([]);
  const q = await devenv(dir, ['psql', '-XAt', '-c', 'select 1']);
  expect(q.stdout.trim()).toBe('1');
});

test('kill -9 of init alone (its initdb goes on): the next init stops that initdb before cleaning up', async () => {
  const child = spawn(CLI, ['init'], { cwd: dir, env: baseEnv({ PGRES_NO_TEMPLATE: '1' }), stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const initdbs = () => processesUsing(dir).filter((pid) => /\binitdb\b/.test(commandOf(pid)));
  let frozen: number[] = [];
  try {
    await waitFor(() => initdbs().length > 0, 'initdb running', { timeoutMs: 20000, stepMs: 2 });
    // Freeze initdb so it cannot finish on its own while we kill only its parent.
    frozen = initdbs();
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    expect(initdbs()).toEqual(frozen);

    const r = await devenv(dir, ['init']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/removed a half-made cluster/);
    expect(readdirSync(dir).filter((n) => n.startsWith('.pgres.partial-'))).toEqual([]);
    expect((await devenv(dir, ['psql', '-XAtc', 'select 1'])).stdout.trim()).toBe('1');
    expect(initdbs()).toEqual([]);
  } finally {
    for (const pid of [...frozen, ...processesUsing(path.join(dir, '.pgres.partial-'))]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  }
});

test('two concurrent inits leave exactly one valid cluster', async () => {
  const [a, b] = await Promise.all([devenv(dir, ['init']), devenv(dir, ['init'])]);
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  const created = [a, b].filter((r) => /initialised PostgreSQL/.test(r.stderr));
  expect(created).toHaveLength(1);
  expect(readdirSync(dir).filter((n) => n.startsWith('.pgres'))).toEqual(['.pgres']);
  const q = await devenv(dir, ['psql', '-XAt', '-c', 'select current_database()']);
  expect(q.code).toBe(0);
});

test('a data dir with a loose mode is fixed to 0700, with a notice', async () => {
  expect((await devenv(dir, ['init'])).code).toBe(0);
  chmodSync(path.join(dir, '.pgres'), 0o755);
  const r = await devenv(dir, ['psql', '-XAt', '-c', 'select 1']);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/fixed the mode .* to 0700/);
  expect(statSync(path.join(dir, '.pgres')).mode & 0o777).toBe(0o700);
});

test('init in a git repo adds .pgres/ to .gitignore once', async () => {
  mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules');
  expect((await devenv(dir, ['init'])).code).toBe(0);
  expect((await devenv(dir, ['init'])).code).toBe(0);
  expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.pgres/\n');
});

test('up making the cluster in a git repo ignores it too: `git add -A` stages nothing of .pgres', async () => {
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { tcp: true } }));
  gitRepo(dir);
  const up = await devenv(dir, ['up', '-d']);
  expect(up.code, up.stderr).toBe(0);
  expect(up.stderr).toContain('added .pgres/ to .gitignore');
  expect(existsSync(path.join(dir, '.pgres', 'devenv', 'tcp-password'))).toBe(true);
  git(dir, 'add', '-A');
  expect(git(dir, 'diff', '--cached', '--name-only').trim()).toBe('.gitignore');
  expect((await devenv(dir, ['down'])).code).toBe(0);
});

test('exec runs a command with the environment and the .env values, exit code propagated', async () => {
  writeFileSync(path.join(dir, 'devenv.json'), '{}');
  writeFileSync(path.join(dir, '.env'), 'GREETING="hello there"\n');
  const r = await devenv(dir, [
    'exec',
    '--',
    'sh',
    '-c',
    'printf "%s|%s|%s" "$GREETING" "$PGPORT" "$DATABASE_URL"; exit 3',
  ]);
  expect(r.code).toBe(3);
  const [greeting, port, url] = r.stdout.split('|');
  expect(greeting).toBe('hello there');
  expect(port).toBe('5432');
  expect(url).toContain(encodeURIComponent(path.join(dir, '.pgres')));
  const missing = await devenv(dir, ['exec', '--', 'no-such-command-xyz']);
  expect(missing.code).toBe(127);
  expect(missing.stderr).toMatch(/command not found: no-such-command-xyz/);
});

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
import { need, unmet } from '../helpers/tools.js';

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

describe('configuration errors are one clear line', () => {
  test('invalid JSON names file, line and column', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), '{\n  "postgres": {\n    "version": 16,\n  }\n}\n');
    const r = await devenv(dir, ['env']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/devenv\.json: invalid JSON at line 4, column 3/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('unknown and ill-typed keys name the key path', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { verison: 16 } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(/postgres\.verison: unknown key/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version: '16.x' } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(/postgres\.version: "16\.x" is not a PostgreSQL major/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version: 9 } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(/postgres\.version: must be at least 10, got 9/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ processes: { web: { comand: 'x' } } }));
    expect((await devenv(dir, ['init'])).stderr).toMatch(
      /processes\.web\.comand: unknown key, did you mean "command"\?/,
    );
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  });

  test('$schema is accepted and postgres.settings apply at start', async () => {
    writeFileSync(
      path.join(dir, 'devenv.json'),
      JSON.stringify({
        $schema: './node_modules/devenv-postgres/dist/devenv.schema.json',
        postgres: { settings: { work_mem: '7MB', application_name: "it's" } },
      }),
    );
    expect((await devenv(dir, ['init'])).code).toBe(0);
    const q = await devenv(dir, ['psql', '-XAt', '-c', 'show work_mem']);
    expect(q.stdout.trim()).toBe('7MB');
    // Edits apply at the next start without re-init.
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { settings: { work_mem: '9MB' } } }));
    expect((await devenv(dir, ['psql', '-XAt', '-c', 'show work_mem'])).stdout.trim()).toBe('9MB');
    // They are postgres' command line: they win over ALTER SYSTEM, devenv's connection settings above all.
    const alter = ["alter system set listen_addresses = '*'", "alter system set work_mem = '1MB'"];
    expect((await devenv(dir, ['psql', '-X', ...alter.flatMap((c) => ['-c', c])])).code).toBe(0);
    const shown = await devenv(dir, ['psql', '-XAt', '-c', 'show listen_addresses', '-c', 'show work_mem']);
    expect(shown.stdout).toBe('\n9MB\n');
  });

  test('settings that would open the server to others are refused before anything starts', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), '{"postgres": {"settings": {"listen_addresses": "*"}}}');
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/postgres\.settings\.listen_addresses is decided by devenv.*postgres\.tcp/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  });

  test('a database name with a newline is refused up front', async () => {
    writeFileSync(path.join(dir, 'devenv.json'), '{"postgres": {"database": "app\\nCHECKPOINT"}}');
    const r = await devenv(dir, ['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/postgres\.database: "app\\nCHECKPOINT" contains a control character/);
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
  });

  test('outside a project: a clear error, nothing created', async () => {
    for (const cmd of [['status'], ['psql'], ['env'], ['reset', '-y'], ['exec', '--', 'true']]) {
      const r = await devenv(dir, cmd);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/not inside a devenv project .* run `devenv init`/);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  test('binaries that do not exist: where we looked and what to do', async () => {
    const r = await devenv(dir, ['init'], { env: { PGRES_BINDIR: '/nonexistent/bin' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/PGRES_BINDIR points at \/nonexistent\/bin, which has no initdb/);
  });

  test('reset without a TTY and without --yes refuses and deletes nothing', async () => {
    expect((await devenv(dir, ['init'])).code).toBe(0);
    const r = await devenv(dir, ['reset']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/devenv reset --yes/);
    expect(existsSync(path.join(dir, '.pgres', 'PG_VERSION'))).toBe(true);
  });
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

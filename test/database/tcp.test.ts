import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { preferredTcpPort } from '../../src/project/tcp.js';
import { hookCacheDir, projectHookDir } from '../../src/shell/hook-cache.js';
import { nodePgScript } from '../helpers/clients.js';
import { cleanupProject, devenv, FLAVOURS, postgresProcessesUnder, tempDir } from '../helpers/project.js';
import { need, needForEach } from '../helpers/tools.js';

let dir: string;
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

/** What the listening-socket table shows for a port: local addresses only ("127.0.0.1", "[::1]"). */
const LISTENERS = 'ss -ltnH "sport = :$PGPORT" | awk \'{print $4}\' | sed "s/:$PGPORT\\$//" | sort | tr "\\n" " "';

describe.each(FLAVOURS)('postgres.tcp on $name binaries', ({ bindir, needs }) => {
  needForEach(...needs);
  test('loopback only, with the project password; the socket stays passwordless; the picked port stays', async () => {
    dir = tempDir('tcp');
    need('ss', 'psql');
    writeFileSync(
      path.join(dir, 'devenv.json'),
      JSON.stringify({ postgres: { binaries: bindir, database: 'shop', role: 'app', tcp: true } }),
    );
    const script = nodePgScript(
      dir,
      'tcp.cjs',
      `const u = new URL(env.DATABASE_URL_TCP);
const base = { host: u.hostname, port: Number(u.port), user: u.username, database: 'shop' };
return {
  url: env.DATABASE_URL_TCP.replace(/:[^:@/]*@/, ':***@'),
  withPassword: await q({ connectionString: env.DATABASE_URL_TCP },
    'select current_user as u, inet_server_addr()::text as addr'),
  ipv6: await q({ ...base, host: '::1', password: decodeURIComponent(u.password) },
    'select inet_server_addr()::text as addr'),
  wrongPassword: await q({ ...base, password: 'not-the-password' }, 'select 1'),
  superuserWrong: await q({ ...base, user: env.SU, password: 'nope' }, 'select 1'),
  socket: await q({ connectionString: env.DATABASE_URL }, 'select current_user as u'),
};`,
    );
    const r = await devenv(
      dir,
      [
        'exec',
        '--',
        'sh',
        '-c',
        // No password at all: the server asks for one (psql -w does not prompt).
        `node "$1"; ${LISTENERS}; echo; ` +
          `psql -Xw "postgresql://app@127.0.0.1:$PGPORT/shop" -c 'select 1' 2>&1 | tail -1; echo "$PGPORT"`,
        'sh',
        script,
      ],
      { env: { SU: userInfo().username } },
    );
    expect(r.code, r.stderr).toBe(0);
    const [json, listeners, noPassword, port] = r.stdout.trim().split('\n');
    const out = JSON.parse(json!);
    expect(out.url).toBe(`postgresql://app:***@127.0.0.1:${port}/shop`);
    expect(out.withPassword).toEqual([{ u: 'app', addr: '127.0.0.1/32' }]);
    expect(out.ipv6).toEqual([{ addr: '::1/128' }]);
    expect(out.wrongPassword.code).toBe('28P01'); // invalid_password
    expect(out.wrongPassword.error).toMatch(/password authentication failed for user "app"/);
    expect(out.superuserWrong.code).toBe('28P01');
    expect(out.socket).toEqual([{ u: 'app' }]);
    // Nothing but loopback: no 0.0.0.0, no [::], no other address.
    expect(listeners!.trim().split(' ').sort()).toEqual(['127.0.0.1', '[::1]']);
    expect(noPassword).toMatch(/no password supplied/);

    // Picked once and kept: recorded under .pgres, the same at the next start, PGPORT follows it.
    expect(readFileSync(path.join(dir, '.pgres/devenv/state/tcp-port'), 'utf8').trim()).toBe(port);
    const env = JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout);
    expect(env.PGPORT).toBe(port);
    expect(env.DATABASE_URL).toContain(`&port=${port}`);
    expect(env.DATABASE_URL_TCP).toBe(`postgresql://app@127.0.0.1:${port}/shop`); // no password in the shell
    const password = readFileSync(path.join(dir, '.pgres/devenv/tcp-password'), 'utf8').trim();
    expect(statSync(path.join(dir, '.pgres/devenv/tcp-password')).mode & 0o777).toBe(0o600);
    const revealed = JSON.parse((await devenv(dir, ['env', '--shell', 'json', '--reveal'])).stdout);
    expect(revealed.DATABASE_URL_TCP).toBe(`postgresql://app:${password}@127.0.0.1:${port}/shop`);
    const status = await devenv(dir, ['status']);
    expect(status.stdout).toMatch(
      new RegExp(`tcp +127\\.0\\.0\\.1:${port} \\(and ::1\\), user app, password: \`devenv env --reveal\``),
    );
    const again = await devenv(dir, ['exec', '--', 'sh', '-c', 'echo $PGPORT']);
    expect(again.stdout.trim()).toBe(port);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

test('true picks the next free port when the preferred one is taken; stale hook answers are dropped', async () => {
  dir = tempDir('tcp-pick');
  const preferred = preferredTcpPort(dir);
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: preferred }, resolve));
  const cache = tempDir('tcp-pick-cache');
  const env = { XDG_CACHE_HOME: cache };
  try {
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { tcp: true } }));
    // Before any start, the shell hook and `env` name the preferred port; a shell has cached that answer.
    expect(JSON.parse((await devenv(dir, ['env', '--shell', 'json'], { env })).stdout).PGPORT).toBe(String(preferred));
    const hookDir = projectHookDir(hookCacheDir({ XDG_CACHE_HOME: cache }), dir);
    mkdirSync(hookDir, { recursive: true });
    writeFileSync(path.join(hookDir, 'stamp.bash.abc'), '');

    const r = await devenv(dir, ['exec', '--', 'sh', '-c', 'echo $PGPORT'], { env });
    expect(r.code, r.stderr).toBe(0);
    const port = Number(r.stdout.trim());
    expect(port).toBeGreaterThan(preferred);
    expect(readFileSync(path.join(dir, '.pgres/devenv/state/tcp-port'), 'utf8').trim()).toBe(String(port));
    expect(JSON.parse((await devenv(dir, ['env', '--shell', 'json'], { env })).stdout).PGPORT).toBe(String(port));
    expect(existsSync(path.join(hookDir, 'stamp.bash.abc'))).toBe(false);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  } finally {
    await new Promise((r) => blocker.close(r));
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a port in use: psql and exec still work on the socket, saying so once; up refuses it', async () => {
  dir = tempDir('tcp-taken');
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (blocker.address() as { port: number }).port;
  const problem = `postgres.tcp: port ${port} on 127.0.0.1 is in use by another program`;
  const how = 'stop that program, or set "tcp" in devenv.json to a free port (or true: devenv picks one)';
  try {
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { tcp: port } }));
    const up = await devenv(dir, ['up', '-d']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`${problem}; ${how}`);
    expect(postgresProcessesUnder(dir)).toEqual([]);

    // Socket-only clients: a server on the socket alone, the port still naming its socket file.
    const exec = await devenv(dir, ['exec', '--', 'sh', '-c', 'echo "$PGPORT $DATABASE_URL"']);
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout.trim()).toMatch(new RegExp(`^${port} postgresql://`));
    expect(exec.stderr.split(problem)).toHaveLength(2);
    expect(exec.stderr).toContain(`${problem}: this server listens on its socket only`);
    const psql = await devenv(dir, ['psql', '-XAtc', "select current_setting('listen_addresses') = ''"]);
    expect(psql.code, psql.stderr).toBe(0);
    expect(psql.stdout.trim()).toBe('t');
    expect(psql.stderr.split(problem)).toHaveLength(2);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import {
  baseEnv,
  CLI,
  cleanupProject,
  devenv,
  FLAVOURS,
  IS_ROOT,
  postgresProcessesUnder,
  tcpListenersOf,
  tempDir,
  waitFor,
} from '../helpers/project.js';
import { need } from '../helpers/tools.js';

function readPid(pgdata: string): { pid: number; status: string } | null {
  try {
    const lines = readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), status: (lines[7] ?? '').trim() };
  } catch {
    return null;
  }
}

/** Hold a server up through a long-running `devenv psql` session; returns its postmaster pid and a stop function. */
async function holdServer(dir: string, env: Record<string, string>) {
  need('psql');
  const child = spawn(CLI, ['psql', '-c', 'select pg_sleep(60)'], { cwd: dir, env: baseEnv(env), stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor(() => readPid(path.join(dir, '.pgres'))?.status === 'ready', 'postgres ready', { timeoutMs: 30000 });
  const pid = readPid(path.join(dir, '.pgres'))!.pid;
  return {
    pid,
    async release() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.each(FLAVOURS)('cluster with $name binaries', ({ name, bindir }) => {
  const env = { PGRES_BINDIR: bindir };
  let dir: string;
  beforeEach(() => {
    dir = tempDir(name);
  });
  afterEach(async () => {
    expect(await cleanupProject(dir, env)).toEqual([]);
  });

  test('init makes a complete, socket-only cluster with the project database; reset removes it all', async () => {
    const init = await devenv(dir, ['init'], { env });
    expect(init.stderr).toMatch(/initialised PostgreSQL \d+/);
    expect(init.code).toBe(0);
    const pgdata = path.join(dir, '.pgres');
    expect(statSync(pgdata).mode & 0o777).toBe(0o700);
    const info = JSON.parse(readFileSync(path.join(pgdata, 'devenv', 'cluster.json'), 'utf8'));
    expect(info.major).toBe(Number(readFileSync(path.join(pgdata, 'PG_VERSION'), 'utf8')));
    if (bindir === 'embedded') expect(info.source).toBe('embedded');
    else expect(info.source).not.toBe('embedded');
    expect(readdirSync(dir).filter((n) => n.startsWith('.pgres.partial'))).toEqual([]);

    const again = await devenv(dir, ['init'], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already initialised/);

    const q = await devenv(
      dir,
      [
        'psql',
        '-XAt',
        '-c',
        'show listen_addresses',
        '-c',
        'select current_database()',
        '-c',
        'select count(*) from pg_database where datname = current_user',
      ],
      { env },
    );
    expect(q.stderr).toBe('');
    expect(q.code).toBe(0);
    const [listen, db, count] = q.stdout.split('\n');
    expect(listen).toBe('');
    expect(db).toBe(info.database);
    expect(count).toBe('1');
    // The session's server was only for that psql: it is gone again.
    expect(postgresProcessesUnder(dir)).toEqual([]);

    const reset = await devenv(dir, ['reset', '--yes'], { env });
    expect(reset.code).toBe(0);
    expect(existsSync(pgdata)).toBe(false);
    // What it moved aside is deleted in the background, by a process that ends when it is done.
    const deleter = () => findProcesses((p) => p.cmdline().includes('__delete') && p.cmdline().includes(dir));
    await waitFor(() => readdirSync(dir).length === 0 && deleter().length === 0, 'the old cluster deleted');
  });

  test('a running server has no TCP listener, runs unprivileged, DATABASE_URL works with node-postgres', async () => {
    expect((await devenv(dir, ['init'], { env })).code).toBe(0);
    const server = await holdServer(dir, env);
    try {
      expect(tcpListenersOf(server.pid)).toEqual([]);
      const owner = statSync(`/proc/${server.pid}`).uid;
      if (IS_ROOT) expect(owner).not.toBe(0);
      else expect(owner).toBe(process.getuid!());
      const printed = await devenv(dir, ['env', '--shell', 'json'], { env });
      const vars = JSON.parse(printed.stdout);
      expect(vars.PGHOST).toBe(path.join(dir, '.pgres'));
      const client = new pg.Client({ connectionString: vars.DATABASE_URL });
      await client.connect();
      try {
        const r = await client.query('select current_database() as db, inet_server_addr() as addr');
        expect(r.rows[0].db).toBe(vars.PGDATABASE);
        expect(r.rows[0].addr).toBeNull(); // a Unix socket connection
        // The cluster was made with fsync off and flushed once; the server itself always fsyncs.
        expect((await client.query('show fsync')).rows[0].fsync).toBe('on');
      } finally {
        await client.end();
      }
      const status = JSON.parse((await devenv(dir, ['status', '--json'], { env })).stdout);
      expect(status.server).toEqual({ state: 'running', pid: server.pid });
      expect(status.initialised).toBe(true);
      expect(status.dataSizeBytes).toBeGreaterThan(1_000_000);
    } finally {
      await server.release();
    }
    await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres gone');
    const status = JSON.parse((await devenv(dir, ['status', '--json'], { env })).stdout);
    expect(status.server.state).toBe('stopped');
  });

  test('psql uses a server that is already running and leaves it running', async () => {
    expect((await devenv(dir, ['init'], { env })).code).toBe(0);
    const server = await holdServer(dir, env);
    try {
      const q = await devenv(dir, ['psql', '-XAt', '-c', 'select 42'], { env });
      expect(q.stdout.trim()).toBe('42');
      expect(readPid(path.join(dir, '.pgres'))?.pid).toBe(server.pid);
      expect(postgresProcessesUnder(dir)).toContain(server.pid);
    } finally {
      await server.release();
    }
  });

  test('psql propagates the exit code and passes arguments through', async () => {
    expect((await devenv(dir, ['init'], { env })).code).toBe(0);
    const bad = await devenv(dir, ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-c', 'select 1/0'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/division by zero/);
    const script = await devenv(dir, ['psql', '-XAt', '-v', 'ON_ERROR_STOP=1'], {
      env,
      input: 'create table t(x int);\ninsert into t values (7);\nselect sum(x) from t;\n',
    });
    expect(script.code).toBe(0);
    expect(script.stdout).toMatch(/^7$/m);
    // Data survives the temporary server's shutdown.
    const again = await devenv(dir, ['psql', '-XAt', '-c', 'select x from t'], { env });
    expect(again.stdout.trim()).toBe('7');
  });
});

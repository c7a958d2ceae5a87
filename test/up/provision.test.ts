// `devenv up` provisions the database before any app starts: the setup's rows are there when the
// app reads them at its start (foreground and -d); a failed setup stops everything with its line;
// databases, extensions and TCP added to devenv.json while `up` runs are made, apps following.
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { preferredTcpPort } from '../../src/project/tcp.js';
import { PG_MODULE } from '../helpers/clients.js';
import { devenv, postgresProcessesUnder, tcpListenersOf } from '../helpers/project.js';
import {
  environOf,
  ForegroundUp,
  finish,
  logText,
  makeProject,
  psql,
  statusJson,
  supervisorPid,
  waitLog,
  waitRunning,
  writeFile,
} from './helpers.js';

/** An app that reads the seeded rows once at its start (from the URL its env names), then idles. */
const APP = `const pg = require(${JSON.stringify(PG_MODULE)});
const url = process.env[process.env.URL_VAR || 'DATABASE_URL'];
(async () => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  const r = await c.query("select string_agg(name, ',' order by id) as names, current_user as u from items");
  console.log('rows: ' + r.rows[0].names + ' as ' + r.rows[0].u + ' via ' + (process.env.URL_VAR || 'DATABASE_URL'));
  await c.end();
  setInterval(() => {}, 1 << 30);
})().catch((e) => { console.log('app error: ' + e.message); process.exitCode = 1; });
`;
const SCHEMA = 'CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text NOT NULL);\n';
const SEED = "TRUNCATE items;\nINSERT INTO items VALUES (1, 'one'), (2, 'two');\n";
const BROKEN_SEED = "TRUNCATE items;\n\nINSERT INTO items VALUES (1, 'one'),\n  (2, two);\n";

function config(postgres: object, env: Record<string, string> = {}): string {
  return JSON.stringify({
    postgres: { database: 'shop', role: 'app', setup: ['db/schema.sql', 'db/seed.sql'], ...postgres },
    processes: { web: { command: 'node app.cjs', watch: false, env } },
  });
}

function project(label: string, postgres: object, env: Record<string, string> = {}): string {
  return makeProject(label, {
    'devenv.json': config(postgres, env),
    'app.cjs': APP,
    'db/schema.sql': SCHEMA,
    'db/seed.sql': SEED,
  });
}

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port }, () => resolve(s));
  });

describe('devenv up provisions before the apps start', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('foreground: the app reads the seeded rows over TCP with the password, on the port picked now', async () => {
    const dir = project('up-prov-fg', { tcp: true }, { URL_VAR: 'DATABASE_URL_TCP' });
    const groups = new Set<number>();
    // The preferred port is taken: the start picks another one, after the apps' environment was first
    // made. They must get the port the server really listens on.
    const blocker = await listen(preferredTcpPort(dir));
    cleanups.push(async () => {
      await finish(dir, groups);
      blocker.close();
    });
    const up = new ForegroundUp(dir);
    await up.waitOutput(/running 1 app process from devenv\.json/);
    await up.waitOutput(/web +\| (rows|app error).*/);
    expect(up.output).toMatch(/web +\| rows: one,two as app via DATABASE_URL_TCP/);
    // Provisioning came before the app, in the supervisor's log.
    const log = logText(dir, 'devenv');
    expect(log.indexOf('setup: db/seed.sql (2 statements)')).toBeGreaterThan(-1);
    expect(log.indexOf('setup: db/seed.sql')).toBeLessThan(log.indexOf('web started'));
    const web = await waitRunning(dir, 'web');
    groups.add(web.pid!);
    const env = environOf(web.pid!);
    expect(env.PGPORT).not.toBe(String(preferredTcpPort(dir)));
    expect(env.DATABASE_URL_TCP).toMatch(new RegExp(`^postgresql://app:[^@]+@127\\.0\\.0\\.1:${env.PGPORT}/shop$`));
    up.child.kill('SIGINT');
    expect(await up.closed).toEqual({ code: 0, signal: null });
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('a failed setup: up -d and up exit non-zero with the file:line line, nothing left running', async () => {
    const dir = project('up-prov-fail', {});
    writeFile(dir, 'db/seed.sql', BROKEN_SEED);
    cleanups.push(() => finish(dir, []));
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toMatch(
      /^devenv: setup: db\/seed\.sql:4: column "two" does not exist \(this file was rolled back;/,
    );
    expect(r.stderr).not.toMatch(/did not start in the background/);
    expect(supervisorPid(dir)).toBeNull();
    expect(postgresProcessesUnder(dir)).toEqual([]);
    expect(logText(dir, 'devenv')).not.toMatch(/web started/);

    const up = new ForegroundUp(dir);
    expect((await up.closed).code).toBe(1);
    expect(up.output.trim().split('\n').pop()).toMatch(/^devenv: setup: db\/seed\.sql:4: column "two" does not exist/);
    expect(up.output).not.toMatch(/web started/);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

describe('devenv up -d: provisioning on start and on config reload', () => {
  let dir: string;
  const groups = new Set<number>();
  beforeAll(() => {
    dir = project('up-prov-bg', {});
  });
  afterAll(() => finish(dir, groups));
  let web: { pid: number | null; restarts: number };

  it('the app reads the seeded rows at its start', async () => {
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
    web = await waitRunning(dir, 'web');
    groups.add(web.pid!);
    await waitLog(dir, 'web', /rows: one,two as app via DATABASE_URL/);
  });

  it('an added database and extension are created; the app, its environment the same, keeps running', async () => {
    writeFile(dir, 'devenv.json', config({ databases: ['shop_test'], extensions: ['citext'] }));
    await waitLog(dir, 'devenv', /created extension citext in database "shop_test"/);
    expect(
      await psql(dir, "select datname || ':' || pg_get_userbyid(datdba) from pg_database where datname = 'shop_test'"),
    ).toBe('shop_test:app');
    for (const db of ['shop', 'shop_test']) {
      const r = await devenv(dir, [
        'psql',
        '-XAt',
        '-d',
        db,
        '-c',
        "select extname from pg_extension where extname = 'citext'",
      ]);
      expect(r.stdout.trim(), db).toBe('citext');
    }
    const now = await waitRunning(dir, 'web');
    expect(now.pid).toBe(web.pid);
    expect(logText(dir, 'devenv')).not.toMatch(/web: configuration changed/);
  });

  it('postgres.tcp turned on restarts postgres on loopback; the app restarts and reads over TCP', async () => {
    const pgBefore = (await statusJson(dir)).server.pid;
    writeFile(
      dir,
      'devenv.json',
      config({ databases: ['shop_test'], extensions: ['citext'], tcp: true }, { URL_VAR: 'DATABASE_URL_TCP' }),
    );
    const next = await waitRunning(dir, 'web', web.pid);
    groups.add(next.pid!);
    await waitLog(dir, 'web', /rows: one,two as app via DATABASE_URL_TCP/);
    expect(logText(dir, 'devenv')).toMatch(/postgres\.tcp changed: restarting postgres/);
    const status = await statusJson(dir);
    expect(status.server.pid).not.toBe(pgBefore);
    const port = Number(environOf(next.pid!).PGPORT);
    expect(port).toBeGreaterThan(1023);
    const listeners = tcpListenersOf(status.server.pid!);
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    expect(listeners.length).toBeGreaterThan(0);
    for (const l of listeners) expect(l).toMatch(new RegExp(`^(0100007F|0{24}01000000):${hexPort}$`));
    // The shell's view follows: PGPORT is the TCP port.
    const env = JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout) as Record<string, string>;
    expect(env.PGPORT).toBe(String(port));
  });

  it('down stops the app and postgres', async () => {
    const r = await devenv(dir, ['down']);
    expect(r.code, r.stderr).toBe(0);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

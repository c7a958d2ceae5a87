// provision-db.sh against a fresh, real cluster set up like a server's: the superuser is postgres,
// local connections use peer authentication. Run twice, it gives the role, the databases and the
// extensions, and the exported DATABASE_URL logs in as the role without a password.
//
// On a server the service's user is named like the role; here an ident map stands in for that
// (OS user nobody may log in as the app roles), so peer authentication is exercised for real.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { needForEach } from '../helpers/tools.js';
import { exportTo, FIXTURES } from './helpers.js';
import { NAMES } from './hostile.js';

/** The newest system PostgreSQL (Debian layout). */
function systemBindir(): string | null {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
    : [];
  majors.sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(base, majors[0], 'bin') : null;
}

const bindir = systemBindir();

let tmp: string;
let sock: string;
let data: string;

function run(cmd: string, args: string[], opts: { as?: string; env?: Record<string, string>; cwd?: string } = {}) {
  const argv =
    opts.as && opts.as !== userInfo().username ? ['runuser', '-u', opts.as, '--', cmd, ...args] : [cmd, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: opts.cwd ?? tmp,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LANG: 'C', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A query as the superuser, one row per line, columns joined by '|'. */
function query(sql: string, database = 'postgres'): string {
  const r = run('psql', ['-X', '-At', '-h', sock, '-d', database, '-c', sql], { as: 'postgres' });
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

/** DATABASE_URL from the exported environment file, with this cluster's socket dir for /run/postgresql. */
function databaseUrl(envFile: string): string {
  const line = spawnSync('grep', ['^DATABASE_URL=', envFile], { encoding: 'utf8' }).stdout.trim();
  expect(line).toMatch(/host=%2Frun%2Fpostgresql$/);
  return line.slice('DATABASE_URL='.length).replace('%2Frun%2Fpostgresql', encodeURIComponent(sock));
}

describe('provision-db.sh on a fresh cluster', () => {
  // Root: it runs commands as the postgres and nobody accounts, as on a server.
  const here = needForEach('root', 'system-postgres', 'psql', 'account:postgres', 'account:nobody');
  beforeAll(() => {
    if (!here) return;
    tmp = tempDir('export-provision');
    // Everything the server writes belongs to postgres; the exported files stay root's.
    const pg = path.join(tmp, 'pg');
    mkdirSync(pg, { mode: 0o755 });
    chownSync(pg, Number(run('id', ['-u', 'postgres']).stdout), Number(run('id', ['-g', 'postgres']).stdout));
    data = path.join(pg, 'data');
    sock = pg;
    const init = run(
      path.join(bindir!, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'peer', '--no-sync', '--wal-segsize=1', '-E', 'UTF8', '--locale', 'C'],
      {
        as: 'postgres',
      },
    );
    expect(init.stderr).not.toMatch(/error/i);
    expect(init.code).toBe(0);
    writeFileSync(path.join(data, 'pg_hba.conf'), 'local all postgres peer\nlocal all all peer map=app\n');
    writeFileSync(path.join(data, 'pg_ident.conf'), 'app nobody shop_app\napp nobody hello\n');
    const start = run(
      path.join(bindir!, 'pg_ctl'),
      ['-D', data, '-o', `-k ${sock} -c listen_addresses=''`, '-l', path.join(pg, 'log'), '-w', 'start'],
      { as: 'postgres' },
    );
    expect(start.code).toBe(0);
  });

  afterAll(async () => {
    if (!here) return;
    run(path.join(bindir!, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { as: 'postgres' });
    await waitFor(() => postgresProcessesUnder(tmp).length === 0, 'postgres gone');
    rmSync(tmp, { recursive: true, force: true });
  });

  const shop = () => path.join(tmp, 'deploy-shop');
  const provision = (out: string) => run('sh', [path.join(out, 'provision-db.sh')], { env: { PGHOST: sock } });

  it('gives the role, the databases and the extensions; a second run changes nothing', async () => {
    expect((await exportTo(FIXTURES.shop, 'systemd', shop())).code).toBe(0);
    const state = () =>
      [
        query(
          'select rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, oid ' +
            "from pg_roles where rolname = 'shop_app'",
        ),
        query(
          "select datname, pg_get_userbyid(datdba), oid from pg_database where datname like 'shop%' order by datname",
        ),
        query('select extname, oid from pg_extension order by extname', 'shop'),
        query('select extname, oid from pg_extension order by extname', 'shop_jobs'),
      ].join('\n');

    const first = provision(shop());
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('provision-db.sh: role shop_app and databases shop, shop_jobs are in place\n');
    expect(first.code).toBe(0);
    const after = state();
    expect(
      query("select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname = 'shop_app'"),
    ).toBe('t|f|f|f');
    expect(
      query("select datname, pg_get_userbyid(datdba) from pg_database where datname like 'shop%' order by 1"),
    ).toBe('shop|shop_app\nshop_jobs|shop_app');
    for (const db of ['shop', 'shop_jobs']) {
      expect(query("select string_agg(extname, ',' order by extname) from pg_extension", db)).toBe(
        'citext,pgcrypto,plpgsql',
      );
    }

    const second = provision(shop());
    expect(second).toEqual(first);
    expect(state()).toBe(after);
  });

  it('the exported DATABASE_URL logs in as the role by peer authentication, which owns its database', () => {
    expect(provision(shop()).code).toBe(0);
    const url = databaseUrl(path.join(shop(), 'shop.env'));
    const app = run(
      'psql',
      [
        '-X',
        '-At',
        url,
        '-c',
        'select current_user, current_database()',
        '-c',
        "create table t (name citext); insert into t values ('Ada'); select count(*) from t where name = 'ada'",
      ],
      {
        as: 'nobody',
      },
    );
    expect(app.stderr).toBe('');
    expect(app.stdout).toBe('shop_app|shop\nCREATE TABLE\nINSERT 0 1\n1\n');
    // Peer authentication is really in force: the same client may not pose as the superuser.
    const posing = run('psql', ['-X', '-At', url.replace('shop_app@', 'postgres@'), '-c', 'select 1'], {
      as: 'nobody',
    });
    expect(posing.stderr).toContain('Peer authentication failed for user "postgres"');
    expect(posing.code).not.toBe(0);
  });

  it('hostile database names stay names: each is made as written, owned by the role, with the extension', async () => {
    const project = path.join(tmp, 'hostile');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'devenv.json'),
      JSON.stringify({
        postgres: { role: 'hostile_app', database: NAMES[0], databases: NAMES.slice(1), extensions: ['citext'] },
        processes: { web: { command: 'x' } },
      }),
    );
    const out = path.join(tmp, 'deploy-hostile');
    expect((await exportTo(project, 'systemd', out)).code).toBe(0);
    const r = provision(out);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(`provision-db.sh: role hostile_app and databases ${NAMES.join(', ')} are in place\n`);
    const owned = query(
      "select datname from pg_database where datdba = (select oid from pg_roles where rolname = 'hostile_app')",
    );
    expect(owned.split('\n').sort()).toEqual([...NAMES].sort());
    for (const db of NAMES) {
      // A connection string, so that no character of the name means anything to psql.
      const dbname = `dbname='${db.replace(/[\\']/g, '\\$&')}'`;
      expect(query("select string_agg(extname, ',' order by extname) from pg_extension", dbname), db).toBe(
        'citext,plpgsql',
      );
    }
  });

  it('hello: the role named like the database, as the generated files say', async () => {
    const out = path.join(tmp, 'deploy-hello');
    expect((await exportTo(FIXTURES.hello, 'systemd', out)).code).toBe(0);
    for (let i = 0; i < 2; i++) {
      const r = provision(out);
      expect([r.code, r.stdout, r.stderr]).toEqual([
        0,
        'provision-db.sh: role hello and database hello are in place\n',
        '',
      ]);
    }
    const app = run(
      'psql',
      ['-X', '-At', databaseUrl(path.join(out, 'hello.env')), '-c', 'select current_user, current_database()'],
      {
        as: 'nobody',
      },
    );
    expect([app.stdout, app.stderr]).toEqual(['hello|hello\n', '']);
  });
});

import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { nodePgScript } from '../helpers/clients.js';
import { cleanupProject, devenv, FLAVOURS, postgresProcessesUnder, tempDir } from '../helpers/project.js';
import { need, needForEach } from '../helpers/tools.js';

let dir: string;
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

const EXTENSIONS = ['pgcrypto', 'pg_trgm', 'hstore', 'citext'];
const config = (extra: object) => JSON.stringify({ postgres: { database: 'shop', role: 'app', ...extra } });
const psql = async (args: string[]) => {
  const as = args[0] === '--as-app' ? [args.shift()!] : [];
  const r = await devenv(dir, ['psql', ...as, '-XAt', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
};

describe.each(FLAVOURS)('app role, databases and extensions on $name binaries', ({ bindir, needs }) => {
  needForEach(...needs);
  test('DATABASE_URL logs in as the role: it owns the project databases, with no more rights than an app', async () => {
    dir = tempDir('role');
    writeFileSync(
      path.join(dir, 'devenv.json'),
      config({ binaries: bindir, databases: ['shop_test'], extensions: EXTENSIONS }),
    );
    const init = await devenv(dir, ['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain('created role "app"');
    expect(init.stderr).toContain('created database "shop_test" (owner app)');

    // Superuser-only things, done as the superuser (devenv psql's default), in one session.
    const su = await psql([
      '-c',
      'select current_user, rolsuper from pg_roles where rolname = current_user',
      '-c',
      'create database secret',
      '-c',
      'revoke connect on database secret from public',
      '-c',
      '\\c postgres',
      '-c',
      'create table private_notes (t text)',
    ]);
    expect(su.split('\n')[0]).toBe(`${userInfo().username}|t`);
    expect(await psql(['--as-app', '-c', 'select current_user'])).toBe('app');

    const script = nodePgScript(
      dir,
      'app.cjs',
      `const url = env.DATABASE_URL;
const test = env.DATABASE_URL.replace('/shop?', '/shop_test?');
const other = (db) => env.DATABASE_URL.replace('/shop?', '/' + db + '?');
const extensions = 'select extname from pg_extension where extname <> $1 order by 1';
return {
  whoami: await q({ connectionString: url },
    'select current_user as u, rolsuper from pg_roles where rolname = current_user'),
  owners: await q({ connectionString: url },
    'select datname, pg_get_userbyid(datdba) as owner from pg_database ' +
      "where datname in ('shop', 'shop_test') order by 1"),
  extShop: await q({ connectionString: url }, extensions, ['plpgsql']),
  extTest: await q({ connectionString: test }, extensions, ['plpgsql']),
  works: await q({ connectionString: url },
    "select crypt('x', gen_salt('md5')) like '$1$%' as crypt, similarity('abc', 'abd') > 0 as trgm, " +
      "('a=>1'::hstore)->'a' as hs, 'A'::citext = 'a' as ci"),
  createTable: await q({ connectionString: url }, 'create table mine (id int)'),
  untrusted: await q({ connectionString: url }, 'create extension pageinspect'),
  secret: await q({ connectionString: other('secret') }, 'select 1'),
  privateNotes: await q({ connectionString: other('postgres') }, 'select * from private_notes'),
};`,
    );
    const r = await devenv(dir, ['exec', '--', 'node', script]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.whoami).toEqual([{ u: 'app', rolsuper: false }]);
    expect(out.owners).toEqual([
      { datname: 'shop', owner: 'app' },
      { datname: 'shop_test', owner: 'app' },
    ]);
    const sorted = [...EXTENSIONS].sort();
    expect(out.extShop.map((e: { extname: string }) => e.extname)).toEqual(sorted);
    expect(out.extTest.map((e: { extname: string }) => e.extname)).toEqual(sorted);
    expect(out.works).toEqual([{ crypt: true, trgm: true, hs: '1', ci: true }]);
    expect(out.createTable).toEqual([]); // no error: it may create tables in its own database
    expect(out.untrusted.code).toBe('42501'); // insufficient_privilege
    expect(out.untrusted.error).toMatch(/permission denied to create extension "pageinspect"/);
    expect(out.secret.code).toBe('42501');
    expect(out.secret.error).toMatch(/permission denied for database "secret"/);
    expect(out.privateNotes.code).toBe('42501');
    expect(out.privateNotes.error).toMatch(/permission denied for table private_notes/);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

test('databases and extensions added later are created at the next start; a missing extension: one line', async () => {
  dir = tempDir('role-later');
  need('system-postgres');
  writeFileSync(path.join(dir, 'devenv.json'), config({ binaries: 'system' }));
  expect((await devenv(dir, ['init'])).code).toBe(0);

  writeFileSync(
    path.join(dir, 'devenv.json'),
    config({ binaries: 'system', databases: ['later'], extensions: ['citext'] }),
  );
  const r = await devenv(dir, [
    'exec',
    '--db',
    'later',
    '--',
    'psql',
    '-XAtc',
    "select current_user || '@' || current_database() || ':' || " +
      "(select count(*) from pg_extension where extname = 'citext')",
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim()).toBe('app@later:1');
  expect(r.stderr).toContain('created database "later" (owner app)');
  // Nothing changed since: no connection, no messages.
  const quiet = await devenv(dir, ['exec', '--', 'true']);
  expect(quiet.stderr).toBe('');

  writeFileSync(path.join(dir, 'devenv.json'), config({ binaries: 'system', extensions: ['citext', 'no_such_ext'] }));
  const missing = await devenv(dir, ['exec', '--', 'true']);
  expect(missing.code).toBe(1);
  expect(missing.stderr.trim()).toMatch(
    new RegExp(
      '^devenv: postgres\\.extensions: "no_such_ext" is not available; install it for PostgreSQL 15 ' +
        '.*apt-get install postgresql-15-no-such-ext$',
    ),
  );

  writeFileSync(path.join(dir, 'devenv.json'), config({ binaries: 'system', role: userInfo().username }));
  const self = await devenv(dir, ['env']);
  expect(self.code).toBe(1);
  expect(self.stderr).toMatch(/postgres\.role ".*" is the cluster's superuser/);
});

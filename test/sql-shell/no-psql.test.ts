// `devenv psql` on a machine without a PostgreSQL client: every psql is hidden (a private mount namespace
// lays an empty tmpfs over /usr/lib/postgresql and /dev/null over each psql on PATH) and the project runs
// the embedded PostgreSQL 17, so findPsql finds nothing and the built-in shell must answer. Needs root for the
// namespace (CI runs as root); elsewhere the test is skipped, saying so.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, CLI, cleanupProject, postgresProcessesUnder, runProcess, tempDir } from '../helpers/project.js';
import { skipFor, which } from '../helpers/tools.js';

const UNSHARE = which('unshare') ?? 'unshare';
const MOUNT = which('mount') ?? 'mount';
const canHide = spawnSync(UNSHARE, ['--mount', 'true']).status === 0;
describe('devenv psql with no psql installed', () => {
  beforeEach(() => {
    if (!canHide) skipFor('cannot make a mount namespace to hide psql (needs root)');
  });
  let dir: string;
  /** Run in a mount namespace where no psql exists, with only node on PATH. */
  const hidden = (args: string[], input = '') =>
    runProcess(
      UNSHARE,
      [
        '--mount',
        '--propagation',
        'private',
        '/bin/sh',
        '-c',
        `${MOUNT} -t tmpfs none /usr/lib/postgresql || exit 99
        IFS=:; for d in $PATH; do [ -e "$d/psql" ] && { ${MOUNT} --bind /dev/null "$d/psql" || exit 99; }; done
        unset IFS; exec "$0" "$@"`,
        ...args,
      ],
      { cwd: dir, env: baseEnv({ LC_ALL: 'C.UTF-8' }) },
      input,
    );

  beforeAll(() => {
    dir = tempDir('no-psql');
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { binaries: 'embedded' } }));
  });
  afterAll(async () => {
    expect(await cleanupProject(dir)).toEqual([]);
  });

  it('there is no psql to find in that namespace', async () => {
    const r = await hidden(['/bin/sh', '-c', 'psql --version; echo "psql: $?"; ls -A /usr/lib/postgresql']);
    expect(r.stdout).toMatch(/^psql: 12[67]\n$/);
  });

  it('devenv psql -c answers through the built-in shell, and the server it started is gone after', async () => {
    const init = await hidden([CLI, 'init']);
    expect(init.code, init.stderr).toBe(0);
    const r = await hidden([CLI, 'psql', '-X', '-c', "select split_part(version(), ' ', 2) as v", '-c', '\\?']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ +v +\n-+\n 17\.\d+\n\(1 row\)\n\n/);
    expect(r.stdout).toContain('Built-in SQL shell of devenv psql');
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  it('describes a PostgreSQL 17 catalog (psql 15 itself cannot: \\l asks for a column 17 renamed)', async () => {
    const setup =
      'create table t (id int primary key, name text unique); create view v as select * from t;' +
      'create extension pg_trgm; create role r;';
    const s = await hidden([CLI, 'psql', '-X', '-q', '-c', setup]);
    expect(s.code, s.stderr).toBe(0);
    const r = await hidden([
      CLI,
      'psql',
      '-X',
      ...['\\l', '\\du', '\\dt', '\\d t', '\\d+ v', '\\dx', '\\df', '\\dn'].flatMap((c) => ['-c', c]),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const title of [
      'List of databases',
      'List of roles',
      'List of relations',
      'Table "public.t"',
      'View "public.v"',
    ])
      expect(r.stdout).toContain(title);
    expect(r.stdout).toContain('    "t_pkey" PRIMARY KEY, btree (id)\n');
    expect(r.stdout).toMatch(/ pg_trgm +\| \d/);
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });
});

// postgres.branches under a running `devenv up -d`: a git branch switch restarts the apps on that
// branch's database, made from the main one while they are stopped (the app keeps a session open on
// the main database, which would block the copy), and switching back returns them to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_MODULE } from '../helpers/clients.js';
import { git, gitRepo } from '../helpers/git.js';
import { baseEnv, CLI, devenv, waitFor } from '../helpers/project.js';
import { need, needForEach } from '../helpers/tools.js';
import {
  environOf,
  finish,
  logText,
  makeProject,
  type ProcessRow,
  psql,
  statusJson,
  waitLog,
  waitRunning,
} from './helpers.js';

/** Reads its database's name and rows at start, then keeps that session open. */
const APP = `const pg = require(${JSON.stringify(PG_MODULE)});
(async () => {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  const r = await c.query('select current_database() as db, (select count(*) from items) as n');
  console.log('db: ' + r.rows[0].db + ' rows: ' + r.rows[0].n);
  setInterval(() => {}, 1 << 30);
})().catch((e) => { console.log('app error: ' + e.message); process.exitCode = 1; });
`;

describe('devenv up -d with postgres.branches "git"', () => {
  const here = needForEach('git');
  let dir: string;
  const groups = new Set<number>();
  let web: ProcessRow;
  const running = async (not?: number | null) => {
    const row = await waitRunning(dir, 'web', not);
    groups.add(row.pid!);
    return row;
  };

  beforeAll(() => {
    if (!here) return;
    dir = makeProject('up-branches', {
      'devenv.json': JSON.stringify({
        postgres: { database: 'shop', role: 'app', branches: 'git', setup: ['seed.sql'] },
        processes: { web: { command: 'node app.cjs', watch: false } },
      }),
      'seed.sql': 'CREATE TABLE IF NOT EXISTS items (id int);\nTRUNCATE items;\nINSERT INTO items VALUES (1), (2);\n',
      'app.cjs': APP,
      '.gitignore': '.pgres/\n',
    });
    gitRepo(dir);
  });
  let holder: ChildProcess | undefined;
  afterAll(async () => {
    holder?.kill('SIGKILL');
    if (dir) await finish(dir, groups);
  });

  it('on the default branch the app uses the main database', async () => {
    const r = await devenv(dir, ['up', '-d']);
    expect(r.code, r.stderr).toBe(0);
    web = await running();
    await waitLog(dir, 'web', /db: shop rows: 2/);
  });

  it('a switch to a new branch restarts the app on a copy made while it was stopped', async () => {
    git(dir, 'checkout', '-q', '-b', 'feature');
    const next = await running(web.pid);
    await waitLog(dir, 'web', /db: shop__feature rows: 2/);
    expect(environOf(next.pid!).PGDATABASE).toBe('shop__feature');
    const log = logText(dir, 'devenv');
    expect(log).toMatch(/git branch "feature": the apps move to database "shop__feature"/);
    expect(log).toMatch(/created database "shop__feature" for git branch "feature" \(a copy of "shop"\)/);
    // The copy came after the app on the main database had stopped.
    expect(log.indexOf('switching databases: stopping the apps first')).toBeLessThan(
      log.indexOf('created database "shop__feature"'),
    );
    web = next;
  });

  it('back on the default branch, the app is back on the main database', async () => {
    git(dir, 'checkout', '-q', 'main');
    web = await running(web.pid);
    expect(environOf(web.pid!).PGDATABASE).toBe('shop');
    await waitLog(dir, 'web', /db: shop rows: 2\n(.*\n)*db: shop__feature rows: 2\n(.*\n)*db: shop rows: 2/);
    expect(logText(dir, 'devenv')).toMatch(/the default git branch: the apps move to database "shop"/);
  });

  it('a branch whose source a psql session uses: the apps wait, on its database, until the session ends', async () => {
    need('psql');
    // An idle psql session on the main database, which ends when its input does.
    holder = spawn(CLI, ['psql', '-XAtq'], { cwd: dir, env: baseEnv(), stdio: ['pipe', 'ignore', 'ignore'] });
    // Sessions of psql on it but the one asking (which is a psql on it too).
    const sessions =
      "select count(*) from pg_stat_activity where datname = 'shop' and application_name = 'psql' " +
      'and pid <> pg_backend_pid()';
    await waitFor(async () => (await psql(dir, sessions)) === '1', 'the psql session', { stepMs: 200 });
    git(dir, 'checkout', '-q', '-b', 'busy');
    await waitLog(dir, 'devenv', /"shop__busy" is a copy of "shop", which 1 session \(psql\) uses: the apps wait/);
    // One answer meanwhile: the apps are down, waiting for the branch's database, which status and env name.
    const status = (await statusJson(dir)) as Awaited<ReturnType<typeof statusJson>> & {
      branch: { database: string };
    };
    expect(status.branch.database).toBe('shop__busy');
    expect(status.processes.find((p) => p.name === 'web')?.state).not.toBe('running');
    const env = JSON.parse((await devenv(dir, ['env', '--shell', 'json'])).stdout) as Record<string, string>;
    expect(env.PGDATABASE).toBe('shop__busy');
    holder.stdin!.end();
    await new Promise((r) => holder!.once('exit', r));
    holder = undefined;
    web = await running(web.pid);
    expect(environOf(web.pid!).PGDATABASE).toBe('shop__busy');
    await waitLog(dir, 'web', /db: shop__busy rows: 2/);
    expect(logText(dir, 'web')).not.toMatch(/db: shop rows: 2\n(.*\n)*db: shop rows: 2\n(.*\n)*db: shop rows: 2/);
  });
});

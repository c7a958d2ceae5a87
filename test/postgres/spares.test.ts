import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { findProcesses } from '../helpers/proc.js';
import { baseEnv, CLI, cleanupProject, devenv, tempDir, waitFor } from '../helpers/project.js';

/**
 * Pids of this test's background refills (`devenv __refill`, with its cache) still running: another test
 * run on the machine may have its own.
 */
function refillProcesses(): number[] {
  return findProcesses((p) => p.cmdline().includes('__refill') && p.environ().includes(`PGRES_CACHE_DIR=${cache}\0`));
}

function spareNames(cache: string): string[] {
  const templates = path.join(cache, 'templates');
  if (!existsSync(templates)) return [];
  return readdirSync(templates)
    .filter((d) => d.endsWith('.spares'))
    .flatMap((d) => readdirSync(path.join(templates, d)).filter((n) => n.startsWith('db-')));
}

let dirs: string[] = [];
let cache: string;
/** The temp dir of the CLI and its refills (as root their work dirs are there): this test's own. */
let tmp: string;
beforeEach(() => {
  cache = tempDir('spare-cache');
  tmp = tempDir('spare-tmp');
  dirs = [cache, tmp];
});
afterEach(async () => {
  // Background refills end by themselves; none may be left behind.
  await waitFor(() => refillProcesses().length === 0, 'refills to end', { timeoutMs: 30000 });
  for (const d of dirs) expect(await cleanupProject(d, { PGRES_CACHE_DIR: cache })).toEqual([]);
});

test('the first init fills the cache in the background; the next init takes a spare and refills it', async () => {
  const env = { PGRES_CACHE_DIR: cache, PGRES_NO_SPARES: undefined, TMPDIR: tmp };
  const a = tempDir('spare-a');
  const b = tempDir('spare-b');
  const c = tempDir('spare-c');
  dirs.push(a, b, c);

  // First ever: initdb in the foreground; template and spare are made afterwards, in the background.
  expect((await devenv(a, ['init'], { env })).code).toBe(0);
  await waitFor(() => spareNames(cache).length === 1 && refillProcesses().length === 0, 'one spare', {
    timeoutMs: 30000,
  });
  const [spare] = spareNames(cache);

  // The next project gets that spare: renamed into place, a complete cluster with its database.
  expect((await devenv(b, ['init'], { env })).code).toBe(0);
  expect(spareNames(cache)).not.toContain(spare);
  await devenv(a, ['psql', '-XAtc', 'create table only_in_a(x int)'], { env });
  const q = await devenv(
    b,
    [
      'psql',
      '-XAt',
      '-c',
      'select current_database()',
      '-c',
      "select count(*) from pg_tables where tablename = 'only_in_a'",
    ],
    { env },
  );
  expect(q.stderr).toBe('');
  expect(q.stdout.split('\n').slice(0, 2)).toEqual([
    JSON.parse(readFileSync(path.join(b, '.pgres', 'devenv', 'cluster.json'), 'utf8')).database,
    '0',
  ]);
  // ...and a new spare is made for the one after.
  await waitFor(() => spareNames(cache).length === 1 && refillProcesses().length === 0, 'the spare refilled', {
    timeoutMs: 30000,
  });
  expect(spareNames(cache)[0]).not.toBe(spare);

  // Another database name: no spare for it yet, the template is copied and the database created.
  writeFileSync(path.join(c, 'devenv.json'), JSON.stringify({ postgres: { database: 'elsewhere' } }));
  expect((await devenv(c, ['init'], { env })).code).toBe(0);
  const other = await devenv(c, ['psql', '-XAtc', 'select current_database()'], { env });
  expect(other.stdout.trim()).toBe('elsewhere');
  // No work dirs are left behind, in the cache or in the temp dir.
  await waitFor(() => refillProcesses().length === 0, 'refills to end', { timeoutMs: 30000 });
  expect(readdirSync(tmp).filter((n) => n.startsWith('devenv-refill-'))).toEqual([]);
});

test('at most a few spares are kept, whatever the number of database names', async () => {
  const env = { PGRES_CACHE_DIR: cache, PGRES_NO_SPARES: undefined, TMPDIR: tmp };
  for (const name of ['one', 'two', 'three', 'four', 'five']) {
    const d = tempDir(`spare-${name}`);
    dirs.push(d);
    writeFileSync(path.join(d, 'devenv.json'), JSON.stringify({ postgres: { database: name } }));
    expect((await devenv(d, ['init'], { env })).code).toBe(0);
    await waitFor(() => refillProcesses().length === 0, 'refills to end', { timeoutMs: 30000 });
  }
  expect(spareNames(cache).length).toBe(3);
});

test('`devenv up` and `up -d` start the refill once postgres is ready, not while it starts', async () => {
  const env = { PGRES_CACHE_DIR: cache, PGRES_NO_SPARES: undefined, TMPDIR: tmp, PGRES_TRACE: '1' };
  const a = tempDir('spare-up');
  const b = tempDir('spare-up-d');
  dirs.push(a, b);

  // The timeline (PGRES_TRACE) of one foreground `up`, first ever: the refill comes after the server is ready.
  const up = spawn(CLI, ['up'], { cwd: a, env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let trace = '';
  up.stderr.on('data', (d) => (trace += d));
  const exited = new Promise((resolve) => up.on('exit', resolve));
  await waitFor(() => /\] running$/m.test(trace), '`devenv up` running', { timeoutMs: 30000 });
  up.kill('SIGINT');
  expect(await exited).toBe(0);
  const lines = trace.split('\n');
  const ready = lines.findIndex((l) => /\] postgres ready$/.test(l));
  const refill = lines.findIndex((l) => /\] cache refill started \(pid \d+\)$/.test(l));
  expect(ready).toBeGreaterThan(-1);
  expect(refill).toBeGreaterThan(ready);
  await waitFor(() => spareNames(cache).length === 1 && refillProcesses().length === 0, 'one spare', {
    timeoutMs: 30000,
  });
  const [spare] = spareNames(cache);

  // `up -d` takes that spare, and its foreground part refills after the background `up` has started.
  const d = await devenv(b, ['up', '-d'], { env });
  expect(d.code).toBe(0);
  expect(d.stderr).toMatch(/\] cache refill started \(pid \d+\)$/m);
  expect(spareNames(cache)).not.toContain(spare);
  await waitFor(() => spareNames(cache).length === 1 && refillProcesses().length === 0, 'the spare refilled', {
    timeoutMs: 30000,
  });
  expect((await devenv(b, ['down'], { env })).code).toBe(0);
});

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { baseEnv, CLI, cleanupProject, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';

let dir: string;
beforeEach(async () => {
  dir = tempDir('sessions');
  expect((await devenv(dir, ['init'])).code).toBe(0);
});
afterEach(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

function postmaster(): number | null {
  try {
    return Number(readFileSync(path.join(dir, '.pgres', 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

/** A `devenv psql` session running a long query; ends (psql gets SIGTERM) on release. */
function session() {
  const child = spawn(CLI, ['psql', '-Xc', 'select pg_sleep(60)'], { cwd: dir, env: baseEnv(), stdio: 'ignore' });
  let done = false;
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      done = true;
      r(code);
    }),
  );
  return {
    running: () => !done,
    async release() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function sleepers(): Promise<number> {
  const r = await devenv(dir, [
    'psql',
    '-XAtc',
    "select count(*) from pg_stat_activity where query like 'select pg_sleep%'",
  ]);
  return Number(r.stdout.trim());
}

test('psql sessions share the server they started; the last one to end stops it', async () => {
  const a = session();
  await waitFor(async () => (await sleepers()) === 1, 'one session', { timeoutMs: 30000, stepMs: 50 });
  const server = postmaster();
  const b = session();
  await waitFor(async () => (await sleepers()) === 2, 'two sessions', { timeoutMs: 30000, stepMs: 50 });
  expect(postmaster()).toBe(server);

  await a.release(); // the session that started the server ends first
  expect(postgresProcessesUnder(dir)).toContain(server);
  expect(b.running()).toBe(true); // b's session goes on, on the same server
  expect((await devenv(dir, ['psql', '-XAtc', 'select 1'])).stdout.trim()).toBe('1');
  expect(postmaster()).toBe(server);

  await b.release();
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres gone');
});

test('a server started by psql and then used by `devenv up` is not stopped when the psql session ends', async () => {
  const a = session();
  await waitFor(async () => (await sleepers()) === 1, 'one session', { timeoutMs: 30000, stepMs: 50 });
  const server = postmaster();
  const up = await devenv(dir, ['up', '-d']);
  expect(up.code).toBe(0);
  await a.release();
  expect(postgresProcessesUnder(dir)).toContain(server);
  expect((await devenv(dir, ['psql', '-XAtc', 'select 1'])).stdout.trim()).toBe('1');
  expect((await devenv(dir, ['down'])).code).toBe(0);
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres gone');
});

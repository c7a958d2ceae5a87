// The built-in shell in a script-like session (no terminal) with no `devenv up`: Ctrl-C (SIGINT) cancels
// the running query through a cancel request, SIGTERM ends the session; either way the server that
// `devenv psql` started for itself is stopped once the session is over.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { baseEnv, CLI, cleanupProject, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('sql-shell-signals');
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify({ postgres: { binaries: 'system' } }));
});
afterAll(async () => {
  expect(await cleanupProject(dir)).toEqual([]);
});

/** `devenv psql --builtin -c 'select pg_sleep(60)'`, its output collected. */
function sleeper() {
  const child = spawn(CLI, ['psql', '--builtin', '-X', '-c', 'select pg_sleep(60)'], {
    cwd: dir,
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => ({ stdout, stderr }) };
}

async function running(): Promise<boolean> {
  const r = await devenv(dir, [
    'psql',
    '--builtin',
    '-XAtc',
    "select count(*) from pg_stat_activity where state = 'active' and query = 'select pg_sleep(60)'",
  ]);
  return r.stdout.trim() === '1';
}

test('SIGINT cancels the running query: the server says so, exit 1, the session server stops', async () => {
  const s = sleeper();
  await waitFor(running, 'the query to run', { timeoutMs: 30000, stepMs: 100 });
  s.child.kill('SIGINT');
  expect(await s.exited).toBe(1);
  expect(s.out().stderr).toBe('Cancel request sent\nERROR:  canceling statement due to user request\n');
  expect(s.out().stdout).toBe('');
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'the session server to stop');
});

test('SIGTERM ends the session and the server it started', async () => {
  const s = sleeper();
  await waitFor(running, 'the query to run', { timeoutMs: 30000, stepMs: 100 });
  s.child.kill('SIGTERM');
  expect(await s.exited).not.toBe(0);
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'the session server to stop');
});

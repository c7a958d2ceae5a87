import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { findProcesses, procStat } from '../helpers/proc.js';
import { baseEnv, CLI, cleanupProject, devenv, postgresProcessesUnder, tempDir, waitFor } from '../helpers/project.js';
import { need } from '../helpers/tools.js';

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
function session(query = 'select pg_sleep(60)') {
  need('psql');
  const child = spawn(CLI, ['psql', '-Xc', query], { cwd: dir, env: baseEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let ended: string | null = null;
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code, signal) => {
      ended = `exit ${code ?? signal}${stderr.trim() ? `: ${stderr.trim()}` : ''}`;
      r(code);
    }),
  );
  return {
    running: () => ended === null,
    /** Why the session is over ("exit 2: psql: error: …"), or "running": for assertion messages. */
    why: () => ended ?? 'running',
    exited,
    async release() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Wait until `n` sessions run their query; a session that ended meanwhile fails the test with its reason. */
async function expectSleepers(n: number, ...sessions: ReturnType<typeof session>[]) {
  await waitFor(
    async () => sessions.some((x) => !x.running()) || (await sleepers()) === n,
    `${n} sleeping session(s) in pg_stat_activity`,
    { timeoutMs: 30000, stepMs: 50 },
  );
  for (const x of sessions) expect(x.running(), `a psql session ended early: ${x.why()}`).toBe(true);
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
  await expectSleepers(1, a);
  const server = postmaster();
  const b = session();
  await expectSleepers(2, a, b);
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
  await expectSleepers(1, a);
  const server = postmaster();
  const up = await devenv(dir, ['up', '-d']);
  expect(up.code).toBe(0);
  await a.release();
  expect(postgresProcessesUnder(dir)).toContain(server);
  expect((await devenv(dir, ['psql', '-XAtc', 'select 1'])).stdout.trim()).toBe('1');
  expect((await devenv(dir, ['down'])).code).toBe(0);
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres gone');
});

// The race behind a flaky run: a session that found the server in the moment the last other
// session decided to stop it lost its connection ("No such file or directory" on the socket).
test('a session starting while other sessions start and stop the shared server keeps its server', async () => {
  need('psql'); // here, not in the churners below: they run beside the test, where a skip cannot reach it
  let churning = true;
  const failures: string[] = [];
  const churn = async () => {
    while (churning) {
      const r = await devenv(dir, ['psql', '-XAtc', 'select 1']);
      if (r.code !== 0 || r.stdout.trim() !== '1') failures.push(`exit ${r.code}: ${r.stderr.trim()}`);
    }
  };
  const churners = [churn(), churn()];
  const longOnes: string[] = [];
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 50 + ((i * 137) % 400)));
    const s = session('select pg_sleep(0.3)');
    if ((await s.exited) !== 0) longOnes.push(s.why());
  }
  churning = false;
  await Promise.all(churners);
  expect(longOnes).toEqual([]);
  expect(failures).toEqual([]);
  await waitFor(() => postgresProcessesUnder(dir).length === 0, 'postgres gone');
});

test('an exec killed with SIGKILL leaves its server: status says so and stops it, as the next exec does', async () => {
  const leaveOne = async () => {
    const exec = spawn(CLI, ['exec', '--', 'sleep', '1000'], { cwd: dir, env: baseEnv(), stdio: 'ignore' });
    let sleeper: number | undefined;
    await waitFor(() => {
      sleeper = findProcesses((p) => p.cmdline() === 'sleep\u00001000\u0000' && procStat(p.pid)?.ppid === exec.pid)[0];
      return sleeper !== undefined;
    }, 'the command under devenv exec');
    const server = postmaster()!;
    // SIGKILL: its `finally`, which would stop the server it started, never runs; nor do its children end.
    exec.kill('SIGKILL');
    process.kill(sleeper!, 'SIGKILL');
    await waitFor(() => exec.exitCode !== null || exec.signalCode !== null, 'devenv exec gone');
    expect(postgresProcessesUnder(dir)).toContain(server);
    return { server, exec: exec.pid! };
  };
  const left = await leaveOne();
  const status = await devenv(dir, ['status', '--json']);
  expect(status.code, status.stderr).toBe(0);
  expect(status.stderr).toContain(
    `the server (pid ${left.server}) of a \`devenv psql\` or \`exec\` that was killed (pid ${left.exec}) ` +
      'was still running: stopping it',
  );
  expect(JSON.parse(status.stdout).server).toEqual({ state: 'stopped', pid: null });
  expect(postgresProcessesUnder(dir)).toEqual([]);

  const again = await leaveOne();
  const exec = await devenv(dir, ['exec', '--', 'true']);
  expect(exec.code, exec.stderr).toBe(0);
  expect(exec.stderr).toContain(`the server (pid ${again.server}) of a \`devenv psql\` or \`exec\` that was killed`);
  expect(postgresProcessesUnder(dir)).toEqual([]);
  expect((await devenv(dir, ['status'])).stderr).toBe('');
});

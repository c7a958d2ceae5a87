// The tether with real processes: a node process starts a `sleep`, tethers it, and then either releases it
// (the sleep outlives it) or is killed with SIGKILL (the watcher ends the sleep at once).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { isZombie } from '../helpers/proc.js';
import { REPO, waitFor } from '../helpers/project.js';

/** A node process running `code`, which prints the pid of what it started first. */
function node(code: string) {
  // The built module (the global setup builds dist/ from src/ first): a child node cannot load TypeScript.
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = new Promise<number>((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  return { child, pid };
}

/** A node process that starts `sleep 300`, tethers it (released or not), prints its pid and waits. */
function holder(release: boolean) {
  const code = `
    import { spawn } from 'node:child_process';
    const { tether } = await import(${JSON.stringify(path.join(REPO, 'dist/util/tether.js'))});
    const leash = tether({ signal: 'SIGTERM' });
    const sleep = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    sleep.unref();
    leash.add(sleep.pid);
    if (${release}) leash.release();
    process.stdout.write(sleep.pid + '\\n');
    setInterval(() => {}, 1000);
  `;
  return node(code);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
};

const sleeps: number[] = [];
afterEach(() => {
  // Whatever happened, no sleep of ours is left.
  for (const pid of sleeps.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

test('a kill -9 of the process that tethered a program ends the program; a released one lives on', async () => {
  const killed = holder(false);
  const sleepPid = await killed.pid;
  sleeps.push(sleepPid);
  expect(alive(sleepPid)).toBe(true);
  killed.child.kill('SIGKILL');
  await waitFor(() => !alive(sleepPid), 'the tethered sleep to end');

  const released = holder(true);
  const freePid = await released.pid;
  sleeps.push(freePid);
  released.child.kill('SIGKILL');
  await new Promise((r) => released.child.once('exit', r));
  // The watcher read "done" before its pipe closed: it signals nothing.
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(freePid)).toBe(true);
});

/**
 * A server that starts after the tethering process is gone, as pg_upgrade's leaves one when it is killed
 * right after its pg_ctl forked: a shell in a session of its own writes a postmaster.pid without a socket
 * dir (starting), then with ours (listening), then waits for a SIGINT.
 */
function lateServer(dataDir: string, socketDir: string) {
  const fake = [
    `trap 'rm -f "$1/postmaster.pid"; exit 0' INT`,
    'sleep 0.5',
    `printf '%s\\n%s\\n0\\n5432\\n\\n' $$ "$1" > "$1/postmaster.pid"`,
    'sleep 0.3',
    `printf '%s\\n%s\\n0\\n5432\\n%s\\n' $$ "$1" "$2" > "$1/postmaster.pid"`,
    'while :; do sleep 0.05; done',
  ].join('\n');
  const code = `
    import { spawn } from 'node:child_process';
    const { tether } = await import(${JSON.stringify(path.join(REPO, 'dist/util/tether.js'))});
    const [data, sockets] = ${JSON.stringify([dataDir, socketDir])};
    tether({ signal: 'SIGTERM', servers: { socketDir: sockets, dataDirs: [data] } });
    const args = ['-c', ${JSON.stringify(fake)}, 'postgres', data, sockets];
    const server = spawn('/bin/sh', args, { detached: true, stdio: 'ignore' });
    server.unref();
    process.stdout.write(server.pid + '\\n');
    setInterval(() => {}, 1000);
  `;
  return node(code);
}

test('a server still starting when the process that tethered it was killed is stopped once it listens', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devenv-tether-'));
  try {
    const late = lateServer(dir, path.join(dir, 'sockets'));
    const serverPid = await late.pid;
    sleeps.push(serverPid);
    late.child.kill('SIGKILL');
    await new Promise((r) => late.child.once('exit', r));
    // Before the fix the watcher looked once, found no postmaster.pid yet, and left the server running.
    await waitFor(() => !alive(serverPid), 'the late server to be stopped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

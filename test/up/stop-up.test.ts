// `devenv down` against an `up` that ignores SIGTERM: it is killed, and what it ran is stopped only
// where its records prove it its own (the recorded start time of each app group), as after a kill -9.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { projectAt } from '../../src/project/project.js';
import { stopRunningUp } from '../../src/up/stop-up.js';
import { processStartTime } from '../../src/util/liveness.js';
import { baseEnv, tempDir } from '../helpers/project.js';
import { assertGroupGone, assertPidGone } from '../supervisor/helpers.js';

const started: ChildProcess[] = [];
const dirs: string[] = [];

/** A node process in its own group, once it has said it is ready (its signal handlers are set). */
async function start(script: string, name: string): Promise<{ pid: number; exited: Promise<void> }> {
  const child = spawn(process.execPath, ['-e', `${script}; console.log('ready')`, name], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { pid: child.pid!, exited };
}

afterEach(() => {
  for (const c of started.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('an up that does not stop in time is killed; only app groups of their recorded start time go too', async () => {
  const dir = tempDir('stop-up');
  const project = projectAt(dir, { env: baseEnv() });
  dirs.push(dir, project.paths.runtime);
  const idle = 'setInterval(() => {}, 1000)';
  // The `up`: its command line names devenv (that is how a live one is told from a recycled pid); deaf to SIGTERM.
  const up = await start(`process.on('SIGTERM', () => {}); ${idle}`, 'devenv');
  const app = await start(idle, 'stop-up-app');
  // A group whose pid matches a record but whose start time does not: a recycled pid, someone else's.
  const stranger = await start(idle, 'stop-up-stranger');
  mkdirSync(path.dirname(project.paths.upState), { recursive: true });
  const groups = [
    { name: 'web', pgid: app.pid, start: processStartTime(app.pid) },
    { name: 'worker', pgid: stranger.pid, start: '2001-01-01T00:00:00Z' },
  ];
  writeFileSync(project.paths.appGroups, JSON.stringify(groups));
  const state = {
    pid: up.pid,
    detached: true,
    startedAt: new Date().toISOString(),
    phase: 'running',
    postgresPid: null,
  };
  const processes = groups.map((g) => ({ name: g.name, pid: g.pgid, state: 'running', restarts: 0, startedAt: null }));
  writeFileSync(project.paths.upState, JSON.stringify({ ...state, processes }));

  expect(await stopRunningUp(project.paths, 300)).toBe(up.pid);
  await up.exited;
  assertPidGone(up.pid);
  await app.exited;
  assertGroupGone(app.pid);
  // Alive: its pid was recorded, but its start time proves it another process.
  expect(() => process.kill(stranger.pid, 0)).not.toThrow();
});

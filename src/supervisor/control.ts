import type { Project } from '../project/project.js';
import { processGone } from '../postgres/postmaster-pid.js';
import { reapLeftoverApps } from './app-groups.js';
import { readLiveState } from './state.js';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (processGone(pid)) return true;
    await sleep(10);
  }
  return processGone(pid);
}

function killGroup(pid: number | null, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/**
 * Ask a running `devenv up` of this project to shut down (SIGTERM: apps, then
 * postgres) and wait for it. Returns the supervisor's pid, or null if none ran.
 */
export async function stopSupervisor(project: Project, graceMs = 20000): Promise<number | null> {
  const state = readLiveState(project);
  if (!state) {
    // A supervisor killed with SIGKILL leaves its app groups running: stop them too.
    await reapLeftoverApps(project, () => {});
    return null;
  }
  process.kill(state.pid, 'SIGTERM');
  if (await waitGone(state.pid, graceMs)) return state.pid;
  // It did not finish in time: take its process groups down hard.
  process.kill(state.pid, 'SIGKILL');
  for (const p of state.processes) killGroup(p.pid, 'SIGKILL');
  if (state.postgresPid) {
    try {
      process.kill(state.postgresPid, 'SIGQUIT');
    } catch {
      // gone
    }
  }
  await waitGone(state.pid, 5000);
  return state.pid;
}

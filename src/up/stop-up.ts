// Stopping a running `devenv up` from another devenv command (down, reset).
import type { Project } from '../project/project.js';
import { waitGone } from '../util/liveness.js';
import { reapLeftoverApps } from './leftover-apps.js';
import { readLiveState } from './state.js';

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
 * postgres) and wait for it. Returns its pid, or null if none ran.
 */
export async function stopRunningUp(project: Project, graceMs = 20000): Promise<number | null> {
  const state = readLiveState(project);
  if (!state) {
    // An `up` killed with SIGKILL leaves its app groups running: stop them too.
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

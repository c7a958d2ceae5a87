// Stopping a running `devenv up` from another devenv command (down, reset).

import { findRunningServer } from '../postgres/server.js';
import type { ProjectPaths } from '../project/paths.js';
import { waitGone } from '../util/liveness.js';
import { trace } from '../util/trace.js';
import { reapLeftoverApps } from './leftover-apps.js';
import { readLiveState } from './state.js';

/**
 * Ask a running `devenv up` of this project to shut down (SIGTERM: apps, then postgres) and wait for
 * it. Returns its pid, or null if none ran. One that does not finish in time is killed, and what it
 * ran is stopped the way a killed `up`'s leftovers are: app groups only when their recorded start
 * time proves them its own, postgres only when it is this cluster's (a recycled pid is someone else's).
 */
export async function stopRunningUp(paths: ProjectPaths, graceMs = 20000): Promise<number | null> {
  const state = readLiveState(paths);
  if (!state) {
    // An `up` killed with SIGKILL leaves its app groups running: stop them too.
    await reapLeftoverApps(paths, () => {});
    return null;
  }
  trace(`SIGTERM to devenv up (pid ${state.pid})`);
  process.kill(state.pid, 'SIGTERM');
  if (await waitGone(state.pid, graceMs)) return state.pid;
  process.kill(state.pid, 'SIGKILL');
  await reapLeftoverApps(paths, () => {}, { hard: true });
  const postgres = serverOf(paths.pgdata);
  if (postgres !== null && postgres === state.postgresPid) {
    try {
      // Immediate: the apps are gone, and crash recovery at the next start is cheap.
      process.kill(postgres, 'SIGQUIT');
    } catch {
      // gone
    }
  }
  await waitGone(state.pid, 5000);
  return state.pid;
}

/** The cluster's verified postmaster, or null (also when another user's holds it: not ours to signal). */
function serverOf(pgdata: string): number | null {
  try {
    return findRunningServer(pgdata);
  } catch {
    return null;
  }
}

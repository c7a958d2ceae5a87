// Process-group primitives: signal a whole group, and tell whether any member is still alive.
import { platform } from '../platform/platform.js';

/** Send `signal` to every process in group `pgid`. Returns false if the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * True while any member of group `pgid` can still run.
 * Zombies do not count: an orphaned zombie is reparented to PID 1, and an init that never reaps
 * (as in some containers and VMs) would otherwise make a dead group look alive forever.
 */
export function groupAlive(pgid: number): boolean {
  try {
    if (!signalGroup(pgid, 0)) return false;
  } catch (err) {
    // EPERM: members exist but run as another user; they are alive as far as we can tell.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
  // Only the members tell live ones from zombies: kill(-pgid, 0) still succeeds on a zombie.
  return platform()
    .groupMembers(pgid)
    .some((m) => !m.zombie);
}

/** Resolve once group `pgid` has no live member, polling every `intervalMs`. */
export async function waitGroupGone(pgid: number, intervalMs = 5): Promise<void> {
  while (groupAlive(pgid)) {
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

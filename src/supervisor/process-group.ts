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

/** Is this pid a live member of group `pgid`? One look at that process (on Linux one /proc read). */
function liveMember(pid: number, pgid: number): boolean {
  const facts = platform().process(pid);
  return facts !== null && facts.pgid === pgid && !facts.zombie;
}

/** How long waitGroupGone looks every 1 ms: an app stopped for a restart is gone within a few ms. */
const FINE_MS = 20;

/**
 * Resolve once group `pgid` has no live member: every 1 ms for the first 20 ms (the new instance of a
 * restart waits for this), then up to `intervalMs` apart. While a member seen alive is still alive,
 * that one read answers: the full scan of /proc (~3 ms on a small VM) runs only to confirm the end, or
 * to find members that appeared meanwhile.
 */
export async function waitGroupGone(pgid: number, intervalMs = 5): Promise<void> {
  let known: number[] = [];
  const fineUntil = Date.now() + FINE_MS;
  for (let delay = 1; ; delay = Date.now() < fineUntil ? 1 : Math.min(delay * 2, intervalMs)) {
    if (!known.some((pid) => liveMember(pid, pgid))) {
      if (!groupAlive(pgid)) return;
      known = platform()
        .groupMembers(pgid)
        .filter((m) => !m.zombie)
        .map((m) => m.pid);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

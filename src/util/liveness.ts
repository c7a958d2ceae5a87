import { platform } from '../platform/platform.js';

/** Is a process with this pid alive (signalable by us, or at least existing)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A zombie has exited; only its parent has not collected it yet (some inits never do). */
export function isZombie(pid: number): boolean {
  return platform().process(pid)?.zombie === true;
}

/** What to record of a process's start: with the pid, it names one process for good (see sameProcess). */
export function processStartTime(pid: number): string | null {
  return platform().startRecord(pid);
}

/**
 * Is `pid` still the process whose start time was recorded? null when that cannot be told (Linux clock
 * ticks, read by the portable implementation); false when it is gone.
 */
export function sameProcess(pid: number, recorded: string): boolean | null {
  return platform().sameProcess(pid, recorded);
}

export function processGone(pid: number): boolean {
  return !pidAlive(pid) || isZombie(pid);
}

/** Resolve true once the pid has exited (polling: it may not be our child), false after the timeout. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  let delay = 1;
  while (Date.now() < until) {
    if (processGone(pid)) return true;
    await new Promise((r) => setTimeout(r, delay));
    // A fast shutdown takes ~20 ms: a fine poll (kill(0) and one look at the process) notices it within 5 ms.
    delay = Math.min(delay * 2, 5);
  }
  return processGone(pid);
}

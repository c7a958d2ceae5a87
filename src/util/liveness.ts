import { readProcStat } from './proc-stat.js';

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
  return readProcStat(pid)?.state === 'Z';
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, it names one process for good. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
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
    // A fast shutdown takes ~20 ms: a fine poll (kill(0) and one /proc read) notices it within 5 ms.
    delay = Math.min(delay * 2, 5);
  }
  return processGone(pid);
}

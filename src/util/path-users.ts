import { platform } from '../platform/platform.js';
import { waitGone } from './liveness.js';

/** Does `command` (arguments joined by spaces) have an argument that is `dir` or a path below it? */
function namesPathIn(command: string, dir: string): boolean {
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^| )${escaped}(/| |$)`).test(command);
}

/**
 * Processes working in `dir`: their working directory is in it, or an argument names it or a path
 * below it (initdb -D DIR, postgres --boot with its cwd there, cp … DIR). Another user's process is
 * judged by its arguments alone (its working directory is not ours to read).
 */
export function processesUsing(dir: string): number[] {
  const inside = (p: string) => p === dir || p.startsWith(`${dir}/`);
  return platform()
    .workingProcesses()
    .filter((p) => p.pid !== process.pid && ((p.cwd !== null && inside(p.cwd)) || namesPathIn(p.command, dir)))
    .map((p) => p.pid);
}

/** SIGKILL whatever still works in `dir` (left by a killed parent) and wait until it is gone. */
export async function killProcessesUsing(dir: string): Promise<number[]> {
  const pids = processesUsing(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await Promise.all(pids.map((pid) => waitGone(pid, 5000)));
  return pids;
}

/** Processes whose program file is `dir` or below it (a server running from those binaries). */
export function processesRunningFrom(dir: string): number[] {
  return platform().programsUnder(dir);
}

// Processes found by a variable in their environment: a child that left its process group and session
// (setsid, a daemon's double fork) keeps the environment it was started with (platform: how it is read).
import { platform } from '../platform/platform.js';
import { processGone, processStartTime, waitGone } from './liveness.js';

export interface MarkedProcess {
  pid: number;
  /** Its start time: the same pid later is another process. */
  start: string | null;
}

/** The processes (ours, or any as root) whose environment holds `name=value`, but this one. */
export function processesWithEnv(name: string, value: string): MarkedProcess[] {
  return platform()
    .processesWithEnv(name, value)
    .map((pid) => ({ pid, start: processStartTime(pid) }));
}

/** SIGTERM each, then SIGKILL those still there after `graceMs` (if still the same process). */
export async function stopProcesses(list: MarkedProcess[], graceMs: number): Promise<void> {
  const same = (p: MarkedProcess) => !processGone(p.pid) && processStartTime(p.pid) === p.start;
  const signal = (p: MarkedProcess, sig: NodeJS.Signals) => {
    try {
      if (same(p)) process.kill(p.pid, sig);
    } catch {
      // gone meanwhile
    }
  };
  for (const p of list) signal(p, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  await Promise.all(
    list.map(async (p) => {
      if (await waitGone(p.pid, graceMs)) return;
      signal(p, 'SIGKILL');
      await waitGone(p.pid, 2000);
    }),
  );
}

// Processes found by a variable in their environment: a child that left its process group and session
// (setsid, a daemon's double fork) keeps the environment it was started with. Linux only (the
// environment of our own processes in /proc/PID/environ); elsewhere none are found.
import { readFileSync } from 'node:fs';
import { processGone, processStartTime, waitGone } from './liveness.js';
import { listPids } from './proc-stat.js';

export interface MarkedProcess {
  pid: number;
  /** Its start time: the same pid later is another process. */
  start: string | null;
}

/** The processes (ours, or any as root) whose environment holds `name=value`, but this one. */
export function processesWithEnv(name: string, value: string): MarkedProcess[] {
  const entry = Buffer.from(`\0${name}=${value}\0`);
  const found: MarkedProcess[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // another user's, or gone
    }
    // NUL-separated: look for the whole entry, the first one too.
    if (Buffer.concat([Buffer.from([0]), environ]).includes(entry)) found.push({ pid, start: processStartTime(pid) });
  }
  return found;
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

import { readFileSync, readlinkSync } from 'node:fs';
import { waitGone } from './liveness.js';
import { listPids } from './proc-stat.js';

/**
 * Processes working in `dir`: their working directory is in it, or an argument names it or a path
 * below it (initdb -D DIR, postgres --boot with its cwd there, cp … DIR). Linux (/proc) only.
 */
export function processesUsing(dir: string): number[] {
  const inside = (p: string) => p === dir || p.startsWith(`${dir}/`);
  const found: number[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process: its arguments still tell
      }
      if (inside(cwd) || args.some(inside)) found.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return found;
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

/** Processes whose program file is `dir` or below it (a server running from those binaries). Linux only. */
export function processesRunningFrom(dir: string): number[] {
  const found: number[] = [];
  for (const pid of listPids()) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (exe.startsWith(`${dir}/`)) found.push(pid);
    } catch {
      // exited, or another user's (as root we see them all; a user's servers run as that user)
    }
  }
  return found;
}

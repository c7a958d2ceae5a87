// Reading /proc for the tests' own proofs. Deliberately independent of src/util/proc-stat.ts: the proof
// that a process is gone must not trust the code under test.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** State letter, parent and process group of a pid, or null when it is gone. */
export function procStat(pid: number | string): { state: string; ppid: number; pgrp: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: f[0] ?? '?', ppid: Number(f[1]), pgrp: Number(f[2]) };
}

/** A zombie has exited; it only waits for its parent to collect it. */
export function isZombie(pid: number | string): boolean {
  return procStat(pid)?.state === 'Z';
}

/** What a test may read of a process; each read throws once the process is gone or is not ours to read. */
export interface ProcView {
  pid: number;
  /** The arguments, NUL-separated as in /proc. */
  cmdline(): string;
  cwd(): string;
  /** The environment, NUL-separated as in /proc. */
  environ(): string;
}

/** Every pid in /proc. */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/**
 * Live processes other than this one that `match` picks. A process that exits while it is looked at,
 * or whose files `match` may not read, is not picked; neither is a zombie (it runs nothing).
 */
export function findProcesses(match: (p: ProcView) => boolean): number[] {
  const found: number[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const view: ProcView = {
      pid,
      cmdline: () => readFileSync(`/proc/${pid}/cmdline`, 'utf8'),
      cwd: () => readlinkSync(`/proc/${pid}/cwd`),
      environ: () => readFileSync(`/proc/${pid}/environ`, 'utf8'),
    };
    try {
      if (match(view) && !isZombie(pid)) found.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

/** Members of process group `pgid`, zombies included. */
export function groupMembers(pgid: number): { pid: number; ppid: number; state: string }[] {
  const out = [];
  for (const pid of allPids()) {
    const stat = procStat(pid);
    if (stat?.pgrp === pgid) out.push({ pid, ppid: stat.ppid, state: stat.state });
  }
  return out;
}

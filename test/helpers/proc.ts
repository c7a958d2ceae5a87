// Reading /proc for the tests' own proofs. Deliberately independent of src/util/proc-stat.ts: the proof
// that a process is gone must not trust the code under test.
import { readFileSync } from 'node:fs';

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

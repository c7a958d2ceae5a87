import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat that devenv reads (Linux only). */
export interface ProcStat {
  /** One letter: R running, S sleeping, Z zombie, X dead, ... */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Field 22: start time in clock ticks since boot; with the pid, it names one process for good. */
  startTime: string;
}

/** /proc/<pid>/stat of a live (or zombie) process, or null when it is gone or not readable. */
export function readProcStat(pid: number | string): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20) return null;
  return { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: fields[19]! };
}

/** The pids listed in /proc right now; [] off Linux or when /proc cannot be read. */
export function listPids(): number[] {
  if (process.platform !== 'linux') return [];
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

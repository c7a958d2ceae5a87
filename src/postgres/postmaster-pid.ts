import { lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isZombie, pidAlive } from '../util/liveness.js';

/** The lines postgres writes to postmaster.pid (see pidfile.h). */
export interface PostmasterPid {
  pid: number;
  dataDir: string;
  port: number;
  socketDir: string;
  /** "starting", "ready", "stopping" or "standby" (empty while starting on old versions). */
  status: string;
}

export function readPostmasterPid(pgdata: string): PostmasterPid | null {
  let text: string;
  try {
    text = readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return {
    pid,
    dataDir: lines[1] ?? '',
    port: Number(lines[3]),
    socketDir: lines[4] ?? '',
    status: (lines[7] ?? '').trim(),
  };
}

export type Ownership = 'ours' | 'foreign-user' | 'not-ours';

/**
 * Is `pid` really the postmaster of this data dir? postgres chdirs into its data
 * dir, so on Linux /proc/<pid>/cwd names it; elsewhere trust the pid file's own line.
 */
export function checkPostmaster(pid: number, pgdata: string, recordedDataDir: string): Ownership {
  if (!pidAlive(pid) || isZombie(pid)) return 'not-ours';
  try {
    process.kill(pid, 0);
  } catch {
    return 'foreign-user';
  }
  let real: string;
  try {
    real = realpathSync(pgdata);
  } catch {
    return 'not-ours';
  }
  if (process.platform === 'linux') {
    try {
      // Root may signal anything: postmaster.pid (the account's file) must name a process of the cluster's owner.
      if (process.getuid?.() === 0 && statSync(`/proc/${pid}`).uid !== lstatSync(pgdata).uid) return 'not-ours';
      return readlinkSync(`/proc/${pid}/cwd`) === real ? 'ours' : 'not-ours';
    } catch {
      return 'not-ours';
    }
  }
  try {
    return realpathSync(recordedDataDir) === real ? 'ours' : 'not-ours';
  } catch {
    return 'not-ours';
  }
}

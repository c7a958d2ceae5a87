import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { platform } from '../platform/platform.js';
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

/** Is `pid` really the postmaster of this data dir? postgres chdirs into its data dir: its cwd names it. */
export function checkPostmaster(pid: number, pgdata: string): Ownership {
  if (!pidAlive(pid) || isZombie(pid)) return 'not-ours';
  try {
    process.kill(pid, 0);
  } catch {
    return 'foreign-user';
  }
  let real: string;
  let owner: number;
  try {
    real = realpathSync(pgdata);
    owner = lstatSync(pgdata).uid;
  } catch {
    return 'not-ours';
  }
  // Root may signal anything: postmaster.pid (the account's file) must name a process of the cluster's owner.
  if (process.getuid?.() === 0 && platform().process(pid)?.uid !== owner) return 'not-ours';
  return platform().cwd(pid) === real ? 'ours' : 'not-ours';
}

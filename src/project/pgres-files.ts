// Every file devenv itself writes inside .pgres (state, logs, locks, settings): where it lives, and
// the one way each kind is written. Nothing else builds these paths or writes there directly, so the
// rules for writing into a tree that belongs to the postgres account (root mode) live in this module.
import { createWriteStream, mkdirSync, openSync, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ProjectPaths } from './paths.js';

export interface PgresFiles {
  /** What a running `devenv up` publishes (pid, phase, processes). */
  supervisorState: string;
  /** One `devenv up` per project: holds its pid. */
  upLock: string;
  /** The running `up`'s app process groups, so the next one can stop them if it was killed. */
  appGroups: string;
  /** Directory of the process logs. */
  logDir: string;
  /** postgres' own output (the server writes it directly). */
  serverLog: string;
  /** A background `up`'s own stdout and stderr. */
  upLog: string;
  /** The raw lines of one supervised process (`devenv`, `postgres` or an app). */
  processLog(name: string): string;
  /** postgresql.conf includes this; rewritten at every start. */
  settingsConf: string;
}

export function pgresFiles(paths: ProjectPaths): PgresFiles {
  return {
    supervisorState: path.join(paths.state, 'supervisor.json'),
    upLock: path.join(paths.state, 'up.lock'),
    appGroups: path.join(paths.state, 'app-groups.json'),
    logDir: paths.logs,
    serverLog: path.join(paths.logs, 'postgres.log'),
    upLog: path.join(paths.logs, 'up.log'),
    processLog: (name) => path.join(paths.logs, `${name}.log`),
    settingsConf: paths.settingsConf,
  };
}

/** Write a whole file (readers see the old or the new content, never half), creating its directory. */
export function writeOwnFile(file: string, text: string, mode?: number): void {
  writeFileAtomic(file, text, { mkdir: true, mode });
}

export function removeOwnFile(file: string): void {
  rmSync(file, { force: true });
}

/** The directory of a lock or marker file we are about to create. */
export function ensureOwnDir(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
}

/** A log opened for appending, as a descriptor for a child's stdout/stderr. The caller closes it. */
export function openOwnLog(file: string): number {
  ensureOwnDir(file);
  return openSync(file, 'a');
}

/** A log we append lines to ourselves. */
export function ownLogStream(file: string): WriteStream {
  ensureOwnDir(file);
  return createWriteStream(file, { flags: 'a' });
}

import path from 'node:path';
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';

/**
 * Where snapshots live: `.pgres/snapshots/<name>/{snapshot.json,data/}`. Inside .pgres (deleting it
 * stays the complete teardown) but beside, not inside, the files postgres manages (postgres ignores
 * directories it does not know; not to be confused with its own pg_snapshots). The whole tree belongs
 * to whoever runs postgres, so a root devenv changes it only through a worker running as that account.
 */
export const SNAPSHOTS_DIR = 'snapshots';
/** Written into a snapshot before it is renamed into place: a directory without it is not a snapshot. */
export const MANIFEST = 'snapshot.json';
/** The cluster's files inside a snapshot. */
export const DATA = 'data';
/**
 * Work directories (`<prefix><pid>-<random>`) inside the snapshots directory: removed by the next command
 * once their pid is gone. A save builds in SAVE_PREFIX (not the cluster's CLUSTER_BUILD_PREFIX, paths.ts).
 */
export const SAVE_PREFIX = '.partial-';
export const RESTORE_PREFIX = '.restore-';
export const TRASH_PREFIX = '.trash-';
export const READY_WORK_PREFIX = '.spare-';
/** An upgrade's new cluster while it is built, and the directory its private servers' sockets are in. */
export const UPGRADE_PREFIX = '.upgrade-';
export const SOCKETS_PREFIX = '.sockets-';
export const WORK_PREFIXES = [
  SAVE_PREFIX,
  RESTORE_PREFIX,
  TRASH_PREFIX,
  READY_WORK_PREFIX,
  UPGRADE_PREFIX,
  SOCKETS_PREFIX,
];
/**
 * `.ready-<snapshot id>`: a finished, flushed copy of one snapshot's data, made in the background after a
 * save or restore, which the next restore of that snapshot renames into place instead of copying.
 * One at a time; on filesystems that clone files there is none (a copy costs nothing there).
 */
export const READY_PREFIX = '.ready-';
/** One snapshot command at a time per cluster. */
export const LOCK_FILE = '.lock';
/**
 * A restore's swap of the data files in progress: whoever finds it with its owner gone finishes it,
 * and no server starts while it is there (interrupted-swap.ts).
 */
export const SWAP_JOURNAL = '.swap.json';

/** Entries of the data directory that are not the cluster's: a restore keeps the current ones. */
export const KEEP_IN_PGDATA = ['devenv', SNAPSHOTS_DIR];

/** PGRES_NO_SPARES (no ready-made spare clusters) also means no ready snapshot copies. */
export function readyCopiesWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.PGRES_NO_SPARES;
}

export function snapshotsDir(paths: ProjectPaths): string {
  return path.join(paths.pgdata, SNAPSHOTS_DIR);
}

export function snapshotDir(paths: ProjectPaths, name: string): string {
  return path.join(snapshotsDir(paths), name);
}

export const MAX_NAME_LENGTH = 64;
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A snapshot name is one path component we can show and type: letters, digits, `.`, `_`, `-`. */
export function checkName(name: string): string {
  if (!NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new UserError(
      `invalid snapshot name "${name}": use up to ${MAX_NAME_LENGTH} letters, digits, ".", "_" or "-", ` +
        'not starting with "."',
    );
  }
  return name;
}

/** Default name: the local time, to the second (e.g. 2025-03-07_14-05-09). */
export function defaultName(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
  return `${day}_${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
}

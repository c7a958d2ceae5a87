import path from 'node:path';
import { UserError } from '../errors.js';
import type { PreparedPostgres } from '../postgres/prepare.js';
import type { ProjectPaths } from '../project/paths.js';
import type { Output } from '../util/output.js';
import { type SnapshotEntry, snapshotDataMajor } from './catalog.js';
import { runInBackground } from './file-worker.js';
import { DATA, RESTORE_PREFIX, readyCopiesWanted, TRASH_PREFIX } from './layout.js';
import { SnapshotSession } from './session.js';

/**
 * Whatever uses the server during a restore: `around` stops it (and the server), runs the swap, and
 * brings it back. Today a server shared by psql sessions or left by a killed `up` (restore-standalone.ts);
 * later a running `devenv up`, through its control channel (stop the apps and postgres, swap, start).
 */
export interface ServerUsers {
  around<T>(swap: () => Promise<T>): Promise<T>;
}

export interface RestoreOutcome {
  /** From stopping the server until it runs again on the snapshot (or until the swap, if none ran). */
  downMs: number;
  /** The snapshot's files came from its ready copy (no copying while the command ran). */
  fromReadyCopy: boolean;
}

/** Refuse a snapshot postgres could not run here: its major (recorded, and in its PG_VERSION) must be the cluster's. */
export function checkRestorable(pg: PreparedPostgres, entry: SnapshotEntry): void {
  const clusterMajor = pg.state.state === 'ready' ? pg.state.pgMajor : pg.binaries.major;
  const dataMajor = snapshotDataMajor(entry);
  if (entry.major !== clusterMajor || (dataMajor !== null && dataMajor !== clusterMajor)) {
    throw new UserError(
      `snapshot "${entry.name}" was made by PostgreSQL ${entry.major === clusterMajor ? dataMajor : entry.major} ` +
        `(${entry.serverVersion}) and this cluster runs PostgreSQL ${clusterMajor}; it cannot be restored here ` +
        '(a major upgrade needs a dump and restore)',
    );
  }
}

/** A snapshot's files must be of the major it records (its manifest decides how it is restored). */
export function checkSnapshotData(entry: SnapshotEntry): void {
  const dataMajor = snapshotDataMajor(entry);
  if (dataMajor !== null && dataMajor !== entry.major) {
    throw new UserError(
      `snapshot "${entry.name}" records PostgreSQL ${entry.major} but its files are of ${dataMajor}; ` +
        'it cannot be restored',
    );
  }
}

/**
 * Make the cluster exactly the snapshot. The snapshot is copied into a staging dir first, while the
 * server still runs; only then is it stopped, the files swapped by renames (journaled, see swap.ts),
 * and it is started again: the server is down for the swap, not for the copy. devenv's own files
 * (.pgres/devenv: settings, logs, state) and the snapshots stay as they are.
 */
export async function restoreSnapshot(
  pg: PreparedPostgres,
  paths: ProjectPaths,
  entry: SnapshotEntry,
  users: ServerUsers,
  out: Output,
  /** A snapshot of another major (checked by the caller): the cluster.json it brings, written with the swap. */
  marker?: { file: string; content: string },
): Promise<RestoreOutcome> {
  if (marker) checkSnapshotData(entry);
  else checkRestorable(pg, entry);
  const session = await SnapshotSession.begin(paths, pg.fs, 'restore', out);
  const { files } = session;
  let staging: string | null = null;
  let trash: string | null = null;
  try {
    staging = await files.run('makeWorkDir', { dir: session.dir, prefix: RESTORE_PREFIX });
    // The ready copy made in the background after the last save or restore of this snapshot, if any.
    const fromReadyCopy =
      readyCopiesWanted() &&
      Boolean(entry.id) &&
      (await files.run('takeReadyCopy', { dir: session.dir, id: entry.id, to: staging }));
    if (!fromReadyCopy) {
      out.step(`copying snapshot "${entry.name}"`);
      await files.run('copyTree', { from: path.join(entry.dir, DATA), to: staging, mode: 'all' });
      // Postgres trusts these files once it runs on them (a snapshot needs no recovery): on disk first,
      // while the server still runs, so the flush is not part of its downtime.
      await files.run('syncTree', { dir: staging });
    }
    trash = await files.run('makeWorkDir', { dir: session.dir, prefix: TRASH_PREFIX });
    // A swap that fails midway keeps its journal, staging and trash: the next command rolls it forward.
    const swapDirs = { staging, trash };
    staging = trash = null;
    const t0 = performance.now();
    await users.around(async () => {
      await files.run('swap', {
        dir: session.dir,
        owner: process.pid,
        pgdata: paths.pgdata,
        ...swapDirs,
        ...(marker ? { after: marker } : {}),
      });
      // What provisioning made sure of was about the old files: the next start checks again (the snapshot
      // may predate a role, a database or an extension, or lack a branch's database).
      pg.fs.remove(paths.provisioned);
    });
    // From stopping the server until it runs again on the snapshot.
    const downMs = performance.now() - t0;
    // Deleting the previous files (~1 s per GB on ext4) need not hold up the prompt: a background rm,
    // and if that is killed, the next command's tidy-up finds the trash dir with its process gone.
    await files.run('removeInBackground', { path: swapDirs.trash });
    // The ready copy was used up (or there was none): make the next one.
    if (entry.copy === 'copy' && entry.id && readyCopiesWanted()) {
      runInBackground(pg.fs, 'prepareReadyCopy', { dir: session.dir, name: entry.name, id: entry.id });
    }
    return { downMs, fromReadyCopy };
  } finally {
    // Work dirs not handed on (a failure before the swap); a killed restore leaves them to tidy().
    for (const dir of [staging, trash]) if (dir) await files.run('removePath', { path: dir }).catch(() => undefined);
    await session.end();
  }
}

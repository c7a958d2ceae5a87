import { closeSync, existsSync, readSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { requireCluster } from '../postgres/cluster.js';
import type { PreparedPostgres } from '../postgres/prepare.js';
import { findRunningServer } from '../postgres/server.js';
import { withServerLock } from '../postgres/shared-server.js';
import type { ProjectPaths } from '../project/paths.js';
import type { Project } from '../project/project.js';
import { openRegular } from '../util/no-follow.js';
import { nodeCrypto } from '../util/node-crypto.js';
import type { Output } from '../util/output.js';
import type { SnapshotManifest } from './catalog.js';
import { type FileWorker, runInBackground } from './file-worker.js';
import { checkName, DATA, defaultName, MANIFEST, readyCopiesWanted, SAVE_PREFIX, snapshotDir } from './layout.js';
import { OnlineBackup } from './online-backup.js';
import { recoverCopy } from './recover-copy.js';
import { SnapshotSession } from './session.js';
import type { CopyResult } from './tree-copy.js';

export interface SaveOutcome {
  manifest: SnapshotManifest;
  /** How the running server was affected: in backup mode this long (it never stops), the checkpoint this long. */
  backupMs: number | null;
  checkpointMs: number | null;
}

function pickName(paths: ProjectPaths, requested: string | undefined): string {
  if (requested !== undefined) {
    const name = checkName(requested);
    if (existsSync(snapshotDir(paths, name))) {
      throw new UserError(
        `a snapshot named "${name}" already exists; choose another name or remove it first ` +
          `(\`devenv snapshot rm ${name}\`)`,
      );
    }
    return name;
  }
  const base = defaultName();
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!existsSync(snapshotDir(paths, name))) return name;
  }
}

/** The copy's files and what it says about the server. */
interface Copied {
  copy: CopyResult;
  method: SnapshotManifest['method'];
  serverVersion: string | null;
  databases: string[] | null;
  backupMs: number | null;
  checkpointMs: number | null;
  /** The copy is not a cleanly shut down cluster yet. */
  needsRecovery: boolean;
}

function plusWal(copy: CopyResult, wal: { files: number; bytes: number }): CopyResult {
  return { ...copy, files: copy.files + wal.files, bytes: copy.bytes + wal.bytes };
}

/** The server runs: copy in backup mode; the copy gets the backup's WAL and label. */
async function copyOnline(
  project: Project,
  files: FileWorker,
  data: string,
  name: string,
  out: Output,
): Promise<Copied> {
  const { pgdata } = project.paths;
  const backup = await OnlineBackup.open(project);
  try {
    const databases = await backup.databases();
    out.step('copying the cluster (server running, in backup mode)');
    const t0 = performance.now();
    const { checkpointMs } = await backup.start(`devenv snapshot ${name}`);
    const copy = await files.run('copyTree', { from: pgdata, to: data, mode: 'online' });
    const label = await backup.stop();
    const backupMs = performance.now() - t0;
    const wal = await files.run('copyWal', {
      fromWal: path.join(pgdata, 'pg_wal'),
      toWal: path.join(data, 'pg_wal'),
      range: label.wal,
    });
    await files.run('writeFile', { file: path.join(data, 'backup_label'), content: label.labelFile });
    if (label.tablespaceMap) {
      await files.run('writeFile', { file: path.join(data, 'tablespace_map'), content: label.tablespaceMap });
    }
    return {
      copy: plusWal(copy, wal),
      method: 'online',
      serverVersion: backup.serverVersion,
      databases,
      backupMs,
      checkpointMs,
      needsRecovery: true,
    };
  } catch (err) {
    if (!findRunningServer(pgdata)) {
      throw new UserError(
        `the server stopped while the snapshot was being taken; nothing was saved (${(err as Error).message})`,
      );
    }
    throw err;
  } finally {
    await backup.close();
  }
}

/** pg_control's bytes (root reads it as a regular file only, never through a link). */
function readControl(file: string): Buffer {
  const opened = openRegular(file);
  if (!opened) throw new UserError(`${file} is missing or not a regular file; the cluster is damaged`);
  try {
    const buf = Buffer.alloc(Math.min(opened.stat.size, 65536));
    const n = readSync(opened.fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(opened.fd);
  }
}

/** The server is stopped (and stays so: the caller holds the server lock): copy the files as they are. */
async function copyOffline(pgdata: string, files: FileWorker, data: string, out: Output): Promise<Copied> {
  out.step('copying the cluster (server stopped)');
  const control = path.join(pgdata, 'global', 'pg_control');
  const before = readControl(control);
  const range = await files.run('stoppedClusterRange', { pgdata });
  const copy = await files.run('copyTree', { from: pgdata, to: data, mode: 'offline' });
  const wal = await files.run('copyWal', {
    fromWal: path.join(pgdata, 'pg_wal'),
    toWal: path.join(data, 'pg_wal'),
    range,
    lastOptional: true,
  });
  // Started by hand meanwhile (devenv's own starts wait for the server lock)?
  if (findRunningServer(pgdata) || !before.equals(readControl(control))) {
    throw new UserError('the server was started while the snapshot was being taken; nothing was saved; run it again');
  }
  return {
    copy: plusWal(copy, wal),
    method: 'offline',
    serverVersion: null,
    databases: null,
    backupMs: null,
    checkpointMs: null,
    // No clean shutdown (a crash, an unrecovered restore): recover the copy rather than the original.
    needsRecovery: range === null,
  };
}

/**
 * Copy the whole cluster into `.pgres/snapshots/<name>/`, built in a work dir and renamed into place
 * once complete (a killed save leaves only a work dir, which the next command removes). A running
 * server keeps running: the copy is taken in backup mode. A stopped one is copied as it is, holding the
 * server lock so that devenv does not start it meanwhile. Either way the copy is then recovered to a
 * cleanly shut down cluster, so it is known to start and a restore needs no recovery.
 */
export async function saveSnapshot(
  pg: PreparedPostgres,
  project: Project,
  requested: string | undefined,
  out: Output,
  /**
   * readyCopy false: no copy for a fast restore is made in the background (an upgrade's own snapshot).
   * session: one the caller holds (an upgrade saves its snapshot inside its own session).
   */
  opts: { readyCopy?: boolean; session?: SnapshotSession } = {},
): Promise<SaveOutcome> {
  const { paths } = project;
  const major = requireCluster(paths.pgdata, pg.state).pgMajor;
  const name = pickName(paths, requested);
  const t0 = performance.now();
  const session = opts.session ?? (await SnapshotSession.begin(paths, pg.fs, 'save', out));
  const { files } = session;
  let work: string | null = null;
  try {
    work = await files.run('makeWorkDir', { dir: session.dir, prefix: SAVE_PREFIX });
    const data = path.join(work, DATA);
    await files.run('mkdir', { dir: data });
    const copied =
      (await withServerLock(paths, async () =>
        findRunningServer(paths.pgdata) ? null : copyOffline(paths.pgdata, files, data, out),
      )) ?? (await copyOnline(project, files, data, name, out));
    if (copied.needsRecovery) {
      out.step('recovering the copy to a consistent state');
      await recoverCopy(pg.binaries, data, pg.fs);
      for (const leftover of ['backup_label.old', 'tablespace_map.old']) {
        await files.run('removePath', { path: path.join(data, leftover) });
      }
    }
    const manifest: SnapshotManifest = {
      format: 1,
      id: nodeCrypto().randomBytes(8).toString('hex'),
      name,
      createdAt: new Date().toISOString(),
      major,
      serverVersion: copied.serverVersion ?? pg.binaries.version,
      bytes: copied.copy.bytes,
      files: copied.copy.files,
      databases: copied.databases,
      method: copied.method,
      copy: copied.copy.method,
      tookMs: Math.round(performance.now() - t0),
    };
    await files.run('writeFile', {
      file: path.join(work, MANIFEST),
      content: `${JSON.stringify(manifest, null, 2)}\n`,
    });
    // On disk before it is listed: a power cut must not leave a listed snapshot with missing blocks.
    await files.run('syncTree', { dir: work });
    await files.run('commit', { from: work, to: snapshotDir(paths, name) });
    work = null;
    // Where a copy costs real time (no cloning), prepare the next restore's copy now, in the background.
    if (copied.copy.method === 'copy' && readyCopiesWanted() && opts.readyCopy !== false) {
      runInBackground(pg.fs, 'prepareReadyCopy', { dir: session.dir, name, id: manifest.id });
    }
    return { manifest, backupMs: copied.backupMs, checkpointMs: copied.checkpointMs };
  } finally {
    if (work) await files.run('removePath', { path: work }).catch(() => undefined);
    if (!opts.session) await session.end();
  }
}

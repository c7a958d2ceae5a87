// `devenv upgrade` once it knows where to: a snapshot first (the new cluster's initdb runs meanwhile), then
// the new cluster is built in a work dir inside .pgres while the project's server is stopped (whatever used
// it is stopped and brought back by `users`), checked, and swapped in by the journaled swap a snapshot
// restore uses. Until the first rename the old cluster is
// untouched (its files only read), and every process the build starts is tethered to this one: a failure
// or a kill before the swap leaves the old cluster as it was, and the next snapshot or upgrade command
// removes the work dirs. A kill during the swap is finished by the next command (the new cluster was
// complete and checked by then), cluster.json included.
import { fchownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Binaries } from '../postgres/binaries.js';
import { type ClusterInfo, requireCluster } from '../postgres/cluster.js';
import type { PreparedPostgres } from '../postgres/prepare.js';
import { MAX_SOCKET_PATH, socketFile } from '../project/paths.js';
import type { Project } from '../project/project.js';
import type { FileWorker } from '../snapshot/file-worker.js';
import { SOCKETS_PREFIX, snapshotDir, TRASH_PREFIX, UPGRADE_PREFIX } from '../snapshot/layout.js';
import type { ServerUsers } from '../snapshot/restore.js';
import { type SaveOutcome, saveSnapshot } from '../snapshot/save.js';
import { SnapshotSession } from '../snapshot/session.js';
import { withDirectory } from '../util/no-follow.js';
import type { Output } from '../util/output.js';
import type { Inventory } from './inventory.js';
import { type BuildJob, fillNewCluster, initNewCluster } from './new-cluster.js';
import type { Route } from './route.js';
import { NEW_PORT } from './temp-server.js';

export interface UpgradeJob {
  /** The cluster with the old major's binaries. */
  pg: PreparedPostgres;
  project: Project;
  target: Binaries;
  route: Route;
  /** The name of the snapshot saved first. */
  snapshot: string;
  users: ServerUsers;
  out: Output;
}

export interface UpgradeOutcome {
  inventory: Inventory;
  /** pg_upgrade cloned the files (the filesystem can: the snapshot's copy did). */
  clone: boolean;
  /** From stopping the project's server until it could run again on the new cluster. */
  downMs: number;
}

/** Where the private servers put their sockets: a work dir beside the new cluster, or /tmp if that path is too long. */
async function socketDir(dir: string, files: FileWorker, pg: PreparedPostgres): Promise<string> {
  const longest = path.join(dir, `${SOCKETS_PREFIX}${process.pid}-xxxxxx`, socketFile(NEW_PORT));
  if (Buffer.byteLength(longest) <= MAX_SOCKET_PATH) {
    return files.run('makeWorkDir', { dir, prefix: SOCKETS_PREFIX });
  }
  const made = mkdtempSync(path.join(tmpdir(), 'devenv-upgrade-'));
  const { account } = pg.fs;
  if (account) withDirectory(made, (fd) => fchownSync(fd, account.uid, account.gid));
  return made;
}

/** The snapshot, and meanwhile the new cluster's initdb (CPU while the copy waits on the disk). */
async function snapshotAndInit(job: UpgradeJob, session: SnapshotSession, build: BuildJob): Promise<SaveOutcome> {
  const init = initNewCluster(build);
  // No ready copy of it: that copy would compete with the upgrade for the disk, and going back is rare.
  const saving = saveSnapshot(job.pg, job.project, job.snapshot, job.out, { readyCopy: false, session });
  // Both settle before either failure is passed on: the caller then removes the work dir initdb writes in.
  const [saved, inited] = await Promise.allSettled([saving, init]);
  if (saved.status === 'rejected') throw saved.reason;
  if (inited.status === 'rejected') {
    await session.files.run('remove', { dir: session.dir, target: snapshotDir(job.project.paths, job.snapshot) });
    throw inited.reason;
  }
  return saved.value;
}

export async function upgradeCluster(job: UpgradeJob): Promise<UpgradeOutcome> {
  const { pg, project, target, out } = job;
  const { paths } = project;
  const state = requireCluster(paths.pgdata, pg.state);
  const session = await SnapshotSession.begin(paths, pg.fs, 'upgrade', out);
  const { files } = session;
  const work: string[] = [];
  let snapshot: string | null = null;
  try {
    const staging = await files.run('makeWorkDir', { dir: session.dir, prefix: UPGRADE_PREFIX });
    work.push(staging);
    const sockets = await socketDir(session.dir, files, pg);
    work.push(sockets);
    const trash = await files.run('makeWorkDir', { dir: session.dir, prefix: TRASH_PREFIX });
    work.push(trash);
    const build: BuildJob = {
      project,
      superuser: state.info.superuser,
      old: pg.binaries,
      target,
      route: job.route,
      staging,
      socketDir: sockets,
      clone: false,
      fs: pg.fs,
      out,
    };
    const saved = await snapshotAndInit(job, session, build);
    build.clone = saved.manifest.copy === 'reflink';
    snapshot = snapshotDir(paths, job.snapshot);
    const info: ClusterInfo = {
      ...state.info,
      major: target.major,
      version: target.version,
      bindir: target.bindir,
      source: target.source,
    };
    let inventory: Inventory | null = null;
    const t0 = performance.now();
    await job.users.around(async () => {
      inventory = await fillNewCluster(build);
      // Loaded without flushing: on disk before it becomes the cluster.
      await files.run('syncTree', { dir: staging });
      // From here the journal owns staging and trash: a swap that fails midway is finished by the next command.
      work.splice(work.indexOf(staging), 1);
      work.splice(work.indexOf(trash), 1);
      snapshot = null;
      await files.run('swap', {
        dir: session.dir,
        owner: process.pid,
        pgdata: paths.pgdata,
        staging,
        trash,
        after: { file: paths.marker, content: `${JSON.stringify(info, null, 2)}\n` },
      });
      // What provisioning made sure of was about the old files: the next start checks again.
      pg.fs.remove(paths.provisioned);
    });
    const downMs = performance.now() - t0;
    await files.run('removeInBackground', { path: trash });
    return { inventory: inventory!, clone: build.clone, downMs };
  } catch (err) {
    // Nothing was changed: the snapshot of it is only a copy of the cluster as it still is.
    if (snapshot) await files.run('remove', { dir: session.dir, target: snapshot }).catch(() => undefined);
    throw err;
  } finally {
    for (const dir of work) await files.run('removePath', { path: dir }).catch(() => undefined);
    await session.end();
  }
}

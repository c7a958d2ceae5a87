// Building the new cluster beside the old one: initdb by the new major's binaries (as the cluster's
// account; while the snapshot is copied, as it needs nothing of the old cluster), the data moved by the
// route, then the check that it holds what the old one holds. The old cluster's files are only read (its
// server runs privately for the dump and the check).
import type { Binaries } from '../postgres/binaries.js';
import type { ClusterFs } from '../postgres/cluster-fs.js';
import { initClusterIn } from '../postgres/create-cluster.js';
import type { Project } from '../project/project.js';
import type { Output } from '../util/output.js';
import { dumpAndRestore } from './dump-restore.js';
import { compareInventories, type Inventory, takeInventory } from './inventory.js';
import { runPgUpgrade } from './pg-upgrade.js';
import type { Route } from './route.js';
import { LOADING, NEW_PORT, OLD_PORT, startTempServer, type TempServer } from './temp-server.js';

export interface BuildJob {
  project: Pick<Project, 'paths' | 'config'>;
  /** The old cluster's bootstrap superuser (the new one gets the same: pg_upgrade requires it). */
  superuser: string;
  old: Binaries;
  /** What the project runs once the cluster is of the new major. */
  target: Binaries;
  route: Route;
  /** The new cluster's directory: empty, the account's. */
  staging: string;
  socketDir: string;
  clone: boolean;
  fs: ClusterFs;
  out: Output;
}

/** Both servers up (old first), `fn` run with them, both stopped whatever happens. */
async function withServers<T>(
  job: BuildJob,
  loading: boolean,
  fn: (old: TempServer, neu: TempServer) => Promise<T>,
): Promise<T> {
  const common = { socketDir: job.socketDir, settings: job.project.config.postgres.settings, fs: job.fs };
  const old = await startTempServer({
    ...common,
    label: 'the old cluster',
    binaries: job.old,
    pgdata: job.project.paths.pgdata,
    port: OLD_PORT,
  });
  try {
    const neu = await startTempServer({
      ...common,
      label: 'the new cluster',
      binaries: job.route.kind === 'pg_upgrade' ? job.route.newBinaries : job.target,
      pgdata: job.staging,
      port: NEW_PORT,
      extra: loading ? LOADING : [],
    });
    try {
      return await fn(old, neu);
    } finally {
      await neu.stop();
    }
  } finally {
    await old.stop();
  }
}

/** The old cluster's inventory and the new one's, compared: throws one line at the first difference. */
async function check(job: BuildJob, old: TempServer, neu: TempServer): Promise<Inventory> {
  job.out.step('checking that every table has its rows and every sequence its value');
  const at = (s: TempServer) => ({ socketDir: s.socketDir, port: s.port, user: job.superuser });
  const before = await takeInventory(at(old));
  compareInventories(before, await takeInventory(at(neu)), { from: job.old.major, to: job.target.major });
  return before;
}

/** The new cluster's pristine files (initdb of the new major): reads nothing of the old cluster. */
export function initNewCluster(job: Omit<BuildJob, 'old' | 'socketDir' | 'clone'>): Promise<void> {
  const initBinaries = job.route.kind === 'pg_upgrade' ? job.route.newBinaries : job.target;
  const cluster = { paths: job.project.paths, superuser: job.superuser };
  return initClusterIn(job.staging, cluster, initBinaries, job.fs, job.out);
}

/** Fill the initialised new cluster in job.staging from the old one and check it; returns what it holds. */
export async function fillNewCluster(job: BuildJob): Promise<Inventory> {
  const { route, out } = job;
  if (route.kind === 'dump') {
    return withServers(job, true, async (old, neu) => {
      out.step(`copying every database with ${route.dumpall.file} into PostgreSQL ${job.target.version}`);
      await dumpAndRestore({
        dumpall: route.dumpall.file,
        psql: route.psql,
        superuser: job.superuser,
        from: old,
        to: neu,
        toVersion: job.target.version,
        fs: job.fs,
      });
      return check(job, old, neu);
    });
  }
  out.step(`running ${route.tool.file}`);
  await runPgUpgrade({
    tool: route.tool.file,
    major: route.newBinaries.major,
    oldBindir: route.oldBindir,
    newBindir: route.newBinaries.bindir,
    oldData: job.project.paths.pgdata,
    newData: job.staging,
    superuser: job.superuser,
    socketDir: job.socketDir,
    clone: job.clone,
    fs: job.fs,
  });
  return withServers(job, false, (old, neu) => check(job, old, neu));
}

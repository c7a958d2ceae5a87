import type { Project } from '../project/project.js';
import type { Output } from '../util/output.js';
import { findBinaries, type Binaries } from './binaries.js';
import {
  checkDataDirAccess,
  checkMajor,
  createCluster,
  inspectDataDir,
  type DataDirState,
  type InitResult,
} from './cluster.js';
import { resolveAccount, type Account } from './privileges.js';
import { findRunningServer, startServer, type ServerHandle, type StartOptions } from './server.js';
import { settleSnapshotWork } from '../snapshot/guard.js';

/** A project with its server binaries and the account postgres runs as, after all preflight checks. */
export interface PreparedPostgres {
  project: Project;
  binaries: Binaries;
  account: Account | null;
  state: DataDirState;
}

/** The server binaries for this project: configured ones, the required major, else the cluster's own major. */
export function projectBinaries(project: Project, state: DataDirState): Binaries {
  return findBinaries({
    configured: project.config.postgres.binaries,
    requireMajor: project.config.postgres.version,
    preferMajor: state.state === 'ready' ? state.pgMajor : undefined,
  });
}

export function preparePostgres(project: Project): PreparedPostgres {
  const state = inspectDataDir(project);
  const binaries = projectBinaries(project, state);
  if (state.state === 'ready') checkMajor(project, state.pgMajor, binaries);
  const account = resolveAccount(project.config.postgres.runAs);
  return { project, binaries, account, state };
}

/** Create .pgres if it is not there yet. */
export async function ensureCluster(pg: PreparedPostgres, out: Output): Promise<InitResult> {
  if (pg.state.state === 'ready') return { created: false };
  const result = await createCluster(pg.project, pg.binaries, pg.account, { notice: out.notice, step: out.step });
  pg.state = inspectDataDir(pg.project);
  return result;
}

export interface RunningServer {
  pid: number;
  /** Set when this call started the server (the caller owns stopping it). */
  handle?: ServerHandle;
}

/** Use the cluster's running server if there is one (verified), else start it. */
export async function ensureServer(pg: PreparedPostgres, out: Output, opts: StartOptions): Promise<RunningServer> {
  let running = findRunningServer(pg.project);
  if (running) return { pid: running };
  // A snapshot restore may be swapping the files (it starts the server again itself when done).
  await settleSnapshotWork(pg.project, pg.account, out);
  running = findRunningServer(pg.project);
  if (running) return { pid: running };
  checkDataDirAccess(pg.project, pg.account, out.notice);
  try {
    const handle = await startServer(pg.project, pg.binaries, pg.account, opts);
    return { pid: handle.pid, handle };
  } catch (err) {
    // Another devenv may have started it a moment ago: use that one.
    const other = findRunningServer(pg.project);
    if (other) return { pid: other };
    throw err;
  }
}

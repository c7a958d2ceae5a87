import { type Project, projectAt } from '../project/project.js';
import type { Output } from '../util/output.js';
import { type Binaries, findBinaries } from './binaries.js';
import { adoptOwnDir, checkDataDirAccess, checkMajor, type DataDirState, inspectDataDir } from './cluster.js';
import { createCluster, type InitResult } from './create-cluster.js';
import { checkNoInterruptedSwap } from './interrupted-swap.js';
import { readPostmasterPid } from './postmaster-pid.js';
import { type Account, resolveAccount } from './privileges.js';
import { findRunningServer, type ServerHandle, type StartOptions, startServer, waitServing } from './server.js';
import { prepareTcp } from './tcp-access.js';

/** A server started before a postgres.tcp change still has its old port (and socket name): say so. */
function checkServerPort(project: Project, out: Output): void {
  const pm = readPostmasterPid(project.paths.pgdata);
  if (pm?.port && pm.port !== project.port) {
    out.notice(
      `the running server (pid ${pm.pid}) uses port ${pm.port}, but devenv.json now means port ${project.port} ` +
        '(postgres.tcp): restart it (`devenv down`, or restart `devenv up`) to apply',
    );
  }
}

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
  if (state.state === 'ready') adoptOwnDir(project, account);
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
  const running = findRunningServer(pg.project);
  // One that is shutting down is no use: wait for it to go and start a new one.
  if (running && (await waitServing(pg.project, running))) {
    checkServerPort(pg.project, out);
    return { pid: running };
  }
  checkNoInterruptedSwap(pg.project.paths);
  checkDataDirAccess(pg.project, pg.account, out.notice);
  const tcp = await prepareTcp(pg.project, pg.account);
  // The port was picked just now: paths (socket) and environment follow it.
  if (tcp && tcp.port !== pg.project.port) pg.project = projectAt(pg.project.root, { config: pg.project.config });
  try {
    const handle = await startServer(pg.project, pg.binaries, pg.account, { ...opts, tcp });
    return { pid: handle.pid, handle };
  } catch (err) {
    // Another devenv may have started it a moment ago: use that one.
    const other = findRunningServer(pg.project);
    if (other) return { pid: other };
    throw err;
  }
}

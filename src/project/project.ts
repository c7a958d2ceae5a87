import { UserError } from '../errors.js';
import { type BranchState, branchState } from './branches.js';
import { type Config, loadConfig } from './config.js';
import { contractEnvironment, databaseName, osUserName } from './environment.js';
import { type ProjectPaths, projectPaths } from './paths.js';
import { findProjectRoot, requireProjectRoot } from './root.js';
import { readTcpPassword, serverPort, type TcpEndpoint, tcpEndpoint } from './tcp.js';

/** Everything a command needs to know about one project, computed once. */
export interface Project {
  root: string;
  config: Config;
  paths: ProjectPaths;
  /** Name of the cluster's superuser (the OS user). */
  superuser: string;
  /** The main project database (the default git branch's, with postgres.branches). */
  database: string;
  /** Every project database: the main one, then postgres.databases (branch databases are copies, not listed). */
  databases: string[];
  /** postgres.branches "git" in a repository: the branch, and the database clients use on it. */
  branch: BranchState | null;
  /** The role apps and shells connect as: postgres.role, else the superuser. */
  appUser: string;
  /** The server's port: 5432 (socket only) or the TCP port. */
  port: number;
  tcp: TcpEndpoint | null;
  /** The environment contract (PGDATA, PGHOST, ...), as shells see it: no password. */
  env: Record<string, string>;
}

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

export function projectAt(root: string, opts: { config?: Config; env?: NodeJS.ProcessEnv } = {}): Project {
  const config = opts.config ?? loadConfig(root);
  const superuser = osUserName();
  checkDatabaseConfig(config, superuser);
  const tcp = tcpEndpoint(config, root);
  const port = serverPort(tcp);
  const paths = projectPaths(root, opts.env, port);
  const database = databaseName(config);
  const databases = [...new Set([database, ...(config.postgres.databases ?? [])])];
  const appUser = config.postgres.role ?? superuser;
  const branch = branchState(root, config, database);
  return {
    root,
    config,
    paths,
    superuser,
    database,
    databases,
    branch,
    appUser,
    port,
    tcp,
    env: contractEnvironment({ paths, port, tcp, user: appUser, database: branch?.database ?? database }),
  };
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

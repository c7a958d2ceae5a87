import { type Config, loadConfig } from './config.js';
import { databaseName, osUserName, projectEnvironment } from './environment.js';
import { type ProjectPaths, projectPaths } from './paths.js';
import { findProjectRoot, requireProjectRoot } from './root.js';

/** Everything a command needs to know about one project, computed once. */
export interface Project {
  root: string;
  config: Config;
  paths: ProjectPaths;
  /** Name of the cluster's superuser (the OS user). */
  superuser: string;
  database: string;
  /** The environment contract (PGDATA, PGHOST, ...). */
  env: Record<string, string>;
}

export function projectAt(root: string): Project {
  const config = loadConfig(root);
  const paths = projectPaths(root);
  return {
    root,
    config,
    paths,
    superuser: osUserName(),
    database: databaseName(config),
    env: projectEnvironment(paths, config),
  };
}

/** The enclosing project; with `create`, the current directory becomes one if there is none. */
export function openProject(cwd: string, opts: { create?: boolean } = {}): Project {
  const root = opts.create ? (findProjectRoot(cwd) ?? cwd) : requireProjectRoot(cwd);
  return projectAt(root);
}

// The apps of a project as `devenv up` runs them: each sees, in layers, our environment (less
// what `up -d` set for itself), then the project's .env, then the environment contract (PGDATA,
// DATABASE_URL, ..., DATABASE_URL_TCP with the password), then what a control request asked for,
// then its own variables.
import type { AppDefinition } from '../app-definition.js';
import { readDotenv } from '../project/dotenv-file.js';
import { appDefinitions } from '../project/processes.js';
import { clientEnvironment, type Project } from '../project/project.js';

/** Set by `up -d` for the background `up` it starts: it is ours, and no app inherits it. */
export const DETACHED_ENV = 'PGRES_UP_DETACHED';

/** Our environment as apps inherit it. */
export function inheritedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const inherited = { ...env };
  delete inherited[DETACHED_ENV];
  return inherited;
}

/**
 * Give each app its whole environment, layered as above (the .env and the TCP password are read
 * now). `overrides`: variables another devenv command asked the running `up` for (a new DATABASE_URL).
 */
export function withAppEnvironment(
  project: Project,
  apps: AppDefinition[],
  overrides: Record<string, string> = {},
): AppDefinition[] {
  const base = {
    ...inheritedEnv(),
    ...readDotenv(project.root),
    ...clientEnvironment(project, { password: true }),
    ...overrides,
  };
  return apps.map((app) => ({ ...app, env: { ...base, ...app.env } }));
}

/** The project's apps (the command after `--`, devenv.json, a Procfile), ready to run. */
export function projectApps(
  project: Project,
  command: string[],
  overrides: Record<string, string> = {},
): AppDefinition[] {
  return withAppEnvironment(project, appDefinitions(project.root, project.config, command).apps, overrides);
}

// The apps of a project as `devenv up` runs them, each with its whole environment (childEnvironment:
// ours, the .env, the contract with the TCP password), then what a control request asked for, then its
// own variables.
import type { AppDefinition } from '../app-definition.js';
import { childEnvironment } from '../project/child-env.js';
import { appDefinitions } from '../project/processes.js';
import type { Project } from '../project/project.js';
import { RUN_MARKER_ENV, runMarker } from './escaped-apps.js';

export { DETACHED_ENV } from '../project/child-env.js';

/**
 * Give each app its whole environment (the .env and the TCP password are read now). `overrides`:
 * variables another devenv command asked the running `up` for (a new DATABASE_URL).
 */
export function withAppEnvironment(
  project: Project,
  apps: AppDefinition[],
  overrides: Record<string, string> = {},
): AppDefinition[] {
  // The run's mark goes under the app's own variables: an app cannot unmark itself by accident.
  const base = childEnvironment(project, { password: true, extra: { ...overrides, [RUN_MARKER_ENV]: runMarker() } });
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

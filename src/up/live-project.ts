// The one project a running `devenv up` works with. It is replaced whole (a reload, a port the server
// picked at a start), never changed: whoever reads it gets one value or the next, never a mix.
import type { AppDefinition } from '../app-definition.js';
import { atPort, type Project } from '../project/project.js';
import { projectApps, withAppEnvironment } from './app-env.js';

export class LiveProject {
  private value: Project;
  /** What a control request asked every app to get on top of the contract (a new DATABASE_URL). */
  private overrides: Record<string, string> = {};

  constructor(
    project: Project,
    /** The ad-hoc app of `up -- CMD ARGS...` ([] for none). */
    private readonly command: string[],
  ) {
    this.value = project;
  }

  get current(): Project {
    return this.value;
  }

  replace(next: Project): void {
    this.value = next;
  }

  /** The server runs on `port` now (postgres.tcp: true may have picked it at this start): paths and URLs follow. */
  settle(port: number): void {
    this.value = atPort(this.value, port);
  }

  setOverrides(env: Record<string, string>): void {
    this.overrides = env;
  }

  /** The apps of `project` (the current one unless told), read from its files, with their environment. */
  apps(project: Project = this.value): AppDefinition[] {
    return projectApps(project, this.command, this.overrides);
  }

  /** These app definitions with their environment in the current project. */
  withEnvironment(apps: AppDefinition[]): AppDefinition[] {
    return withAppEnvironment(this.value, apps, this.overrides);
  }
}
